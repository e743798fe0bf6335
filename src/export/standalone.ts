/**
 * `<doc>.standalone.tex`: a complete LaTeX document around the fragment (`\input{<doc>.tex}`) and the
 * macros (`\input{<doc>.macros.tex}`), from render's user-overridable template; `pdflatex` compiles
 * it as it is. Characters of the fragment that pdflatex cannot typeset (outside Latin-1 and the
 * ones the exporter escapes) are declared as `?` so the compile still succeeds, and listed.
 */
import { standaloneLatex } from '../render/index.js';
import { latexComment } from '../render/latex-escape.js';
import { unsupportedCharacters } from './latex.js';

export interface StandaloneOptions {
  title: string;
  author?: string | undefined;
  date?: string | undefined;
  fragmentFile: string;
  macrosFile: string;
  /** The fragment's text, scanned for characters pdflatex does not know. */
  fragment: string;
  templateDirs?: readonly string[] | undefined;
  toc?: boolean | undefined;
  bibFile?: string | undefined;
  bibStyle?: string | undefined;
  bibPrinted?: boolean | undefined;
  /** A book's chapter: `report` class, its chapter counter after the chapters before it. */
  chaptersBefore?: number | undefined;
  documentClass?: 'article' | 'report' | undefined;
}

export function standaloneFile(options: StandaloneOptions): string {
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
      documentClass: options.documentClass,
      chaptersBefore: options.chaptersBefore,
    },
    { templateDirs: options.templateDirs ?? [] },
  );
  const unknown = unsupportedCharacters(options.fragment);
  if (unknown.length === 0) return tex;
  const declarations = [
    `% Characters pdflatex cannot typeset, shown as ?: ${latexComment(unknown.join(' '))}`,
    ...unknown.map((ch) => `\\DeclareUnicodeCharacter{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}{?}`),
  ].join('\n');
  return tex.replace('\\begin{document}', `${declarations}\n\n\\begin{document}`);
}
