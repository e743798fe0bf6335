/**
 * Whole quantized graphs as onnxruntime's quantize_dynamic writes them (DynamicQuantizeLinear →
 * MatMulInteger → Cast → Mul by the combined scale), with the quantizer's value_info: shapes of
 * unnamed symbols (`unk__68`) and a stale one. Counts derived by hand.
 */
import { describe, expect, test } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

function dynamicInt8Linear() {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['batch', 'sequence', 64]);
  const [xq, xs, xz] = b.node('DynamicQuantizeLinear', [x], {}, { name: '/fc/DynamicQuantizeLinear', outputs: ['xq', 'xs', 'xz'] }) as [string, string, string];
  const w = b.initializer('fc.weight_quantized', 'int8', [64, 32], { values: Array.from({ length: 64 * 32 }, (_, i) => (i % 255) - 127) });
  const wz = b.initializer('fc.weight_zero_point', 'int8', [], { values: [0] });
  const ws = b.initializer('fc.weight_scale', 'float32', [], { values: [0.01] });
  const acc = b.node('MatMulInteger', [xq, w, xz, wz], {}, { name: '/fc/MatMulInteger', outputs: ['acc'] })[0]!;
  const accF = b.op('Cast', [acc], { to: 1 }, '/fc/Cast');
  const scale = b.op('Mul', [xs, ws], {}, '/fc/scale/Mul');
  b.output(b.op('Mul', [accF, scale], {}, '/fc/Mul'));
  // the quantizer's annotations: unnamed symbols for what it could not infer, and one stale shape
  b.annotate('xq', 'uint8', ['unk__68', 'unk__69', 64]);
  b.annotate('acc', 'int32', [1, 5, 32]);
  return b.build();
}

describe('quantize_dynamic-style int8 linear', () => {
  const p = profileModel(dynamicInt8Linear(), { inputs: 'x=1x7x64' });

  test('inferred shapes win over the unnamed-symbol annotations: every node is counted', () => {
    expect(p.uncounted).toEqual([]);
    // MatMulInteger MACs 7·64·32 = 14,336
    expect(p.totals.macs).toBe(14_336);
    const mm = p.nodes.find((n) => n.name === '/fc/MatMulInteger')!;
    expect(mm.inputShapes[0]).toEqual([1, 7, 64]);
    expect(mm.outputShapes[0]).toEqual([1, 7, 32]);
  });

  test('FLOPs by hand', () => {
    // DynamicQuantizeLinear 4·448 + 4 = 1796; MatMulInteger 7·32·(2·64 − 1) = 28,448 + the activation
    // zero-point shift 448 + the weight zero point's 2048 = 30,944; Cast 0; scale Mul 1; output Mul 224
    expect(p.totals.flops).toBe(1796 + 30_944 + 1 + 224);
  });

  test('the stale annotation is reported, the inferred shape used', () => {
    const note = p.notes.find((n) => n.startsWith('value_info:'));
    expect(note).toContain("'acc' declared [1×5×32], inferred [1×7×32]");
    expect(note).toContain('1 declared shape(s)');
  });

  test('the int8 weight counts 64·32 parameters at one byte each; its zero point is storage', () => {
    expect(p.totals.params).toBe(2048);
    // 2048 weight bytes + the int8 weight zero point (1 byte, MatMulInteger input 3); the float32
    // scale is a rank-0 literal of a Mul, not a quantized op's input
    expect(p.totals.paramsBytesByDtype).toEqual({ int8: 2049 });
    expect(p.totals.quantization).toEqual({ scalesBytes: 0, zeroPointsBytes: 1, packedTensors: 0, packedParams: 0, packedBytes: 0 });
  });
});
