/**
 * Quantization family (src/analysis/ops/quantization.ts): shapes and counts derived by hand from the
 * ONNX spec (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear) and ONNX Runtime's
 * ContribOperators.md (MatMulNBits, GatherBlockQuantized); storage and parameter counts of packed
 * weights on whole graphs.
 */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/quantization.js';
import { profileModel } from '../../../src/analysis/profile.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { elementCount } from '../../../src/onnx/model.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

const U8 = 2;
const I8 = 3;
const F16 = 10;
const MS = { domain: 'com.microsoft' };

describe('QuantizeLinear / DequantizeLinear', () => {
  test('quantize: x / scale + zero point, 2 ops per element; output takes the zero point type', () => {
    const c = check(rules, makeNode('QuantizeLinear', ['x', 's', 'z']), [t([2, 3]), t([]), t([], I8)], 21);
    expect(c.outputs[0]).toMatchObject({ dtype: I8, shape: [2, 3] });
    expect(mf(c.cost())).toEqual({ macs: 0, flops: 12 }); // 2 × 6
    // no zero point: uint8 output, one divide per element
    const n = check(rules, makeNode('QuantizeLinear', ['x', 's']), [t([2, 3]), t([])], 21);
    expect(n.outputs[0]!.dtype).toBe(U8);
    expect(n.cost()!.flops).toBe(6);
    for (const conv of ['ptflops', 'fvcore', 'thop', 'deepspeed', 'torch'] as const) expect(c.cost(conv)).toBeNull();
  });

  test('dequantize: (x − zero point)·scale; output takes the scale type; com.microsoft form alike', () => {
    const c = check(rules, makeNode('DequantizeLinear', ['x', 's', 'z']), [t([4, 5], U8), t([], F16), t([], U8)], 21);
    expect(c.outputs[0]).toMatchObject({ dtype: F16, shape: [4, 5] });
    expect(c.cost()!.flops).toBe(40); // 2 × 20
    const ms = check(rules, makeNode('DequantizeLinear', ['x', 's'], {}, MS), [t([4, 5], U8), t([5])], 1);
    expect(ms.cost()!.flops).toBe(20);
  });

  test('a scale of the wrong rank is one clear error', () => {
    expect(() => check(rules, makeNode('DequantizeLinear', ['x', 's']), [t([2, 3, 4], U8), t([3, 4])], 21)).toThrow(/neither per-axis/);
  });

  test('DynamicQuantizeLinear: 4·n + 4 FLOPs, uint8 output with scalar scale and zero point', () => {
    const c = check(rules, makeNode('DynamicQuantizeLinear', ['x'], {}, { outputs: 3 }), [t([3, 4])], 11);
    expect(c.outputs.map((o) => [o.dtype, o.shape])).toEqual([
      [U8, [3, 4]],
      [1, []],
      [U8, []],
    ]);
    // min and max 2·(12 − 1) = 22, scalar work 6, quantize 2·12 = 24 → 52
    expect(c.cost()!.flops).toBe(52);
  });
});

describe('MatMulNBits (com.microsoft)', () => {
  // A [1, 5, 64] × W [64 → 32], 4 bits, block 32: B [32, 2, 16] (⌈64/32⌉ = 2 blocks of 32·4/8 = 16 bytes)
  const attrs = { K: 64, N: 32, bits: 4, block_size: 32 };
  const inputs = [t([1, 5, 64]), t([32, 2, 16], U8), t([64]), t([32], U8)];
  const c = check(rules, makeNode('MatMulNBits', ['a', 'b', 's', 'z'], attrs, MS), inputs);

  test('shape [..., N] and MACs M·K·N counted as MACs', () => {
    expect(c.outputs[0]!.shape).toEqual([1, 5, 32]);
    // MACs 5·64·32 = 10240; FLOPs 5·32·(2·64 − 1) = 20320 + dequantizing 2·64·32 = 4096 → 24416
    expect(mf(c.cost())).toEqual({ macs: 10240, flops: 24416 });
    expect(mf(c.cost('torch'))).toEqual({ macs: 10240, flops: 20480 });
    expect(mf(c.cost('fvcore'))).toEqual({ macs: 10240, flops: 20480 });
  });

  test('bias adds M·N (exact and ptflops)', () => {
    const b = check(rules, makeNode('MatMulNBits', ['a', 'b', 's', 'z', '', 'bias'], attrs, MS), [...inputs, undefined, t([32])]);
    expect(b.cost()!.flops).toBe(24416 + 160);
    expect(b.cost('ptflops')!.macs).toBe(10240 + 160);
  });

  test('packed B that disagrees with K, N, block_size is an error naming the attribute', () => {
    expect(() => check(rules, makeNode('MatMulNBits', ['a', 'b', 's'], attrs, MS), [t([1, 5, 64]), t([32, 4, 16], U8), t([64])])).toThrow(/blocks/);
    expect(() => check(rules, makeNode('MatMulNBits', ['a', 'b', 's'], attrs, MS), [t([1, 5, 48]), t([32, 2, 16], U8), t([64])])).toThrow(/attribute K/);
  });
});

describe('GatherBlockQuantized (com.microsoft)', () => {
  test('a uint8 table packs two 4-bit values per byte: the output unpacks them', () => {
    const c = check(rules, makeNode('GatherBlockQuantized', ['d', 'i', 's', 'z'], { bits: 4, block_size: 16 }, MS), [
      t([10, 8], U8),
      t([1, 3], 7),
      t([10, 1], F16),
      t([10, 1], U8),
    ]);
    expect(c.outputs[0]).toMatchObject({ dtype: F16, shape: [1, 3, 16] });
    expect(mf(c.cost())).toEqual({ macs: 0, flops: 96 }); // 2 ops × 48 gathered elements
    expect(mf(c.cost('ptflops'))).toEqual({ macs: 0, flops: 0 });
  });
});

/** A sparse external initializer: dims and dtype only, bytes never read. */
function external(b: GraphBuilder, name: string, dataType: number, dims: number[], bytesPerElement: number): string {
  return b.addInitializer({
    name,
    dataType,
    dims,
    data: { kind: 'external', location: 'never-read.bin', offset: 0, length: elementCount(dims) * bytesPerElement, entries: [] },
  });
}

describe('quantized storage on a graph', () => {
  // A Llama-7B-sized q_proj as MatMulNBits (K = N = 4096, 4 bits, block 32) and a uint8 embedding
  // [100, 64] with DequantizeLinear (per-tensor float32 scale, uint8 zero point).
  const b = new GraphBuilder({ opset: 21, extraOpsets: [{ domain: 'com.microsoft', version: 1 }] });
  const x = b.input('x', 'float32', [1, 'sequence', 4096]);
  const ids = b.input('ids', 'int64', [1, 'sequence']);
  const w = external(b, 'w_q', U8, [4096, 128, 16], 1);
  const s = external(b, 'w_scales', F16, [4096 * 128], 2);
  const z = external(b, 'w_zp', U8, [4096 * 64], 1);
  b.output(b.node('MatMulNBits', [x, w, s, z], { K: 4096, N: 4096, bits: 4, block_size: 32 }, { name: '/q_proj/MatMulNBits', domain: 'com.microsoft' })[0]!);
  const emb = external(b, 'emb_q', U8, [100, 64], 1);
  const es = b.initializer('emb_scale', 'float32', [], { values: [0.05] });
  const ez = b.initializer('emb_zp', 'uint8', [], { values: [128] });
  const deq = b.op('DequantizeLinear', [emb, es, ez], {}, '/embed/DequantizeLinear');
  b.output(b.op('Gather', [deq, ids], { axis: 0 }, '/embed/Gather'));
  const p = profileModel(b.build(), { inputs: 'x=1x7x4096,ids=1x7' });

  test('a packed weight counts as the K·N parameters it represents', () => {
    // 4096·4096 = 16,777,216 (the uint8 tensor holds 8,388,608 bytes) + 100·64 = 6,400 embedding values
    expect(p.totals.params).toBe(16_777_216 + 6_400);
    expect(p.uncounted).toEqual([]);
  });

  test('bytes are what is stored, by dtype, with scales and zero points listed apart', () => {
    // uint8: packed 4096·128·16 = 8,388,608 + zero points 4096·64 = 262,144 + embedding 6,400 + its zero point 1
    // float16: scales 4096·128·2 = 1,048,576; float32: the embedding's scale, 4
    expect(p.totals.paramsBytesByDtype).toEqual({ uint8: 8_657_153, float16: 1_048_576, float32: 4 });
    expect(p.totals.paramsBytes).toBe(8_657_153 + 1_048_576 + 4);
    expect(p.totals.quantization).toEqual({
      scalesBytes: 1_048_580,
      zeroPointsBytes: 262_145,
      packedTensors: 1,
      packedParams: 16_777_216,
      packedBytes: 8_388_608,
    });
  });

  test('MACs of the quantized matmul are counted as MACs: 7·4096·4096', () => {
    expect(p.totals.macs).toBe(7 * 4096 * 4096);
    const node = p.nodes.find((n) => n.name === '/q_proj/MatMulNBits')!;
    expect(node.params).toBe(16_777_216);
    expect(node.paramsBytes).toBe(8_388_608 + 1_048_576 + 262_144);
  });
});
