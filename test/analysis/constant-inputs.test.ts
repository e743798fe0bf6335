// The node table's `constantInputs` (docs/profile-json.md): the indices of a node's inputs that are
// constants (initializers, Constant nodes, their Identity copies). The common lists are shared
// between rows (src/analysis/profile.ts), so each case the sharing covers is checked beside the ones
// it does not: the expected indices are read off each node's inputs as the graph below wires them.
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder, makeTensor } from '../../src/onnx/builder.js';

function graph() {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1, 3, 8, 8]);
  // Conv(x, W, B): inputs 1 and 2 are initializers.
  const c = b.op('Conv', [x, b.weight('w', [4, 3, 3, 3]), b.weight('b', [4], 'zeros')], { pads: [1, 1, 1, 1] }, '/conv/Conv');
  // Add(constant, c): input 0 alone.
  const half = b.op('Constant', [], { value: makeTensor('half', 'float32', [], [0.5]) }, '/Constant');
  const a = b.op('Add', [half, c], {}, '/add/Add');
  // Mul(a, a): none.
  const m = b.op('Mul', [a, a], {}, '/mul/Mul');
  // Where(constant condition, m, constant): inputs 0 and 2, not the shared [1, 2].
  const cond = b.initializer('cond', 'bool', [1], { values: [1] });
  const w = b.op('Where', [cond, m, b.weight('zero', [1], 'zeros')], {}, '/where/Where');
  // Where(constant condition, constant, w): inputs 0 and 1.
  const w2 = b.op('Where', [cond, b.weight('one', [1], 'ones'), w], {}, '/where2/Where');
  // Sum of nine inputs, the last one constant: index 8, past the shared single-index lists (0 … 7).
  const s = b.op('Sum', [w2, w2, w2, w2, w2, w2, w2, w2, b.weight('bias9', [1], 'zeros')], {}, '/sum/Sum');
  // Sum of three with all three constant: 0, 1 and 2.
  const k = b.op('Sum', [b.weight('k0', [1]), b.weight('k1', [1]), b.weight('k2', [1])], {}, '/consts/Sum');
  b.output(b.op('Add', [s, k], {}, '/out/Add'));
  return b.build();
}

describe('constantInputs of the node table', () => {
  const nodes = new Map(profileModel(graph()).nodes.map((n) => [n.name, n.constantInputs]));

  it('lists a weight and a bias, one constant, or none', () => {
    expect(nodes.get('/conv/Conv')).toEqual([1, 2]);
    expect(nodes.get('/add/Add')).toEqual([0]);
    expect(nodes.get('/mul/Mul')).toEqual([]);
  });

  it('lists the other pairs and longer lists exactly', () => {
    expect(nodes.get('/where/Where')).toEqual([0, 2]);
    expect(nodes.get('/where2/Where')).toEqual([0, 1]);
    expect(nodes.get('/sum/Sum')).toEqual([8]);
    expect(nodes.get('/consts/Sum')).toEqual([0, 1, 2]);
    expect(nodes.get('/out/Add')).toEqual([]);
  });
});
