/**
 * Shape-only ops: shapes across opsets, value propagation (the PyTorch Shape→Gather→Unsqueeze→Concat→
 * Reshape chain), zero cost in every convention, and conformance with the ONNX backend test data
 * (expected output dims read from each test's output_N.pb).
 */
import { describe, expect, it } from 'vitest';
import { rules as controlFlow } from '../../../src/analysis/ops/control-flow.js';
import { rules as indexing } from '../../../src/analysis/ops/indexing.js';
import { rules as misc } from '../../../src/analysis/ops/misc.js';
import { rules as sequence } from '../../../src/analysis/ops/sequence.js';
import { rules } from '../../../src/analysis/ops/shape-ops.js';
import { makeNodeContext } from '../../../src/analysis/context.js';
import { CONVENTIONS } from '../../../src/analysis/types.js';
import { makeTensor } from '../../../src/onnx/builder.js';
import { readModel, readTensorFile } from '../../../src/onnx/reader.js';
import { tensorNumbers } from '../../../src/onnx/tensor-data.js';
import { backendCases, BOOL, everywhere, F32, I32, I64, infer, INT64_MAX, int64Tensor, ints, node, propagate, run, scalar, t } from './movement-helpers.js';

const all = [...rules, ...indexing, ...controlFlow, ...sequence, ...misc];
const one = (n: ReturnType<typeof node>, inputs: Parameters<typeof infer>[2], opset = 17) => infer(all, n, inputs, opset)[0]!;

describe('value propagation as PyTorch exports it', () => {
  it('Shape → Gather(0) → Unsqueeze → Concat with constants → Reshape gets a concrete target', () => {
    // x: [batch 2, seq 8, d 12] split into 3 heads of 4: view(b, s, 3, 4) exported with b, s read at run time.
    const x = t([2, 8, 12]);
    const shape = one(node('Shape', ['x']), [x]);
    expect(shape).toEqual({ dtype: I64, shape: [3], value: [2, 8, 12] });
    const b = one(node('Gather', ['s', 'i0'], { axis: 0 }), [shape, scalar(0)]);
    const s = one(node('Gather', ['s', 'i1'], { axis: 0 }), [shape, scalar(1)]);
    expect(b).toEqual({ dtype: I64, shape: [], value: [2] });
    expect(s).toEqual({ dtype: I64, shape: [], value: [8] });
    const ub = one(node('Unsqueeze', ['b', 'axes']), [b, ints(0)], 13);
    const us = one(node('Unsqueeze', ['s', 'axes']), [s, ints(0)], 13);
    expect(ub).toEqual({ dtype: I64, shape: [1], value: [2] });
    const heads = one(node('Constant', [], { value: int64Tensor([1], [3]) }), []);
    const width = one(node('Constant', [], { value: int64Tensor([1], [4]) }), []);
    const target = one(node('Concat', ['b', 's', 'h', 'w'], { axis: 0 }), [ub, us, heads, width]);
    expect(target).toEqual({ dtype: I64, shape: [4], value: [2, 8, 3, 4] });
    const y = one(node('Reshape', ['x', 'target']), [x, target], 14);
    expect(y.shape).toEqual([2, 8, 3, 4]);
    // With −1 instead: [b, −1, 4] → −1 = 2·8·12 / (2·4) = 24.
    const minus = one(node('Constant', [], { value: int64Tensor([1], [-1]) }), []);
    const t2 = one(node('Concat', ['b', 'm', 'w'], { axis: 0 }), [ub, minus, width]);
    expect(one(node('Reshape', ['x', 't2']), [x, t2], 14).shape).toEqual([2, 24, 4]);
  });

  it('Cast, Slice, Squeeze and Size carry values; Range and ConstantOfShape make them', () => {
    const shape = ints(2, 8, 12);
    // shape[-2:] as PyTorch slices it, with INT64_MAX as the end
    const tail = one(node('Slice', ['s', 'st', 'en', 'ax']), [shape, ints(-2), ints(INT64_MAX), ints(0)], 13);
    expect(tail).toEqual({ dtype: I64, shape: [2], value: [8, 12] });
    expect(one(node('Cast', ['x'], { to: F32 }), [tail])).toEqual({ dtype: F32, shape: [2], value: [8, 12] });
    // float → int64 truncates toward zero: 2.9 → 2, −2.9 → −2; int64 → bool: nonzero → 1
    expect(one(node('Cast', ['x'], { to: I64 }), [t([2], F32, [2.9, -2.9])]).value).toEqual([2, -2]);
    expect(one(node('Cast', ['x'], { to: BOOL }), [ints(0, 2)]).value).toEqual([0, 1]);
    expect(one(node('Squeeze', ['x', 'a']), [t([1], I64, [7]), ints(0)], 13)).toEqual({ dtype: I64, shape: [], value: [7] });
    expect(one(node('Size', ['x']), [t([2, 3, 4])]).value).toEqual([24]); // 2·3·4
    // Range(0, 10, 3): ⌈10/3⌉ = 4 elements 0, 3, 6, 9; Range(10, 0, −3): 10, 7, 4, 1
    expect(one(node('Range', ['a', 'b', 'c']), [scalar(0), scalar(10), scalar(3)])).toEqual({ dtype: I64, shape: [4], value: [0, 3, 6, 9] });
    expect(one(node('Range', ['a', 'b', 'c']), [scalar(10), scalar(0), scalar(-3)]).value).toEqual([10, 7, 4, 1]);
    expect(one(node('Range', ['a', 'b', 'c']), [scalar(0), t([], I64), scalar(1)]).shape).toEqual([null]);
    const ones = one(node('ConstantOfShape', ['s'], { value: int64Tensor([1], [1]) }), [ints(2, 3)]);
    expect(ones).toEqual({ dtype: I64, shape: [2, 3], value: [1, 1, 1, 1, 1, 1] });
  });
});

describe('Reshape', () => {
  it('0 copies an input dim and −1 is inferred, also through symbolic dims', () => {
    const x = t(['batch', 'seq', 768]);
    expect(one(node('Reshape', ['x', 's']), [x, ints(0, 0, 12, 64)]).shape).toEqual(['batch', 'seq', 12, 64]);
    // −1 = batch·seq·768 / (batch·768) = seq
    expect(one(node('Reshape', ['x', 's']), [x, ints(0, -1, 768)]).shape).toEqual(['batch', 'seq', 768]);
    // batch·seq·768 / 768 is a product of two symbols: unknown
    expect(one(node('Reshape', ['x', 's']), [x, ints(-1, 768)]).shape).toEqual([null, 768]);
  });
  it('allowzero (opset 14) keeps a literal 0; the shape attribute before opset 5; errors', () => {
    expect(one(node('Reshape', ['x', 's'], { allowzero: 1 }), [t([0, 3]), ints(3, 0)], 14).shape).toEqual([3, 0]);
    expect(one(node('Reshape', ['x', 's']), [t([0, 3]), ints(0, 3)], 14).shape).toEqual([0, 3]);
    expect(one(node('Reshape', ['x'], { shape: [4, -1] }), [t([2, 6])], 4).shape).toEqual([4, 3]); // 12/4
    expect(() => one(node('Reshape', ['x', 's']), [t([2, 3]), ints(4, 2)])).toThrow(/cannot reshape 2×3 \(6 elements\) into 4×2 \(8 elements\)/);
    expect(() => one(node('Reshape', ['x', 's']), [t([2, 3]), ints(-1, -1)])).toThrow(/more than one −1/);
    // A target whose values are unknown but whose length is: rank known, dims unknown
    expect(one(node('Reshape', ['x', 's']), [t([2, 3]), t([3], I64)]).shape).toEqual([null, null, null]);
  });
});

describe('layout ops', () => {
  it('Transpose permutes dims and values', () => {
    expect(one(node('Transpose', ['x'], { perm: [2, 0, 1] }), [t([2, 3, 4])]).shape).toEqual([4, 2, 3]);
    // [[1,2,3],[4,5,6]]ᵀ = [[1,4],[2,5],[3,6]]
    expect(one(node('Transpose', ['x']), [t([2, 3], I64, [1, 2, 3, 4, 5, 6])]).value).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => one(node('Transpose', ['x'], { perm: [0, 0] }), [t([2, 3])])).toThrow(/not a permutation/);
  });
  it('Flatten', () => {
    expect(one(node('Flatten', ['x'], { axis: 2 }), [t([2, 3, 4, 5])]).shape).toEqual([6, 20]);
    expect(one(node('Flatten', ['x'], { axis: 0 }), [t([2, 3, 4, 5])]).shape).toEqual([1, 120]);
    expect(one(node('Flatten', ['x'], { axis: -1 }), [t(['N', 3, 4])], 13).shape).toEqual([null, 4]); // N·3 unknown
    expect(one(node('Flatten', ['x']), [t(['N', 3, 4])]).shape).toEqual(['N', 12]);
  });
  it('Squeeze / Unsqueeze: axes attribute before opset 13, input from 13', () => {
    expect(one(node('Squeeze', ['x'], { axes: [1] }), [t([2, 1, 3])], 11).shape).toEqual([2, 3]);
    expect(one(node('Squeeze', ['x', 'a']), [t([2, 1, 3]), ints(-2)], 13).shape).toEqual([2, 3]);
    expect(one(node('Squeeze', ['x']), [t([1, 3, 1])], 13).shape).toEqual([3]);
    expect(one(node('Squeeze', ['x']), [t(['b', 3, 1])], 13).shape).toBeUndefined(); // b might be 1
    expect(() => one(node('Squeeze', ['x'], { axes: [0] }), [t([2, 3])], 11)).toThrow(/cannot squeeze axis 0 of size 2/);
    expect(one(node('Unsqueeze', ['x'], { axes: [0, 3] }), [t([3, 4])], 11).shape).toEqual([1, 3, 4, 1]);
    expect(one(node('Unsqueeze', ['x', 'a']), [t(['b', 4]), ints(-1)], 13).shape).toEqual(['b', 4, 1]);
    expect(one(node('Unsqueeze', ['x', 'a']), [t([3, 4]), t([2], I64)], 13).shape).toEqual([null, null, null, null]);
  });
});

describe('Concat and Split', () => {
  it('Concat sums the axis and unifies the other dims', () => {
    expect(one(node('Concat', ['a', 'b'], { axis: 1 }), [t([2, 3]), t([2, 5])]).shape).toEqual([2, 8]);
    expect(one(node('Concat', ['a', 'b'], { axis: -1 }), [t(['b', 3]), t(['b', 5])]).shape).toEqual(['b', 8]);
    // a concrete dim wins over a symbol on a non-concatenated axis
    expect(one(node('Concat', ['a', 'b'], { axis: 1 }), [t(['b', 3]), t([4, 5])]).shape).toEqual([4, 8]);
    // values along axis 1 of [[1,2],[3,4]] and [[5],[6]] → [[1,2,5],[3,4,6]]
    expect(one(node('Concat', ['a', 'b'], { axis: 1 }), [t([2, 2], I64, [1, 2, 3, 4]), t([2, 1], I64, [5, 6])]).value).toEqual([1, 2, 5, 3, 4, 6]);
    expect(() => one(node('Concat', ['a', 'b'], { axis: 1 }), [t([2, 3]), t([4, 5])])).toThrow(/dimension mismatch: 2 vs 4/);
  });
  it('Split: split attribute (< 13), input (≥ 13), num_outputs (≥ 18), equal parts; values', () => {
    const shapes = (n: ReturnType<typeof node>, inputs: Parameters<typeof infer>[2], opset: number) => infer(all, n, inputs, opset).map((o) => o.shape);
    expect(shapes(node('Split', ['x'], { axis: 0, split: [2, 4] }, { outputs: 2 }), [t([6, 4])], 11)).toEqual([
      [2, 4],
      [4, 4],
    ]);
    expect(shapes(node('Split', ['x', 's'], { axis: 1 }, { outputs: 2 }), [t([6, 4]), ints(1, 3)], 13)).toEqual([
      [6, 1],
      [6, 3],
    ]);
    // num_outputs 3 over 10: chunks of ⌈10/3⌉ = 4, the last 10 − 8 = 2
    expect(shapes(node('Split', ['x'], { axis: 0, num_outputs: 3 }, { outputs: 3 }), [t([10])], 18)).toEqual([[4], [4], [2]]);
    const halves = infer(all, node('Split', ['x'], {}, { outputs: 2 }), [t([6], I64, [1, 2, 3, 4, 5, 6])], 13);
    expect(halves.map((h) => h.value)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(() => infer(all, node('Split', ['x'], {}, { outputs: 4 }), [t([6])], 13)).toThrow(/size 6 into 4 equal parts/);
  });
});

describe('Slice', () => {
  it('attributes before opset 10, inputs from 10, steps, clamping, INT64_MAX', () => {
    expect(one(node('Slice', ['x'], { starts: [1], ends: [3], axes: [1] }), [t([4, 5])], 9).shape).toEqual([4, 2]);
    // [0 : INT64_MAX : 2] over 10 → ⌈10/2⌉ = 5
    expect(one(node('Slice', ['x', 's', 'e', 'a', 'st']), [t([3, 10]), ints(0), ints(INT64_MAX), ints(1), ints(2)]).shape).toEqual([3, 5]);
    // reversed: start −1 → 6, end −INT64_MAX clamps to −1, step −1 → 7 elements
    expect(one(node('Slice', ['x', 's', 'e', 'a', 'st']), [t([7]), ints(-1), ints(-INT64_MAX), ints(0), ints(-1)]).shape).toEqual([7]);
    expect(one(node('Slice', ['x', 's', 'e']), [t([5], I64, [10, 11, 12, 13, 14]), ints(1), ints(-1)]).value).toEqual([11, 12, 13]);
    expect(one(node('Slice', ['x', 's', 'e', 'a', 'st']), [t([3], I64, [1, 2, 3]), ints(-1), ints(-INT64_MAX), ints(0), ints(-1)]).value).toEqual([3, 2, 1]);
    // start beyond the end: empty
    expect(one(node('Slice', ['x', 's', 'e']), [t([4]), ints(6), ints(9)]).shape).toEqual([0]);
  });
  it('symbolic dims survive only a full slice; unknown starts leave the sliced axes unknown', () => {
    expect(one(node('Slice', ['x', 's', 'e', 'a']), [t(['b', 'seq', 8]), ints(0), ints(INT64_MAX), ints(1)]).shape).toEqual(['b', 'seq', 8]);
    expect(one(node('Slice', ['x', 's', 'e', 'a']), [t(['b', 'seq', 8]), ints(0), ints(3), ints(1)]).shape).toEqual(['b', null, 8]);
    expect(one(node('Slice', ['x', 's', 'e', 'a']), [t(['b', 'seq', 8]), t([1], I64), ints(3), ints(2)]).shape).toEqual(['b', 'seq', null]);
    expect(() => one(node('Slice', ['x', 's', 'e', 'a', 'st']), [t([4]), ints(0), ints(4), ints(0), ints(0)])).toThrow(/step on axis 0 is 0/);
  });
});

describe('Shape, Cast, Pad, Expand, Tile, Dropout, Constant…', () => {
  it('Shape start/end (opset 15) and symbolic dims', () => {
    expect(one(node('Shape', ['x'], { start: 1, end: -1 }), [t([2, 3, 4, 5])], 15)).toEqual({ dtype: I64, shape: [2], value: [3, 4] });
    expect(one(node('Shape', ['x']), [t(['b', 3])])).toEqual({ dtype: I64, shape: [2], value: undefined });
  });
  it('Cast reads the type name string of opset 1; CastLike takes the second input type', () => {
    expect(one(node('Cast', ['x'], { to: 'FLOAT' }), [t([2], I64, [1, 2])], 1)).toEqual({ dtype: F32, shape: [2], value: [1, 2] });
    expect(one(node('CastLike', ['x', 'y']), [t([2], F32, [1.5, 2.5]), t([], I32)]).value).toEqual([1, 2]);
  });
  it('Pad: paddings (opset 1), pads attribute (2–10), pads input (11+), axes (18+), modes', () => {
    // 4 + 1 + 1 = 6 on both spatial axes
    expect(one(node('Pad', ['x'], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect' }), [t([1, 3, 4, 4])], 2).shape).toEqual([1, 3, 6, 6]);
    expect(one(node('Pad', ['x'], { paddings: [0, 0, 1, 1, 0, 0, 1, 1] }), [t([1, 3, 4, 4])], 1).shape).toEqual([1, 3, 6, 6]);
    expect(one(node('Pad', ['x', 'p']), [t([1, 3, 4, 4]), ints(0, 0, 2, 3, 0, 0, 2, 3)], 11).shape).toEqual([1, 3, 8, 10]);
    expect(one(node('Pad', ['x', 'p', '', 'a']), [t(['n', 3, 4, 4]), ints(1, 1, 1, 1), undefined, ints(2, 3)], 18).shape).toEqual(['n', 3, 6, 6]);
    expect(one(node('Pad', ['x', 'p']), [t([1, 3, 4, 4]), ints(0, 0, -1, -1, 0, 0, -1, -1)], 13).shape).toEqual([1, 3, 2, 2]);
    expect(() => one(node('Pad', ['x', 'p'], { mode: 'mirror' }), [t([4]), ints(1, 1)], 13)).toThrow(/mode 'mirror'/);
  });
  it('Expand broadcasts both ways; Tile multiplies; both carry values', () => {
    expect(one(node('Expand', ['x', 's']), [t([3, 1]), ints(2, 1, 6)]).shape).toEqual([2, 3, 6]);
    expect(one(node('Expand', ['x', 's']), [t([2], I64, [1, 2]), ints(2, 2)]).value).toEqual([1, 2, 1, 2]);
    expect(() => one(node('Expand', ['x', 's']), [t([3]), ints(4)])).toThrow(/cannot be broadcast/);
    expect(one(node('Expand', ['x', 's']), [t([3, 1]), t([3], I64)]).shape).toEqual([null, 3, null]);
    expect(one(node('Tile', ['x', 'r']), [t([2, 3]), ints(2, 2)]).shape).toEqual([4, 6]);
    expect(one(node('Tile', ['x', 'r']), [t([2], I64, [1, 2]), ints(3)]).value).toEqual([1, 2, 1, 2, 1, 2]);
  });
  it('Dropout is the identity with an optional mask (bool from opset 10)', () => {
    const outs = infer(all, node('Dropout', ['x', 'r'], {}, { outputs: 2 }), [t([2, 3]), t([], F32, [0.1])], 12);
    expect(outs[0]).toEqual({ dtype: F32, shape: [2, 3], value: undefined, kind: undefined, elem: undefined, items: undefined });
    expect(outs[1]).toEqual({ dtype: BOOL, shape: [2, 3], value: [1, 1, 1, 1, 1, 1] });
    expect(infer(all, node('Dropout', ['x'], { is_test: 1 }, { outputs: 2 }), [t([2, 3])], 6)[1]!.dtype).toBe(F32);
  });
  it('Constant value_* attributes', () => {
    expect(one(node('Constant', [], { value_ints: [1, 2] }), [])).toEqual({ dtype: I64, shape: [2], value: [1, 2] });
    expect(one(node('Constant', [], { value_int: 5 }), [])).toEqual({ dtype: I64, shape: [], value: [5] });
    expect(one(node('Constant', [], { value_float: { float: 0.5 } }), [])).toEqual({ dtype: F32, shape: [], value: [0.5] });
    expect(one(node('Constant', [], { value: makeTensor('v', 'float32', [2, 2], [1, 2, 3, 4]) }), [])).toEqual({
      dtype: F32,
      shape: [2, 2],
      value: [1, 2, 3, 4],
    });
  });
  it('ConstantOfShape keeps no values for weight-sized outputs (light models make weights this way)', () => {
    // AlexNet conv1 weight 64×3×11×11 = 23,232 elements > 4,096: shape only
    expect(one(node('ConstantOfShape', ['s']), [ints(64, 3, 11, 11)], 9)).toEqual({ dtype: F32, shape: [64, 3, 11, 11], value: undefined });
    expect(one(node('ConstantOfShape', ['s']), [t([2], I64)], 9).shape).toEqual([null, null]);
  });
  it('EyeLike, Trilu, ReverseSequence', () => {
    // 2×3 with k = 1: ones at (0,1), (1,2)
    expect(one(node('EyeLike', ['x'], { k: 1 }), [t([2, 3])]).value).toEqual([0, 1, 0, 0, 0, 1]);
    // upper triangle of a 3×3 of ones
    expect(one(node('Trilu', ['x']), [t([3, 3], I64, [1, 1, 1, 1, 1, 1, 1, 1, 1])], 14).value).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 1]);
    expect(one(node('Trilu', ['x', 'k'], { upper: 0 }), [t([2, 2], I64, [1, 2, 3, 4]), scalar(-1)], 14).value).toEqual([0, 0, 3, 0]);
    expect(one(node('ReverseSequence', ['x', 'l']), [t([4, 2, 3]), t([2], I64)], 10).shape).toEqual([4, 2, 3]);
  });
});

describe('cost', () => {
  it('every shape op costs 0 MACs and 0 FLOPs in every convention (counted, not null)', () => {
    expect(run(all, node('Reshape', ['x', 's']), [t([2, 6]), ints(3, 4)]).all()).toEqual(everywhere({ macs: 0, flops: 0 }));
    expect(run(all, node('Transpose', ['x']), [t([2, 6])]).all()).toEqual(everywhere({ macs: 0, flops: 0 }));
    const ctx = makeNodeContext(node('Identity', ['x']), [t([1])], 17);
    for (const rule of rules) {
      for (const c of CONVENTIONS) {
        const e = rule.cost({ ...ctx, outputs: [], isWeight: () => false, subgraphCost: () => ({ macs: 0, flops: 0 }) }, c);
        expect(e, `${rule.ops[0]} under ${c}`).toEqual({ macs: 0, flops: 0, formula: { template: 'shape-only', vars: {}, symbolic: '0', substituted: '0' } });
      }
    }
  });
  it('shape, axes, pads and repeats inputs are never parameters', () => {
    const np = (op: string) => rules.find((r) => r.ops.includes(op))!.nonParamInputs;
    expect(np('Reshape')).toEqual([1]);
    expect(np('Slice')).toEqual([1, 2, 3, 4]);
    expect(np('Pad')).toEqual([1, 2, 3]);
    expect(np('Expand')).toEqual([1]);
    expect(np('Tile')).toEqual([1, 2]);
    expect(np('Unsqueeze')).toEqual([1]);
  });
});

describe('backend data conformance (all data-movement families)', () => {
  const mine = (opType: string, domain: string) => all.some((r) => r.ops.includes(opType) && (r.domain ?? '') === domain);
  // Dims that depend on run-time data: Expand's target is a graph input, stop words are removed by value.
  const dataDependent = new Set(['Expand', 'StringNormalizer']);

  it('every model made only of these ops gets its expected output dims', () => {
    let checked = 0;
    for (const cs of backendCases()) {
      const model = readModel(cs.model);
      if (!model.graph.nodes.every((n) => mine(n.opType, n.domain))) continue;
      const facts = propagate(model, all);
      const allowUnknown = model.graph.nodes.some((n) => dataDependent.has(n.opType));
      model.graph.outputs.forEach((o, i) => {
        const want = readTensorFile(cs.outputs[i]!).dims;
        const got = facts.get(o.name)!.shape!;
        expect(got.length, `${cs.id} output ${i} rank`).toBe(want.length);
        got.forEach((d, a) => {
          if (typeof d === 'number' || !allowUnknown) expect(d, `${cs.id} output ${i} dim ${a}`).toBe(want[a]);
        });
      });
      checked++;
    }
    // 7 pytorch-converted (pads, Embedding ×2, PixelShuffle), 9 pytorch-operator, 4 expand, 8 sequence, 6 strnorm
    expect(checked).toBe(34);
  });

  it('Expand models match exactly once the target shape is a known value (as from a Constant)', () => {
    for (const k of [1, 2, 3, 4]) {
      const cs = backendCases().find((c) => c.id === `simple/test_expand_shape_model${k}`)!;
      const model = readModel(cs.model);
      const x = readTensorFile(cs.inputs[0]!);
      const s = readTensorFile(cs.inputs[1]!);
      const n = model.graph.nodes[0]!;
      const out = one(n, [t([...x.dims], x.dataType), t([...s.dims], I64, tensorNumbers(s))], 9);
      expect(out.shape).toEqual(readTensorFile(cs.outputs[0]!).dims);
    }
  });
});
