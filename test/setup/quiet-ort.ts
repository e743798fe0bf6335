/**
 * Test setup (vitest `setupFiles`): onnxruntime's own log limited to fatal messages in every test
 * worker. Its warnings about the backend test models (opset 6 "only guarantees support for opset 7",
 * "Transpose optimizer failed", unused initializers) and its log line for a model it refuses to load
 * are expected there and would bury the results. Nothing is lost: a model it cannot load or run
 * still fails with that error as an exception, which the tests check.
 */
import * as ort from 'onnxruntime-node';

ort.env.logLevel = 'fatal';
