/** Indexing ops: shapes, value propagation, data-dependent dims, and what each convention counts. */
import { describe, expect, it } from 'vitest';
import { rules } from '../../../src/analysis/ops/indexing.js';
import { everywhere, F32, I64, infer, ints, node, run, scalar, t } from './movement-helpers.js';

const one = (n: ReturnType<typeof node>, inputs: Parameters<typeof infer>[2], opset = 17) => infer(rules, n, inputs, opset)[0]!;
const ZERO = everywhere({ macs: 0, flops: 0 });

describe('Gather', () => {
  it('embedding lookup: [vocab, d] by [batch, seq] ids → [batch, seq, d], 0 cost everywhere', () => {
    const r = run(rules, node('Gather', ['wte', 'ids']), [t([50257, 768]), t(['batch', 'seq'], I64)]);
    expect(r.outputs[0]!.shape).toEqual(['batch', 'seq', 768]);
    expect(r.all()).toEqual(ZERO);
  });
  it('picks values along an axis, negative indices wrap, out of range is an error', () => {
    // rows 1 and −1 (= 2) of [[1,2],[3,4],[5,6]]
    expect(one(node('Gather', ['x', 'i']), [t([3, 2], I64, [1, 2, 3, 4, 5, 6]), ints(1, -1)])).toEqual({ dtype: I64, shape: [2, 2], value: [3, 4, 5, 6] });
    // column 0 (axis 1, scalar index): [1, 3, 5]
    expect(one(node('Gather', ['x', 'i'], { axis: 1 }), [t([3, 2], I64, [1, 2, 3, 4, 5, 6]), scalar(0)])).toEqual({ dtype: I64, shape: [3], value: [1, 3, 5] });
    expect(() => one(node('Gather', ['x', 'i']), [t([3, 2], I64, [1, 2, 3, 4, 5, 6]), ints(3)])).toThrow(/index 3 is out of range for an axis of size 3/);
  });
  it('the data input may be a parameter (embedding table); indices never are', () => {
    expect(rules.find((r) => r.ops.includes('Gather'))!.nonParamInputs).toEqual([1]);
  });
});

describe('GatherElements, GatherND', () => {
  it('GatherElements: output has the indices shape; values per the spec example', () => {
    // ONNX spec example: data [[1,2],[3,4]], indices [[0,0],[1,0]], axis 1 → [[1,1],[4,3]]
    expect(one(node('GatherElements', ['d', 'i'], { axis: 1 }), [t([2, 2], I64, [1, 2, 3, 4]), t([2, 2], I64, [0, 0, 1, 0])]).value).toEqual([1, 1, 4, 3]);
  });
  it('GatherND: indices[:-1] + data[batch_dims + k:]', () => {
    // data [2,3,4], indices [5, 2] → [5, 4]
    expect(one(node('GatherND', ['d', 'i']), [t([2, 3, 4]), t([5, 2], I64)]).shape).toEqual([5, 4]);
    // batch_dims 1: data [2,3,4], indices [2, 1] → [2] + data[2:] = [2, 4]
    expect(one(node('GatherND', ['d', 'i'], { batch_dims: 1 }), [t([2, 3, 4]), t([2, 1], I64)], 12).shape).toEqual([2, 4]);
  });
});

describe('Scatter*', () => {
  it('keeps the data shape; placing costs 0 everywhere', () => {
    const r = run(rules, node('ScatterND', ['d', 'i', 'u']), [t([4, 4, 4]), t([2, 1], I64), t([2, 4, 4])]);
    expect(r.outputs[0]!.shape).toEqual([4, 4, 4]);
    expect(r.all()).toEqual(ZERO);
  });
  it('a reduction counts one op per update element under exact only', () => {
    // updates 2×4×4 = 32 elements, each added into data
    const r = run(rules, node('ScatterND', ['d', 'i', 'u'], { reduction: 'add' }), [t([4, 4, 4]), t([2, 1], I64), t([2, 4, 4])], 16);
    expect(r.all()).toEqual({ exact: { macs: 0, flops: 32 }, ptflops: null, fvcore: null, thop: null, deepspeed: null, torch: null });
    expect(r.cost()!.formula).toEqual({ template: 'scatter-reduce', vars: { updates: 32 }, symbolic: 'n_updates', substituted: '32' });
    const e = run(rules, node('ScatterElements', ['d', 'i', 'u'], { axis: 0, reduction: 'max' }), [t([3, 3]), t([1, 3], I64), t([1, 3])], 18);
    expect(e.cost()!.flops).toBe(3); // 1×3 updates
    expect(run(rules, node('Scatter', ['d', 'i', 'u']), [t([3, 3]), t([1, 3], I64), t([1, 3])], 9).all()).toEqual(ZERO);
  });
});

describe('data-dependent sizes', () => {
  it('NonZero: a fresh symbolic count, or the exact coordinates when values are known', () => {
    expect(one(node('NonZero', ['x'], {}, { name: 'nz' }), [t([2, 3])], 13).shape).toEqual([2, 'nonzero_nz']);
    // [[1,0],[0,3]] → nonzeros at (0,0) and (1,1): [[0,1],[0,1]]
    expect(one(node('NonZero', ['x']), [t([2, 2], I64, [1, 0, 0, 3])], 13)).toEqual({ dtype: I64, shape: [2, 2], value: [0, 1, 0, 1] });
    // one compare per input element: 2·3 = 6 under exact
    expect(run(rules, node('NonZero', ['x']), [t([2, 3])], 13).all()).toEqual({
      exact: { macs: 0, flops: 6 },
      ptflops: null,
      fvcore: null,
      thop: null,
      deepspeed: null,
      torch: null,
    });
  });
  it('Compress: kept count from a known condition, else a fresh symbol', () => {
    expect(one(node('Compress', ['x', 'c'], { axis: 1 }), [t([3, 4]), t([4], 9, [1, 0, 1, 1])], 11).shape).toEqual([3, 3]);
    expect(one(node('Compress', ['x', 'c'], {}, { name: 'c1' }), [t([3, 4]), t([12], 9)], 11).shape).toEqual(['compress_c1']);
  });
  it('Unique and NonMaxSuppression: symbolic outputs, not counted under exact (data-dependent), null elsewhere', () => {
    const u = run(rules, node('Unique', ['x'], {}, { outputs: 4, name: 'u' }), [t([6], I64, [2, 1, 1, 3, 4, 3])], 11);
    expect(u.outputs.map((o) => o.shape)).toEqual([[4], [4], [6], [4]]); // 4 distinct values among 6
    expect(() => u.cost('exact')).toThrow(/not counted: Unique/);
    expect(u.cost('fvcore')).toBeNull();
    const n = run(rules, node('NonMaxSuppression', ['b', 's', 'm'], {}, { name: 'nms' }), [t([1, 6, 4]), t([1, 1, 6]), ints(3)], 11);
    expect(n.outputs[0]!.shape).toEqual(['nms_nms', 3]);
    expect(() => n.cost('exact')).toThrow(/not counted: NonMaxSuppression/);
  });
  it('OneHot inserts depth at axis', () => {
    expect(one(node('OneHot', ['i', 'd', 'v']), [t([2, 3], I64), scalar(10), t([2], F32)], 11).shape).toEqual([2, 3, 10]);
    expect(one(node('OneHot', ['i', 'd', 'v'], { axis: 0 }), [t([2, 3], I64), scalar(10), t([2], F32)], 11).shape).toEqual([10, 2, 3]);
  });
});
