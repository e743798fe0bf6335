/**
 * The expression objects of src/analysis/ops/expr.ts: one object gives the count, the symbolic and the
 * substituted text, and their LaTeX. The numbers are COUNTING.md's worked example (C_in=3, C_out=4,
 * K=3×3, 6×6 output, no bias → (2×3×3²−1)×4×6² = 7632); the LaTeX must be what the document's
 * text-to-LaTeX conversion (src/render/math-text.ts) makes of the same text.
 */
import { describe, expect, it } from 'vitest';
import { dims, minus, n, perGroup, plus, q, q1, times } from '../../../src/analysis/ops/expr.js';
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
