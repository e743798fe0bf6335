/**
 * Attention family. The seed's closed forms are checked against the exact per-op count on the same
 * sizes (docs/counting/attention.md explains the difference).
 */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/attention.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('Attention (opset 23)', () => {
  // one head, D = 8 (d = d_v = 8), N = 4 tokens, batch 1
  const c = check(rules, makeNode('Attention', ['q', 'k', 'v']), [t([1, 1, 4, 8]), t([1, 1, 4, 8]), t([1, 1, 4, 8])], 23);

  test('shape and exact count', () => {
    expect(c.outputs[0]!.shape).toEqual([1, 1, 4, 8]);
    // MACs: QKᵀ 4·4·8 = 128 + AV 128 = 256 = 2·D·N²
    // FLOPs: QKᵀ 16·15 = 240, scale 16, softmax 4·(5·4 − 2) = 72, AV 4·8·7 = 224 → 552
    expect(mf(c.cost())).toEqual({ macs: 256, flops: 552 });
  });

  test('the seed closed form 2·D_k·N² + … against the exact count', () => {
    // seed, without projections (they are separate MatMul nodes around this op): 2·D_k·N² + 1 = 257
    const D = 8;
    const N = 4;
    expect(2 * D * N * N + 1).toBe(257);
    // exact MACs are the 2·D·N² part; the seed's "+1" stands for the softmax, which really costs N·(5N − 2) = 72
    expect(c.cost()!.macs).toBe(2 * D * N * N);
  });

  test('3-D inputs with heads, past key/value, GQA', () => {
    // Q [2, 5, 4 heads·6], K/V [2, 5, 2 heads·6], past [2, 2, 3, 6] → total 8
    const g = check(
      rules,
      makeNode('Attention', ['q', 'k', 'v', '', 'pk', 'pv'], { q_num_heads: 4, kv_num_heads: 2 }, { outputs: 3 }),
      [t([2, 5, 24]), t([2, 5, 12]), t([2, 5, 12]), undefined, t([2, 2, 3, 6]), t([2, 2, 3, 6])],
      23,
    );
    expect(g.outputs.map((o) => o.shape)).toEqual([
      [2, 5, 24],
      [2, 2, 8, 6],
      [2, 2, 8, 6],
    ]);
    // MACs = B·H·Sq·Skv·(d + dv) = 2·4·5·8·12 = 3840
    expect(g.cost()!.macs).toBe(3840);
    expect(mf(g.cost('torch'))).toEqual({ macs: 3840, flops: 7680 });
    expect(g.cost('fvcore')).toBeNull();
  });
});

describe('com.microsoft Attention (fused projections)', () => {
  // D = 8, N = 4, 2 heads (d = 4), bias: the seed's setting D_x = D_k = D_v = D
  const D = 8;
  const N = 4;
  const c = check(rules, makeNode('Attention', ['x', 'w', 'b'], { num_heads: 2 }, { domain: 'com.microsoft' }), [t([1, N, D]), t([D, 3 * D]), t([3 * D])]);

  test('shape and MACs = 3D²N + 2DN²', () => {
    expect(c.outputs[0]!.shape).toEqual([1, 4, 8]);
    const e = c.cost()!;
    expect(e.macs).toBe(3 * D * D * N + 2 * D * N * N); // 768 + 256 = 1024
    expect(e.macs).toBe(1024);
    // FLOPs: projections 4·24·(2·8 − 1) = 1440 + bias 96; per 2 heads: QKᵀ 32·7 = 224, scale 32,
    // softmax 8·18 = 144, AV 2·4·4·7 = 224 → 1536 + 624 = 2160
    expect(e.flops).toBe(2160);
    // the seed's closed form 3D²N + 2DN² + 1 = 1025 counts MACs plus one op for the softmax
    expect(3 * D * D * N + 2 * D * N * N + 1).toBe(1025);
  });

  test('presets', () => {
    const all = c.all();
    // ptflops: Q scaling 32 + projections 768 + bias 96 + heads (128 + 128 + scores 32) = 1184
    expect(all.ptflops!.macs).toBe(1184);
    expect(all.fvcore!.macs).toBe(1024);
    expect(all.thop!.macs).toBe(768); // only the projection Linear
    expect(mf(all.deepspeed)).toEqual({ macs: 1024, flops: 2080 }); // 2·1024 + 32 scores
  });
});

describe('com.microsoft MultiHeadAttention', () => {
  test('3-D query/key/value with bias, 2 heads', () => {
    const c = check(rules, makeNode('MultiHeadAttention', ['q', 'k', 'v', 'b'], { num_heads: 2 }, { domain: 'com.microsoft', outputs: 3 }), [
      t([1, 4, 8]),
      t([1, 6, 8]),
      t([1, 6, 8]),
      t([24]),
    ]);
    expect(c.outputs.map((o) => o.shape)).toEqual([
      [1, 4, 8],
      [1, 2, 6, 4],
      [1, 2, 6, 4],
    ]);
    // MACs 2·4·6·(4 + 4) = 384; FLOPs bias 32 + 48 + 48 = 128, QKᵀ 48·7 = 336, scale 48,
    // softmax 8·28 = 224, AV 2·4·4·11 = 352 → 1088
    expect(mf(c.cost())).toEqual({ macs: 384, flops: 1088 });
  });
});
