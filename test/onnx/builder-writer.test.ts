/**
 * The graph builder and the writer: attributes of every type survive a write/read, int64 sentinels
 * keep their meaning, seeded weights are reproducible, and external data files written by us are
 * read by onnxruntime with the same results as the in-memory model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder, makeTensor } from '../../src/onnx/builder.js';
import { seededRandom } from '../../src/onnx/random.js';
import { readModel, readModelBytes } from '../../src/onnx/reader.js';
import { tensorBytes, tensorNumbers } from '../../src/onnx/tensor-data.js';
import { serializeModel, writeModel } from '../../src/onnx/writer.js';
import { BufferCursor, Writer } from '../../src/onnx/wire.js';
import { bytesEqual, randomOrt } from '../helpers/ort.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-writer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('wire format', () => {
  it('round-trips varints, negative int64 and the INT64 sentinels', () => {
    // INT64_MAX = 9223372036854775807 is read as the double 2^63; writing it back must give INT64_MAX
    // (0x7fff…ffff), not 2^63, which would wrap to INT64_MIN.
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 53 - 1, -1, -300, -(2 ** 40), 2 ** 63, -(2 ** 63)];
    const w = new Writer();
    for (const v of values) w.int64(v);
    const bytes = Buffer.concat(w.finish() as Uint8Array[]);
    const c = new BufferCursor(bytes);
    const back = values.map(() => c.int64());
    expect(back).toEqual([0, 1, 127, 128, 300, 2 ** 31, 2 ** 53 - 1, -1, -300, -(2 ** 40), 2 ** 63, -(2 ** 63)]);
    // The encoding of 2^63 is INT64_MAX's: nine 0xff bytes then 0x7f.
    const sentinel = new Writer();
    sentinel.int64(2 ** 63);
    expect(Buffer.concat(sentinel.finish() as Uint8Array[]).toString('hex')).toBe('ffffffffffffffff7f');
  });
});

describe('GraphBuilder', () => {
  it('types attributes from their values, and all attribute kinds round-trip', () => {
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', 'float32', ['batch', 3]);
    b.node(
      'Custom',
      [x],
      {
        i: 3,
        f: 0.5,
        forced_float: { float: 1 },
        s: 'linear',
        ints: [1, -2, 2 ** 63],
        floats: [0.5, 1.5],
        forced_ints: { ints: [] },
        strs: ['a', 'b'],
        t: makeTensor('t', 'int64', [2], [7, -7]),
      },
      { domain: 'test.domain', outputs: ['y'] },
    );
    b.output('y');
    const model = readModelBytes(serializeModel(b.build()));
    const attrs = Object.fromEntries(model.graph.nodes[0]!.attributes.map((a) => [a.name, a]));
    expect(attrs.i).toMatchObject({ type: 'int', value: 3 });
    expect(attrs.f).toMatchObject({ type: 'float', value: 0.5 });
    expect(attrs.forced_float).toMatchObject({ type: 'float', value: 1 });
    expect(attrs.s!.type).toBe('string');
    expect(attrs.ints).toMatchObject({ type: 'ints', value: [1, -2, 2 ** 63] });
    expect(attrs.floats).toMatchObject({ type: 'floats', value: [0.5, 1.5] });
    expect(attrs.forced_ints).toMatchObject({ type: 'ints', value: [] });
    expect(attrs.strs!.type).toBe('strings');
    const t = attrs.t!;
    expect(t.type === 'tensor' && tensorNumbers(t.value)).toEqual([7, -7]);
    expect(model.graph.inputs[0]!.type).toEqual({ kind: 'tensor', elemType: 1, shape: ['batch', 3] });
    expect(model.graph.nodes[0]!.domain).toBe('test.domain');
  });

  it('makes the same weights for the same seed and different ones for another', () => {
    const weights = (seed: number): Uint8Array => {
      const b = new GraphBuilder({ seed });
      b.weight('w', [8, 8]);
      return tensorBytes(b.graph().initializers[0]!);
    };
    expect(Buffer.compare(Buffer.from(weights(1)), Buffer.from(weights(1)))).toBe(0);
    expect(Buffer.compare(Buffer.from(weights(1)), Buffer.from(weights(2)))).not.toBe(0);
    // Kaiming-uniform bound for fan_in 8 is 1/sqrt(8) ≈ 0.3536: every value lies inside it.
    const b = new GraphBuilder();
    b.weight('w', [8, 8]);
    const values = tensorNumbers(b.graph().initializers[0]!)!;
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8));
  });

  it('rejects a value name used twice', () => {
    const b = new GraphBuilder();
    b.input('x', 'float32', [1]);
    expect(() => b.weight('x', [1])).toThrow("value name 'x' is already used in this graph");
  });

  it('seededRandom is uniform enough to be useful: mean of 10,000 draws within 0.02 of 0.5', () => {
    const r = seededRandom(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += r();
    expect(Math.abs(sum / 10_000 - 0.5)).toBeLessThan(0.02);
  });
});

describe('writeModel', () => {
  function mlp(): ReturnType<GraphBuilder['build']> {
    const b = new GraphBuilder({ seed: 3 });
    const x = b.input('input', 'float32', ['batch', 64]);
    const h = b.op('Gemm', [x, b.weight('fc1.weight', [128, 64]), b.weight('fc1.bias', [128])], { transB: 1 }, '/fc1/Gemm');
    const r = b.op('Relu', [h], {}, '/Relu');
    const y = b.op('Gemm', [r, b.weight('fc2.weight', [10, 128]), b.weight('fc2.bias', [10])], { transB: 1 }, '/fc2/Gemm');
    b.output(y, 'float32', ['batch', 10]);
    return b.build();
  }

  it('writes external data that onnxruntime reads, with outputs identical to the in-memory model', async () => {
    const model = mlp();
    const file = path.join(dir, 'mlp.onnx');
    writeModel(model, file, { externalData: { location: 'mlp.onnx.data', threshold: 1024 } });
    // fc1.weight (32 KiB) and fc2.weight (5 KiB) move out; the 512-byte fc1.bias and 40-byte fc2.bias stay.
    const back = readModel(file);
    const kinds = Object.fromEntries(back.graph.initializers.map((t) => [t.name, t.data.kind]));
    expect(kinds).toEqual({ 'fc1.weight': 'external', 'fc1.bias': 'raw', 'fc2.weight': 'external', 'fc2.bias': 'raw' });
    // 32,768 bytes at offset 0, then fc2.weight aligned to the next 4 KiB boundary (32,768) with 5,120 bytes.
    expect(fs.statSync(path.join(dir, 'mlp.onnx.data')).size).toBe(32_768 + 5_120);
    const feeds = { input: randomOrt(1, [2, 64], 5) };
    const fromFile = await (await ort.InferenceSession.create(file)).run(feeds);
    const inMemory = await (await ort.InferenceSession.create(serializeModel(model))).run(feeds);
    expect(bytesEqual(fromFile[back.graph.outputs[0]!.name]!, inMemory[model.graph.outputs[0]!.name]!)).toBe(true);
    // The external tensor reads back byte for byte.
    expect(Buffer.compare(Buffer.from(tensorBytes(back.graph.initializers[0]!, back)), Buffer.from(tensorBytes(model.graph.initializers[0]!)))).toBe(0);
  });

  it('streams a large generated weight into the external data file in pieces of at most 4 MiB', () => {
    // 3 × 2^20 float32 = 12 MiB: written as three 4 MiB pieces, never one 12 MiB read, byte for byte
    // what the tensor generates (the benchmark's scratch zoo files are written this way, durable: false).
    const b = new GraphBuilder({ seed: 7 });
    const x = b.input('input', 'float32', [1, 1024]);
    const y = b.op('MatMul', [x, b.weight('w', [1024, 3072])], {}, '/MatMul');
    b.output(y, 'float32', [1, 3072]);
    const model = b.build();
    const w = model.graph.initializers[0]!;
    expect(w.data.kind).toBe('raw');
    if (w.data.kind !== 'raw') return;
    const source = w.data.source;
    // The writer takes each piece as a view (made in reused memory, written at once), never a read.
    const reads: number[] = [];
    const views: number[] = [];
    const spied = {
      ...w,
      data: {
        ...w.data,
        source: {
          ...source,
          read: (offset: number, length: number) => (reads.push(length), source.read(offset, length)),
          view: (offset: number, length: number) => (views.push(length), source.view!(offset, length)),
        },
      },
    };
    const spiedModel = { ...model, graph: { ...model.graph, initializers: [spied] } };
    const file = path.join(dir, 'big.onnx');
    writeModel(spiedModel, file, { externalData: { location: 'big.weights' }, durable: false });
    expect(views).toEqual([4 * 2 ** 20, 4 * 2 ** 20, 4 * 2 ** 20]);
    expect(reads).toEqual([]);
    const written = fs.readFileSync(path.join(dir, 'big.weights'));
    expect(written.byteLength).toBe(12 * 2 ** 20);
    expect(Buffer.compare(written, Buffer.from(tensorBytes(w)))).toBe(0);
    expect(readModel(file).graph.initializers[0]!.data.kind).toBe('external');
  });

  it('overwrites an external data file in place: same file, longer left as it was, the new tensors read back', () => {
    const model = (seed: number, cols: number) => {
      const b = new GraphBuilder({ seed });
      const x = b.input('input', 'float32', [1, 1024]);
      b.output(b.op('MatMul', [x, b.weight('w', [1024, cols])], {}, '/MatMul'), 'float32', [1, cols]);
      return b.build();
    };
    const data = path.join(dir, 'scratch.weights');
    const big = model(1, 3072);
    writeModel(big, path.join(dir, 'first.onnx'), { externalData: { location: 'scratch.weights', overwrite: true }, durable: false });
    const inode = fs.statSync(data).ino;
    expect(fs.statSync(data).size).toBe(12 * 2 ** 20);
    // A smaller model over it: 4 MiB of new weights at the start, the last 8 MiB of the first model's after them.
    const small = model(2, 1024);
    writeModel(small, path.join(dir, 'second.onnx'), { externalData: { location: 'scratch.weights', overwrite: true }, durable: false });
    expect(fs.statSync(data).ino).toBe(inode);
    expect(fs.statSync(data).size).toBe(12 * 2 ** 20);
    const back = readModel(path.join(dir, 'second.onnx'));
    const t = back.graph.initializers[0]!;
    expect(t.data.kind).toBe('external');
    expect(Buffer.compare(Buffer.from(tensorBytes(t, back)), Buffer.from(tensorBytes(small.graph.initializers[0]!)))).toBe(0);
    const tail = fs.readFileSync(data).subarray(4 * 2 ** 20);
    expect(Buffer.compare(tail, Buffer.from(tensorBytes(big.graph.initializers[0]!)).subarray(4 * 2 ** 20))).toBe(0);
  });

  it('replaces files atomically and leaves no temp files behind', () => {
    const file = path.join(dir, 'atomic.onnx');
    fs.writeFileSync(file, 'old content');
    writeModel(mlp(), file);
    expect(readModel(file).graph.nodes).toHaveLength(3);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
