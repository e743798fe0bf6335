/**
 * Numbering and escaping rules of the LaTeX fragment that need no benchmark: a table that failed
 * still takes its number (as in the HTML), unnumbered breakdown tables take none, and pieces of
 * text with characters pdflatex does not know are declared by the standalone wrapper.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentToLatex, tableLatex } from '../../src/export/latex.js';
import { escapeLatexText } from '../../src/render/latex-escape.js';
import { metricMacros } from '../../src/export/macros.js';
import { standaloneFile } from '../../src/export/standalone.js';
import type { DocumentData } from '../../src/document/state.js';
import { buildMetricTable, DEFAULT_FORMAT } from '../../src/render/index.js';
import { renderWithTree, writeFixture } from './fixture.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-numbering-'));
  writeFixture(dir);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const DOC = `# Numbering

::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny-Gemm"}

::table{#tbl-bad models="nosuch" caption="Broken"}

::table{#tbl-good models="gemm" metrics="params" caption="Good"}

::layers{model=gemm}

See @tbl-good and @tbl-missing.
`;

describe('numbering in the LaTeX fragment', () => {
  it('steps the table counter for a failed table, so the next one is Table 2 as in the HTML', async () => {
    const md = path.join(dir, 'numbering.md');
    const r = await renderWithTree(md, DOC, path.join(dir, 'cache'));
    expect(r.data.references).toEqual([
      { id: 'tbl-bad', kind: 'table', number: 1 },
      { id: 'tbl-good', kind: 'table', number: 2 },
    ]);
    const tex = documentToLatex(r.tree, r.data);
    // The failed table: its error box, after stepping the counter and setting its label.
    expect(tex).toMatch(/\\refstepcounter\{table\}\\label\{tbl:bad\}%\n\\fbox\{\\parbox\{0\.95\\linewidth\}\{\\textbf\{modelpress error\}.*unknown model/);
    expect(tex).toContain('\\caption{Good}\n\\label{tbl:good}');
    // ::layers has no number in the HTML: its caption is text, not \caption (which would count).
    expect(tex.match(/\\caption\{/g)).toHaveLength(1);
    expect(tex).toContain('{\\small\\textbf{Tiny-Gemm: parameters and operations by module}\\par\\smallskip}');
    // The unknown reference stays visible as an inline error.
    expect(tex).toContain('See Table~\\ref{tbl:good} and \\textbf{[modelpress error numbering.md:');
    expect(tex).toContain("unknown cross-reference '@tbl-missing'");
  });
});

describe('pieces', () => {
  it('makes the shallowest heading a \\section when there is no # title', async () => {
    const r = await renderWithTree(path.join(dir, 'headings.md'), '## Intro\n\ntext\n\n### Detail\n', path.join(dir, 'cache'));
    expect(documentToLatex(r.tree, r.data)).toContain('\\section{Intro}\n\ntext\n\n\\subsection{Detail}');
  });

  it('gives a numbered table without caption an empty \\caption, so LaTeX still counts it', () => {
    // Params 15 of the tiny Gemm (4·3 + 3).
    const table = buildMetricTable({
      metrics: ['params'],
      groups: [undefined],
      rows: [{ label: 'g', points: [{ values: { params: 15 } }] }],
      format: { ...DEFAULT_FORMAT, scale: { params: '' }, precision: { params: 0 } },
      number: 3,
    });
    const tex = tableLatex(table);
    expect(tex).toContain('\\centering\n\\caption{}\n');
    expect(tex).toContain('g & 15 \\\\');
  });

  it('escapes characters pdflatex lacks and declares any other in the standalone wrapper', () => {
    expect(escapeLatexText('≈ 5 → 6, 10²')).toBe('$\\approx$ 5 $\\rightarrow$ 6, 10\\textsuperscript{2}');
    const wrapper = standaloneFile({ title: 'T', fragmentFile: 'x.tex', macrosFile: 'x.macros.tex', fragment: 'see ✓ and ⊕' });
    expect(wrapper).toContain('\\DeclareUnicodeCharacter{2713}{?}');
    expect(wrapper).toContain('\\DeclareUnicodeCharacter{2295}{?}');
    // CJK text is never turned into question marks: it makes the standalone a xelatex (ctex) file.
    expect(standaloneFile({ title: 'T', fragmentFile: 'x.tex', macrosFile: 'x.macros.tex', fragment: 'see 模型' })).not.toContain('DeclareUnicodeCharacter');
    expect(wrapper.indexOf('DeclareUnicodeCharacter')).toBeLessThan(wrapper.indexOf('\\begin{document}'));
  });

  it('names macros after label and metric, telling apart inputs and conventions of one model', () => {
    const prov = (input: string, convention = 'exact') => ({
      model: 'unet',
      sha256: undefined,
      source: 'zoo:unet',
      input,
      convention,
      tool: 'modelpress 0.1.0',
    });
    const data = {
      models: [{ id: 'unet', label: 'UNet', source: 'zoo:unet', inputs: [], batch: 2 }],
      metrics: [
        { model: 'unet', name: 'flops', input: '2x1x200x200', value: 1, text: '1.00', withUnit: '1.00 G', provenance: prov('2x1x200x200') },
        { model: 'unet', name: 'flops', input: '2x1x256x256', value: 2, text: '2.00', withUnit: '2.00 G', provenance: prov('2x1x256x256') },
        { model: 'unet', name: 'flops', input: '2x1x200x200', value: 1, text: '1.00', withUnit: '1.00 G', provenance: prov('2x1x200x200') },
        { model: 'unet', name: 'flops', input: '2x1x200x200', value: 0.5, text: '0.50', withUnit: '0.50 G', provenance: prov('2x1x200x200', 'ptflops') },
      ],
    } as unknown as DocumentData;
    expect(metricMacros(data).map((m) => [m.name, m.number])).toEqual([
      ['UNetFlops', '1.00'],
      ['UNetFlopsTwoHundredFiftySixByTwoHundredFiftySix', '2.00'],
      ['UNetFlopsPtflops', '0.50'],
    ]);
  });
});
