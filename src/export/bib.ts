/**
 * `<doc>.bib` beside the LaTeX fragment: the works the document cites, written as BibLaTeX by
 * citation-js from their CSL-JSON records (whether they came from a .bib, a CSL-JSON file or the
 * zoo's papers), so biber finds every key the fragment's \autocite/\textcite use.
 */
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import type { DocumentData } from '../docmodel/types.js';

export function bibFile(data: DocumentData): string {
  const entries = data.citations
    .filter((c) => typeof c.csl === 'object' && c.csl !== null)
    .map((c) => {
      const text = (plugins.output.format('biblatex', [c.csl] as never) as string).trim();
      // citation-js makes its own label of a key it finds unsafe (`model:r50`); biber reads such keys.
      return text.replace(/^@(\w+)\{[^,]*,/, `@$1{${c.key},`);
    });
  return `% Works cited by ${data.source ?? 'the document'}, written by modelpress ${data.tool}.\n${entries.join('\n')}\n`;
}
