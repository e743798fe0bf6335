/**
 * Runtime shape capture (`modelpress profile --shapes runtime`): expose every intermediate value of the
 * main graph as a graph output, run the model once in onnxruntime-node with seeded random inputs, and
 * read each output's dims. Useful where static inference cannot know a shape (data-dependent ops such
 * as NonZero, or ops without a rule); the analysis then uses the observed shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { dtypeName } from '../onnx/dtypes.js';
import type { Graph, Model, ValueInfo } from '../onnx/model.js';
import { serializeModel, writeModel } from '../onnx/writer.js';
import { makeFeeds } from './inputs.js';

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

function usesExternalData(g: Graph): boolean {
  if (g.initializers.some((t) => t.data.kind === 'external')) return true;
  return g.nodes.some((n) => n.attributes.some((a) => (a.type === 'graph' ? usesExternalData(a.value) : a.type === 'graphs' && a.value.some(usesExternalData))));
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
  const exposed = exposeAllValues(model);
  // External data resolves against the model's folder, so such a model is written beside the original.
  let tempFile: string | undefined;
  let session: ort.InferenceSession;
  // Severity 4 (fatal only): a model ORT cannot run is reported once, as a ShapeCaptureError.
  const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 };
  try {
    if (model.path && usesExternalData(model.graph)) {
      tempFile = path.join(path.dirname(model.path), `.${path.basename(model.path)}.shapes.${process.pid}.onnx`);
      writeModel(exposed, tempFile);
      session = await ort.InferenceSession.create(tempFile, sessionOptions);
    } else {
      session = await ort.InferenceSession.create(serializeModel(exposed), sessionOptions);
    }
  } catch (err) {
    throw new ShapeCaptureError(where, `onnxruntime cannot load the model (${firstLine(err)})`);
  } finally {
    if (tempFile) fs.rmSync(tempFile, { force: true });
  }
  try {
    const feeds = {
      ...makeFeeds(
        inputs.filter((i) => !options.feeds?.[i.name]).map((i) => ({ name: i.name, dtype: dtypeName(i.dtype), shape: [...i.shape] })),
        options.seed ?? 1,
      ),
      ...options.feeds,
    };
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
