/**
 * The exports of a small fixture document (test/export/fixture.ts: every number counted by hand
 * there): the LaTeX fragment, the macros file, data.json, one CSV per table, the standalone .tex
 * compiled by pdflatex, the PDF printed by Chromium, and the HTML opened in Chromium.
 *
 * Hand-counted numbers used below (fixture.ts): Tiny-Gemm params 15, MACs 12, FLOPs 24; Tiny Conv
 * params 18, 6×6: MACs 648, FLOPs 1368; 8×8: MACs 1152, FLOPs 2432; the node formula of its conv at
 * 6×6: (2×1×3²−1)×2×6² = 1224; the seed's worked example (2×3×3²−1)×4×6² = 7632.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Root } from 'mdast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentData } from '../../src/document/state.js';
import { copyAssets } from '../../src/export/assets.js';
import { exportDocument, type ExportResult } from '../../src/export/index.js';
import type { DocumentDataFile } from '../../src/export/data-json.js';
import { htmlToPdf, pageProblems } from '../../src/export/pdf.js';
import { FIXTURE_MD, renderWithTree, writeFixture } from './fixture.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';
import { machineIndependent } from '../helpers/diagnostics.js';

const HAVE_PDFLATEX = hasCommand('pdflatex');
const HAVE_POPPLER = hasCommand('pdftotext') && hasCommand('pdffonts') && hasCommand('pdfinfo');
const CHROMIUM = chromiumPath();
if (!HAVE_PDFLATEX)
  console.warn(
    'pdflatex not found: skipping the standalone LaTeX compile test (apt-get install texlive-latex-base texlive-latex-recommended texlive-science lmodern)',
  );
if (!HAVE_POPPLER) console.warn('poppler-utils not found: skipping the PDF text and font tests (apt-get install poppler-utils)');
if (!CHROMIUM) console.warn('no Chromium found: skipping the PDF and page tests (apt-get install chromium)');

let dir: string;
let out: string;
let tree: Root;
let data: DocumentData;
let first: ExportResult;
let second: ExportResult;
const read = (name: string) => readFileSync(path.join(out, name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-export-'));
  const md = writeFixture(dir);
  const rendered = await renderWithTree(md, FIXTURE_MD, path.join(dir, '.modelpress', 'cache'));
  expect(machineIndependent(rendered.file.messages).map(String)).toEqual([]);
  tree = rendered.tree;
  data = rendered.data;
  out = path.join(dir, 'output');
  copyAssets(out);
  writeFileSync(path.join(out, 'tiny.html'), rendered.html);
  first = await exportDocument(data, tree, out, ['html', 'tex'], { stem: 'tiny', executablePath: CHROMIUM });
  second = await exportDocument(data, tree, out, ['html', 'tex'], { stem: 'tiny', executablePath: CHROMIUM });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('export files', () => {
  it('writes data, CSV per table and the LaTeX trio, atomically and only when changed', () => {
    const names = first.files.map((f) => path.basename(f)).sort();
    const expected = ['tiny.data.json', 'tiny.macros.tex', 'tiny.standalone.tex', 'tiny.tbl-small.csv', 'tiny.tbl-sweep.csv', 'tiny.tex', 'tiny.fig-cost.svg'];
    if (CHROMIUM) expected.push('tiny.fig-cost.pdf');
    expect(names).toEqual(expected.sort());
    // Without a Chromium the chart cannot become a PDF for pdflatex: one problem saying how to get one.
    if (CHROMIUM) expect(first.problems).toEqual([]);
    else expect(first.problems).toEqual([expect.stringMatching(/^charts not converted for LaTeX .*apt-get install -y chromium/)]);
    // The same data a second time: nothing rewritten (a warm rebuild touches no file).
    expect(second.written).toEqual([]);
    expect(second.files.sort()).toEqual(first.files.sort());
  });

  it('removes a side file of this document that the build no longer produces', async () => {
    const stale = path.join(out, 'tiny.table-9.csv');
    writeFileSync(stale, 'old\n');
    const again = await exportDocument(data, tree, out, ['html'], { stem: 'tiny' });
    expect(again.removed).toContain(stale);
    expect(existsSync(stale)).toBe(false);
    // Without `tex`, the LaTeX files and the chart files they include are left as they are.
    expect(again.removed).toEqual([stale]);
    expect(existsSync(path.join(out, 'tiny.tex'))).toBe(true);
    expect(existsSync(path.join(out, 'tiny.fig-cost.svg'))).toBe(true);
    await exportDocument(data, tree, out, ['html', 'tex'], { stem: 'tiny', executablePath: CHROMIUM });
  });
});

describe('LaTeX fragment', () => {
  it('turns headings into sections (the lone # title is left to \\maketitle) and escapes _ % & # $ { }', () => {
    const tex = read('tiny.tex');
    expect(tex).not.toContain('\\section{Tiny models');
    expect(tex).toContain('\\section{Special characters: 50\\% of cost\\_total \\& \\#1 in $\\{x\\}$ \\{braces\\}}');
    expect(tex).toContain('A price of \\$5 \\textasciitilde{} 100 \\textasciicircum{} 2.');
    expect(tex).toContain('\\emph{Emphasis}, \\textbf{strong}, \\texttt{code\\_x} and \\href{https://example.org/a_b\\#c}{a link}');
    expect(tex).toContain('\\item first item with $a^2 + b^2$');
    expect(tex).toContain('\\[\ny = W x + b\n\\]');
  });

  it('writes the comparison tables with booktabs, siunitx S columns and braced headers', () => {
    const tex = read('tiny.tex');
    // Tiny-Gemm: params 15, MACs 12, FLOPs 24 (counted by hand in fixture.ts).
    expect(tex).toMatch(
      /\\caption\{Small\\_table: 100\\% measured\}\n\\label\{tbl:small\}\n\\mpfit(?:notes)?\{%\n\\begin\{tabular\}\{l S\[table-format=2\.0\] S\[table-format=2\.0\] S\[table-format=2\.0\] S\[table-format=[\d.]+\] S\[table-format=[\d.]+\]\}/,
    );
    // Headers with a unit are \\mphead{name}{(unit)}: one line at natural size, two lines when \\mpfit has to narrow the table.
    expect(tex).toContain('Model & {Params} & {MACs} & {FLOPs} & {\\mphead{Latency}{(ms)}} & {\\mphead{Throughput}{(samples/s)}} \\\\');
    // Latency and throughput are measured: on a busy machine they may carry the unstable mark (issue 12).
    const measured = String.raw`\{?[\d.]+(?:\\textsuperscript\{\\dag\d+\}\})?`;
    expect(tex).toMatch(new RegExp(String.raw`Tiny-Gemm & 15 & 12 & 24 & ${measured} & ${measured} \\\\`));
    // The sweep: params once, then MACs and FLOPs per size: 648, 1368 at 6×6; 1152, 2432 at 8×8.
    expect(tex).toContain('Model & {Params} & \\multicolumn{2}{c}{6$\\times$6} & \\multicolumn{2}{c}{8$\\times$8} \\\\');
    expect(tex).toContain('\\cmidrule(lr){3-4} \\cmidrule(lr){5-6}');
    expect(tex).toContain('Tiny Conv & 18 & 648 & 1368 & 1152 & 2432 \\\\');
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('\\bottomrule');
  });

  it('labels tables, figures and equations as the cross-references name them', () => {
    const tex = read('tiny.tex');
    for (const label of ['tbl:small', 'tbl:sweep', 'eq:node', 'fig:cost']) expect(tex).toContain(`\\label{${label}}`);
    expect(tex).toContain('see Table~\\ref{tbl:small}\nand Table~\\ref{tbl:sweep}, Equation~\\eqref{eq:node} and Figure~\\ref{fig:cost}.');
    // The HTML numbers the same items 1, 2 (tables), 1 (labelled equation), 1 (figure).
    expect(data.references).toEqual([
      { id: 'tbl-small', kind: 'table', number: 1 },
      { id: 'tbl-sweep', kind: 'table', number: 2 },
      { id: 'eq-node', kind: 'equation', number: 1 },
      { id: 'fig-cost', kind: 'figure', number: 1 },
    ]);
  });

  it('writes formulas: the worked example unnumbered, the labelled node formula as an equation', () => {
    const tex = read('tiny.tex');
    expect(tex).toContain('&= (2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632');
    expect(tex).toMatch(
      /\\begin\{equation\}\\label\{eq:node\}\n\\begin\{aligned\}[\s\S]*= \(2 \\times 1 \\times 3\^2 - 1\) \\times 2 \\times 6\^2 = 1224[\s\S]*\\end\{aligned\}\n\\end\{equation\}/,
    );
  });

  it('writes the chart as a figure and the Markdown table with an S column for its numbers', () => {
    const tex = read('tiny.tex');
    if (CHROMIUM) expect(tex).toContain('\\includegraphics[width=0.85\\linewidth]{tiny.fig-cost.pdf}\n\\caption{Params against MACs}');
    else expect(tex).toContain('saved as \\texttt{tiny.fig-cost.svg}');
    expect(tex).toContain('\\begin{tabular}{l S[table-format=3.2] l}');
    expect(tex).toContain('Model & {Params (M)} & Note \\\\');
    expect(tex).toContain('seed\\_a & 11.69 & typed \\& published \\\\');
    // ::environment: one table, as in the HTML.
    expect(tex).toContain('Batch & 2 \\\\');
  });
});

describe('macros, data.json and CSV', () => {
  it('defines one macro per inline metric, named after the model label and metric', () => {
    const macros = read('tiny.macros.tex');
    // :metric{model=gemm name=params} → 15 and name=macs → 12 (fixture.ts), each with its unit as the
    // prose shows it (issue 20) and a …Value macro with the number alone.
    expect(macros).toContain('\\newcommand{\\TinyGemmParams}{15~parameters}');
    expect(macros).toContain('\\newcommand{\\TinyGemmParamsValue}{15}');
    expect(macros).toContain('\\newcommand{\\TinyGemmMacs}{12~MACs}');
    expect(macros).toContain('\\newcommand{\\TinyGemmMacsValue}{12}');
    expect(macros.match(/\\newcommand/g)).toHaveLength(4);
    expect(macros).toContain('% Params of gemm: 15\u00a0parameters (models/gemm.onnx, input 1x4, exact convention)');
  });

  it('lists every number with its provenance: model file sha256, input, convention, tool, benchmark method', () => {
    const json = JSON.parse(read('tiny.data.json')) as DocumentDataFile;
    const sha = (f: string) =>
      createHash('sha256')
        .update(readFileSync(path.join(dir, 'models', f)))
        .digest('hex');
    const cell = (where: string, column: string, group?: string) => json.numbers.find((n) => n.where === where && n.column === column && n.group === group);
    expect(cell('tbl-sweep', 'MACs', '6×6')?.value).toBe(648);
    expect(cell('tbl-sweep', 'FLOPs', '8×8')?.value).toBe(2432);
    expect(cell('tbl-sweep', 'FLOPs', '8×8')?.provenance).toMatchObject({
      model: 'conv',
      sha256: sha('conv.onnx'),
      source: 'models/conv.onnx',
      input: '1x1x8x8',
      convention: 'exact',
      tool: 'modelpress 0.1.0',
    });
    expect(cell('tbl-sweep', 'MACs', '6×6')?.provenance?.input).toBe('1x1x6x6');
    const latency = json.numbers.find((n) => n.where === 'tbl-small' && n.metric === 'latency')!;
    expect(latency.value).toBeGreaterThan(0);
    expect(latency.provenance?.benchmark).toMatchObject({ threads: 1, batch: 2, provider: 'cpu', onnxruntime: '1.30.0' });
    expect(latency.provenance?.benchmark?.method).toContain('timed ≥ 3 runs and ≥ 0.02 s');
    expect(json.numbers.filter((n) => n.place === 'metric').map((n) => [n.metric, n.value])).toEqual([
      ['params', 15],
      ['macs', 12],
    ]);
    expect(json.numbers.filter((n) => n.place === 'formula').map((n) => n.value)).toEqual([7632, 1224]);
    expect(json.environments[0]?.environment.onnxruntimeVersion).toBe('1.30.0');
  });

  it('writes one CSV per table with plain numbers', () => {
    expect(read('tiny.tbl-sweep.csv')).toBe('Model,Params,MACs [6×6],FLOPs [6×6],MACs [8×8],FLOPs [8×8]\nTiny Conv,18,648,1368,1152,2432\n');
    expect(read('tiny.tbl-small.csv')).toMatch(/^Model,Params,MACs,FLOPs,Latency \(ms\),Throughput \(samples\/s\)\nTiny-Gemm,15,12,24,[\d.]+,[\d.]+\n$/);
  });
});

describe.skipIf(!HAVE_PDFLATEX || !HAVE_POPPLER)('standalone LaTeX (pdflatex)', () => {
  it('compiles, and the PDF text holds the table numbers with resolved references', () => {
    const standalone = read('tiny.standalone.tex');
    expect(standalone).toContain('\\input{tiny.macros.tex}');
    expect(standalone).toContain('\\input{tiny.tex}');
    expect(standalone).toContain('\\title{Tiny models \\& their costs}');
    // Twice, so the \ref numbers are resolved.
    for (let i = 0; i < 2; i++) {
      execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'tiny.standalone.tex'], { cwd: out, stdio: 'pipe', timeout: 60_000 });
    }
    const text = execFileSync('pdftotext', ['-layout', path.join(out, 'tiny.standalone.pdf'), '-'], { encoding: 'utf8' });
    for (const n of ['648', '1368', '1152', '2432', '7632', '1224', '138.36']) expect(text).toContain(n);
    expect(text).toMatch(/Table 1: Small_table: 100% measured/);
    expect(text).toMatch(/Table 2: Conv sweep/);
    expect(text).toContain('see Table 1');
    expect(text).not.toContain('??');
  });
});

describe.skipIf(!CHROMIUM || !HAVE_POPPLER)('PDF and page (Chromium)', () => {
  it('prints the page to a PDF with pages, embedded KaTeX fonts and the table numbers', async () => {
    const pdf = path.join(out, 'tiny.pdf');
    await htmlToPdf(path.join(out, 'tiny.html'), pdf, { title: 'Tiny models', executablePath: CHROMIUM });
    expect(statSync(pdf).size).toBeGreaterThan(10_000);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(1);
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /KaTeX/.test(l));
    expect(fonts.length).toBeGreaterThan(0);
    // pdffonts columns: name type encoding emb sub uni object ID; "emb" must be yes for every KaTeX font.
    for (const line of fonts) expect(line).toMatch(/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    for (const n of ['648', '1368', '1152', '2432', '7632']) expect(text).toContain(n);
  });

  it('opens the HTML page without console errors or failed requests', async () => {
    expect(await pageProblems(path.join(out, 'tiny.html'), CHROMIUM)).toEqual([]);
  });
});
