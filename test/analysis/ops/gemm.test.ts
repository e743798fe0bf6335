/** Gemm family: shapes and counts, every number derived by hand in the comment beside it. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/gemm.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('the seed MLP: input D, hidden 4D, N tokens', () => {
  // D = 8, N = 5: (D + D − 1)·4D·N = 15·32·5 = 2400 = 8D²N − 4DN = 2560 − 160
  const D = 8;
  const N = 5;
  test('MatMul [N×D]·[D×4D] = 8D²N − 4DN', () => {
    const c = check(rules, makeNode('MatMul', ['x', 'w']), [t([N, D]), t([D, 4 * D])], 17, [1]);
    expect(c.outputs[0]!.shape).toEqual([5, 32]);
    const e = c.cost()!;
    expect(e.flops).toBe(8 * D * D * N - 4 * D * N);
    expect(e.flops).toBe(2400);
    expect(e.macs).toBe(1280); // 5·8·32
    expect(e.formula!.substituted).toBe('(2×8−1)×5×32');
  });
  test('with a bias (Gemm C) the −1 disappears: 2·8·5·32 = 2560', () => {
    const c = check(rules, makeNode('Gemm', ['x', 'w', 'b'], { transB: 1 }), [t([N, D]), t([4 * D, D]), t([4 * D])], 17, [1, 2]);
    expect(c.outputs[0]!.shape).toEqual([5, 32]);
    expect(c.cost()!.flops).toBe(2560);
    expect(c.cost()!.formula!.substituted).toBe('2×8×5×32');
  });
});

describe('Gemm', () => {
  test('alpha and beta scaling add M·N each; transA', () => {
    // A 3×4 transposed → M=4, K=3; B 3×6 → N=6. (2·3−1)·24 = 120 + bias 24 + alpha 24 + beta 24 = 192
    const c = check(rules, makeNode('Gemm', ['a', 'b', 'c'], { transA: 1, alpha: 0.5, beta: 2.0 }), [t([3, 4]), t([3, 6]), t([1, 6])]);
    expect(c.outputs[0]!.shape).toEqual([4, 6]);
    expect(mf(c.cost())).toEqual({ macs: 72, flops: 192 });
  });

  test('nn.Linear-shaped Gemm under every preset (batch 2, 512 → 1000, bias)', () => {
    // MACs 2·512·1000 = 1,024,000
    const c = check(rules, makeNode('Gemm', ['x', 'w', 'b'], { transB: 1 }), [t([2, 512]), t([1000, 512]), t([1000])], 17, [1, 2]);
    const all = c.all();
    expect(mf(all.exact)).toEqual({ macs: 1024000, flops: 2048000 }); // 2K per output with bias
    // ptflops 0.7.5 linear_flops_counter_hook: (K·N + N)·rows, the bias once per row: + 2·1000.
    // (Older releases added out_features once, 1,025,000; changed with the preset's move to 0.7.5.)
    expect(mf(all.ptflops)).toEqual({ macs: 1026000, flops: 2052000 });
    expect(mf(all.fvcore)).toEqual({ macs: 1024000, flops: 2048000 });
    expect(mf(all.thop)).toEqual({ macs: 1024000, flops: 2048000 });
    expect(mf(all.deepspeed)).toEqual({ macs: 1024000, flops: 2048000 }); // F.linear ignores bias
    expect(mf(all.torch)).toEqual({ macs: 1024000, flops: 2048000 });
  });

  test('a Gemm from torch.addmm (transB=0, activation B): thop does not see it, DeepSpeed adds numel(C)', () => {
    const c = check(rules, makeNode('Gemm', ['c', 'a', 'bias']), [t([2, 3]), t([3, 4]), t([2, 4])]);
    expect(c.cost('thop')).toBeNull();
    expect(mf(c.cost('deepspeed'))).toEqual({ macs: 24, flops: 56 }); // 2·24 + 8
  });

  test('inner dimension mismatch names both operands', () => {
    expect(() => check(rules, makeNode('Gemm', ['a', 'b']), [t([2, 3]), t([4, 5])])).toThrow(/inner dimensions of A \(transA=0\) and B \(transB=0\): 3 vs 4/);
  });
});

describe('MatMul', () => {
  test('batched with broadcasting: [2,1,3,4]·[5,4,6] → [2,5,3,6]', () => {
    const c = check(rules, makeNode('MatMul', ['a', 'b']), [t([2, 1, 3, 4]), t([5, 4, 6])]);
    expect(c.outputs[0]!.shape).toEqual([2, 5, 3, 6]);
    // b = 10, M 3, K 4, N 6: MACs 720, FLOPs 10·18·7 = 1260
    expect(mf(c.cost())).toEqual({ macs: 720, flops: 1260 });
    // ptflops/fvcore/DeepSpeed count numel(A)·B[-1] = 24·6 = 144 (they do not see the broadcast)
    expect(mf(c.cost('ptflops'))).toEqual({ macs: 144, flops: 288 });
    expect(mf(c.cost('torch'))).toEqual({ macs: 720, flops: 1440 });
    expect(c.cost('thop')).toBeNull(); // torch.matmul of two activations is no module
  });

  test('1-D operands per numpy, symbolic batch', () => {
    expect(check(rules, makeNode('MatMul', ['a', 'b']), [t([4]), t(['n', 4, 6])]).outputs[0]!.shape).toEqual(['n', 6]);
    expect(check(rules, makeNode('MatMul', ['a', 'b']), [t(['s', 3, 4]), t([4])]).outputs[0]!.shape).toEqual(['s', 3]);
    // dot product [4]·[4] → scalar: 4 MACs, 2·4 − 1 = 7 FLOPs
    const dot = check(rules, makeNode('MatMul', ['a', 'b']), [t([4]), t([4])]);
    expect(dot.outputs[0]!.shape).toEqual([]);
    expect(mf(dot.cost())).toEqual({ macs: 4, flops: 7 });
  });

  test('MatMulInteger and QLinearMatMul', () => {
    // [2,3]·[3,4]: MACs 24, dot FLOPs 8·5 = 40; a_zero_point +6
    const mi = check(rules, makeNode('MatMulInteger', ['a', 'b', 'az']), [t([2, 3], 2), t([3, 4], 2), t([], 2)]);
    expect(mi.outputs[0]).toEqual({ dtype: 6, shape: [2, 4] });
    expect(mf(mi.cost())).toEqual({ macs: 24, flops: 46 });
    // QLinear: 40 + shifts 6 + 12 + requant 16 = 74
    const q = check(rules, makeNode('QLinearMatMul', ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz']), [
      t([2, 3], 2),
      t([]),
      t([], 2),
      t([3, 4], 2),
      t([]),
      t([], 2),
      t([]),
      t([], 2),
    ]);
    expect(q.outputs[0]).toEqual({ dtype: 2, shape: [2, 4] });
    expect(mf(q.cost())).toEqual({ macs: 24, flops: 74 });
  });
});

describe('Einsum', () => {
  test('batched attention scores bhqd,bhkd->bhqk', () => {
    const c = check(rules, makeNode('Einsum', ['q', 'k'], { equation: 'bhqd,bhkd->bhqk' }), [t([2, 3, 5, 8]), t([2, 3, 7, 8])]);
    expect(c.outputs[0]!.shape).toEqual([2, 3, 5, 7]);
    // MACs = product of all distinct index sizes = 2·3·5·8·7 = 1680; FLOPs = 210 outputs·(2·8 − 1) = 3150
    expect(mf(c.cost())).toEqual({ macs: 1680, flops: 3150 });
    // numpy optimized FLOP count 2·1680 + 1 = 3361 → '3.361e+03'; fvcore floor(3361/2) = 1680, DeepSpeed 3361 FLOPs, 0 MACs
    expect(mf(c.cost('fvcore'))).toEqual({ macs: 1680, flops: 3360 });
    expect(mf(c.cost('deepspeed'))).toEqual({ macs: 0, flops: 3361 });
    expect(mf(c.cost('torch'))).toEqual({ macs: 1680, flops: 3360 });
    expect(c.cost('ptflops')).toBeNull();
  });

  test('numpy prints the FLOP count to 4 significant digits, and fvcore/DeepSpeed read that', () => {
    // ij,jk->ik with 64·64·64: numpy 2·262144 + 1 = 524289 → 5.243e+05
    const c = check(rules, makeNode('Einsum', ['a', 'b'], { equation: 'ij,jk->ik' }), [t([64, 64]), t([64, 64])]);
    expect(c.cost('deepspeed')!.flops).toBe(524300);
    expect(c.cost('fvcore')!.macs).toBe(262150);
    expect(c.cost()!.macs).toBe(262144);
  });

  test('implicit output, ellipsis and a three-operand path', () => {
    expect(check(rules, makeNode('Einsum', ['a', 'b'], { equation: 'ij,jk' }), [t([2, 3]), t([3, 4])]).outputs[0]!.shape).toEqual([2, 4]);
    expect(check(rules, makeNode('Einsum', ['a', 'b'], { equation: '...ij,...jk->...ik' }), [t(['n', 2, 3]), t([1, 3, 4])]).outputs[0]!.shape).toEqual([
      'n',
      2,
      4,
    ]);
    // ij,jk,kl->il with i=2, j=3, k=4, l=5. numpy's optimal path contracts (ij,jk) first: 2·3·4 = 24 MACs,
    // then (ik,kl): 2·4·5 = 40 → 64 MACs; FLOPs 8·(2·3−1) + 10·(2·4−1) = 40 + 70 = 110
    const c = check(rules, makeNode('Einsum', ['a', 'b', 'c'], { equation: 'ij,jk,kl->il' }), [t([2, 3]), t([3, 4]), t([4, 5])]);
    expect(c.outputs[0]!.shape).toEqual([2, 5]);
    expect(mf(c.cost())).toEqual({ macs: 64, flops: 110 });
    // single operand: trace ii-> sums 3 diagonal elements: 2 adds, no MACs
    expect(mf(check(rules, makeNode('Einsum', ['a'], { equation: 'ii->' }), [t([3, 3])]).cost())).toEqual({ macs: 0, flops: 2 });
  });

  test('label size conflicts are errors', () => {
    expect(() => check(rules, makeNode('Einsum', ['a', 'b'], { equation: 'ij,jk->ik' }), [t([2, 3]), t([4, 5])])).toThrow(
      /einsum label 'j' of operand 1: 3 vs 4/,
    );
  });
});
