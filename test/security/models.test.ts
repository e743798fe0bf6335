/**
 * Issue 19, items 1, 3, 4, 5 and 7 (model side): hostile ONNX files built with the builder (tiny),
 * each refused with one clear message naming the file and the tensor, node or input, or analysed
 * within bounds. The sentinel (sentinel.ts) proves no read outside the model's folder without strace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINED_NODES } from '../../src/analysis/functions.js';
import { MAX_SCOPE_DEPTH, moduleTree, scopeOf } from '../../src/analysis/modules.js';
import { analyzeModel, profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { ModelLoadError } from '../../src/onnx/errors.js';
import { MAX_GRAPH_NESTING, MAX_TYPE_NESTING, readModel, readModelBytes } from '../../src/onnx/reader.js';
import { serializeModel, writeModel } from '../../src/onnx/writer.js';
import { captureShapes, ShapeCaptureError } from '../../src/runtime/shape-capture.js';
import * as H from './hostile-models.js';
import { atimeDetectsReads, leakedIn, prepareSentinel, type Sentinel, SENTINEL_DIMS, SENTINEL_NAME, sentinelWasRead } from './sentinel.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

let dir: string;
let modelDir: string;
let sentinel: Sentinel;
let atimeWorks: boolean;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-security-'));
  modelDir = path.join(dir, 'models');
  fs.mkdirSync(modelDir);
  atimeWorks = atimeDetectsReads(dir);
  if (!atimeWorks) console.warn('this file system does not record reads in access times (noatime): the sentinel is checked by its content only');
  sentinel = prepareSentinel(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, model: Parameters<typeof writeModel>[0] | Buffer): string {
  const file = path.join(modelDir, name);
  if (Buffer.isBuffer(model)) fs.writeFileSync(file, model);
  else writeModel(model, file);
  return file;
}

function loadError(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelLoadError) return err;
    throw err;
  }
  throw new Error('expected a ModelLoadError');
}

/** `modelpress profile` in a child process (cwd: the sentinel's folder), as an attacker would run it. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', ...CLI_ARGS, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('item 1: external data is checked for every tensor, and onnxruntime gets a path', () => {
  const places = ['if-branch', 'nested-if', 'sparse-initializer', 'tensors-attr', 'function-default'] as const;

  it('refuses ../ and absolute locations inside a model-local function body', () => {
    const rel = loadError(() => readModel(write('fn-rel.onnx', H.externalInFunction(`../${SENTINEL_NAME}`))));
    expect(rel.reason).toBe(`tensor 'c_t': external data location '../${SENTINEL_NAME}' leaves the model's folder`);
    const abs = loadError(() => readModel(write('fn-abs.onnx', H.externalInFunction(sentinel.file))));
    expect(abs.reason).toBe(`tensor 'c_t': external data location '${sentinel.file}' is absolute; it must be relative to the model's folder`);
    expect(abs.path).toBe(path.join(modelDir, 'fn-abs.onnx'));
  });

  it.each(places)('refuses a location leaving the folder in %s', (where) => {
    const err = loadError(() => readModel(write(`${where}.onnx`, H.externalHidden(where, `../${SENTINEL_NAME}`))));
    expect(err.reason).toMatch(/^tensor '\w+': external data location '\.\.\/sentinel\.bin' leaves the model's folder$/);
  });

  it('a model held in memory (no folder) may not name ../ or absolute locations either', () => {
    const err = loadError(() => readModelBytes(serializeModel(H.externalInFunction('../x.bin')), 'mem.onnx'));
    expect(err.message).toBe("mem.onnx: tensor 'c_t': external data location '../x.bin' leaves the model's folder");
  });

  it('the reported attack: a location relative to the working directory is never read, even with --shapes runtime', () => {
    // The model sits in models/, the sentinel one folder up, which is also the working directory: the
    // old code handed onnxruntime bytes, which resolved `sentinel.bin` against the working directory.
    const file = write('leak.onnx', H.leakViaShape(SENTINEL_NAME));
    const r = cli(['profile', file, '--json', '--shapes', 'runtime']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: runtime shape capture failed: onnxruntime cannot load the model`);
    expect(leakedIn(r.stdout + r.stderr)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(SENTINEL_DIMS.join(','));
    if (atimeWorks) expect(sentinelWasRead(sentinel)).toBe(false);
  }, 120_000);

  it('external data that stays in the folder still works for runtime shapes (written beside the model)', async () => {
    // Conv weights in weights.bin beside the model: a 1×1 conv 2→3 channels over 4×4 gives [1, 3, 4, 4].
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const w = b.weight('w', [3, 2, 1, 1]);
    b.output(b.op('Conv', [x, w], { kernel_shape: [1, 1] }, '/conv/Conv'));
    const file = path.join(modelDir, 'ext-ok.onnx');
    writeModel(b.build(), file, { externalData: { location: 'ext-ok.bin', threshold: 0 } });
    const model = readModel(file);
    const shapes = await captureShapes(model, analyzeModel(model).binding.inputs);
    expect(shapes.get('/conv/Conv_output_0')).toEqual([1, 3, 4, 4]);
    expect(fs.readdirSync(modelDir).filter((f) => f.includes('.shapes.'))).toEqual([]);
  }, 60_000);
});

describe('item 3: value propagation and shape rules bound what they materialise', () => {
  it.each(['Reshape', 'Tile', 'Expand', 'ConstantOfShape'] as const)('%s with a shape operand of 2^31 elements profiles at once', (op) => {
    const file = write(`huge-${op}.onnx`, H.hugeShapeOperand(op, 2 ** 31));
    expect(fs.statSync(file).size).toBeLessThan(200);
    const t0 = performance.now();
    const profile = profileModel(readModel(file), {});
    expect(performance.now() - t0).toBeLessThan(5000);
    // Tile's repeats set no rank (the output keeps the input's); the others would take it from the operand.
    if (op !== 'Tile')
      expect(profile.uncounted[0]?.reason).toContain(
        'declares 2147483648 elements, so the output would have rank 2147483648; modelpress analyses tensors of rank at most 1024',
      );
  });

  it('the CLI on those files exits 0 within a 512 MB heap (it aborted with heap exhaustion, exit 134)', () => {
    const r = cli(['profile', path.join(modelDir, 'huge-Reshape.onnx')]);
    expect(r.status).toBe(0);
  }, 120_000);

  it('AveragePool with pads near 2^53 is counted without a loop over its windows', () => {
    const t0 = performance.now();
    const profile = profileModel(H.hugePadsPool(2 ** 52), {});
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(profile.nodes[0]!.counted).toBe(true);
  });

  it('in-bounds taps counted in closed form match the hand count', () => {
    // in 5, kernel 3, pads 2 (begin) / 1 (end), stride 2: out = ⌊(5+3−3)/2⌋+1 = 3 windows starting at
    // −2, 0, 2 → in-bounds taps 1 + 3 + 3 = 7 (count_include_pad=0: the FLOPs are the summed taps).
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', 'float32', [1, 1, 5]);
    b.output(b.op('AveragePool', [x], { kernel_shape: [3], pads: [2, 1], strides: [2] }));
    const p = profileModel(b.build(), {});
    expect(p.nodes[0]!.outputShapes[0]).toEqual([1, 1, 3]);
    expect(p.nodes[0]!.flops).toBe(7);
  });

  it('Loops of 1,024 trips nested 4 deep are costed without unrolling into each other', () => {
    // Each level adds 1 per trip: 1024 + 1024² + 1024³ + 1024⁴ = 1,100,586,419,200 adds.
    const t0 = performance.now();
    const p = profileModel(H.nestedLoops(4), { inputs: { x: [] } });
    expect(p.totals.flops).toBe(1024 + 1024 ** 2 + 1024 ** 3 + 1024 ** 4);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it(`functions calling each other twice per level stop at ${MAX_INLINED_NODES} inlined nodes`, () => {
    expect(() => profileModel(H.functionBomb(30), {})).toThrow(/inlining model-local functions would make more than 500,000 nodes/);
  }, 30_000);
});

describe('item 4: deep nestings are refused with a message, a 200,000-node chain works', () => {
  it(`If nested 2,000 deep is refused by the reader (limit ${MAX_GRAPH_NESTING})`, () => {
    const err = loadError(() => readModel(write('if2000.onnx', H.nestedIfBytes(2000))));
    expect(err.reason).toBe('sub-graphs (If/Loop/Scan bodies) are nested more than 64 levels deep; modelpress reads at most 64');
  });

  it('If nested 60 deep (within the limit) is read and profiled', () => {
    const p = profileModel(readModel(write('if60.onnx', H.nestedIfBytes(60))), {});
    expect(p.nodes).toHaveLength(1);
  });

  it(`sequence types nested 10,000 deep are refused (limit ${MAX_TYPE_NESTING})`, () => {
    const err = loadError(() => readModel(write('seq.onnx', H.nestedSequenceBytes(10000))));
    expect(err.reason).toBe('a type is nested more than 64 levels deep (sequence/optional/map inside each other); modelpress reads at most 64');
  });

  it('a chain of 200,000 Relu nodes profiles', () => {
    // 200,000 Relu over 4 elements, 1 FLOP per element (COUNTING.md): 800,000 FLOPs.
    const p = profileModel(H.longChain(200_000), {});
    expect(p.nodes).toHaveLength(200_000);
    expect(p.totals.flops).toBe(800_000);
  }, 120_000);
});

describe('item 5: --shapes runtime validates input dims before allocating', () => {
  const cases: [string, (number | string)[], RegExp][] = [
    ['negative', [-5], /input 'x' dim 0 is -5: a dimension must be a whole number ≥ 0/],
    ['INT64_MIN', [-(2 ** 63)], /input 'x' dim 0 is -9223372036854776000: a dimension must be a whole number ≥ 0/],
    ['huge', [1e12], /input 'x' of shape 1000000000000 \(float32\) would need 3725\.3 GiB of random data.*at most 1 GiB/],
    ['4.5 GB', [1200, 1000, 1000], /input 'x' of shape 1200x1000x1000 \(float32\) would need 4\.5 GiB/],
  ];
  it.each(cases)('%s dims are refused naming the file and the input', async (name, dims, message) => {
    const file = write(`in-${name}.onnx`, H.declaredInput(dims));
    const model = readModel(file);
    const rss = process.memoryUsage().rss;
    const err = await captureShapes(model, [{ name: 'x', dtype: 1, shape: dims as number[] }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeCaptureError);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: runtime shape capture failed: `));
    expect((err as Error).message).toMatch(message);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
  });

  it('a model that crashes onnxruntime natively (SIGFPE: TopK over an empty batch) ends in one message; modelpress lives on', async () => {
    const file = write('topk-empty.onnx', H.topKOnEmpty());
    const model = readModel(file);
    const err = await captureShapes(model, analyzeModel(model).binding.inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeCaptureError);
    expect((err as Error).message).toBe(
      `${file}: runtime shape capture failed: onnxruntime crashed running the model (the worker was killed by SIGFPE); the model is malformed or meets an onnxruntime bug`,
    );
    // The next capture gets a fresh worker.
    const ok = readModel(write('in-ok.onnx', H.declaredInput([2, 3])));
    expect((await captureShapes(ok, analyzeModel(ok).binding.inputs)).get('/Identity_output_0')).toEqual([2, 3]);
  }, 60_000);

  it('a string input is fed (strings "0"/"1") instead of ending in an engine message', async () => {
    const model = readModel(write('in-str.onnx', H.declaredInput([2], 'string')));
    const shapes = await captureShapes(model, [{ name: 'x', dtype: 8, shape: [2] }]);
    expect(shapes.get('/Identity_output_0')).toEqual([2]);
  }, 60_000);
});

describe('item 7 (model side): a node name of 20,000 scope levels', () => {
  it(`keeps ${MAX_SCOPE_DEPTH} levels and is fast`, () => {
    const t0 = performance.now();
    const p = profileModel(H.deepScopeName(20_000), {});
    expect(performance.now() - t0).toBeLessThan(3000);
    const scope = scopeOf(p.nodes[0]!.name);
    expect(scope).toHaveLength(MAX_SCOPE_DEPTH);
    expect(scope[MAX_SCOPE_DEPTH - 1]).toBe(`…${20_000 - (MAX_SCOPE_DEPTH - 1)} more levels`);
    let depth = 0;
    for (let m = moduleTree(p.nodes); m.children.length > 0; m = m.children[0]!) depth++;
    expect(depth).toBe(MAX_SCOPE_DEPTH);
  });

  it('an analysis error names the file in the CLI', () => {
    const r = cli(['profile', write('bomb.onnx', H.functionBomb(30))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^modelpress profile: ${path.join(modelDir, 'bomb.onnx').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: /`));
  }, 120_000);
});
