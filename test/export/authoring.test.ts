/**
 * The authoring syntax in LaTeX (Markdown in → LaTeX out, exact): sections with labels, an image
 * figure, a captioned Markdown table, labelled equations, references, citations; and the exported
 * project (image copied, SVG printed to PDF, .bib beside the fragment) compiled with pdflatex +
 * biber when they are installed. The fixtures are test/fixtures/document/{elements,citations}.md.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { copyDocumentAssets } from '../../src/export/assets.js';
import { exportDocument } from '../../src/export/index.js';
import { documentToLatex, FIT_MACRO } from '../../src/export/latex.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'document');
const CHROMIUM = chromiumPath();
const HAVE_TEX = hasCommand('pdflatex') && hasCommand('biber') && hasCommand('pdftotext');
if (!HAVE_TEX || !CHROMIUM) {
  console.warn(
    `${CHROMIUM ? '' : 'no Chromium found; '}${HAVE_TEX ? '' : 'pdflatex, biber or pdftotext not found; '}skipping the authoring compile test (apt-get install -y chromium texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber poppler-utils)`,
  );
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-authoring-'));
  for (const f of ['elements.md', 'elements.svg', 'citations.md', 'citations.bib']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const render = async (name: string) => renderMarkdown(readFileSync(path.join(dir, `${name}.md`), 'utf8'), path.join(dir, `${name}.md`));
// The fragment after its header: the `%` comment lines and the fitting macros (`FIT_MACRO`).
const body = (tex: string) => tex.slice(tex.indexOf(FIT_MACRO) + FIT_MACRO.length).trim();

describe('LaTeX from the document model', () => {
  it('writes sections, the image figure, the captioned table and labelled equations', async () => {
    const r = await render('elements');
    const tex = body(documentToLatex(r.tree, r.data));
    expect(tex).toContain(
      '\\section{Introduction}\\label{sec:intro}\n\nSee Section~\\ref{sec:method}, Figure~\\ref{fig:pic}, Table~\\ref{tbl:md}, Equation~\\eqref{eq:e} and Equation~\\eqref{eq:one}; in short \\ref{fig:pic} and \\eqref{eq:one}.',
    );
    expect(tex).toContain('\\subsection{Method}\\label{sec:method}');
    // Without a PDF of the SVG pdflatex cannot include it: a note in the figure, the caption kept.
    expect(tex).toContain(
      '\\begin{figure}[htbp]\n\\centering\n\\fbox{\\parbox{0.9\\linewidth}{Image \\emph{A blue box} (\\texttt{elements.svg}) is not in a format pdflatex can include (PDF, PNG, JPEG).}}\n\\caption{A blue box}\n\\label{fig:pic}\n\\end{figure}',
    );
    // 2.5 has one integer and one decimal digit: table-format=1.1.
    expect(tex).toContain(
      '\\begin{table}[htbp]\n\\centering\n\\caption{Small table}\n\\label{tbl:md}\n\\mpfit{%\n\\begin{tabular}{l S[table-format=1.1]}\n\\toprule\na & {b} \\\\\n\\midrule\n1 & 2.5 \\\\\n\\bottomrule\n\\end{tabular}}\n\\end{table}',
    );
    expect(tex).toContain('\\begin{equation}\\label{eq:e}\nE = mc^2\n\\end{equation}\n\n\\begin{equation}\\label{eq:one}\nx = 1\n\\end{equation}');
    expect(tex).toContain('\\section*{Appendix}');
    expect(tex).not.toContain('\\resizebox');
  });

  it('writes citations as biblatex commands and places the bibliography', async () => {
    const r = await render('citations');
    const tex = body(documentToLatex(r.tree, r.data));
    expect(tex).toBe(
      'Residual nets \\autocite[p. 3]{he2016deep} and attention \\autocite{vaswani2017attention,he2016deep}.\n' +
        "\\textcite{vaswani2017attention} showed it; see also \\autocite*{he2016deep} and the zoo's \\autocite{model:d121}.\n" +
        "The zoo's ResNet-50 paper is he2016deep itself, so \\autocite{he2016deep} is the same work.\n\n\\printbibliography",
    );
    expect(r.data.citations.map((c) => c.key)).toEqual(['he2016deep', 'vaswani2017attention', 'model:d121']);
  });
});

describe('formula annotations that wrap', () => {
  it('sets the `with …` row of a worked example as prose under the formula, in HTML and LaTeX', async () => {
    // The seed's example: (2·3·3² − 1)·4·6² = 7632 FLOPs; its template's last row lists the given numbers.
    const r = await renderMarkdown('::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6 bias=false}\n', path.join(dir, 'where.md'));
    expect(r.body).toContain('<p class="mp-formula-where">with <span class="katex">');
    expect(r.body).toContain('= 7632');
    const tex = body(documentToLatex(r.tree, r.data));
    expect(tex).toContain(
      '{\\small\\noindent with $C_{\\mathrm{in}} = 3$, $C_{\\mathrm{out}} = 4$, $K_h \\times K_w = 3 \\times 3$, $H_{\\mathrm{out}} \\times W_{\\mathrm{out}} = 6 \\times 6$, $\\text{no bias}$.\\par}',
    );
    expect(tex).not.toContain('\\text{with }');
  });
});

describe.skipIf(!HAVE_TEX || !CHROMIUM)('exported and compiled (pdflatex, biber)', () => {
  it('copies the image, prints the SVG to PDF, writes the .bib, and the standalone compiles with its references', async () => {
    const out = path.join(dir, 'output');
    mkdirSync(out, { recursive: true });
    for (const name of ['elements', 'citations']) {
      const r = await render(name);
      expect(copyDocumentAssets(r.data, out)).toEqual([]);
      const result = await exportDocument(r.data, r.tree, out, ['tex'], { stem: name, executablePath: CHROMIUM, toc: name === 'elements' });
      expect(result.problems).toEqual([]);
    }
    expect(existsSync(path.join(out, 'elements.svg'))).toBe(true);
    expect(readFileSync(path.join(out, 'elements.tex'), 'utf8')).toContain('\\includegraphics[width=0.5\\linewidth]{elements-svg.pdf}');
    const bib = readFileSync(path.join(out, 'citations.bib'), 'utf8');
    expect(bib).toContain('@inproceedings{model:d121,');
    expect(bib).not.toContain('model:r50');
    expect(readFileSync(path.join(out, 'elements.standalone.tex'), 'utf8')).toContain('\\maketitle\n\\tableofcontents');
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: out, stdio: 'pipe' });
    run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'citations.standalone.tex']);
    run('biber', ['citations.standalone']);
    run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'citations.standalone.tex']);
    const text = execFileSync('pdftotext', ['citations.standalone.pdf', '-'], { cwd: out, encoding: 'utf8' });
    // biblatex numeric-comp in citation order, as the HTML's IEEE numbers: he2016deep 1, vaswani 2, the zoo paper 3.
    expect(text).toContain('Residual nets [1, p. 3] and attention [1, 2].');
    expect(text).toContain('Attention Is All You Need');
    expect(text).not.toContain('??');
    for (let i = 0; i < 2; i++) run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'elements.standalone.tex']);
    const elements = execFileSync('pdftotext', ['elements.standalone.pdf', '-'], { cwd: out, encoding: 'utf8' });
    // amsmath's \\eqref prints the number as the equation shows it, as the HTML does: Equation (1).
    expect(elements.replace(/\s+/g, ' ')).toContain('See Section 1.1, Figure 1, Table 1, Equation (1) and Equation (2); in short 1 and (2).');
    expect(elements).toContain('Contents');
  }, 120_000);
});
