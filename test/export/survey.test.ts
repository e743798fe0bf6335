/**
 * The example survey's outputs, as `npm start` (`modelpress build content --to html,pdf,tex`) writes
 * them into output/ — CI runs `npm start` before `npm test`. Building the survey takes minutes
 * (benchmarks), so this file checks what is there and skips, saying so, when it is not.
 *
 * Numbers checked come from published sources: torchvision's parameter counts (ResNet-18
 * 11,689,512 → 11.69 M; VGG-16 138,357,544 → 138.36 M; src/zoo/registry.ts) and the seed's worked
 * example (2×3×3²−1)×4×6² = 7632.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentDataFile } from '../../src/export/data-json.js';
import { pageProblems } from '../../src/export/pdf.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';

const OUT = path.resolve('output');
const FILES = ['survey.html', 'survey.tex', 'survey.macros.tex', 'survey.standalone.tex', 'survey.data.json'];
const BUILT = FILES.every((f) => existsSync(path.join(OUT, f)));
if (!BUILT)
  console.warn(
    `the example survey is not built (missing in output/: ${FILES.filter((f) => !existsSync(path.join(OUT, f))).join(', ')}); run \`npm start\` first — skipping its checks`,
  );
// Without a Chromium, `npm start` writes everything but the PDF (and says so): its checks skip.
const HAVE_PDF = existsSync(path.join(OUT, 'survey.pdf'));
if (BUILT && !HAVE_PDF)
  console.warn('output/survey.pdf is missing (built without a Chromium?): skipping the PDF checks (apt-get install -y chromium, then npm start)');

const HAVE_POPPLER = hasCommand('pdftotext') && hasCommand('pdffonts') && hasCommand('pdfinfo');
if (BUILT && !HAVE_POPPLER) console.warn('poppler-utils not found: skipping the survey PDF checks (apt-get install -y poppler-utils)');
const HAVE_PDFLATEX = hasCommand('pdflatex');
if (BUILT && !HAVE_PDFLATEX)
  console.warn(
    'pdflatex not found: skipping the survey LaTeX compile check (apt-get install -y texlive-latex-base texlive-latex-recommended texlive-science lmodern)',
  );
const HAVE_BIBER = hasCommand('biber');
const CHROMIUM = chromiumPath();
if (BUILT && !CHROMIUM) console.warn('no Chromium found: skipping the survey page check (apt-get install -y chromium)');
const read = (name: string) => readFileSync(path.join(OUT, name), 'utf8');

describe.skipIf(!BUILT)('the example survey (output/)', () => {
  it('has every table of the seed, numbered as cross-referenced, with measured cells', () => {
    const data = JSON.parse(read('survey.data.json')) as DocumentDataFile;
    expect(data.references.filter((r) => r.kind === 'table').map((r) => r.id)).toEqual([
      'tbl-transformer',
      'tbl-layer-complexity',
      'tbl-window-complexity',
      'tbl-resnet-paper',
      'tbl-ptflops',
      'tbl-cnn',
      'tbl-vit',
      'tbl-vit-swin',
      'tbl-unet',
      'tbl-speckle',
      'tbl-speckle-published',
    ]);
    const cell = (where: string, row: string, metric: string, group?: string) =>
      data.numbers.find((n) => n.where === where && n.row === row && n.metric === metric && n.group === group);
    expect(cell('tbl-ptflops', 'ResNet-18', 'params')?.value).toBe(11_689_512);
    expect(cell('tbl-ptflops', 'VGG-16', 'params')?.text).toBe('138.36');
    expect(cell('tbl-ptflops', 'VGG-16', 'params')?.provenance?.convention).toBe('ptflops');
    // Beside them the seed's typed ptflops numbers (content/ptflops-published.csv), marked as quoted,
    // and the difference: ResNet-50 MACs 4,127,394,816 (ptflops convention) vs 4.12 G published is
    // (4,127,394,816 − 4.12e9) ÷ 4.12e9 = +0.18% → +0.2.
    const quoted = (row: string, column: string) =>
      data.numbers.find((n) => n.where === 'tbl-ptflops' && n.row === row && n.column === column && n.quoted !== undefined);
    expect(quoted('ResNet-18', 'Params (M), published')).toMatchObject({ value: 11_690_000, text: '11.69', quoted: 'published' });
    expect(quoted('ResNet-18', 'Params (M), published')?.provenance).toBeUndefined();
    expect(quoted('ResNet-50', 'Δ MACs (%)')).toMatchObject({ text: '+0.2', quoted: 'difference' });
    for (const size of ['200×200', '224×224', '256×256']) {
      const latency = cell('tbl-unet', 'UNet', 'latency', size);
      expect(latency?.value).toBeGreaterThan(0);
      expect(latency?.provenance?.benchmark?.batch).toBe(2);
    }
    // The worked example of the seed.
    expect(data.formulas[0]?.value).toBe(7632);
    expect(data.environments.length).toBeGreaterThan(0);
  });

  it("measures all 25 rows of the seed's ptflops table, the speckle row and the ResNet paper's row", () => {
    const data = JSON.parse(read('survey.data.json')) as DocumentDataFile;
    const inTable = (where: string) => data.numbers.filter((n) => n.where === where);
    // Every row with a published MACs value (the seed's 25, content/ptflops-published.csv) is measured within 2%.
    const published = inTable('tbl-ptflops').filter((n) => n.column === 'MACs (G), published');
    expect(published).toHaveLength(25);
    for (const p of published) {
      const measured = inTable('tbl-ptflops').find((n) => n.row === p.row && n.metric === 'macs' && n.quoted === undefined);
      expect(Math.abs(measured!.value - p.value) / p.value, p.row).toBeLessThan(0.02);
    }
    // Exact parameter counts derived in test/zoo/seed-models.test.ts.
    const params = (where: string, row: string) => inTable(where).find((n) => n.row === row && n.metric === 'params' && n.quoted === undefined)?.value;
    expect(params('tbl-ptflops', 'DPN-131')).toBe(79_254_504);
    expect(params('tbl-ptflops', 'Inception-v4')).toBe(42_679_816);
    expect(params('tbl-ptflops', 'SE-ResNet-50')).toBe(28_088_024);
    expect(params('tbl-speckle', 'Deep speckle correlation')).toBe(21_850_530);
    // The seed's 0.0577 GFLOPs quoted beside the measured batch of two.
    expect(inTable('tbl-speckle').find((n) => n.quoted === 'published' && n.column?.startsWith('FLOPs'))?.value).toBeCloseTo(0.0577e9, 0);
    // He et al. Table 1: ResNet-50 3.8 × 10^9 multiply-adds (v1), torchvision's v1.5 4.09.
    const macs = (row: string) => inTable('tbl-resnet-paper').find((n) => n.row === row && n.metric === 'macs' && n.quoted === undefined)!.value;
    expect(Math.abs(macs('ResNet-50 (v1, paper)') - 3.8e9) / 3.8e9).toBeLessThan(0.02);
    expect(macs('ResNet-50') - macs('ResNet-50 (v1, paper)')).toBe(231_211_008);
  });

  it('exports LaTeX with labels for every table and macros for the quoted numbers', () => {
    const tex = read('survey.tex');
    for (const label of [
      'tbl:transformer',
      'tbl:layer-complexity',
      'tbl:ptflops',
      'tbl:resnet-paper',
      'tbl:cnn',
      'tbl:vit',
      'tbl:vit-swin',
      'tbl:unet',
      'tbl:speckle',
      'fig:cnn',
      'fig:layer-complexity',
      'fig:vit-swin',
      'eq:conv',
      'eq:mlp',
    ])
      expect(tex).toContain(`\\label{${label}}`);
    expect(tex).toContain('Table~\\ref{tbl:ptflops}');
    // An equation as amsmath refers to it, printing "Equation (1)" as the HTML does.
    expect(tex).toContain('the $-1$ of Equation~\\eqref{eq:conv} disappears');
    expect(tex).toContain('S[table-format=');
    expect(read('survey.macros.tex')).toContain('\\newcommand{\\ResNetEighteenParams}{11.69~M parameters}');
    expect(read('survey.macros.tex')).toContain('\\newcommand{\\ResNetEighteenParamsValue}{11.69}');
  });

  it.skipIf(!HAVE_PDFLATEX || !HAVE_POPPLER)('compiles the standalone LaTeX, and its text holds the table numbers', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'modelpress-survey-tex-'));
    try {
      for (const f of ['survey.tex', 'survey.macros.tex', 'survey.standalone.tex']) cpSync(path.join(OUT, f), path.join(work, f));
      for (const f of ['survey.fig-cnn.pdf', 'survey.fig-layer-complexity.pdf', 'survey.fig-vit-swin.pdf', 'survey.bib', 'figures'])
        if (existsSync(path.join(OUT, f))) cpSync(path.join(OUT, f), path.join(work, f), { recursive: true });
      const latex = () =>
        execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'survey.standalone.tex'], { cwd: work, stdio: 'pipe', timeout: 120_000 });
      latex();
      if (HAVE_BIBER) execFileSync('biber', ['survey.standalone'], { cwd: work, stdio: 'pipe', timeout: 120_000 });
      latex();
      latex();
      const text = execFileSync('pdftotext', [path.join(work, 'survey.standalone.pdf'), '-'], { encoding: 'utf8' });
      for (const n of ['11.69', '138.36', '7632']) expect(text).toContain(n);
      expect(text).not.toContain('??');
      // The contents, the section references and, formatted by biblatex, the works the survey cites.
      expect(text).toContain('Contents');
      expect(text).toMatch(/Figure 1/);
      expect(text.replace(/\s+/g, ' ')).toContain('of Equation (1) disappears');
      if (HAVE_BIBER) {
        expect(text).toContain('References');
        expect(text).toContain('Deep speckle correlation');
        expect(text).toContain('Attention Is All You Need');
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAVE_POPPLER || !HAVE_PDF)('has a PDF with pages, embedded KaTeX fonts and the table numbers', () => {
    const pdf = path.join(OUT, 'survey.pdf');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(4);
    const katex = execFileSync('pdffonts', [pdf], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /KaTeX/.test(l));
    expect(katex.length).toBeGreaterThan(0);
    for (const line of katex) expect(line).toMatch(/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    for (const n of ['11.69', '138.36', '7632']) expect(text).toContain(n);
    // The contents, and the References formatted in the survey's IEEE style.
    expect(text).toContain('Contents');
    expect(text).toContain('References');
    expect(text).toMatch(/Y\. Li, Y\. Xue, and L\. Tian, “Deep speckle correlation/);
    expect(text).toMatch(/K\. He, X\. Zhang, S\. Ren, and J\. Sun, “Deep Residual Learning for Image Recognition/);
  });

  it('cites its papers, references its sections and shows its figure in the HTML', () => {
    const html = read('survey.html');
    expect(html).toContain('<nav class="mp-toc">');
    expect(html).toContain('<section class="mp-references" id="references"><h2>References</h2>');
    expect(html).toContain('<figure id="fig-pipeline" class="mp-figure"><img src="figures/pipeline.svg"');
    expect(html).toMatch(/<a href="#sec-time" class="mp-ref">Section\u00a0\d+<\/a>/);
    expect(html).toContain('of <a href="#eq-conv" class="mp-ref">Equation\u00a0(1)</a> disappears');
    expect(existsSync(path.join(OUT, 'figures', 'pipeline.svg'))).toBe(true);
    for (const key of ['sovrasov2018ptflops', 'li2018speckle', 'model:r50', 'model:d121', 'model:tfm', 'model:vit', 'model:swin', 'model:unet']) {
      expect(html).toContain(`id="ref-${key}"`);
    }
  });

  it.skipIf(!CHROMIUM)('opens in headless Chromium without console errors', async () => {
    expect(await pageProblems(path.join(OUT, 'survey.html'), CHROMIUM)).toEqual([]);
  });
});
