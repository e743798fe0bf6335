// Parameter rules of COUNTING.md, on small graphs counted by hand. The op table is a fake one
// (test/helpers/fake-rules.ts) so these tests exercise the engine alone.
import { describe, expect, it, vi } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder, makeTensor } from '../../src/onnx/builder.js';

vi.mock('../../src/analysis/ops/index.js', async () => (await import('../helpers/fake-rules.js')).fakeOpsModule());

function paramsGraph() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 4]);
  const w = b.weight('w', [4, 4]);
  const y1 = b.op('MatMul', [x, w], {}, '/first/MatMul');
  const y2 = b.op('MatMul', [y1, w], {}, '/second/MatMul'); // tied: w again
  const bias = b.weight('bias', [4], 'zeros');
  const biasCopy = b.op('Identity', [bias], {}, '/Identity'); // exporter's dedup copy
  const y3 = b.op('Add', [y2, bias], {}, '/a/Add');
  const y4 = b.op('Add', [y3, biasCopy], {}, '/b/Add');
  const bn = ['scale', 'shift', 'running_mean', 'running_var'].map((n) => b.weight(`bn.${n}`, [4]));
  const y5 = b.op('BatchNormalization', [y4, ...bn], {}, '/bn/BatchNormalization');
  const y6 = b.op('Reshape', [y5, b.int64s('shape', [1, 4])], {}, '/Reshape');
  const emb = b.weight('emb', [10, 4]);
  const g = b.op('Gather', [emb, b.int64s('idx', [3], [1])], {}, '/emb/Gather');
  const y7 = b.op('Add', [y6, g], {}, '/c/Add');
  const literal = b.op('Constant', [], { value: makeTensor('half', 'float32', [], [0.5]) }, '/Constant');
  const y8 = b.op('Mul', [y7, literal], {}, '/Mul');
  const vec = b.op('Constant', [], { value: makeTensor('vec', 'float32', [4], [1, 2, 3, 4]) }, '/Constant_1');
  const y9 = b.op('Add', [y8, vec], {}, '/d/Add');
  const ext = b.addInitializer({
    name: 'ext',
    dataType: 1,
    dims: [4, 4],
    data: { kind: 'external', location: 'never-read.bin', offset: 0, length: 64, entries: [] },
  });
  const y10 = b.op('MatMul', [y9, ext], {}, '/ext/MatMul');
  const half = b.initializer('h16', 'float16', [4], 'ones');
  b.output(b.op('Add', [y10, half], {}, '/e/Add'));
  return b.build();
}

describe('parameters', () => {
  const p = profileModel(paramsGraph());
  const byName = new Map(p.nodes.map((n) => [n.name, n]));

  it('counts each rule once: tied weight once, Identity copy separately, no BN buffers, no int64, no scalar literals', () => {
    // w 16 (once, though two MatMuls read it) + bias 4 + its Identity copy 4 + BN scale/shift 8
    // + emb 40 + external 16 + float16 4 = 92. Not counted: BN running mean/var (8), int64 shape and
    // indices, the rank-0 literal 0.5, and the Constant-node vector added by /d/Add: parameters follow
    // the role, and a Constant node at an operand no rule declares a weight is what an exporter folds
    // out of forward() (a mask, a zero state), not a weight. (Was 96 before the role rule.)
    expect(p.totals.params).toBe(92);
    // 88 float32 values × 4 bytes = 352; 4 float16 × 2 = 8.
    expect(p.totals.paramsBytesByDtype).toEqual({ float32: 352, float16: 8 });
    expect(p.totals.paramsBytes).toBe(360);
  });

  it('gives each tensor to its first consumer', () => {
    expect(byName.get('/first/MatMul')!.params).toBe(16);
    expect(byName.get('/second/MatMul')!.params).toBe(0);
    expect(byName.get('/a/Add')!.params).toBe(4);
    expect(byName.get('/Identity')!.params).toBe(0);
    expect(byName.get('/b/Add')!.params).toBe(4);
    expect(byName.get('/bn/BatchNormalization')!.params).toBe(8);
    expect(byName.get('/emb/Gather')!.params).toBe(40);
    expect(byName.get('/Mul')!.params).toBe(0);
    expect(byName.get('/d/Add')!.params).toBe(0); // a Constant node at an undeclared operand (see above)
    expect(byName.get('/ext/MatMul')!).toMatchObject({ params: 16, paramsBytes: 64 });
  });

  it('dedupe finds copies and transposed copies, reporting both numbers', () => {
    const b = new GraphBuilder();
    const ids = b.input('ids', 'int64', [1]);
    const wte = b.weight('wte', [5, 3], { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] });
    // head = wteᵀ, stored separately as exporters do for tied LM heads.
    const head = b.weight('head', [3, 5], { values: [1, 4, 7, 10, 13, 2, 5, 8, 11, 14, 3, 6, 9, 12, 15] });
    const other = b.weight('other', [3, 5], { values: [1, 4, 7, 10, 13, 2, 5, 8, 11, 14, 3, 6, 9, 12, 16] });
    const e = b.op('Gather', [wte, ids]);
    const y = b.op('MatMul', [e, head]);
    const z = b.op('MatMul', [e, other]);
    const b1 = b.weight('b1', [5], 'zeros');
    const b2 = b.weight('b2', [5], 'zeros');
    b.output(b.op('Add', [b.op('Add', [y, b1]), b.op('Add', [z, b2])]));
    const prof = profileModel(b.build(), { dedupe: true });
    // Held: 15 + 15 + 15 + 5 + 5 = 55. Unique: head equals wteᵀ (−15), b2 equals b1 (−5) → 35;
    // `other` differs from wteᵀ in one element and stays.
    expect(prof.totals.params).toBe(55);
    expect(prof.dedupe).toEqual({
      params: 35,
      paramsBytes: 140,
      duplicates: [
        { name: 'head', of: 'wte', transposed: true, params: 15 },
        { name: 'b2', of: 'b1', transposed: false, params: 5 },
      ],
    });
  });
});
