/**
 * Typographic quotes: straight `"` and `'` as typed become “ ” ‘ ’ (document/typography.ts applies
 * this to prose, directive.ts to captions given as attributes).
 */

/** Whether a quote after `before` (the previous character, '' at the start) opens. */
function opens(before: string): boolean {
  return before === '' || /[\s([{\u2014\u2013/-]/.test(before);
}

/**
 * `text` with straight quotes made typographic; `before` is the character just before the text
 * ('' at the start of a paragraph). An apostrophe inside or after a word is ’ (`ResNet's`, `90's`).
 */
export function smartQuotes(text: string, before = ''): string {
  let out = '';
  let prev = before;
  for (const ch of text) {
    if (ch === '"') out += opens(prev) ? '\u201c' : '\u201d';
    else if (ch === "'") out += opens(prev) ? '\u2018' : '\u2019';
    else out += ch;
    prev = ch;
  }
  return out;
}
