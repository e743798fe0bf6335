/** Recurrent family: output shapes per layout and gate counts derived by hand. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/recurrent.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('LSTM', () => {
  // T = 5, B = 2, I = 3, H = 4, bias, forward
  const c = check(
    rules,
    makeNode('LSTM', ['x', 'w', 'r', 'b'], { hidden_size: 4 }, { outputs: 3 }),
    [t([5, 2, 3]), t([1, 16, 3]), t([1, 16, 4]), t([1, 32])],
    14,
    [1, 2, 3],
  );

  test('shapes (layout 0)', () => {
    expect(c.outputs.map((o) => o.shape)).toEqual([
      [5, 1, 2, 4],
      [1, 2, 4],
      [1, 2, 4],
    ]);
  });

  test('exact: MACs 10·16·7 = 1120; per step 16·5 + 16·7 + 16 + 32 + 48 + 4 + 12 + 4 + 4 = 312', () => {
    // X·Wᵀ 16·(2·3−1) = 80, H·Rᵀ 16·7 = 112, sum 16, biases 32, i/f/o sigmoid 12·4 = 48,
    // c̃ tanh 4, C update 12, tanh(C) 4, o ⊙ 4 → 312 per step; 10 steps → 3120
    expect(mf(c.cost())).toEqual({ macs: 1120, flops: 3120 });
  });

  test('presets', () => {
    const all = c.all();
    // ptflops: 48 + 64 + 10·4 + 32 = 184 per step → 1840
    expect(mf(all.ptflops)).toEqual({ macs: 1840, flops: 3680 });
    // DeepSpeed: 2·48 − 16 + 2·64 − 16 + 40 + 32 = 264 → 2640 FLOPs
    expect(mf(all.deepspeed)).toEqual({ macs: 0, flops: 2640 });
    // thop: 4·((3 + 4)·4 + 4 + 8) + 12 + 4 = 176 → 1760
    expect(mf(all.thop)).toEqual({ macs: 1760, flops: 3520 });
    expect(mf(all.torch)).toEqual({ macs: 1120, flops: 2240 });
    expect(all.fvcore).toBeNull();
  });
});

describe('GRU and RNN', () => {
  test('bidirectional GRU with layout 1', () => {
    // X [B=2, T=3, I=5], H = 4, dirs 2: Y [2, 3, 2, 4], Y_h [2, 2, 4]
    const c = check(
      rules,
      makeNode('GRU', ['x', 'w', 'r'], { hidden_size: 4, direction: 'bidirectional', layout: 1 }, { outputs: 2 }),
      [t([2, 3, 5]), t([2, 12, 5]), t([2, 12, 4])],
      14,
    );
    expect(c.outputs.map((o) => o.shape)).toEqual([
      [2, 3, 2, 4],
      [2, 2, 4],
    ]);
    // MACs 12 steps·12·9 = 1296; per step 12·9 + 12·7 + 12 + z,r sigmoid 32 + 4 + tanh 4 + 16 = 260 → 3120
    expect(mf(c.cost())).toEqual({ macs: 1296, flops: 3120 });
  });
  test('RNN with a Relu activation', () => {
    // T 2, B 1, I 3, H 2: MACs 2·2·5 = 20; per step 2·5 + 2·3 + 2 + relu 2 = 20 → 40
    const c = check(rules, makeNode('RNN', ['x', 'w', 'r'], { hidden_size: 2, activations: ['Relu'] }, { outputs: 2 }), [
      t([2, 1, 3]),
      t([1, 2, 3]),
      t([1, 2, 2]),
    ]);
    expect(mf(c.cost())).toEqual({ macs: 20, flops: 40 });
  });
  test('W that contradicts hidden_size is an error', () => {
    expect(() => check(rules, makeNode('GRU', ['x', 'w', 'r'], { hidden_size: 5 }), [t([2, 1, 3]), t([1, 12, 3]), t([1, 12, 4])])).toThrow(
      /hidden_size vs W rows \/ 3 gates: 5 vs 4/,
    );
  });
});
