// Parameters by role (COUNTING.md "Parameters", docs/counting.md), with the real op rules on small
// graphs counted by hand: what an op reads as a weight is a parameter whatever its origin; a Constant
// node at an operand no rule declares (a mask, a state) is not; a stored mask is not; states never are.
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder, makeTensor } from '../../src/onnx/builder.js';

const constant = (b: GraphBuilder, name: string, dims: number[], values: number[]): string =>
  b.op('Constant', [], { value: makeTensor(name, 'float32', dims, values) }, `/${name}/Constant`);

describe('parameters by role', () => {
  it('a Constant node read as a MatMul weight, directly or through Transpose, is a parameter', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2]);
    const w = constant(b, 'w', [2, 3], [1, 2, 3, 4, 5, 6]);
    const y = b.op('MatMul', [x, w], {}, '/fc/MatMul');
    const wt = constant(b, 'wt', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const t = b.op('Transpose', [wt], { perm: [1, 0] }, '/t/Transpose');
    b.output(b.op('MatMul', [y, t], {}, '/fc2/MatMul'));
    const p = profileModel(b.build());
    // 2·3 + 3·3 = 15, the second owned by the Transpose that reads it
    expect(p.totals.params).toBe(15);
    expect(p.nodes.find((n) => n.name === '/t/Transpose')!.params).toBe(9);
  });

  it('a Constant node added to activations (a folded mask or accumulator) is not; an initializer there is (a bias)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    const mask = constant(b, 'mask', [1, 4], [0, 0, 0, 0]);
    const y = b.op('Add', [x, mask], {}, '/mask/Add');
    const bias = b.weight('bias', [4]);
    b.output(b.op('Add', [y, bias], {}, '/bias/Add'));
    expect(profileModel(b.build()).totals.params).toBe(4);
  });

  it('a stored −inf or finfo.min mask is not a parameter', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 2]);
    const causal = b.initializer('causal', 'float32', [2, 2], { values: [0, -Infinity, 0, 0] });
    const hf = b.initializer('hf', 'float32', [2, 2], { values: [0, -3.4028234663852886e38, 0, 0] });
    const y = b.op('Add', [b.op('Add', [x, causal]), hf]);
    const w = b.weight('w', [2, 2]);
    b.output(b.op('MatMul', [y, w]));
    // only w (4)
    expect(profileModel(b.build()).totals.params).toBe(4);
  });

  it('a stored 4×4 causal mask (its values read in place, not inferred) is not a parameter; a bias of 16 is', () => {
    // 16 floats: above the float values inference decodes (8), so the mask check reads the bytes itself.
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [4, 4]);
    const values = Array.from({ length: 16 }, (_, k) => (k % 4 > Math.floor(k / 4) ? -Infinity : 0));
    const causal = b.initializer('causal', 'float32', [4, 4], { values });
    const bias = b.initializer('bias', 'float32', [4, 4], { values: Array.from({ length: 16 }, (_, k) => k / 16) });
    b.output(b.op('Add', [b.op('Add', [x, causal]), bias]));
    // only the bias (16); the mask's 6 −inf above the diagonal make it no parameter
    expect(profileModel(b.build()).totals.params).toBe(16);
  });

  it('RNN initial states are state, W/R/B weights; BN running statistics are buffers', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [3, 1, 2]); // seq 3, batch 1, input 2
    const W = b.weight('W', [1, 4, 2]); // hidden 4, RNN gates 1
    const R = b.weight('R', [1, 4, 4]);
    const B = b.weight('B', [1, 8]);
    const h0 = b.initializer('h0', 'float32', [1, 1, 4], 'zeros');
    const [y] = b.node('RNN', [x, W, R, B, null, h0], { hidden_size: 4 }, { name: '/rnn/RNN', outputs: 2 });
    const sq = b.op('Squeeze', [y!, b.int64s('axes', [1])]); // [3, 1, 4]
    const bn = ['scale', 'shift', 'mean', 'var'].map((n) => b.weight(`bn.${n}`, [1]));
    b.output(b.op('BatchNormalization', [sq, ...bn], {}, '/bn/BatchNormalization'));
    const p = profileModel(b.build());
    // W 8 + R 16 + B 8 + BN scale/shift 2 = 34; h0 (4) is a state, BN mean/var (2) buffers
    expect(p.totals.params).toBe(34);
    expect(p.totals.buffers).toBe(2);
  });

  it("a weight-stripped model's ConstantOfShape weights keep counting, at any operand", () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    const wShape = b.int64s('w_shape', [4, 4]);
    const w = b.op('ConstantOfShape', [wShape], { value: makeTensor('v', 'float32', [1], [0]) });
    const biasShape = b.int64s('b_shape', [4]);
    const bias = b.op('ConstantOfShape', [biasShape], { value: makeTensor('v2', 'float32', [1], [0]) });
    b.output(b.op('Add', [b.op('MatMul', [x, w]), bias]));
    expect(profileModel(b.build()).totals.params).toBe(20);
  });
});
