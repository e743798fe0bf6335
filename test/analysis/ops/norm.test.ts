/** Norm family: shapes and counts derived by hand (7n + 2 per group, see docs/counting/norm.md). */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/norm.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('BatchNormalization', () => {
  const c = check(rules, makeNode('BatchNormalization', ['x', 's', 'b', 'm', 'v']), [t([1, 4, 3, 3]), t([4]), t([4]), t([4]), t([4])], 15, [1, 2, 3, 4]);
  test('inference: 2 per element; presets', () => {
    expect(c.outputs[0]!.shape).toEqual([1, 4, 3, 3]);
    const all = c.all();
    expect(mf(all.exact)).toEqual({ macs: 0, flops: 72 }); // 2·36
    expect(mf(all.ptflops)).toEqual({ macs: 72, flops: 144 }); // 2n affine
    expect(mf(all.fvcore)).toEqual({ macs: 72, flops: 144 });
    expect(mf(all.thop)).toEqual({ macs: 144, flops: 288 }); // 4n affine
    expect(mf(all.deepspeed)).toEqual({ macs: 0, flops: 72 });
    expect(all.torch).toBeNull();
  });
  test('running mean and variance are buffers, not parameters', () => {
    expect(rules.find((r) => r.ops.includes('BatchNormalization'))!.nonParamInputs).toEqual([3, 4]);
  });
  test('channel mismatch is an error', () => {
    expect(() => check(rules, makeNode('BatchNormalization', ['x', 's', 'b', 'm', 'v']), [t([1, 4, 3, 3]), t([3]), t([4]), t([4]), t([4])])).toThrow(
      /scale length vs channels: 3 vs 4/,
    );
  });
});

describe('LayerNormalization', () => {
  test('GPT-style [1, 128, 768] over the last axis: 128·(7·768 + 2) = 688,384', () => {
    const c = check(rules, makeNode('LayerNormalization', ['x', 's', 'b'], {}, { outputs: 3 }), [t(['b', 128, 768]), t([768]), t([768])]);
    expect(c.outputs.map((o) => o.shape)).toEqual([
      ['b', 128, 768],
      ['b', 128, 1],
      ['b', 128, 1],
    ]);
    const bound = check(rules, makeNode('LayerNormalization', ['x', 's', 'b']), [t([1, 128, 768]), t([768]), t([768])]);
    expect(bound.cost()!.flops).toBe(688384);
    const all = bound.all();
    expect(all.fvcore!.macs).toBe(491520); // 5·98304
    expect(all.ptflops!.macs).toBe(196608); // 2·98304
    expect(all.thop!.macs).toBe(393216); // 4·98304
    expect(all.deepspeed!.flops).toBe(491520);
  });
  test('without bias the affine step is n: 6n + 2 per group', () => {
    expect(check(rules, makeNode('LayerNormalization', ['x', 's']), [t([2, 10]), t([10])]).cost()!.flops).toBe(124); // 2·62
  });
});

describe('group, instance, RMS and other norms', () => {
  test('GroupNormalization: N·G groups of (C/G)·HW; GN is not registered in thop', () => {
    // 2×6×4×4, 3 groups: 6 groups of 32 → 6·(7·32 + 2) = 1356
    const c = check(rules, makeNode('GroupNormalization', ['x', 's', 'b'], { num_groups: 3 }), [t([2, 6, 4, 4]), t([6]), t([6])], 21);
    expect(c.cost()!.flops).toBe(1356);
    expect(c.cost('thop')).toBeNull();
    expect(() => check(rules, makeNode('GroupNormalization', ['x', 's', 'b'], { num_groups: 4 }), [t([2, 6, 4, 4]), t([4]), t([4])], 18)).toThrow(
      /not divisible by num_groups 4/,
    );
  });
  test('InstanceNormalization: N·C groups of HW', () => {
    // 1×3×5×5: 3·(7·25 + 2) = 531
    expect(check(rules, makeNode('InstanceNormalization', ['x', 's', 'b']), [t([1, 3, 5, 5]), t([3]), t([3])]).cost()!.flops).toBe(531);
  });
  test('RMSNormalization and SkipLayerNormalization', () => {
    // RMS over 8, 4 groups: 4·(4·8 + 2) = 136
    expect(check(rules, makeNode('RMSNormalization', ['x', 's']), [t([4, 8]), t([8])], 23).cost()!.flops).toBe(136);
    // Skip LN with beta and bias: per element 5 + 2 + 2 = 9 → 4·(9·8 + 2) = 296
    const skip = check(rules, makeNode('SkipLayerNormalization', ['x', 'skip', 'g', 'be', 'bias'], {}, { domain: 'com.microsoft', outputs: 4 }), [
      t([1, 4, 8]),
      t([1, 4, 8]),
      t([8]),
      t([8]),
      t([8]),
    ]);
    expect(skip.cost()!.flops).toBe(296);
    expect(skip.outputs[3]!.shape).toEqual([1, 4, 8]);
  });
  test('LpNormalization, LRN, MeanVarianceNormalization', () => {
    expect(check(rules, makeNode('LpNormalization', ['x']), [t([3, 4])]).cost()!.flops).toBe(36); // 3 rows·3·4
    // LRN size 3 on C = 4: window adds per channel 1,2,2,1 = 6; 5·(1·4·2·2) + 4·6 = 80 + 24 = 104
    expect(check(rules, makeNode('LRN', ['x'], { size: 3 }), [t([1, 4, 2, 2])]).cost()!.flops).toBe(104);
    // MVN over axes 0,2,3 of 2×3×2×2: n = 8, 3 groups: 3·(5·8 + 2) = 126
    expect(check(rules, makeNode('MeanVarianceNormalization', ['x']), [t([2, 3, 2, 2])]).cost()!.flops).toBe(126);
  });
});
