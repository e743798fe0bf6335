/** Conv family: shapes and counts, every number derived by hand in the comment beside it. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/conv.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('Conv', () => {
  // The seed's worked example: C_in=3, C_out=4, K=3, 6×6 output (pads 1 keep 6×6).
  const seed = (bias: boolean) =>
    check(
      rules,
      makeNode('Conv', bias ? ['x', 'w', 'b'] : ['x', 'w'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      bias ? [t([1, 3, 6, 6]), t([4, 3, 3, 3]), t([4])] : [t([1, 3, 6, 6]), t([4, 3, 3, 3])],
    );

  test('seed example without bias: (2×3×3²−1)×4×6² = 7632', () => {
    const c = seed(false);
    expect(c.outputs[0]!.shape).toEqual([1, 4, 6, 6]);
    const e = c.cost()!;
    expect(e.flops).toBe(7632); // (54 − 1)·144
    expect(e.macs).toBe(3888); // 4·36·3·9
    expect(e.formula!.substituted).toBe('(2×3×3²−1)×4×6²');
    expect(e.formula!.symbolic).toBe('(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out');
  });

  test('seed example with bias: 2×3×3²×4×6² = 7776', () => {
    const e = seed(true).cost()!;
    expect(e.flops).toBe(7776); // 54·144
    expect(e.formula!.substituted).toBe('2×3×3²×4×6²');
  });

  test('presets on the seed example with bias', () => {
    const all = seed(true).all();
    // ptflops: MACs 3888 + bias 4·36 = 4032; fvcore/thop: 3888; deepspeed: 2·3888 + 144 = 7920; torch 2·3888
    expect(mf(all.ptflops)).toEqual({ macs: 4032, flops: 8064 });
    expect(mf(all.fvcore)).toEqual({ macs: 3888, flops: 7776 });
    expect(mf(all.thop)).toEqual({ macs: 3888, flops: 7776 });
    expect(mf(all.deepspeed)).toEqual({ macs: 3888, flops: 7920 });
    expect(mf(all.torch)).toEqual({ macs: 3888, flops: 7776 });
  });

  test('ResNet stem: 7×7/2 pad 3 on 224² → 112², 118,013,952 MACs', () => {
    const c = check(rules, makeNode('Conv', ['x', 'w'], { kernel_shape: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3] }), [
      t(['batch', 3, 224, 224]),
      t([64, 3, 7, 7]),
    ]);
    expect(c.outputs[0]!.shape).toEqual(['batch', 64, 112, 112]); // floor((224+6−7)/2)+1 = 112
    const bound = check(rules, makeNode('Conv', ['x', 'w'], { kernel_shape: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3] }), [
      t([1, 3, 224, 224]),
      t([64, 3, 7, 7]),
    ]);
    expect(bound.cost()!.macs).toBe(118013952); // 64·112²·3·49 (torchvision ResNet-18 conv1)
    // a symbolic batch cannot be counted: the error names the dim
    expect(() => c.cost()).toThrow(/dim 0 of input X is the symbol 'batch'/);
  });

  test('groups, dilation and stride: depthwise 3×3 dilation 2 stride 2 on 1×8×9×9', () => {
    // effective kernel 5; out = floor((9 + 2 + 2 − 5)/2) + 1 = 5
    const c = check(rules, makeNode('Conv', ['x', 'w', 'b'], { group: 8, dilations: [2, 2], strides: [2, 2], pads: [2, 2, 2, 2] }), [
      t([1, 8, 9, 9]),
      t([8, 1, 3, 3]),
      t([8]),
    ]);
    expect(c.outputs[0]!.shape).toEqual([1, 8, 5, 5]);
    const e = c.cost()!;
    expect(e.macs).toBe(1800); // 8·25·(8/8)·9
    expect(e.flops).toBe(3600); // 2·1·9·200 with bias
    expect(e.formula!.substituted).toBe('2×(8/8)×3²×8×5²');
  });

  test('auto_pad SAME_UPPER keeps ceil(in/stride), also for a symbolic size at stride 1', () => {
    const c = check(rules, makeNode('Conv', ['x', 'w'], { auto_pad: 'SAME_UPPER', strides: [2] }), [t([1, 2, 7]), t([3, 2, 4])]);
    expect(c.outputs[0]!.shape).toEqual([1, 3, 4]); // ceil(7/2)
    const s = check(rules, makeNode('Conv', ['x', 'w'], { auto_pad: 'SAME_LOWER' }), [t([1, 2, 'len']), t([3, 2, 4])]);
    expect(s.outputs[0]!.shape).toEqual([1, 3, 'len']);
  });

  test('channel mismatch is an error naming the node', () => {
    expect(() => check(rules, makeNode('Conv', ['x', 'w']), [t([1, 4, 6, 6]), t([4, 3, 3, 3])])).toThrow(
      /\/Conv: input channels of X vs W\[1\]×group \(3×1\): 4 vs 3/,
    );
  });
});

describe('ConvTranspose', () => {
  // 1×4×5×5 → kernel 3, stride 2, pad 1, output_padding 1: out = 2·4 + 1 + 3 − 2 = 10
  const node = makeNode('ConvTranspose', ['x', 'w', 'b'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
  const c = check(rules, node, [t([1, 4, 5, 5]), t([4, 2, 3, 3]), t([2])]);

  test('shape from strides, pads and output_padding', () => {
    expect(c.outputs[0]!.shape).toEqual([1, 2, 10, 10]);
    const given = check(rules, makeNode('ConvTranspose', ['x', 'w'], { strides: [2, 2], output_shape: [11, 11] }), [t([1, 4, 5, 5]), t([4, 2, 3, 3])]);
    expect(given.outputs[0]!.shape).toEqual([1, 2, 11, 11]);
  });

  test('MACs per input element, under every convention', () => {
    // exact MACs = N·C_in·∏in·(C_out/g)·∏K = 4·25·2·9 = 1800; FLOPs = 2·1800 + bias 2·100 = 3800
    expect(mf(c.cost())).toEqual({ macs: 1800, flops: 3800 });
    const all = c.all();
    // ptflops 0.7.5 (pytorch_ops.py conv_flops_counter_hook, transpose=True): per *input* position
    // 25·9·4·2 = 1800 + bias over the output, N·C_out·∏out = 2·100 = 200 → 2000. (Before 0.7.5 it used the
    // output volume, 7,400; this assertion changed with the preset's move to 0.7.5.)
    expect(mf(all.ptflops)).toEqual({ macs: 2000, flops: 4000 });
    expect(mf(all.fvcore)).toEqual({ macs: 1800, flops: 3600 });
    // thop: N·C_out·∏out·(C_in/g)·∏K = 2·100·4·9 = 7200
    expect(mf(all.thop)).toEqual({ macs: 7200, flops: 14400 });
    // deepspeed: bias sized by (5 + 2 − 3)/2 + 1 = 3 per axis: 2·9 = 18; flops 3600 + 18
    expect(mf(all.deepspeed)).toEqual({ macs: 1800, flops: 3618 });
    expect(mf(all.torch)).toEqual({ macs: 1800, flops: 3600 });
  });
});

describe('quantized and deformable convolutions', () => {
  test('ConvInteger: int32 output, zero-point shift per input element', () => {
    // 1×2×4×4, W 3×2×3×3, no pads → 2×2; MACs 3·4·2·9 = 216; dot FLOPs (36 − 1)·12 = 420; x_zero_point: +32
    const c = check(rules, makeNode('ConvInteger', ['x', 'w', 'xz']), [t([1, 2, 4, 4], 2), t([3, 2, 3, 3], 2), t([], 2)]);
    expect(c.outputs[0]).toEqual({ dtype: 6, shape: [1, 3, 2, 2] });
    expect(mf(c.cost())).toEqual({ macs: 216, flops: 452 });
    expect(mf(c.cost('fvcore'))).toEqual({ macs: 216, flops: 432 });
  });

  test('QLinearConv: shifts of x and w, bias, requantisation', () => {
    // same sizes with bias: dot 36·12 = 432; shifts 32 + 54; requant 2·12 = 24 → 542
    const ins = ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'];
    const c = check(rules, makeNode('QLinearConv', ins), [
      t([1, 2, 4, 4], 2),
      t([]),
      t([], 2),
      t([3, 2, 3, 3], 3),
      t([]),
      t([], 3),
      t([]),
      t([], 2),
      t([3], 6),
    ]);
    expect(c.outputs[0]).toEqual({ dtype: 2, shape: [1, 3, 2, 2] });
    expect(mf(c.cost())).toEqual({ macs: 216, flops: 542 });
  });

  test('DeformConv: bilinear sampling on top of the convolution', () => {
    // 1×2×4×4, W 3×2×3×3, offset 1×18×2×2: MACs 216; conv FLOPs 420;
    // samples 2·9·4 = 72 × 9 = 648; coordinates 1·9·4·2 = 72 → 1140
    const c = check(rules, makeNode('DeformConv', ['x', 'w', 'off']), [t([1, 2, 4, 4]), t([3, 2, 3, 3]), t([1, 18, 2, 2])], 19);
    expect(c.outputs[0]!.shape).toEqual([1, 3, 2, 2]);
    expect(mf(c.cost())).toEqual({ macs: 216, flops: 1140 });
    // ptflops: positions 4 × 9 × (2·3 + 24) = 1080
    expect(mf(c.cost('ptflops'))).toEqual({ macs: 1080, flops: 2160 });
    expect(c.cost('torch')).toBeNull();
  });
});
