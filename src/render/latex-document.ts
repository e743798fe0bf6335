/**
 * Pieces of the LaTeX export that need templates: the standalone wrapper (templates/latex/
 * standalone.tex.hbs, user-overridable) and display formulas as LaTeX.
 */
import Handlebars from 'handlebars';
import { escapeLatexLine, latexInputName } from './latex-escape.js';
import { compileTemplateFile, findTemplate } from './templates.js';
import { TemplateError } from './types.js';
import type { FormulaLatex } from './types.js';

const hbs = Handlebars.create();

export interface StandaloneLatexData {
  /** Plain text (escaped here). */
  title: string;
  author?: string | undefined;
  date?: string | undefined;
  /** File name of the macros file to `\input` (e.g. `survey.macros.tex`). */
  macrosFile?: string | undefined;
  /** File name of the fragment to `\input` (e.g. `survey.tex`); or give `body`. */
  fragmentFile?: string | undefined;
  /** LaTeX of the body, used when there is no fragment file. */
  body?: string | undefined;
  /** `\tableofcontents` after the title (front matter `toc: true`). */
  toc?: boolean | undefined;
  /** The .bib beside the fragment (biblatex + biber), when the document cites. */
  bibFile?: string | undefined;
  /** biblatex style (`numeric-comp`, `authoryear`). */
  bibStyle?: string | undefined;
  /** The fragment places `\printbibliography` itself (::bibliography). */
  bibPrinted?: boolean | undefined;
  /** Compile with xelatex and ctex (CJK text); `cjkScheme` `chinese` (Chinese names: 表, 图, 目录) or `plain`. */
  xelatex?: boolean | undefined;
  cjkScheme?: 'chinese' | 'plain' | undefined;
  /** `article` (default), or `report` for a book and its chapters (fragments with `\chapter`). */
  documentClass?: 'article' | 'report' | undefined;
  /** A book chapter's standalone: the chapters before it (its chapter number is one more). */
  chaptersBefore?: number | undefined;
}

/** A complete `.tex` document that `pdflatex` compiles (needs amsmath, booktabs, siunitx). */
export function standaloneLatex(data: StandaloneLatexData, options: { templateDirs?: readonly string[] } = {}): string {
  const path = findTemplate(['latex/standalone.tex.hbs'], options.templateDirs ?? []);
  if (!path) throw new TemplateError('no standalone LaTeX template found', 'latex/standalone.tex.hbs');
  const render = compileTemplateFile(path, hbs, { noEscape: true });
  return render({
    title: escapeLatexLine(data.title),
    author: escapeLatexLine(data.author ?? ''),
    // An explicit empty \date{} keeps LaTeX from printing today's date, which would change every build.
    date: escapeLatexLine(data.date ?? ''),
    macrosFile: data.macrosFile === undefined ? undefined : latexInputName(data.macrosFile),
    fragmentFile: data.fragmentFile === undefined ? undefined : latexInputName(data.fragmentFile),
    body: data.body ?? '',
    toc: data.toc === true,
    bibFile: data.bibFile === undefined ? undefined : latexInputName(data.bibFile),
    bibStyle: data.bibStyle ?? 'numeric-comp',
    bibNumeric: (data.bibStyle ?? 'numeric-comp').startsWith('numeric'),
    printBibliography: data.bibFile !== undefined && data.bibPrinted !== true,
    xelatex: data.xelatex === true,
    cjkScheme: data.cjkScheme ?? 'chinese',
    documentClass: data.documentClass ?? 'article',
    // The report class titles it "Bibliography" and leaves it out of the contents: as the HTML, "References", listed.
    chapters: data.documentClass === 'report',
    chaptersBefore: data.chaptersBefore !== undefined && data.chaptersBefore > 0 ? String(data.chaptersBefore) : undefined,
  }).replace(/^\n+/, '');
}

/** A formula section as LaTeX display math (`aligned` needs amsmath). */
export function formulaToLatex(f: FormulaLatex): string {
  return `\\[\n${f.display}\n\\]\n`;
}
