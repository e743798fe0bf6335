/** Rotary family (src/analysis/ops/rotary.ts): counts derived by hand, 3 ops per rotated element. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/rotary.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('RotaryEmbedding', () => {
  test('com.microsoft, 3-D input with num_heads: every channel rotated', () => {
    // [1, 3, 32], 4 heads of 8, cos_cache [16, 4] → rotary dim 8: 3 × 96 = 288
    const c = check(rules, makeNode('RotaryEmbedding', ['x', 'pos', 'cos', 'sin'], { num_heads: 4 }, { domain: 'com.microsoft' }), [
      t([1, 3, 32]),
      t([1, 3], 7),
      t([16, 4]),
      t([16, 4]),
    ]);
    expect(c.outputs[0]!.shape).toEqual([1, 3, 32]);
    expect(mf(c.cost())).toEqual({ macs: 0, flops: 288 });
    expect(mf(c.cost('ptflops'))).toEqual({ macs: 288, flops: 576 });
    expect(mf(c.cost('deepspeed'))).toEqual({ macs: 0, flops: 288 });
    expect(c.cost('fvcore')).toBeNull();
  });

  test('partial rotation (rotary_embedding_dim 4 of head 8) rotates half the channels', () => {
    const c = check(rules, makeNode('RotaryEmbedding', ['x', 'pos', 'cos', 'sin'], { num_heads: 4, rotary_embedding_dim: 4 }, { domain: 'com.microsoft' }), [
      t([1, 3, 32]),
      t([1, 3], 7),
      t([16, 2]),
      t([16, 2]),
    ]);
    expect(c.cost()!.flops).toBe(144); // 96 elements / 8 per head × 4 rotated × 3
  });

  test('opset 23, 4-D [B, N, S, H]', () => {
    const c = check(rules, makeNode('RotaryEmbedding', ['x', 'cos', 'sin', 'pos']), [t([1, 4, 3, 8]), t([16, 4]), t([16, 4]), t([1, 3], 7)], 23);
    expect(c.cost()!.flops).toBe(288);
  });

  test('a rotary dim wider than the head is an error', () => {
    expect(() => check(rules, makeNode('RotaryEmbedding', ['x', 'cos', 'sin']), [t([1, 4, 3, 8]), t([16, 8]), t([16, 8])], 23).cost()).toThrow(
      /at most the head size/,
    );
  });
});
