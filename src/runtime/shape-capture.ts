/**
 * Runtime shape capture (`modelpress profile --shapes runtime`): expose every intermediate value of the
 * main graph as a graph output, run the model once in onnxruntime-node with seeded random inputs, and
 * read each output's dims. Useful where static inference cannot know a shape (data-dependent ops such
 * as NonZero, or ops without a rule); the analysis then uses the observed shapes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { dtypeName } from '../onnx/dtypes.js';
import type { Model, ValueInfo } from '../onnx/model.js';
import { forEachTensor } from '../onnx/tensor-data.js';
import { writeModel } from '../onnx/writer.js';
import { checkInputSpecs, InputSpecError, makeFeeds } from './inputs.js';

/** An input to feed: name, ONNX element type, concrete shape. */
export interface CaptureInput {
  name: string;
  dtype: number;
  shape: readonly number[];
}

/** onnxruntime could not run the model; says what it reported. */
export class ShapeCaptureError extends Error {
  constructor(where: string, reason: string) {
    super(`${where}: runtime shape capture failed: ${reason}`);
    this.name = 'ShapeCaptureError';
  }
}

/** True when any tensor anywhere in the model (sub-graphs, functions, attributes) keeps its bytes in a file. */
function usesExternalData(model: Model): boolean {
  let found = false;
  forEachTensor(model, (t) => {
    if (t.data.kind === 'external') found = true;
  });
  return found;
}

/** The model with every node output of the main graph listed as a graph output (types left to ORT). */
export function exposeAllValues(model: Model): Model {
  const g = model.graph;
  const listed = new Set(g.outputs.map((o) => o.name));
  const extra: ValueInfo[] = [];
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (o === '' || listed.has(o)) continue;
      listed.add(o);
      extra.push({ name: o });
    }
  }
  return { ...model, graph: { ...g, outputs: [...g.outputs, ...extra] } };
}

export interface CaptureOptions {
  /** Seed of the random inputs (default 1). */
  seed?: number;
  /** Tensors to feed instead of random ones (e.g. recorded inputs whose values decide shapes). */
  feeds?: Record<string, ort.Tensor>;
}

/** Run the model once and return the observed dims of every main-graph value it produced. */
export async function captureShapes(model: Model, inputs: readonly CaptureInput[], options: CaptureOptions = {}): Promise<Map<string, number[]>> {
  const where = model.path ?? '<memory>';
  const specs = inputs.filter((i) => !options.feeds?.[i.name]).map((i) => ({ name: i.name, dtype: dtypeName(i.dtype), shape: [...i.shape] }));
  try {
    checkInputSpecs(specs);
  } catch (err) {
    if (err instanceof InputSpecError) throw new ShapeCaptureError(where, err.message);
    throw err;
  }
  const exposed = exposeAllValues(model);
  // onnxruntime is always handed a file, never bytes: it resolves external data against the folder
  // of the file it opens (for bytes, against the working directory, which is how a crafted model read
  // files it should not). A model with external data (every location already checked to stay in its
  // folder by the reader) is written beside the original; any other into a fresh private folder, where
  // a location could name nothing.
  const external = usesExternalData(model);
  if (external && !model.path) {
    throw new ShapeCaptureError(where, 'the model keeps tensors in external data files but was not read from a file, so they cannot be found');
  }
  const tempDir = external ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-shapes-'));
  const tempFile = tempDir ? path.join(tempDir, 'model.onnx') : path.join(path.dirname(model.path!), `.${path.basename(model.path!)}.shapes.${process.pid}.onnx`);
  let session: ort.InferenceSession;
  // Severity 4 (fatal only): a model ORT cannot run is reported once, as a ShapeCaptureError.
  const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 };
  try {
    try {
      writeModel(exposed, tempFile);
    } catch (err) {
      throw new ShapeCaptureError(where, `cannot write the model for onnxruntime to ${tempFile} (${firstLine(err)})`);
    }
    try {
      session = await ort.InferenceSession.create(tempFile, sessionOptions);
    } catch (err) {
      throw new ShapeCaptureError(where, `onnxruntime cannot load the model (${firstLine(err)})`);
    }
  } finally {
    fs.rmSync(tempDir ?? tempFile, { force: true, recursive: true });
  }
  try {
    const feeds = { ...makeFeeds(specs, options.seed ?? 1), ...options.feeds };
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds);
    } catch (err) {
      throw new ShapeCaptureError(where, `onnxruntime cannot run the model (${firstLine(err)})`);
    }
    const shapes = new Map<string, number[]>();
    for (const [name, value] of Object.entries(results)) {
      if (value && typeof value === 'object' && 'dims' in value) shapes.set(name, (value as ort.Tensor).dims.map(Number));
    }
    return shapes;
  } finally {
    await session.release();
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
