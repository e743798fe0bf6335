/**
 * A two-chapter book (modelpress.config.json `book:`): one HTML page per chapter with navigation, an
 * index page, one PDF, a LaTeX fragment per chapter with namespaced labels and a main file; the
 * second chapter refers to the first chapter's section and table, and its own table is Table 2
 * because the first chapter holds Table 1 (counted by hand from the two chapters below).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/project/build.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';

const CHROMIUM = chromiumPath();
const HAVE_PDFLATEX = hasCommand('pdflatex') && hasCommand('pdftotext');
if (!CHROMIUM) console.warn('no Chromium found: skipping the book PDF check (apt-get install -y chromium)');
if (!HAVE_PDFLATEX) console.warn('pdflatex or pdftotext not found: skipping the book LaTeX compile check (apt-get install -y texlive-latex-base texlive-latex-recommended poppler-utils)');

const CH1 = `# Foundations {#sec-found}

| model | params |
|---|---|
| a | 12 |

: Parameters {#tbl-a}
`;
const CH2 = `# Results {#sec-results}

As @sec-found showed in @tbl-a, and as @tbl-b shows here.

| model | macs |
|---|---|
| b | 7 |

: MACs {#tbl-b}
`;

let dir: string;
let result: BuildResult;
const read = (name: string) => readFileSync(path.join(dir, 'output', name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-book-'));
  mkdirSync(path.join(dir, 'chapters'));
  writeFileSync(path.join(dir, 'chapters', 'ch1.md'), CH1);
  writeFileSync(path.join(dir, 'chapters', 'ch2.md'), CH2);
  writeFileSync(path.join(dir, 'modelpress.config.json'), JSON.stringify({ book: { title: 'A Small Book', chapters: ['chapters/ch1.md', 'chapters/ch2.md'] }, 'number-sections': true }));
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

  it('refers across chapters in HTML and counts tables on', () => {
    const ch2 = read('ch2.html');
    expect(ch2).toContain('As <a href="ch1.html#sec-found" class="mp-ref">Section\u00a01</a> showed in <a href="ch1.html#tbl-a" class="mp-ref">Table\u00a01</a>, and as <a href="#tbl-b" class="mp-ref">Table\u00a02</a> shows here.');
    expect(ch2).toContain('<h1 id="sec-results"><span class="mp-section-number">2</span> Results</h1>');
    expect(ch2).toContain('<span class="mp-caption-number">Table 2.</span> MACs');
    expect(ch2).toContain('<nav class="mp-book-nav"><a href="index.html">Contents</a> · <a href="ch1.html" rel="prev">← Foundations</a></nav>');
    expect(read('index.html')).toContain('<li><a href="ch1.html">Foundations</a></li>\n<li><a href="ch2.html">Results</a></li>');
  });

  it('writes LaTeX per chapter with namespaced labels and a main file', () => {
    const ch2 = read('ch2.tex');
    expect(ch2).toContain('As Section~\\ref{ch1:sec:found} showed in Table~\\ref{ch1:tbl:a}, and as Table~\\ref{ch2:tbl:b} shows here.');
    expect(ch2).toContain('\\caption{MACs}\n\\label{ch2:tbl:b}');
    expect(read('ch1.tex')).toContain('\\section{Foundations}\\label{ch1:sec:found}');
    const main = read('book.tex');
    expect(main).toContain('\\input{ch1.tex}\n\\clearpage\n\\input{ch2.tex}');
    expect(main).toContain('\\tableofcontents');
  });

  it.skipIf(!CHROMIUM)('prints one PDF of the whole book', () => {
    expect(existsSync(path.join(dir, 'output', 'book.pdf'))).toBe(true);
    expect(existsSync(path.join(dir, 'output', 'ch1.pdf'))).toBe(false);
  });

  it.skipIf(!HAVE_PDFLATEX)('compiles the main file with the cross-chapter references resolved', () => {
    const out = path.join(dir, 'output');
    for (let i = 0; i < 2; i++) execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'book.tex'], { cwd: out, stdio: 'pipe' });
    const text = execFileSync('pdftotext', ['book.pdf', '-'], { cwd: out, encoding: 'utf8' });
    expect(text).toContain('As Section 1 showed in Table 1, and as Table 2 shows here.');
    expect(text).not.toContain('??');
  }, 60_000);
});
