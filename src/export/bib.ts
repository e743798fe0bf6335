/**
 * `<doc>.bib` beside the LaTeX fragment: the works the document cites, written as BibLaTeX by
 * citation-js from their CSL-JSON records (whether they came from a .bib, a CSL-JSON file or the
 * zoo's papers), so biber finds every key the fragment's \autocite/\textcite use.
 */
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import type { DocumentData } from '../docmodel/types.js';

export function bibFile(data: DocumentData): string {
  const records = data.citations.map((c) => c.csl).filter((c): c is object => typeof c === 'object' && c !== null);
  const text = plugins.output.format('biblatex', records as never) as string;
  return `% Works cited by ${data.source ?? 'the document'}, written by modelpress ${data.tool}.\n${text.trim()}\n`;
}
