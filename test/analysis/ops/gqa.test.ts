/** com.microsoft GroupQueryAttention (src/analysis/ops/attention.ts): counts derived by hand. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/attention.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

const I32 = 6;
const MS = { domain: 'com.microsoft', outputs: 3 };

describe('GroupQueryAttention', () => {
  // B 1, S 3 new tokens, 4 query heads sharing 2 key/value heads, d 8, past 5 → total 8
  const inputs = [t([1, 3, 32]), t([1, 3, 16]), t([1, 3, 16]), t([1, 2, 5, 8]), t([1, 2, 5, 8]), t([1], I32), t([], I32, [8])];
  const names = ['q', 'k', 'v', 'pk', 'pv', 'seqlens', 'total'];

  test('shapes: output [B, S, H_q·d], present [B, H_kv, past + S, d]', () => {
    const c = check(rules, makeNode('GroupQueryAttention', names, { num_heads: 4, kv_num_heads: 2 }, MS), inputs);
    expect(c.outputs.map((o) => o.shape)).toEqual([
      [1, 3, 32],
      [1, 2, 8, 8],
      [1, 2, 8, 8],
    ]);
  });

  test('prefill over a past: MACs B·H_q·S·T·2d, FLOPs with the causal mask', () => {
    const c = check(rules, makeNode('GroupQueryAttention', names, { num_heads: 4, kv_num_heads: 2 }, MS), inputs);
    // MACs 4·3·8·(8 + 8) = 1536. FLOPs: rows 12, scores 96: QKᵀ 96·15 = 1440, scale 96, mask 96,
    // softmax 12·(5·8 − 2) = 456, AV 12·8·(2·8 − 1) = 1440 → 3528
    expect(mf(c.cost())).toEqual({ macs: 1536, flops: 3528 });
    expect(mf(c.cost('torch'))).toEqual({ macs: 1536, flops: 3072 });
    expect(c.cost('thop')).toBeNull();
  });

  test('fused rotary adds 3·B·S·(H_q + H_kv)·rotary_dim', () => {
    const c = check(rules, makeNode('GroupQueryAttention', [...names, 'cos', 'sin'], { num_heads: 4, kv_num_heads: 2, do_rotary: 1 }, MS), [
      ...inputs,
      t([16, 4]),
      t([16, 4]),
    ]);
    expect(c.cost()!.flops).toBe(3528 + 3 * 3 * 6 * 8); // + 432
    expect(c.cost()!.macs).toBe(1536);
  });

  test('decode: one token over a past of 8 → 9 keys; without total_sequence_length the past decides', () => {
    const d = check(rules, makeNode('GroupQueryAttention', ['q', 'k', 'v', 'pk', 'pv'], { num_heads: 4, kv_num_heads: 2 }, MS), [
      t([1, 1, 32]),
      t([1, 1, 16]),
      t([1, 1, 16]),
      t([1, 2, 8, 8]),
      t([1, 2, 8, 8]),
    ]);
    expect(d.outputs[1]!.shape).toEqual([1, 2, 9, 8]);
    expect(d.cost()!.macs).toBe(4 * 1 * 9 * 16); // 576
  });

  test('packed QKV and a bad head split', () => {
    const p = check(rules, makeNode('GroupQueryAttention', ['qkv'], { num_heads: 4, kv_num_heads: 2 }, MS), [t([1, 3, 64])]);
    expect(p.outputs[0]!.shape).toEqual([1, 3, 32]); // (4 + 2·2)·8 = 64 → d 8
    expect(p.cost()!.macs).toBe(4 * 3 * 3 * 16); // no past: T = S = 3
    expect(() => check(rules, makeNode('GroupQueryAttention', ['q'], { num_heads: 3, kv_num_heads: 2 }, MS), [t([1, 3, 56])])).toThrow(
      /multiple of kv_num_heads/,
    );
  });
});
