/**
 * The expression objects of src/analysis/ops/expr.ts: one object gives the count, the symbolic and the
 * substituted text, and their LaTeX. The numbers are COUNTING.md's worked example (C_in=3, C_out=4,
 * K=3×3, 6×6 output, no bias → (2×3×3²−1)×4×6² = 7632); the LaTeX must be what the document's
 * text-to-LaTeX conversion (src/render/math-text.ts) makes of the same text.
 */
import { describe, expect, it } from 'vitest';
import {
  dims,
  each,
  juxt,
  max,
  minus,
  n,
  numel,
  numelFactor,
  over,
  perGroup,
  plus,
  plusTight,
  q,
  q1,
  series,
  shape,
  sup,
  times,
} from '../../../src/analysis/ops/expr.js';
import { plainMathToLatex } from '../../../src/render/math-text.js';

describe('expression objects', () => {
  const conv = times(minus(times(n(2), q('C_in', 3), dims(['K_h', 'K_w'], [3, 3])), n(1)), q1('N', 1), q('C_out', 4), dims(['H_out', 'W_out'], [6, 6]));

  it('evaluate to the count and print the seed formula', () => {
    expect(conv.value).toBe(7632);
    expect(conv.symbolic).toBe('(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out');
    expect(conv.substituted).toBe('(2×3×3²−1)×4×6²');
  });

  it('print LaTeX as the document converts the text', () => {
    expect(conv.substitutedLatex).toBe(plainMathToLatex(conv.substituted));
    expect(conv.symbolicLatex).toBe(plainMathToLatex(conv.symbolic));
  });

  it('write per-group channels and a batch only where they are not 1', () => {
    // a grouped conv, batch 2, with bias: 2·(C_in/g)·K·N·C_out·L_out = 2·(8/4)·3·2·16·10 = 3840
    const grouped = times(n(2), perGroup(q('C_in', 8), q('g', 4)), dims(['K'], [3]), q1('N', 2), q('C_out', 16), dims(['L_out'], [10]));
    expect(grouped.value).toBe(3840);
    expect(grouped.symbolic).toBe('2·(C_in/g)·K·N·C_out·L_out');
    expect(grouped.substituted).toBe('2×(8/4)×3×2×16×10');
    expect(plus(grouped, q('bias', 5)).substituted).toBe('2×(8/4)×3×2×16×10 + 5');
  });
});

describe('the seed notations of the element-wise, reduce, resize and pool rules', () => {
  it('print a determinant batch, leaving a batch of 1 out of the substituted form only', () => {
    // 2×3 batch of 3×3 determinants: 6 × (3 − 1)(4·9 + 3 + 6)/6 = 6 × 15 = 90 (COUNTING.md's Gaussian elimination)
    const M = q('M', 3);
    const det = (batch: number[]) => each(numelFactor('B', batch), over(times(minus(M, n(1)), plusTight(juxt(n(4), sup(M, n(2))), M, n(6))), n(6)));
    expect(det([2, 3]).value).toBe(90);
    expect(det([2, 3]).symbolic).toBe('B·(M − 1)·(4M² + M + 6)/6');
    expect(det([2, 3]).substituted).toBe('(2×3)×(3−1)×(4×3²+3+6)/6');
    expect(det([1]).substituted).toBe('(3−1)×(4×3²+3+6)/6');
    expect(det([1]).symbolic).toBe('B·(M − 1)·(4M² + M + 6)/6');
  });

  it('print element counts with ones dropped and kernels with every dim', () => {
    // ReduceL1 of [2, 3, 4, 5] over the last two axes: 6 outputs × (2·20 − 1) = 234
    const l1 = each(numelFactor('M', [2, 3]), minus(juxt(n(2), numel('n', [4, 5])), n(1)));
    expect([l1.value, l1.symbolic, l1.substituted]).toEqual([234, 'M·(2n − 1)', '(2×3)×(2×4×5−1)']);
    expect(l1.substitutedLatex).toBe(plainMathToLatex(l1.substituted));
    expect(l1.symbolicLatex).toBe(plainMathToLatex(l1.symbolic));
    // cubic resize to 3×8×8: 7·(4² − 1)/3 = 35 per element, 35 × 192 = 6720
    const cubic = times(over(times(n(7), minus(sup(n(4), q('d', 2)), n(1))), n(3)), numel('N', [1, 3, 8, 8]));
    expect([cubic.value, cubic.symbolic, cubic.substituted]).toEqual([6720, '7·(4^d − 1)/3·N', '7×(4²−1)/3×3×8²']);
    // MaxPool 3×3 over a 4-channel 6×6 output: (9 − 1) × 4 × 36 = 1152
    const pool = times(minus(shape('∏K', [3, 3]), n(1)), q('C', 4), shape('∏out', [6, 6]));
    expect([pool.value, pool.symbolic, pool.substituted]).toEqual([1152, '(∏K − 1)·C·∏out', '(3²−1)×4×6²']);
  });

  it('print the larger branch and a series of loop iterations', () => {
    const branch = max(q('FLOPs_then', 5), q('FLOPs_else', 7));
    expect([branch.value, branch.symbolic, branch.substituted]).toEqual([7, 'max(FLOPs_then, FLOPs_else)', 'max(5, 7)']);
    expect(branch.substitutedLatex).toBe(plainMathToLatex(branch.substituted));
    const iterations = series('Σ_i FLOPs_body(i)', [1, 2, 3, 4, 5, 6], 5);
    expect([iterations.value, iterations.substituted]).toEqual([21, '1 + 2 + 3 + … + 5 + 6']);
    expect(series('Σ_j FLOPs_body(j)', []).substituted).toBe('0');
  });
});
