/**
 * A two-chapter book (modelpress.config.json `book:`), numbered as Quarto books and LaTeX's report
 * class number them: one HTML page per chapter with navigation, an index page, one References page
 * shared by the chapters, one PDF, a LaTeX fragment per chapter (`\chapter`, namespaced labels) and a
 * main file. Expected numbers, counted by hand from the two chapters below:
 * - chapter 1 is "Foundations" (Chapter 1), its `## Background` Section 1.1, its table Table 1.1, its
 *   equation (1.1); chapter 2 "Results" is Chapter 2, `## Numbers` Section 2.1, its table Table 2.1
 *   (the table counter starts again with the chapter), its equation (2.1);
 * - citations numbered once for the book, in order of first citation: he2016deep [1] (chapter 1),
 *   vaswani2017attention [2] (chapter 2), so chapter 2's he2016deep is [1] again, not a new [2].
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/project/build.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';

const CHROMIUM = chromiumPath();
const HAVE_TEX = hasCommand('pdflatex') && hasCommand('biber') && hasCommand('pdftotext');
if (!CHROMIUM) console.warn('no Chromium found: skipping the book PDF check (apt-get install -y chromium)');
if (!HAVE_TEX)
  console.warn(
    'pdflatex, biber or pdftotext not found: skipping the book LaTeX compile check (apt-get install -y texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber poppler-utils)',
  );

const CH1 = `# Foundations {#sec-found}

Residual networks [@he2016deep] set the baseline.

## Background {#sec-bg}

| model | params |
|---|---|
| a | 12 |

: Parameters {#tbl-a}

$$ E = mc^2 $$ {#eq-e}
`;
const CH2 = `# Results {#sec-results}

As @sec-found showed in @tbl-a (see @sec-bg), and as @tbl-b shows here; @eq-e is [-@eq-e] again, and @eq-f is new.
Attention [@vaswani2017attention] and residuals again [@he2016deep].

## Numbers {#sec-numbers}

| model | macs |
|---|---|
| b | 7 |

: MACs {#tbl-b}

$$ F = ma $$ {#eq-f}
`;

let dir: string;
let result: BuildResult;
const read = (name: string) => readFileSync(path.join(dir, 'output', name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-book-'));
  mkdirSync(path.join(dir, 'chapters'));
  writeFileSync(path.join(dir, 'chapters', 'ch1.md'), CH1);
  writeFileSync(path.join(dir, 'chapters', 'ch2.md'), CH2);
  copyFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'document', 'citations.bib'), path.join(dir, 'refs.bib'));
  writeFileSync(
    path.join(dir, 'modelpress.config.json'),
    JSON.stringify({ book: { title: 'A Small Book', chapters: ['chapters/ch1.md', 'chapters/ch2.md'] }, bibliography: ['refs.bib'], csl: 'ieee' }),
  );
  result = await build({ cwd: dir, to: CHROMIUM ? ['html', 'pdf', 'tex'] : ['html', 'tex'] });
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('book', () => {
  it('builds every chapter, with no diagnostics', () => {
    expect(result.failures).toEqual([]);
    expect(result.documents.map((d) => path.basename(d.source))).toEqual(['ch1.md', 'ch2.md']);
    for (const d of result.documents) expect(d.file.messages.map((m) => m.reason)).toEqual([]);
  });

  it('numbers chapters, sections, tables and equations with the chapter first, and refers across chapters', () => {
    const ch2 = read('ch2.html');
    const ref = (href: string, text: string) => `<a href="${href}" class="mp-ref">${text}</a>`;
    expect(ch2).toContain(
      `As ${ref('ch1.html#sec-found', 'Chapter\u00a01')} showed in ${ref('ch1.html#tbl-a', 'Table\u00a01.1')} (see ${ref('ch1.html#sec-bg', 'Section\u00a01.1')}), and as ${ref('#tbl-b', 'Table\u00a02.1')} shows here; ${ref('ch1.html#eq-e', 'Equation\u00a0(1.1)')} is ${ref('ch1.html#eq-e', '(1.1)')} again, and ${ref('#eq-f', 'Equation\u00a0(2.1)')} is new.`,
    );
    expect(ch2).toContain('<h1 id="sec-results"><span class="mp-section-number">2</span> Results</h1>');
    expect(ch2).toContain('<h2 id="sec-numbers"><span class="mp-section-number">2.1</span> Numbers</h2>');
    expect(ch2).toContain('<span class="mp-caption-number">Table 2.1.</span> MACs');
    expect(ch2).toContain('<span class="mp-equation-number">(2.1)</span>');
    const ch1 = read('ch1.html');
    expect(ch1).toContain('<h2 id="sec-bg"><span class="mp-section-number">1.1</span> Background</h2>');
    expect(ch1).toContain('<span class="mp-caption-number">Table 1.1.</span> Parameters');
    expect(ch1).toContain('<span class="mp-equation-number">(1.1)</span>');
  });

  it('numbers citations once for the book and lists the works on one References page', () => {
    const cite = (key: string, n: number) => `<span class="mp-cite"><a href="references.html#ref-${key}" class="mp-cite-link">[${n}]</a></span>`;
    expect(read('ch1.html')).toContain(`Residual networks ${cite('he2016deep', 1)} set the baseline.`);
    expect(read('ch2.html')).toContain(`Attention ${cite('vaswani2017attention', 2)} and residuals again ${cite('he2016deep', 1)}.`);
    for (const ch of ['ch1.html', 'ch2.html']) expect(read(ch)).not.toContain('mp-references');
    const refs = read('references.html');
    expect(refs).toContain('<h1 class="mp-title">References</h1>');
    expect(refs).toMatch(
      /<div class="csl-entry" id="ref-he2016deep">\s*<div class="csl-left-margin">\[1\]<\/div><div class="csl-right-inline">K\. He, X\. Zhang, S\. Ren, and J\. Sun, “Deep Residual Learning for Image Recognition,” in <i>CVPR<\/i>, 2016, pp\. 770–778\.<\/div>/,
    );
    expect(refs).toMatch(/<div class="csl-entry" id="ref-vaswani2017attention">\s*<div class="csl-left-margin">\[2\]<\/div>/);
    expect(refs).toContain('<nav class="mp-book-nav"><a href="index.html">Contents</a> · <a href="ch2.html" rel="prev">← Results</a></nav>');
    expect(read('ch2.html')).toContain(
      '<nav class="mp-book-nav"><a href="index.html">Contents</a> · <a href="ch1.html" rel="prev">← Foundations</a> · <a href="references.html" rel="next">References →</a></nav>',
    );
    expect(read('index.html')).toContain(
      '<li><a href="ch1.html">Foundations</a></li>\n<li><a href="ch2.html">Results</a></li>\n<li><a href="references.html">References</a></li>',
    );
  });

  it('writes a \\chapter per chapter fragment with namespaced labels, \\eqref, and a report-class main file with one bibliography', () => {
    const ch2 = read('ch2.tex');
    expect(ch2).toContain('\\chapter{Results}\\label{ch2:sec:results}');
    expect(ch2).toContain(
      'As Chapter~\\ref{ch1:sec:found} showed in Table~\\ref{ch1:tbl:a} (see Section~\\ref{ch1:sec:bg}), and as Table~\\ref{ch2:tbl:b} shows here; Equation~\\eqref{ch1:eq:e} is \\eqref{ch1:eq:e} again, and Equation~\\eqref{ch2:eq:f} is new.',
    );
    expect(ch2).toContain('\\section{Numbers}\\label{ch2:sec:numbers}');
    expect(ch2).toContain('\\caption{MACs}\n\\label{ch2:tbl:b}');
    expect(ch2).not.toContain('\\printbibliography');
    expect(read('ch1.tex')).toContain('\\chapter{Foundations}\\label{ch1:sec:found}');
    // The chapter's own standalone counts its chapter on from the one before, as the book does.
    expect(read('ch2.standalone.tex')).toContain('\\documentclass[a4paper,11pt]{report}');
    expect(read('ch2.standalone.tex')).toContain('\\maketitle\n\\setcounter{chapter}{1}\n');
    const main = read('book.tex');
    expect(main).toContain('\\documentclass[a4paper,11pt]{report}');
    expect(main).toContain('\\input{ch1.tex}\n\\clearpage\n\\input{ch2.tex}');
    expect(main).toContain('\\tableofcontents');
    expect(main.match(/\\printbibliography/g)).toHaveLength(1);
    expect(main).toContain('\\printbibliography[heading=bibintoc,title=References]');
    const bib = read('book.bib');
    expect(bib.indexOf('he2016deep')).toBeLessThan(bib.indexOf('vaswani2017attention'));
  });

  it.skipIf(!CHROMIUM)('prints one PDF of the whole book, References last', () => {
    expect(existsSync(path.join(dir, 'output', 'book.pdf'))).toBe(true);
    expect(existsSync(path.join(dir, 'output', 'ch1.pdf'))).toBe(false);
    const html = read('book.html');
    expect(html).toContain('<a href="#ref-vaswani2017attention" class="mp-cite-link">[2]</a>');
    expect(html.indexOf('id="chapter-references"')).toBeGreaterThan(html.indexOf('id="chapter-ch2"'));
    if (hasCommand('pdftotext')) {
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'output', 'book.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toMatch(/Attention \[2\] and residuals again \[1\]\./);
      expect(text).toMatch(/Table 2\.1\. MACs/);
    }
  });

  it.skipIf(!HAVE_TEX)(
    'compiles the main file (pdflatex, biber) with the same numbers as the HTML',
    () => {
      const out = path.join(dir, 'output');
      const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: out, stdio: 'pipe' });
      run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'book.tex']);
      run('biber', ['book']);
      for (let i = 0; i < 2; i++) run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'book.tex']);
      const text = execFileSync('pdftotext', ['book.pdf', '-'], { cwd: out, encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain(
        'As Chapter 1 showed in Table 1.1 (see Section 1.1), and as Table 2.1 shows here; Equation (1.1) is (1.1) again, and Equation (2.1) is new.',
      );
      expect(text).toContain('Attention [2] and residuals again [1].');
      expect(text).toContain('Table 2.1: MACs');
      expect(text).toContain('2.1 Numbers');
      expect(text).toContain('Attention Is All You Need');
      expect(text).not.toContain('??');
    },
    90_000,
  );
});

describe('book with a References chapter', () => {
  // As a Quarto book's references.qmd: the last chapter holds ::bibliography under its own heading.
  let dir2: string;
  let result2: BuildResult;
  const read2 = (name: string) => readFileSync(path.join(dir2, 'output', name), 'utf8');
  beforeAll(async () => {
    dir2 = mkdtempSync(path.join(os.tmpdir(), 'mp-book-refs-'));
    writeFileSync(path.join(dir2, 'intro.md'), '# Intro\n\nResidual networks [@he2016deep].\n');
    writeFileSync(path.join(dir2, 'references.md'), '# References {.unnumbered}\n\n::bibliography\n');
    copyFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'document', 'citations.bib'), path.join(dir2, 'refs.bib'));
    writeFileSync(
      path.join(dir2, 'modelpress.config.json'),
      JSON.stringify({ book: { title: 'B', chapters: ['intro.md', 'references.md'] }, bibliography: ['refs.bib'], csl: 'ieee' }),
    );
    result2 = await build({ cwd: dir2, to: ['html', 'tex'] });
  }, 60_000);
  afterAll(() => {
    if (dir2) rmSync(dir2, { recursive: true, force: true });
  });

  it("shows the book's References in that chapter, links there, and prints the bibliography there in LaTeX", () => {
    expect(result2.failures).toEqual([]);
    for (const d of result2.documents) expect(d.file.messages.map((m) => m.reason)).toEqual([]);
    expect(read2('intro.html')).toContain('<a href="references.html#ref-he2016deep" class="mp-cite-link">[1]</a>');
    const refs = read2('references.html');
    expect(refs).toContain('<h1 id="references-1">References</h1>');
    expect(refs).toMatch(
      /<section class="mp-references" id="references"><div class="csl-bib-body"><div class="csl-entry" id="ref-he2016deep">\s*<div class="csl-left-margin">\[1\]<\/div>/,
    );
    expect(refs).not.toContain('<h2>References</h2>');
    expect(read2('index.html')).not.toContain('book-references');
    expect(read2('references.tex')).toContain('\\chapter*{References}\n\n\\printbibliography[heading=none]');
    // The main file loads the book's .bib and leaves the printing to that chapter.
    expect(read2('book.tex')).toContain('\\addbibresource{book.bib}');
    expect(read2('book.tex')).not.toContain('\\printbibliography');
  });
});
