/**
 * Small LaTeX helpers shared by tables, macros and the standalone wrapper: macro names that LaTeX
 * accepts (letters only) and their definitions. Escaping is in latex-escape.ts.
 */
import { escapeLatexText } from './latex-escape.js';

const SMALL = [
  'Zero',
  'One',
  'Two',
  'Three',
  'Four',
  'Five',
  'Six',
  'Seven',
  'Eight',
  'Nine',
  'Ten',
  'Eleven',
  'Twelve',
  'Thirteen',
  'Fourteen',
  'Fifteen',
  'Sixteen',
  'Seventeen',
  'Eighteen',
  'Nineteen',
];
const TENS = ['', '', 'Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety'];

/** A whole number in English words, CamelCase: 18 → `Eighteen`, 152 → `OneHundredFiftyTwo`. */
export function numberWords(n: number): string {
  if (n < 20) return SMALL[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? SMALL[n % 10]! : '');
  if (n < 1000) return SMALL[Math.floor(n / 100)]! + 'Hundred' + (n % 100 ? numberWords(n % 100) : '');
  if (n < 1_000_000) return numberWords(Math.floor(n / 1000)) + 'Thousand' + (n % 1000 ? numberWords(n % 1000) : '');
  // Past a million, digits one by one keep names unique without inventing larger words.
  return String(n)
    .split('')
    .map((d) => SMALL[Number(d)]!)
    .join('');
}

/**
 * A LaTeX command name from free words: LaTeX names are letters only, so digits become words and
 * everything else separates CamelCase parts: (`ResNet-18`, `params`) → `ResNetEighteenParams`.
 */
export function macroName(...parts: string[]): string {
  const words: string[] = [];
  for (const part of parts) {
    for (const token of part.match(/[A-Za-z]+|\d+/g) ?? []) {
      if (/^\d+$/.test(token)) words.push(numberWords(Number(token)));
      else words.push(token[0]!.toUpperCase() + token.slice(1));
    }
  }
  return words.join('');
}

/** `\newcommand{\Name}{value}` lines for a macros file (values are plain numbers or escaped text). */
export function macroDefinitions(entries: { name: string; value: string }[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const e of entries) {
    if (!/^[A-Za-z]+$/.test(e.name)) throw new Error(`LaTeX macro name "${e.name}" must be letters only`);
    if (seen.has(e.name)) throw new Error(`LaTeX macro \\${e.name} is defined twice`);
    seen.add(e.name);
    lines.push(`\\newcommand{\\${e.name}}{${e.value}}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The short form of a caption for a list of tables or figures: the caption up to its first `: `,
 * ` (` or `; ` (`CNNs from the zoo: exact counts…` → `CNNs from the zoo`), else, for a caption
 * longer than 60 characters, up to its first `, ` past the 20th; undefined when the caption is
 * already short (nothing to cut, or the cut would leave under 12 characters).
 */
export function shortCaption(caption: string): string | undefined {
  const text = caption.trim();
  const cuts = [': ', ' (', '; '].map((sep) => text.indexOf(sep)).filter((i) => i >= 12);
  let at = cuts.length ? Math.min(...cuts) : -1;
  if (at < 0 && text.length > 60) {
    const comma = text.indexOf(', ', 20);
    if (comma >= 0) at = comma;
  }
  if (at < 0) return undefined;
  return text.slice(0, at).replace(/[\s,.;:]+$/, '');
}

/** `\caption[short]{long}` (the short form only when it differs), from the caption's plain text and its LaTeX. */
export function latexCaption(plain: string, latex: string): string {
  const short = shortCaption(plain);
  return short === undefined ? `\\caption{${latex}}` : `\\caption[${escapeLatexText(short)}]{${latex}}`;
}
