/**
 * Child-process entry point of runtime shape capture: onnxruntime runs a crafted model here, not in
 * the modelpress process, so a native crash (a SIGFPE inside a kernel, an abort) ends this process
 * and becomes one message naming the file. One worker serves a process's captures in turn (a session
 * per request); it exits when its parent dies.
 */
import * as ort from 'onnxruntime-node';
import { makeFeeds } from './inputs.js';
import type { ShapeReply, ShapeRequest } from './shape-protocol.js';

async function capture(request: ShapeRequest): Promise<ShapeReply> {
  // Severity 4 (fatal only): a model ORT cannot run is reported once, as a message.
  const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 };
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(request.modelPath, sessionOptions);
  } catch (err) {
    return { id: request.id, ok: false, phase: 'load', message: firstLine(err) };
  }
  try {
    const feeds: Record<string, ort.Tensor> = { ...makeFeeds(request.inputs, request.seed) };
    for (const f of request.feeds) feeds[f.name] = new ort.Tensor(f.type as ort.Tensor.Type, f.data as never, f.dims);
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds);
    } catch (err) {
      return { id: request.id, ok: false, phase: 'run', message: firstLine(err) };
    }
    const shapes: [string, number[]][] = [];
    for (const [name, value] of Object.entries(results)) {
      if (value && typeof value === 'object' && 'dims' in value) shapes.push([name, (value as ort.Tensor).dims.map(Number)]);
    }
    return { id: request.id, ok: true, shapes };
  } catch (err) {
    return { id: request.id, ok: false, phase: 'run', message: firstLine(err) };
  } finally {
    await session.release();
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}

// The parent gone (kill -9 of a build), nothing is left to answer: exit at once.
process.on('disconnect', () => process.exit(3));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(3);
}, 200).unref();

process.on('message', (request: ShapeRequest) => {
  void capture(request).then((reply) => process.send?.(reply));
});
