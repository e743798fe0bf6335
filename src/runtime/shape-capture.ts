/**
 * Runtime shape capture (`modelpress profile --shapes runtime`): expose every intermediate value of the
 * main graph as a graph output, run the model once in onnxruntime-node with seeded random inputs, and
 * read each output's dims. onnxruntime runs in a worker process (shape-worker.ts): a crafted model that
 * crashes it natively ends in a ShapeCaptureError, not in the death of modelpress. Useful where static inference cannot know a shape (data-dependent ops such
 * as NonZero, or ops without a rule); the analysis then uses the observed shapes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { dtypeName } from '../onnx/dtypes.js';
import type { Model, ValueInfo } from '../onnx/model.js';
import { forEachTensor } from '../onnx/tensor-data.js';
import { writeModel } from '../onnx/writer.js';
import { checkInputSpecs, InputSpecError } from './inputs.js';
import { workerCommand } from './orchestrator.js';
import type { ShapeReply, ShapeRequest } from './shape-protocol.js';

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
  /** Give up on onnxruntime after this long (default 10 minutes). */
  timeoutMs?: number;
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
  const tempFile = tempDir
    ? path.join(tempDir, 'model.onnx')
    : path.join(path.dirname(model.path!), `.${path.basename(model.path!)}.shapes.${process.pid}.onnx`);
  try {
    try {
      writeModel(exposed, tempFile);
    } catch (err) {
      throw new ShapeCaptureError(where, `cannot write the model for onnxruntime to ${tempFile} (${firstLine(err)})`);
    }
    const feeds = Object.entries(options.feeds ?? {}).map(([name, t]) => ({ name, type: t.type, dims: [...t.dims], data: t.data }));
    const reply = await shapeWorker.run({ modelPath: tempFile, inputs: specs, seed: options.seed ?? 1, feeds }, options.timeoutMs ?? 600_000);
    if ('crashed' in reply)
      throw new ShapeCaptureError(where, `onnxruntime crashed running the model (${reply.crashed}); the model is malformed or meets an onnxruntime bug`);
    if (!reply.ok) throw new ShapeCaptureError(where, `onnxruntime cannot ${reply.phase} the model (${reply.message})`);
    return new Map(reply.shapes);
  } finally {
    fs.rmSync(tempDir ?? tempFile, { force: true, recursive: true });
  }
}

/**
 * The worker process onnxruntime runs in for shape capture: started on first use, kept for the next
 * capture (one request at a time), restarted after a crash. It never keeps this process alive while
 * idle, and exits with it.
 */
class ShapeWorker {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private pending = new Map<number, (r: ShapeReply | { crashed: string }) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  run(request: Omit<ShapeRequest, 'id'>, timeoutMs: number): Promise<ShapeReply | { crashed: string }> {
    const job = this.queue.then(() => this.send(request, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private start(): ChildProcess {
    const { command, args } = workerCommand('shape-worker');
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-1000);
    });
    child.on('message', (reply: ShapeReply) => {
      const done = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      done?.(reply);
      if (this.pending.size === 0) this.idle(child);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const tail = stderr.trim().split('\n').slice(-2).join(' | ');
      const how = signal ? `the worker was killed by ${signal}` : `the worker exited with code ${code}`;
      for (const done of this.pending.values()) done({ crashed: tail ? `${how}: ${tail}` : how });
      this.pending.clear();
    });
    return child;
  }

  private idle(child: ChildProcess): void {
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private busy(child: ChildProcess): void {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
    (child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  private send(request: Omit<ShapeRequest, 'id'>, timeoutMs: number): Promise<ShapeReply | { crashed: string }> {
    const child = (this.child ??= this.start());
    const id = this.nextId++;
    this.busy(child);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ crashed: `no answer within ${Math.round(timeoutMs / 1000)} s; the worker was stopped` });
        child.kill('SIGKILL');
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send({ ...request, id } satisfies ShapeRequest);
    });
  }
}

const shapeWorker = new ShapeWorker();

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
