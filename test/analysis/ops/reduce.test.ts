/**
 * Reduce family: axes as attribute vs input across opsets, keepdims, noop_with_empty_axes, value
 * propagation of flattened sizes, ArgMax/ArgMin, CumSum, TopK, and cost under every convention.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import type { Attribute, Node } from '../../../src/onnx/model.js';
import { serializeModel } from '../../../src/onnx/writer.js';
import { makeCostContext, makeNodeContext } from '../../../src/analysis/context.js';
import { ruleFor } from '../../../src/analysis/ops/index.js';
import { AnalysisError, CONVENTIONS, type Convention, type ValueFacts } from '../../../src/analysis/types.js';
import { evaluateFormulaText } from '../../helpers/formula-text.js';

const F32 = 1;
const I64 = 7;

const int = (name: string, value: number): Attribute => ({ name, type: 'int', value });
const ints = (name: string, value: number[]): Attribute => ({ name, type: 'ints', value });

function run(opType: string, names: string[], inputs: (ValueFacts | undefined)[], opset: number, attrs: Attribute[] = []) {
  const n: Node = { name: `/${opType}`, opType, domain: '', inputs: names, outputs: ['y', 'i'], attributes: attrs };
  const rule = ruleFor('', opType);
  if (!rule) throw new Error(`no rule for ${opType}`);
  const ctx = makeNodeContext(n, inputs, opset);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs);
  return { out: outputs[0]!, outputs, cost: (c: Convention) => rule.cost(cctx, c) };
}

const t = (dtype: number, shape: (number | string | null)[], value?: number[]): ValueFacts => ({ dtype, shape, value });
const X = t(F32, [2, 3, 4]); // 24 elements

describe('Reduce* axes across opsets', () => {
  it('reads axes from the attribute before opset 18 (13 for ReduceSum)', () => {
    expect(run('ReduceMean', ['x'], [X], 17, [ints('axes', [-1])]).out.shape).toEqual([2, 3, 1]);
    expect(run('ReduceMean', ['x'], [X], 17, [ints('axes', [1]), int('keepdims', 0)]).out.shape).toEqual([2, 4]);
    expect(run('ReduceSum', ['x'], [X], 11, [ints('axes', [0, 2])]).out.shape).toEqual([1, 3, 1]);
    // no axes: reduce everything
    expect(run('ReduceMax', ['x'], [X], 13, [int('keepdims', 0)]).out.shape).toEqual([]);
  });

  it('reads axes from input 1 from opset 18 (13 for ReduceSum)', () => {
    expect(run('ReduceSum', ['x', 'axes'], [X, t(I64, [1], [1])], 13).out.shape).toEqual([2, 1, 4]);
    expect(run('ReduceMean', ['x', 'axes'], [X, t(I64, [2], [0, -1])], 18, [int('keepdims', 0)]).out.shape).toEqual([3]);
    // omitted axes: all, or nothing with noop_with_empty_axes=1
    expect(run('ReduceMax', ['x'], [X], 18).out.shape).toEqual([1, 1, 1]);
    const noop = run('ReduceMax', ['x'], [X], 18, [int('noop_with_empty_axes', 1)]);
    expect(noop.out.shape).toEqual([2, 3, 4]);
    expect(noop.cost('exact')!.flops).toBe(0);
    // an empty axes tensor counts as omitted
    expect(run('ReduceSum', ['x', 'axes'], [X, t(I64, [0], [])], 13, [int('noop_with_empty_axes', 1)]).out.shape).toEqual([2, 3, 4]);
  });

  it('keeps what it can when the axes are not known', () => {
    // keepdims: rank kept, dims that are 1 stay 1, others unknown
    expect(run('ReduceSum', ['x', 'axes'], [t(F32, [2, 1, 4]), t(I64, [1])], 13).out.shape).toEqual([null, 1, null]);
    // no keepdims, one axis: rank 2
    expect(run('ReduceSum', ['x', 'axes'], [X, t(I64, [1])], 13, [int('keepdims', 0)]).out.shape).toEqual([null, null]);
    expect(() => run('ReduceSum', ['x', 'axes'], [X, t(I64, [1])], 13).cost('exact')).toThrow(/axes are not known/);
  });

  it('rejects an axis out of range, and an axes attribute where axes are an input', () => {
    expect(() => run('ReduceMean', ['x'], [X], 13, [ints('axes', [3])])).toThrow(AnalysisError);
    expect(() => run('ReduceSum', ['x'], [X], 13, [ints('axes', [1])])).toThrow(/input 1 from opset 13/);
  });
});

describe('Reduce* values (flattened sizes in PyTorch exports)', () => {
  it('ReduceProd of a known shape gives the flattened size', () => {
    // ∏[2, 3, 64] = 384 (x.flatten(1) on [N, 3, 64] exported via Shape → Slice → ReduceProd)
    const prod = run('ReduceProd', ['s'], [t(I64, [3], [2, 3, 64])], 13, [int('keepdims', 1)]);
    expect(prod.out).toEqual({ dtype: I64, shape: [1], value: [384] });
  });

  it('ReduceSum / Mean / Max over an axis of a small int tensor', () => {
    // [[1,2,3],[4,5,6]] summed over axis 1 → [6, 15]; over axis 0 → [5, 7, 9]
    const m = t(I64, [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(run('ReduceSum', ['m', 'a'], [m, t(I64, [1], [1])], 13, [int('keepdims', 0)]).out.value).toEqual([6, 15]);
    expect(run('ReduceSum', ['m', 'a'], [m, t(I64, [1], [0])], 13, [int('keepdims', 0)]).out.value).toEqual([5, 7, 9]);
    // mean over axis 1: 6/3 = 2, 15/3 = 5
    expect(run('ReduceMean', ['m'], [m], 17, [ints('axes', [1])]).out.value).toEqual([2, 5]);
    expect(run('ReduceMax', ['m'], [m], 17, [int('keepdims', 0)]).out.value).toEqual([6]);
  });
});

describe('Reduce* cost', () => {
  // ViT-style LayerNorm decomposition: ReduceMean over the last axis of [1, 197, 768].
  const tokens = t(F32, [1, 197, 768]);
  it('ReduceMean: n per output (n − 1 adds + 1 divide)', () => {
    const mean = run('ReduceMean', ['x'], [tokens], 17, [ints('axes', [-1])]);
    // 197 outputs × 768 = 151,296
    expect(mean.cost('exact')).toEqual({
      macs: 0,
      flops: 151296,
      formula: { template: 'reduce', vars: { M: 197, n: 768 }, symbolic: 'M·n', substituted: '197×768' },
    });
    for (const c of CONVENTIONS.filter((x) => x !== 'exact')) expect(mean.cost(c)).toBeNull();
  });

  it('counts the other reductions per output as documented', () => {
    // X = [2,3,4] reduced over axis 2: M = 6 outputs of n = 4
    const over = (op: string) => run(op, ['x', 'axes'], [X, t(I64, [1], [2])], 18).cost('exact')!.flops;
    expect(over('ReduceSum')).toBe(18); // 6 × (4 − 1)
    expect(over('ReduceMax')).toBe(18); // 6 × 3 compares
    expect(over('ReduceProd')).toBe(18); // 6 × 3 multiplies
    expect(over('ReduceL1')).toBe(42); // 6 × (4 abs + 3 adds)
    expect(over('ReduceL2')).toBe(48); // 6 × (4 squares + 3 adds + 1 sqrt)
    expect(over('ReduceSumSquare')).toBe(42); // 6 × (4 + 3)
    expect(over('ReduceLogSum')).toBe(24); // 6 × (3 adds + 1 log)
    expect(over('ReduceLogSumExp')).toBe(48); // 6 × (4 exps + 3 adds + 1 log)
    // GlobalAveragePool written as ReduceMean over H, W of [1, 512, 7, 7]: 512 × 49 = 25,088
    const gap = run('ReduceMean', ['x'], [t(F32, [1, 512, 7, 7])], 17, [ints('axes', [2, 3])]).cost('exact')!;
    expect(gap.flops).toBe(25088);
    expect(gap.formula!.substituted).toBe('512×7²');
  });

  it('names the unknown dim when counting a symbolic input', () => {
    expect(() => run('ReduceSum', ['x'], [t(F32, ['batch', 8])], 11, [ints('axes', [1])]).cost('exact')).toThrow(/'batch'/);
  });
});

describe('ArgMax / ArgMin', () => {
  it('reduce one axis to int64 indices and count n − 1 compares per output', () => {
    const arg = run('ArgMax', ['x'], [t(F32, [4, 1000])], 13, [int('axis', 1), int('keepdims', 0)]);
    expect(arg.out.dtype).toBe(I64);
    expect(arg.out.shape).toEqual([4]);
    // 4 rows × 999 compares = 3,996
    expect(arg.cost('exact')!.flops).toBe(3996);
    expect(arg.cost('fvcore')).toBeNull();
  });

  it('propagate values, honouring select_last_index', () => {
    const v = t(I64, [2, 3], [3, 9, 9, 1, 1, 0]);
    // row 0 [3,9,9]: max first at 1, last at 2; row 1 [1,1,0]: max first at 0, last at 1; min at 0 and 2
    expect(run('ArgMax', ['x'], [v], 13, [int('axis', 1)]).out.value).toEqual([1, 0]);
    expect(run('ArgMax', ['x'], [v], 13, [int('axis', 1), int('select_last_index', 1)]).out.value).toEqual([2, 1]);
    expect(run('ArgMin', ['x'], [v], 13, [int('axis', 1)]).out.value).toEqual([0, 2]);
  });
});

describe('CumSum', () => {
  it('keeps the shape and counts L − 1 adds per line', () => {
    const c = run('CumSum', ['x', 'axis'], [t(F32, [2, 128]), t(I64, [], [1])], 14);
    expect(c.out.shape).toEqual([2, 128]);
    // 2 lines × 127 adds = 254
    expect(c.cost('exact')).toMatchObject({ flops: 254, formula: { symbolic: 'M·(n − 1)', substituted: '2×(128−1)' } });
    // exclusive: 2 × 126 = 252
    expect(run('CumSum', ['x', 'axis'], [t(F32, [2, 128]), t(I64, [], [1])], 14, [int('exclusive', 1)]).cost('exact')!.flops).toBe(252);
    expect(() => run('CumSum', ['x', 'axis'], [t(F32, [2, 128]), t(I64, [])], 14).cost('exact')).toThrow(/axis is not known/);
  });

  it('counts nothing for lines too short to add, and prints it so', () => {
    // an exclusive scan of one element writes 0: no add (L − 2 would be −1 per line)
    const one = run('CumSum', ['x', 'axis'], [t(F32, [2, 1]), t(I64, [], [1])], 14, [int('exclusive', 1)]).cost('exact')!;
    expect(one.flops).toBe(0);
    expect(evaluateFormulaText(one.formula!.substituted)).toBe(0);
    // summing an empty axis: 3 outputs of no elements, no adds (n − 1 would be −1 per output)
    const empty = run('ReduceSum', ['x', 'axes'], [t(F32, [3, 0]), t(I64, [1], [1])], 13).cost('exact')!;
    expect(empty.flops).toBe(0);
    expect(evaluateFormulaText(empty.formula!.substituted)).toBe(0);
  });

  it('propagates values (position ids from a mask), exclusive and reverse', () => {
    const mask = t(I64, [1, 4], [1, 1, 1, 0]);
    expect(run('CumSum', ['x', 'a'], [mask, t(I64, [], [1])], 14).out.value).toEqual([1, 2, 3, 3]);
    expect(run('CumSum', ['x', 'a'], [mask, t(I64, [], [1])], 14, [int('exclusive', 1)]).out.value).toEqual([0, 1, 2, 3]);
    expect(run('CumSum', ['x', 'a'], [mask, t(I64, [], [-1])], 14, [int('reverse', 1)]).out.value).toEqual([3, 2, 1, 0]);
  });
});

describe('TopK', () => {
  it('takes K from the attribute before opset 10 and from input 1 after', () => {
    const v1 = run('TopK', ['x'], [t(F32, [3, 10])], 1, [int('k', 4)]);
    expect(v1.outputs.map((o) => [o.dtype, o.shape])).toEqual([
      [F32, [3, 4]],
      [I64, [3, 4]],
    ]);
    const v11 = run('TopK', ['x', 'k'], [t(F32, ['batch', 50]), t(I64, [1], [5])], 11, [int('axis', 1)]);
    expect(v11.out.shape).toEqual(['batch', 5]);
    // unknown K: that axis is unknown
    expect(run('TopK', ['x', 'k'], [t(F32, [3, 10]), t(I64, [1])], 11).out.shape).toEqual([3, null]);
    expect(() => run('TopK', ['x', 'k'], [t(F32, [3, 10]), t(I64, [1], [11])], 11)).toThrow(/outside/);
  });

  it('counts K passes of a max search: K·(2n − K − 1)/2 compares per row', () => {
    // n = 10, K = 4: 9 + 8 + 7 + 6 = 30 = 4×(20−4−1)/2; 3 rows → 90
    const top = run('TopK', ['x', 'k'], [t(F32, [3, 10]), t(I64, [1], [4])], 11);
    expect(top.cost('exact')).toEqual({
      macs: 0,
      flops: 90,
      formula: { template: 'topk', vars: { M: 3, n: 10, K: 4 }, symbolic: 'M·K·(2n − K − 1)/2', substituted: '3×4×(2×10−4−1)/2' },
    });
    expect(top.cost('torch')).toBeNull();
  });
});

describe('reduction values agree with onnxruntime', () => {
  it('ReduceSum/ReduceProd/ArgMax/CumSum on int64', async () => {
    const data = [4, -2, 7, 3, 3, -5];
    const cases: { op: string; attrs: Record<string, number | number[]>; axis?: number[] }[] = [
      { op: 'ReduceSum', attrs: { keepdims: 0 }, axis: [1] },
      { op: 'ReduceProd', attrs: { axes: [0], keepdims: 1 } },
      { op: 'ReduceMax', attrs: { axes: [1], keepdims: 0 } },
      { op: 'ArgMax', attrs: { axis: 1, keepdims: 0, select_last_index: 1 } },
      { op: 'ArgMin', attrs: { axis: 0 } },
      { op: 'CumSum', attrs: { exclusive: 1, reverse: 1 }, axis: [1] },
    ];
    for (const { op, attrs, axis } of cases) {
      const b = new GraphBuilder({ opset: 17 });
      const x = b.initializer('x', 'int64', [2, 3], { values: data });
      const inputs = [x];
      if (axis) inputs.push(op === 'CumSum' ? b.initializer('a', 'int64', [], { values: axis }) : b.int64s('a', axis));
      b.output(b.op(op, inputs, attrs));
      const session = await ort.InferenceSession.create(serializeModel(b.build()));
      const result = (await session.run({}))[session.outputNames[0]!]!;
      const expected = { shape: [...result.dims], value: Array.from(result.data as BigInt64Array, Number) };
      const names = axis ? ['x', 'a'] : ['x'];
      const facts = axis ? [t(I64, [2, 3], data), t(I64, op === 'CumSum' ? [] : [1], axis)] : [t(I64, [2, 3], data)];
      const attrList: Attribute[] = Object.entries(attrs).map(([k, v]) => (Array.isArray(v) ? ints(k, v) : int(k, v)));
      const ours = run(op, names, facts, 17, attrList).out;
      expect({ op, shape: ours.shape, value: ours.value }).toEqual({ op, ...expected });
    }
  });
});
