/**
 * Activation family: shape/type pass-through, PRelu's slope check, FLOPs per element of every composite
 * (spelled out in docs/counting/activation.md) and what each preset tool counts.
 */
import { describe, expect, it } from 'vitest';
import type { Attribute, Node } from '../../../src/onnx/model.js';
import { makeCostContext, makeNodeContext } from '../../../src/analysis/context.js';
import { ruleFor } from '../../../src/analysis/ops/index.js';
import { AnalysisError, type Convention, type ValueFacts } from '../../../src/analysis/types.js';

const F32 = 1;
const F16 = 10;
const enc = new TextEncoder();
const str = (name: string, value: string): Attribute => ({ name, type: 'string', value: enc.encode(value) });

function run(opType: string, inputs: (ValueFacts | undefined)[], opts: { attrs?: Attribute[]; domain?: string; opset?: number; names?: string[] } = {}) {
  const n: Node = {
    name: `/act/${opType}`,
    opType,
    domain: opts.domain ?? '',
    inputs: opts.names ?? inputs.map((_, i) => `x${i}`),
    outputs: ['y'],
    attributes: opts.attrs ?? [],
  };
  const rule = ruleFor(n.domain, n.opType);
  if (!rule) throw new Error(`no rule for ${opType}`);
  const ctx = makeNodeContext(n, inputs, opts.opset ?? 17);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs);
  return { out: outputs[0]!, cost: (c: Convention) => rule.cost(cctx, c) };
}

const t = (dtype: number, shape: (number | string | null)[]): ValueFacts => ({ dtype, shape });

// 1×64×56×56 = 200,704 elements: the output of ResNet-18's first max-pool.
const FEATURE = t(F32, [1, 64, 56, 56]);
const N = 200704;

describe('exact FLOPs per element', () => {
  // Each composite's count, as documented: op → per-element FLOPs.
  const table: [string, number, Attribute[]?][] = [
    ['Relu', 1], // compare
    ['LeakyRelu', 2], // compare, multiply
    ['Elu', 4], // compare, exp, subtract, multiply
    ['Selu', 5], // compare, exp, subtract, multiply α, multiply γ
    ['Celu', 7], // divide, exp, subtract, multiply, min, max, add
    ['Sigmoid', 4], // negate, exp, add, divide
    ['Tanh', 1],
    ['HardSigmoid', 4], // multiply, add, min, max
    ['HardSwish', 5], // HardSigmoid's 4 + multiply
    ['Softplus', 3], // exp, add, log
    ['Softsign', 3], // abs, add, divide
    ['Mish', 5], // exp, add, log, tanh, multiply
    ['ThresholdedRelu', 1], // compare
    ['Shrink', 3], // two compares, add/subtract
    ['Gelu', 5], // erf form: multiply 1/√2, erf, add, multiply x, multiply 0.5
    ['Gelu', 9, [str('approximate', 'tanh')]], // x³ (2), ×0.044715, +x, ×√(2/π), tanh, +1, ×x, ×0.5
  ];
  for (const [op, perElement, attrs] of table) {
    it(`${op}${attrs ? ' (tanh)' : ''}: ${perElement} per element`, () => {
      const r = run(op, [FEATURE], { attrs: attrs ?? [], opset: 20 });
      expect(r.out).toEqual({ dtype: F32, shape: [1, 64, 56, 56] });
      const exact = r.cost('exact')!;
      expect(exact.macs).toBe(0);
      expect(exact.flops).toBe(perElement * N);
      expect(exact.formula).toEqual({
        template: 'elementwise',
        vars: { N, c: perElement },
        symbolic: perElement === 1 ? 'N' : `${perElement}·N`,
        substituted: perElement === 1 ? '64×56²' : `${perElement}×64×56²`,
      });
    });
  }

  it('Sigmoid keeps float16 and symbolic dims', () => {
    expect(run('Sigmoid', [t(F16, ['batch', 'seq', 3072])]).out).toEqual({ dtype: F16, shape: ['batch', 'seq', 3072] });
  });

  it('rejects an unknown Gelu approximation', () => {
    expect(() => run('Gelu', [FEATURE], { attrs: [str('approximate', 'fast')], opset: 20 })).toThrow(/approximate/);
  });
});

describe('preset tools', () => {
  it('ReLU: ptflops 1/elem as MACs, thop 0, DeepSpeed FLOPs only, fvcore/torch ignore it', () => {
    const relu = run('Relu', [FEATURE]);
    expect(relu.cost('ptflops')).toMatchObject({ macs: N, flops: 2 * N });
    expect(relu.cost('thop')).toMatchObject({ macs: 0, flops: 0 });
    expect(relu.cost('deepspeed')).toMatchObject({ macs: 0, flops: N });
    expect(relu.cost('fvcore')).toBeNull();
    expect(relu.cost('torch')).toBeNull();
  });

  it('PRelu: thop counts it (count_prelu), like ptflops and DeepSpeed', () => {
    const prelu = run('PRelu', [FEATURE, t(F32, [64, 1, 1])]);
    // exact: compare + multiply = 2 × 200,704
    expect(prelu.cost('exact')!.flops).toBe(401408);
    expect(prelu.cost('thop')).toMatchObject({ macs: N, flops: 2 * N });
    expect(prelu.cost('ptflops')).toMatchObject({ macs: N });
    expect(prelu.cost('deepspeed')).toMatchObject({ flops: N, macs: 0 });
  });

  it('Sigmoid, Tanh and HardSwish are seen by no preset tool', () => {
    for (const op of ['Sigmoid', 'Tanh', 'HardSwish', 'Softplus']) {
      const r = run(op, [FEATURE]);
      for (const c of ['ptflops', 'fvcore', 'thop', 'deepspeed', 'torch'] as const) expect(r.cost(c)).toBeNull();
    }
  });

  it('GELU and ELU: ptflops and DeepSpeed count one per element', () => {
    const gelu = run('Gelu', [FEATURE], { opset: 20 });
    expect(gelu.cost('ptflops')).toMatchObject({ macs: N });
    expect(gelu.cost('deepspeed')).toMatchObject({ flops: N });
    expect(gelu.cost('thop')).toBeNull();
    expect(run('Elu', [FEATURE]).cost('ptflops')).toMatchObject({ macs: N });
  });
});

describe('PRelu slope', () => {
  it('broadcasts a per-channel slope to X', () => {
    // test_PReLU_2d_multiparam: X [2,3,4,5], slope [3,1,1]
    expect(run('PRelu', [t(F32, [2, 3, 4, 5]), t(F32, [3, 1, 1])]).out.shape).toEqual([2, 3, 4, 5]);
  });

  it('reads a 1-D slope per channel before opset 7', () => {
    // backend test_PReLU_1d_multiparam (opset 6): X [2,3,4], slope [3] on the channel axis
    expect(run('PRelu', [t(F32, [2, 3, 4]), t(F32, [3])], { opset: 6 }).out.shape).toEqual([2, 3, 4]);
    // from opset 7 numpy broadcasting aligns [3] with the last axis (4): a contradiction
    expect(() => run('PRelu', [t(F32, [2, 3, 4]), t(F32, [3])], { opset: 7 })).toThrow(AnalysisError);
  });

  it('rejects a slope that would grow X', () => {
    // slope [4,1,1] against 3 channels, and a slope of higher rank
    expect(() => run('PRelu', [t(F32, [2, 3, 4, 5]), t(F32, [4, 1, 1])])).toThrow(AnalysisError);
    expect(() => run('PRelu', [t(F32, [3, 4]), t(F32, [2, 3, 4])])).toThrow(/does not broadcast/);
  });
});

describe('onnxruntime contrib ops (com.microsoft)', () => {
  const X = t(F32, [1, 128, 3072]); // 393,216 elements
  const n = 393216;
  it('Gelu 5, FastGelu 9 (+1 with bias), BiasGelu 6, QuickGelu 6 per element', () => {
    expect(run('Gelu', [X], { domain: 'com.microsoft' }).cost('exact')!.flops).toBe(5 * n);
    expect(run('FastGelu', [X], { domain: 'com.microsoft' }).cost('exact')!.flops).toBe(9 * n);
    expect(run('FastGelu', [X, t(F32, [3072])], { domain: 'com.microsoft' }).cost('exact')!.flops).toBe(10 * n);
    expect(run('BiasGelu', [X, t(F32, [3072])], { domain: 'com.microsoft' }).cost('exact')!.flops).toBe(6 * n);
    const quick = run('QuickGelu', [X], { domain: 'com.microsoft' });
    expect(quick.cost('exact')!.flops).toBe(6 * n);
    expect(quick.cost('ptflops')).toBeNull();
    expect(run('FastGelu', [X], { domain: 'com.microsoft' }).cost('ptflops')).toMatchObject({ macs: n });
  });
});
