/**
 * Symbols the example survey and the `::complexity` footnotes print in text mode (`n ∈ {128, 512}`,
 * `⌈2(n − 1)/(k − 1)⌉ layers`, `11.3 × 10⁹`, the unstable mark †) become commands pdflatex knows, so the
 * standalone never shows them as `?` (the exporter's unsupported-character warning stays silent).
 */
import { describe, expect, it } from 'vitest';
import { unsupportedCharacters } from '../../src/export/latex.js';
import { escapeLatexText } from '../../src/render/latex-escape.js';

describe('escapeLatexText: survey symbols', () => {
  it('writes ∈, ⌈ ⌉, superscript digits and daggers as LaTeX commands', () => {
    expect(escapeLatexText('n ∈ {128, 512}')).toBe('n $\\in$ \\{128, 512\\}');
    expect(escapeLatexText('⌈2(n − 1)/(k − 1)⌉')).toBe('$\\lceil$2(n $-$ 1)/(k $-$ 1)$\\rceil$');
    expect(escapeLatexText('11.3 × 10⁹')).toBe('11.3 $\\times$ 10\\textsuperscript{9}');
    expect(escapeLatexText('0.664 ms†')).toBe('0.664 ms\\textdagger{}');
  });

  it('leaves nothing pdflatex cannot typeset in those texts', () => {
    const texts = ['n ∈ {128, 512}', '⌈2(n − 1)/(k − 1)⌉ ⌊x⌋', '10⁰ 10⁴ 10⁵ 10⁶ 10⁷ 10⁸ 10⁹', '† ‡ ≪ ≫ ∝ γ λ ε π ∉'];
    for (const t of texts) expect(unsupportedCharacters(escapeLatexText(t))).toEqual([]);
  });
});
