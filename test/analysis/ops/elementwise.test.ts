/**
 * Element-wise family: shapes (numpy and legacy broadcasting), value propagation for shape arithmetic,
 * and cost under every convention. Every expected number is worked out by hand in the comment beside it.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import type { Attribute, Node } from '../../../src/onnx/model.js';
import { serializeModel } from '../../../src/onnx/writer.js';
import { makeCostContext, makeNodeContext } from '../../../src/analysis/context.js';
import { ruleFor } from '../../../src/analysis/ops/index.js';
import { detFlops, dimsText } from '../../../src/analysis/ops/elementwise.js';
import { evaluateFormulaText } from '../../helpers/formula-text.js';
import { AnalysisError, CONVENTIONS, type Convention, type ValueFacts } from '../../../src/analysis/types.js';

const F32 = 1;
const I64 = 7;
const BOOL = 9;
const U8 = 2;

const enc = new TextEncoder();
const int = (name: string, value: number): Attribute => ({ name, type: 'int', value });
const float = (name: string, value: number): Attribute => ({ name, type: 'float', value });
const str = (name: string, value: string): Attribute => ({ name, type: 'string', value: enc.encode(value) });

function node(opType: string, inputs: string[], attributes: Attribute[] = [], domain = ''): Node {
  return { name: `/${opType}`, opType, domain, inputs, outputs: ['y'], attributes };
}

/** Infer and cost one node with its family's rule. */
function run(n: Node, inputs: (ValueFacts | undefined)[], opset = 17) {
  const rule = ruleFor(n.domain, n.opType);
  if (!rule) throw new Error(`no rule for ${n.opType}`);
  const ctx = makeNodeContext(n, inputs, opset);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs);
  const cost = (c: Convention) => rule.cost(cctx, c);
  return { out: outputs[0]!, outputs, cost, rule, ctx };
}

const t = (dtype: number, shape: (number | string | null)[], value?: number[]): ValueFacts => ({ dtype, shape, value });

describe('dimsText (the seed style of substituted products)', () => {
  it('drops ones and writes equal neighbours as powers', () => {
    // The seed writes C_out×H_out×W_out = 4×6×6 as 4×6².
    expect(dimsText([1, 4, 6, 6])).toBe('4×6²');
    expect(dimsText([1, 64, 56, 56])).toBe('64×56²');
    expect(dimsText([2, 2, 2])).toBe('2³');
    expect(dimsText([1, 1])).toBe('1');
  });
});

describe('binary arithmetic: shapes', () => {
  it('broadcasts numpy-style, keeping symbolic dims', () => {
    // [2,1,4] with [3,1] → [2,3,4]
    expect(run(node('Add', ['a', 'b']), [t(F32, [2, 1, 4]), t(F32, [3, 1])]).out.shape).toEqual([2, 3, 4]);
    // GPT-style: ['batch', 'seq', 768] + [768] keeps the symbols
    expect(run(node('Mul', ['a', 'b']), [t(F32, ['batch', 'seq', 768]), t(F32, [768])]).out.shape).toEqual(['batch', 'seq', 768]);
    // Comparisons produce bool; arithmetic keeps A's type
    expect(run(node('Less', ['a', 'b']), [t(F32, [4]), t(F32, [])]).out.dtype).toBe(BOOL);
    expect(run(node('Sub', ['a', 'b']), [t(I64, [4]), t(I64, [])]).out.dtype).toBe(I64);
  });

  it('rejects shapes that cannot broadcast', () => {
    // 3 vs 4 on the last axis
    expect(() => run(node('Add', ['a', 'b']), [t(F32, [2, 3]), t(F32, [4])])).toThrow(AnalysisError);
  });

  it('follows the legacy broadcast/axis attributes before opset 7', () => {
    // Add-6, broadcast=1, axis=1: B [3] aligns with A's axis 1; the result has A's shape.
    const legacy = run(node('Add', ['a', 'b'], [int('broadcast', 1), int('axis', 1)]), [t(F32, [2, 3, 4, 5]), t(F32, [3])], 6);
    expect(legacy.out.shape).toEqual([2, 3, 4, 5]);
    // Values: A = [[1,2,3],[4,5,6]], B = [10,20] on axis 0 → rows get +10 and +20.
    const values = run(node('Add', ['a', 'b'], [int('broadcast', 1), int('axis', 0)]), [t(I64, [2, 3], [1, 2, 3, 4, 5, 6]), t(I64, [2], [10, 20])], 6);
    expect(values.out.value).toEqual([11, 12, 13, 24, 25, 26]);
    // Size-1 dims of B broadcast as well (backend test_operator_add_size1_broadcast: [2,3] + [2,1], axis=0).
    const size1 = run(node('Add', ['a', 'b'], [int('broadcast', 1), int('axis', 0)]), [t(I64, [2, 3], [1, 2, 3, 4, 5, 6]), t(I64, [2, 1], [10, 20])], 6);
    expect(size1.out).toEqual({ dtype: I64, shape: [2, 3], value: [11, 12, 13, 24, 25, 26] });
    // Without broadcast=1 the shapes must be equal: [2,3] vs [3] is an error at opset 6.
    expect(() => run(node('Mul', ['a', 'b']), [t(F32, [2, 3]), t(F32, [3])], 6)).toThrow(AnalysisError);
    // B of a different extent than A's axis: [4] against A's axis 1 (3) is a contradiction.
    expect(() => run(node('Add', ['a', 'b'], [int('broadcast', 1), int('axis', 1)]), [t(F32, [2, 3]), t(F32, [4])], 6)).toThrow(AnalysisError);
  });
});

describe('binary arithmetic: value propagation', () => {
  it('computes PyTorch shape arithmetic on int64', () => {
    // Reshape target of a head split: batch·heads = 2×12 = 24, seq/2 = 64/2 = 32
    expect(run(node('Mul', ['a', 'b']), [t(I64, [1], [2]), t(I64, [1], [12])]).out.value).toEqual([24]);
    expect(run(node('Div', ['a', 'b']), [t(I64, [], [64]), t(I64, [], [2])]).out.value).toEqual([32]);
    expect(run(node('Sub', ['a', 'b']), [t(I64, [2], [128, 7]), t(I64, [], [1])]).out.value).toEqual([127, 6]);
  });

  it('truncates integer division toward zero and follows Mod fmod semantics', () => {
    // ONNX Div on integers: 7/2 = 3, −7/2 = −3 (C truncation, as onnxruntime computes it)
    expect(run(node('Div', ['a', 'b']), [t(I64, [2], [7, -7]), t(I64, [], [2])]).out.value).toEqual([3, -3]);
    // Mod fmod=0 takes the divisor's sign: −7 mod 3 = 2, 7 mod −3 = −2
    expect(run(node('Mod', ['a', 'b']), [t(I64, [2], [-7, 7]), t(I64, [2], [3, -3])]).out.value).toEqual([2, -2]);
    // fmod=1 takes the dividend's sign (C fmod): −7 fmod 3 = −1, 7 fmod −3 = 1
    expect(run(node('Mod', ['a', 'b'], [int('fmod', 1)]), [t(I64, [2], [-7, 7]), t(I64, [2], [3, -3])]).out.value).toEqual([-1, 1]);
    // Integer division by zero has no defined value: none is propagated.
    expect(run(node('Div', ['a', 'b']), [t(I64, [1], [5]), t(I64, [1], [0])]).out.value).toBeUndefined();
  });

  it('rounds float32 results to float32', () => {
    // 0.1 + 0.2 in float32 is Math.fround(0.1 + 0.2) = 0.30000001192092896
    const y = run(node('Add', ['a', 'b']), [t(F32, [1], [Math.fround(0.1)]), t(F32, [1], [Math.fround(0.2)])]).out.value!;
    expect(y[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  });

  it('propagates the Equal → Where pattern of Reshape/Expand targets', () => {
    // PyTorch's expand(-1, …) export: Where(Equal(shape, −1), ones, shape).
    const shape = t(I64, [3], [2, -1, 64]);
    const eq = run(node('Equal', ['s', 'c']), [shape, t(I64, [], [-1])]).out;
    expect(eq).toEqual({ dtype: BOOL, shape: [3], value: [0, 1, 0] });
    const where = run(node('Where', ['c', 'x', 'y']), [eq, t(I64, [1], [1]), shape]).out;
    expect(where).toEqual({ dtype: I64, shape: [3], value: [2, 1, 64] });
    // Not flips the mask
    expect(run(node('Not', ['c']), [eq]).out.value).toEqual([1, 0, 1]);
  });

  it('shifts and masks unsigned integers', () => {
    // 16 >> 2 = 4, 1 << 3 = 8
    expect(run(node('BitShift', ['a', 'b'], [str('direction', 'RIGHT')]), [t(U8, [1], [16]), t(U8, [1], [2])]).out.value).toEqual([4]);
    expect(run(node('BitShift', ['a', 'b'], [str('direction', 'LEFT')]), [t(U8, [1], [1]), t(U8, [1], [3])]).out.value).toEqual([8]);
    expect(() => run(node('BitShift', ['a', 'b'], [str('direction', 'UP')]), [t(U8, [1]), t(U8, [1])])).toThrow(/direction/);
    // 0b1100 & 0b1010 = 0b1000 = 8; ~0b00000101 in uint8 = 250
    expect(run(node('BitwiseAnd', ['a', 'b']), [t(U8, [1], [12]), t(U8, [1], [10])], 18).out.value).toEqual([8]);
    expect(run(node('BitwiseNot', ['a']), [t(U8, [1], [5])], 18).out.value).toEqual([250]);
  });
});

describe('binary arithmetic: cost', () => {
  it('counts one FLOP per output element, and what each tool counts', () => {
    // ResNet residual add: 1×64×56×56 = 200,704 output elements
    const add = run(node('Add', ['a', 'b']), [t(F32, [1, 64, 56, 56]), t(F32, [1, 64, 56, 56])]);
    expect(add.cost('exact')).toEqual({
      macs: 0,
      flops: 200704,
      formula: { template: 'elementwise', vars: { N: 200704, c: 1 }, symbolic: 'N', substituted: '64×56²' },
    });
    // ptflops (torch.add hook) counts N as MACs; FLOPs = 2·MACs
    expect(add.cost('ptflops')).toMatchObject({ macs: 200704, flops: 401408 });
    // DeepSpeed: N FLOPs, 0 MACs
    expect(add.cost('deepspeed')).toMatchObject({ macs: 0, flops: 200704 });
    // fvcore, thop and torch ignore additions
    expect(add.cost('fvcore')).toBeNull();
    expect(add.cost('thop')).toBeNull();
    expect(add.cost('torch')).toBeNull();
    // Sub is not one of the patched functions of ptflops/DeepSpeed
    const sub = run(node('Sub', ['a', 'b']), [t(F32, [2, 3]), t(F32, [3])]);
    expect(sub.cost('exact')!.flops).toBe(6); // 2×3
    expect(sub.cost('ptflops')).toBeNull();
    expect(sub.cost('deepspeed')).toBeNull();
  });

  it('counts broadcast output elements, not input elements', () => {
    // [8,1] × [1,16] → 8×16 = 128 products
    expect(run(node('Mul', ['a', 'b']), [t(F32, [8, 1]), t(F32, [1, 16])]).cost('exact')!.flops).toBe(128);
  });

  it('names the unknown dim when the output is not concrete', () => {
    const add = run(node('Add', ['a', 'b']), [t(F32, ['batch', 3]), t(F32, [3])]);
    expect(() => add.cost('exact')).toThrow(/dim 0 \('batch'\)/);
  });

  it('treats Pow’s exponent as a constant, not a parameter', () => {
    expect(ruleFor('', 'Pow')!.nonParamInputs).toEqual([1]);
  });
});

describe('every op of the family', () => {
  const binary = [
    'Add',
    'Sub',
    'Mul',
    'Div',
    'Pow',
    'Mod',
    'BitwiseAnd',
    'BitwiseOr',
    'BitwiseXor',
    'And',
    'Or',
    'Xor',
    'Equal',
    'Greater',
    'GreaterOrEqual',
    'Less',
    'LessOrEqual',
  ];
  const unary = [
    'Abs',
    'Neg',
    'Reciprocal',
    'Floor',
    'Ceil',
    'Round',
    'Sqrt',
    'Exp',
    'Log',
    'Sin',
    'Cos',
    'Tan',
    'Asin',
    'Acos',
    'Atan',
    'Sinh',
    'Cosh',
    'Asinh',
    'Acosh',
    'Atanh',
    'Erf',
    'Sign',
    'IsNaN',
    'IsInf',
    'Not',
    'BitwiseNot',
  ];
  it('is registered and costs 1 per output element under exact, null under torch', () => {
    // [4, 5] op [5] → 20 output elements, one operation each
    for (const op of binary) {
      const r = run(node(op, ['a', 'b']), [t(F32, [4, 5]), t(F32, [5])], 18);
      expect({ op, flops: r.cost('exact')!.flops, torch: r.cost('torch') }).toEqual({ op, flops: 20, torch: null });
      for (const c of CONVENTIONS) expect(() => r.cost(c)).not.toThrow();
    }
    for (const op of unary) {
      const r = run(node(op, ['a']), [t(F32, [4, 5])], 18);
      expect({ op, flops: r.cost('exact')!.flops, fvcore: r.cost('fvcore') }).toEqual({ op, flops: 20, fvcore: null });
    }
  });
});

describe('variadic Sum / Mean / Max / Min', () => {
  const three = [t(F32, [2, 3]), t(F32, [3]), t(F32, [1, 1])];
  it('broadcasts all inputs and counts k − 1 (Mean: k) per element', () => {
    const sum = run(node('Sum', ['a', 'b', 'c']), three);
    expect(sum.out.shape).toEqual([2, 3]);
    // (3 − 1) adds × 6 elements = 12
    expect(sum.cost('exact')).toEqual({
      macs: 0,
      flops: 12,
      formula: { template: 'elementwise', vars: { N: 6, c: 2, k: 3 }, symbolic: '(k − 1)·N', substituted: '(3−1)×2×3' },
    });
    // Mean: 2 adds + 1 divide = 3 per element → 18
    expect(run(node('Mean', ['a', 'b', 'c']), three).cost('exact')!.flops).toBe(18);
    // Max: 2 compares per element → 12
    expect(run(node('Max', ['a', 'b', 'c']), three).cost('exact')!.flops).toBe(12);
    for (const c of CONVENTIONS.filter((x) => x !== 'exact')) expect(run(node('Sum', ['a', 'b', 'c']), three).cost(c)).toBeNull();
  });

  it('propagates values and requires equal shapes before opset 8', () => {
    // max(3, 7, 5) = 7, min = 3, mean = 5 (int64 truncation is exact here)
    const xs = [t(I64, [1], [3]), t(I64, [1], [7]), t(I64, [1], [5])];
    expect(run(node('Max', ['a', 'b', 'c']), xs).out.value).toEqual([7]);
    expect(run(node('Min', ['a', 'b', 'c']), xs).out.value).toEqual([3]);
    expect(run(node('Mean', ['a', 'b', 'c']), xs).out.value).toEqual([5]);
    expect(() => run(node('Sum', ['a', 'b']), [t(F32, [2, 3]), t(F32, [3])], 6)).toThrow(AnalysisError);
  });
});

describe('unary math', () => {
  it('keeps shape and type, counts 1 per element', () => {
    const sqrt = run(node('Sqrt', ['x']), [t(F32, [1, 197, 1])]);
    expect(sqrt.out).toEqual({ dtype: F32, shape: [1, 197, 1], value: undefined });
    // 197 square roots
    expect(sqrt.cost('exact')!.flops).toBe(197);
    expect(sqrt.cost('ptflops')).toBeNull();
    // IsNaN / IsInf produce bool
    expect(run(node('IsInf', ['x']), [t(F32, [2])]).out.dtype).toBe(BOOL);
  });

  it('propagates values used in size computations', () => {
    // Floor(3.7) = 3, Floor(−3.2) = −4; Ceil(2.1) = 3; Round half to even: 0.5 → 0, 1.5 → 2, 2.5 → 2
    expect(run(node('Floor', ['x']), [t(F32, [2], [3.7, -3.2])]).out.value).toEqual([3, -4]);
    expect(run(node('Ceil', ['x']), [t(F32, [1], [2.1])]).out.value).toEqual([3]);
    expect(run(node('Round', ['x']), [t(F32, [3], [0.5, 1.5, 2.5])]).out.value).toEqual([0, 2, 2]);
    // Sqrt(64) = 8 (attention scale), Neg(5) = −5
    expect(run(node('Sqrt', ['x']), [t(F32, [], [64])]).out.value).toEqual([8]);
    expect(run(node('Neg', ['x']), [t(I64, [], [5])]).out.value).toEqual([-5]);
    // IsInf with detect_negative=0 only flags +inf
    expect(run(node('IsInf', ['x'], [int('detect_negative', 0)]), [t(F32, [2], [Infinity, -Infinity])]).out.value).toEqual([1, 0]);
  });
});

describe('Clip', () => {
  it('reads bounds from attributes before opset 11 and counts one compare per bound', () => {
    // ReLU6 at opset 6: min=0, max=6 → 2 compares × 1×32×112×112 = 802,816
    const relu6 = run(node('Clip', ['x'], [float('min', 0), float('max', 6)]), [t(F32, [1, 32, 112, 112])], 6);
    expect(relu6.cost('exact')!.flops).toBe(802816);
    // ptflops and DeepSpeed count ReLU6 once per element (401,408); thop hooks it with zero ops.
    expect(relu6.cost('ptflops')).toMatchObject({ macs: 401408, flops: 802816 });
    expect(relu6.cost('deepspeed')).toMatchObject({ macs: 0, flops: 401408 });
    expect(relu6.cost('thop')).toMatchObject({ macs: 0, flops: 0 });
    expect(relu6.cost('fvcore')).toBeNull();
    expect(relu6.cost('torch')).toBeNull();
  });

  it('reads optional min/max inputs from opset 11 and clamps known values', () => {
    // Only max given: 1 compare per element → 10
    const upper = run(node('Clip', ['x', '', 'hi']), [t(F32, [10]), undefined, t(F32, [], [6])], 13);
    expect(upper.cost('exact')!.flops).toBe(10);
    // clamp([−3, 4, 9], 0, 6) = [0, 4, 6]
    const v = run(node('Clip', ['x', 'lo', 'hi']), [t(I64, [3], [-3, 4, 9]), t(I64, [], [0]), t(I64, [], [6])], 13);
    expect(v.out.value).toEqual([0, 4, 6]);
    expect(ruleFor('', 'Clip')!.nonParamInputs).toEqual([1, 2]);
    // A non-scalar bound is malformed
    expect(() => run(node('Clip', ['x', 'lo']), [t(F32, [3]), t(F32, [2])], 13)).toThrow(/scalar/);
  });
});

describe('Det', () => {
  it('reduces the last two dims and counts Gaussian elimination', () => {
    // M = 3: pivot steps 2·(1 + 2·2) + 1·(1 + 2·1) = 13, diagonal product 2 → 15 = (3−1)(4·9+3+6)/6
    expect(detFlops(3)).toBe(15);
    // M = 2: 1 divide + 2 (multiply, subtract) + 1 multiply = 4
    expect(detFlops(2)).toBe(4);
    const det = run(node('Det', ['x']), [t(F32, [2, 3, 3])]);
    expect(det.out.shape).toEqual([2]);
    // 2 matrices × 15 = 30
    expect(det.cost('exact')).toEqual({
      macs: 0,
      flops: 30,
      formula: { template: 'det', vars: { B: 2, M: 3 }, symbolic: 'B·(M − 1)·(4M² + M + 6)/6', substituted: '2×(3−1)×(4×3²+3+6)/6' },
    });
    expect(det.cost('torch')).toBeNull();
    expect(() => run(node('Det', ['x']), [t(F32, [2, 3, 4])])).toThrow(AnalysisError);
  });
  it('counts nothing for empty matrices, and prints it so', () => {
    // 0×0 determinants: no elimination steps; the general formula would give (0 − 1)·6/6 = −1 each
    expect(detFlops(0)).toBe(0);
    const det = run(node('Det', ['x']), [t(F32, [2, 0, 0])]).cost('exact')!;
    expect(det.flops).toBe(0);
    expect(evaluateFormulaText(det.formula!.substituted)).toBe(0);
  });
});

describe('value propagation agrees with onnxruntime', () => {
  // Integer semantics are where a hand-written evaluator goes wrong: check ours against onnxruntime 1.30.
  it('Div, Mod, Pow and comparisons on int64', async () => {
    const a = [-7, 7, 9, -9, 5, 6];
    const bv = [2, -3, 4, 4, 2, 6];
    const cases: { op: string; attrs?: Record<string, number> }[] = [
      { op: 'Div' },
      { op: 'Mod' },
      { op: 'Mod', attrs: { fmod: 1 } },
      { op: 'Mul' },
      { op: 'Sub' },
      { op: 'Equal' },
      { op: 'Greater' },
      { op: 'Pow' },
    ];
    for (const { op, attrs } of cases) {
      const b = new GraphBuilder({ opset: 17 });
      const x = b.int64s('a', a);
      const y = b.int64s('b', op === 'Pow' ? [2, 3, 0, 1, 2, 1] : bv);
      b.output(b.op(op, [x, y], attrs ?? {}));
      const model = b.build();
      const session = await ort.InferenceSession.create(serializeModel(model));
      const result = await session.run({});
      const got = Array.from(result[session.outputNames[0]!]!.data as ArrayLike<number | bigint | boolean>, (v) => Number(v));
      const n = model.graph.nodes[0]!;
      const ours = run({ ...n, outputs: ['y'] }, [t(I64, [6], a), t(I64, [6], op === 'Pow' ? [2, 3, 0, 1, 2, 1] : bv)]).out.value;
      expect({ op, attrs, value: ours }).toEqual({ op, attrs, value: got });
    }
  });
});
