/** Pool family: window shapes and counts derived by hand. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/pool.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('MaxPool', () => {
  test('ResNet stem pool 3×3/2 pad 1 on 1×64×112² → 56², with Indices output', () => {
    const c = check(
      rules,
      makeNode('MaxPool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { outputs: 2 }),
      [t([1, 64, 112, 112])],
      12,
    );
    expect(c.outputs[0]!.shape).toEqual([1, 64, 56, 56]); // floor((112 + 2 − 3)/2) + 1
    expect(c.outputs[1]).toEqual({ dtype: 7, shape: [1, 64, 56, 56] });
    const all = c.all();
    expect(mf(all.exact)).toEqual({ macs: 0, flops: 1605632 }); // (9 − 1)·64·56²
    expect(mf(all.ptflops)).toEqual({ macs: 802816, flops: 1605632 }); // numel(X) = 64·112²
    expect(mf(all.thop)).toEqual({ macs: 0, flops: 0 });
    expect(mf(all.deepspeed)).toEqual({ macs: 0, flops: 802816 });
    expect(all.fvcore).toBeNull();
    expect(all.torch).toBeNull();
  });

  test('ceil_mode and dilations', () => {
    // in 5, k 2, s 2: floor → 2, ceil → 3
    expect(check(rules, makeNode('MaxPool', ['x'], { kernel_shape: [2], strides: [2], ceil_mode: 1 }), [t([1, 1, 5])], 12).outputs[0]!.shape).toEqual([
      1, 1, 3,
    ]);
    expect(check(rules, makeNode('MaxPool', ['x'], { kernel_shape: [2], strides: [2] }), [t([1, 1, 5])], 12).outputs[0]!.shape).toEqual([1, 1, 2]);
    // dilation 2, k 3: effective 5 on 9 → 5
    expect(check(rules, makeNode('MaxPool', ['x'], { kernel_shape: [3], dilations: [2] }), [t([1, 1, 9])], 12).outputs[0]!.shape).toEqual([1, 1, 5]);
  });
});

describe('AveragePool', () => {
  test('∏K per output element; count_include_pad=0 sums only in-bounds taps', () => {
    // 1×1×4×4, k 3, s 1, pad 1 → 4×4. include pad: 9·16 = 144
    const inc = check(rules, makeNode('AveragePool', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }), [t([1, 1, 4, 4])], 11);
    expect(inc.outputs[0]!.shape).toEqual([1, 1, 4, 4]);
    expect(inc.cost()!.flops).toBe(144);
    // exclude pad: per axis in-bounds taps over 4 positions = 2 + 3 + 3 + 2 = 10 → 10·10 = 100
    const exc = check(rules, makeNode('AveragePool', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), [t([1, 1, 4, 4])], 11);
    expect(exc.cost()!.flops).toBe(100);
    expect(mf(exc.cost('thop'))).toEqual({ macs: 16, flops: 32 }); // numel(Y)
  });
});

describe('global pools', () => {
  test('GlobalAveragePool on ResNet-18 features 1×512×7×7', () => {
    const c = check(rules, makeNode('GlobalAveragePool', ['x']), [t([1, 512, 7, 7])]);
    expect(c.outputs[0]!.shape).toEqual([1, 512, 1, 1]);
    const all = c.all();
    expect(mf(all.exact)).toEqual({ macs: 0, flops: 25088 }); // 512·(49 − 1 + 1)
    expect(all.fvcore!.macs).toBe(25088); // adaptive_avg_pool2d: numel(X)
    expect(all.ptflops!.macs).toBe(25088);
    expect(all.thop!.macs).toBe(25600); // (49 + 1)·512
    expect(all.torch).toBeNull();
  });
  test('GlobalMaxPool and GlobalLpPool', () => {
    expect(check(rules, makeNode('GlobalMaxPool', ['x']), [t([2, 3, 4, 4])]).cost()!.flops).toBe(90); // 6·15
    expect(check(rules, makeNode('GlobalLpPool', ['x']), [t([2, 3, 4, 4])]).cost()!.flops).toBe(192); // 6·2·16
  });
});

describe('LpPool, MaxUnpool, RoiAlign', () => {
  test('LpPool 2·∏K per output', () => {
    expect(check(rules, makeNode('LpPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] }), [t([1, 2, 4, 4])], 18).cost()!.flops).toBe(64); // 8 outputs·8
  });
  test('MaxUnpool inverts the pool shape; costs nothing', () => {
    const c = check(rules, makeNode('MaxUnpool', ['x', 'i'], { kernel_shape: [2, 2], strides: [2, 2] }), [t([1, 3, 2, 2]), t([1, 3, 2, 2], 7)], 11);
    expect(c.outputs[0]!.shape).toEqual([1, 3, 4, 4]); // (2 − 1)·2 + 2
    expect(c.cost()!.flops).toBe(0);
  });
  test('RoiAlign with a fixed sampling ratio; adaptive ratio is data-dependent', () => {
    const c = check(
      rules,
      makeNode('RoiAlign', ['x', 'r', 'bi'], { output_height: 2, output_width: 2, sampling_ratio: 2 }),
      [t([1, 4, 8, 8]), t([3, 4]), t([3], 7)],
      16,
    );
    expect(c.outputs[0]!.shape).toEqual([3, 4, 2, 2]);
    expect(c.cost()!.flops).toBe(48 * 40); // per bin 4·9 + 3 + 1 = 40
    const adaptive = check(rules, makeNode('RoiAlign', ['x', 'r', 'bi']), [t([1, 4, 8, 8]), t([3, 4]), t([3], 7)], 16);
    expect(() => adaptive.cost()).toThrow(/sampling_ratio 0/);
  });
  test('a window larger than the padded input is an error', () => {
    expect(() => check(rules, makeNode('MaxPool', ['x'], { kernel_shape: [5] }), [t([1, 1, 3])], 12)).toThrow(/smaller than the window 5/);
  });
});
