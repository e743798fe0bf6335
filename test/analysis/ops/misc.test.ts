/** Misc ops: StringNormalizer, Gradient (backend data), random generators; their counting rules. */
import { describe, expect, it } from 'vitest';
import { rules } from '../../../src/analysis/ops/misc.js';
import { readModel } from '../../../src/onnx/reader.js';
import { BACKEND_DIR, everywhere, F32, I32, I64, infer, node, run, STR, t } from './movement-helpers.js';

const NULLS = { ptflops: null, fvcore: null, thop: null, deepspeed: null, torch: null };

describe('StringNormalizer', () => {
  it('keeps the length without stop words; a fresh symbol with them; 0 cost', () => {
    const r = run(rules, node('StringNormalizer', ['x'], { case_change_action: 'LOWER' }), [t([4], STR)], 10);
    expect(r.outputs[0]).toEqual({ dtype: STR, shape: [4] });
    expect(r.all()).toEqual(everywhere({ macs: 0, flops: 0 }));
    const s = infer(rules, node('StringNormalizer', ['x'], { stopwords: ['monday'] }, { name: 'sn' }), [t([1, 4], STR)], 10);
    expect(s[0]!.shape).toEqual([1, 'strnorm_sn']);
    expect(() => infer(rules, node('StringNormalizer', ['x'], { case_change_action: 'TITLE' }), [t([4], STR)], 10)).toThrow(/TITLE/);
  });
});

describe('Gradient (ai.onnx.preview.training)', () => {
  it('outputs have the shapes of xs, as in the backend model test_gradient_of_add', () => {
    const model = readModel(`${BACKEND_DIR}/simple/test_gradient_of_add/model.onnx`);
    const g = model.graph.nodes.find((n) => n.opType === 'Gradient')!;
    // its inputs a and b are the graph inputs, declared as float scalars in that model
    const facts = g.inputs.map((name) => {
      const vi = model.graph.inputs.find((i) => i.name === name)!;
      return vi.type?.kind === 'tensor' ? t(vi.type.shape, vi.type.elemType) : undefined;
    });
    const outs = infer(rules, g, facts, 1);
    expect(outs).toEqual([
      { dtype: F32, shape: [] },
      { dtype: F32, shape: [] },
    ]); // dz/da, dz/db of z = a + b
    const r = run(rules, g, facts, 1);
    expect(() => r.cost('exact')).toThrow(/not counted: a gradient costs the backward pass/);
    expect(r.cost('torch')).toBeNull();
  });
});

describe('random generators', () => {
  it('RandomUniform: shape attribute, 2 FLOPs per element (low + (high − low)·u) under exact only', () => {
    const r = run(rules, node('RandomUniform', [], { shape: [2, 3] }), []);
    expect(r.outputs[0]).toEqual({ dtype: F32, shape: [2, 3] });
    // 2 × 6 = 12
    expect(r.all()).toEqual({ exact: { macs: 0, flops: 12 }, ...NULLS });
    expect(r.cost()!.formula).toEqual({ template: 'random', vars: { n: 6, perElement: 2 }, symbolic: '2·n', substituted: '2×6' });
  });
  it('RandomNormalLike takes the input shape and dtype unless dtype is given; Bernoulli 1 per element', () => {
    expect(infer(rules, node('RandomNormalLike', ['x']), [t(['b', 4], F32)])[0]).toEqual({ dtype: F32, shape: ['b', 4] });
    expect(infer(rules, node('RandomNormalLike', ['x'], { dtype: 11 }), [t([4], F32)])[0]!.dtype).toBe(11);
    expect(run(rules, node('Bernoulli', ['p']), [t([5, 2])], 15).all()).toEqual({ exact: { macs: 0, flops: 10 }, ...NULLS });
  });
  it('Multinomial: [batch, samples]; per row 2C − 1, per sample 1 + ⌈log₂C⌉', () => {
    const r = run(rules, node('Multinomial', ['x'], { sample_size: 4 }), [t([3, 10])], 7);
    expect(r.outputs[0]).toEqual({ dtype: I32, shape: [3, 4] });
    // 3·(2·10 − 1) + 3·4·(1 + ⌈log₂10⌉ = 4) = 57 + 60 = 117
    expect(r.cost()!.flops).toBe(117);
    expect(r.cost()!.formula!.substituted).toBe('3×(2×10−1) + 3×4×(1+4)');
    expect(infer(rules, node('Multinomial', ['x'], { dtype: I64 }), [t([3, 10])], 7)[0]!.shape).toEqual([3, 1]);
  });
});
