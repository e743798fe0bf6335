/**
 * `<doc>.standalone.tex`: a complete LaTeX document around the fragment (`\input{<doc>.tex}`) and the
 * macros (`\input{<doc>.macros.tex}`), from render's user-overridable template. The engine is chosen
 * from the document: a CJK language (`lang: zh`, `ja`, `ko`) or CJK text anywhere in it gets a
 * XeLaTeX file with ctex; anything else a pdflatex one. Characters the chosen engine cannot typeset
 * (for pdflatex: outside Latin-1 and the ones the exporter escapes) are declared as `?` so the
 * compile still succeeds — and reported, never silently.
 */
import { catalogueFor } from '../i18n/index.js';
import { standaloneLatex, type StandaloneLatexData } from '../render/index.js';
import { latexComment } from '../render/latex-escape.js';
import { latexEngine, unsupportedCharacters } from './latex.js';

export { latexEngine };

/** The standalone's settings: the template's own (render/latex-document.ts) and what the export adds. */
export type StandaloneOptions = Pick<
  StandaloneLatexData,
  'title' | 'author' | 'date' | 'toc' | 'bibFile' | 'bibStyle' | 'bibPrinted' | 'chaptersBefore' | 'documentClass'
> & {
  fragmentFile: string;
  macrosFile: string;
  /** The fragment's text, scanned for characters the engine does not know. */
  fragment: string;
  templateDirs?: readonly string[] | undefined;
  /** The document's language (BCP 47). */
  lang?: string | undefined;
};

export type LatexEngine = 'pdflatex' | 'xelatex';

export interface StandaloneDocument {
  tex: string;
  engine: LatexEngine;
  /** What the engine cannot typeset, in words (shown as `?`); empty when it typesets everything. */
  problems: string[];
}

export function standaloneDocument(options: StandaloneOptions): StandaloneDocument {
  const everything = `${options.title}\n${options.author ?? ''}\n${options.date ?? ''}\n${options.fragment}`;
  const engine = latexEngine(options.lang, everything);
  const tex = standaloneLatex(
    {
      title: options.title,
      author: options.author,
      date: options.date,
      fragmentFile: options.fragmentFile,
      macrosFile: options.macrosFile,
      toc: options.toc,
      bibFile: options.bibFile,
      bibStyle: options.bibStyle,
      bibPrinted: options.bibPrinted,
      xelatex: engine === 'xelatex',
      // Chinese names (表, 图, 目录, 参考文献) only for a Chinese document; other CJK text keeps English ones.
      cjkScheme: catalogueFor(options.lang) === 'zh-CN' ? 'chinese' : 'plain',
      documentClass: options.documentClass,
      chaptersBefore: options.chaptersBefore,
    },
    { templateDirs: options.templateDirs ?? [] },
  );
  // xelatex reads Unicode with its fonts (Latin Modern and the CJK fontset); pdflatex knows Latin-1 and the escapes.
  if (engine === 'xelatex') return { tex, engine, problems: [] };
  const unknown = unsupportedCharacters(everything);
  if (unknown.length === 0) return { tex, engine, problems: [] };
  const declarations = [
    `% Characters pdflatex cannot typeset, shown as ?: ${latexComment(unknown.join(' '))}`,
    ...unknown.map((ch) => `\\DeclareUnicodeCharacter{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}{?}`),
  ].join('\n');
  const shown = unknown
    .slice(0, 12)
    .map((ch) => `${ch} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`)
    .join(', ');
  return {
    tex: tex.replace('\\begin{document}', `${declarations}\n\n\\begin{document}`),
    engine,
    problems: [
      `${unknown.length} character${unknown.length === 1 ? '' : 's'} that pdflatex cannot typeset will print as ? in the standalone LaTeX: ${shown}${unknown.length > 12 ? ', …' : ''}; set lang: to the document's language (zh, ja, ko compile with xelatex) or write them as LaTeX commands`,
    ],
  };
}

/** The standalone file's text (see standaloneDocument for the engine and problems). */
export function standaloneFile(options: StandaloneOptions): string {
  return standaloneDocument(options).tex;
}
