/**
 * The analysis writes formulas as plain text with Unicode operators (`(2·C_in·K_h·K_w − 1)·C_out`,
 * `(2×3×3²−1)×4×6²`); this turns such text into LaTeX math: `·` → `\cdot`, `×` → `\times`, `−` → `-`,
 * superscript digits → `^2`, multi-letter names upright (`C_{\mathrm{in}}`, `\mathrm{numel}(A)`),
 * runs of words → `\text{…}`, with one space around each binary operator.
 */

import { escapeTextInMath, MATH_ESCAPES } from './latex-escape.js';

type Kind = 'atom' | 'binary' | 'minus' | 'open' | 'close' | 'script' | 'punct' | 'tight';

interface Token {
  kind: Kind;
  tex: string;
  /** Whitespace preceded this token in the source. */
  spaced: boolean;
}

const FUNCTIONS = new Set(['max', 'min', 'log', 'ln', 'exp', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'arg', 'det']);

const SUPERSCRIPTS: Record<string, string> = {
  '⁰': '0',
  '¹': '1',
  '²': '2',
  '³': '3',
  '⁴': '4',
  '⁵': '5',
  '⁶': '6',
  '⁷': '7',
  '⁸': '8',
  '⁹': '9',
  '⁺': '+',
  '⁻': '-',
  ˣ: 'x',
  ⁿ: 'n',
};
const SUBSCRIPTS: Record<string, string> = {
  '₀': '0',
  '₁': '1',
  '₂': '2',
  '₃': '3',
  '₄': '4',
  '₅': '5',
  '₆': '6',
  '₇': '7',
  '₈': '8',
  '₉': '9',
};

const BINARY: Record<string, string> = {
  '×': '\\times',
  '·': '\\cdot',
  '+': '+',
  '=': '=',
  '≤': '\\leq',
  '≥': '\\geq',
  '<': '<',
  '>': '>',
  '≈': '\\approx',
};
const SYMBOLS: Record<string, string> = { Σ: '\\sum', '∑': '\\sum', '∏': '\\prod', Π: '\\prod', π: '\\pi', '∞': '\\infty' };
const ESCAPED = MATH_ESCAPES;

const PROSE = /^[A-Za-z][A-Za-z-]+(?: [A-Za-z][A-Za-z-]+)+/;
const IDENT = /^([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9]+))?/;
const NUMBER = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?/;

const textEscape = escapeTextInMath;

function upright(name: string): string {
  if (name.length === 1) return name;
  if (FUNCTIONS.has(name)) return `\\${name}`;
  return `\\mathrm{${name}}`;
}

function subscript(sub: string): string {
  if (sub.length === 1) return `_${sub}`;
  return /^\d+$/.test(sub) ? `_{${sub}}` : `_{\\mathrm{${sub}}}`;
}

function numberTex(text: string): string {
  const m = /^(\d+(?:\.\d+)?)e([+-]?\d+)$/.exec(text);
  if (!m) return text;
  return `${m[1]} \\times 10^{${Number(m[2])}}`;
}

/** Index of the parenthesis closing the one at `open`, or -1. */
function matching(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaced = false;
  const push = (kind: Kind, tex: string) => {
    tokens.push({ kind, tex, spaced });
    spaced = false;
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const c = text[i]!;
    if (/\s/.test(c)) {
      spaced = true;
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = PROSE.exec(rest))) {
      push('atom', `\\text{${textEscape(m[0])}}`);
      i += m[0].length;
    } else if ((m = IDENT.exec(rest))) {
      push('atom', upright(m[1]!) + (m[2] ? subscript(m[2]) : ''));
      i += m[0].length;
    } else if ((m = NUMBER.exec(rest))) {
      push('atom', numberTex(m[0]));
      i += m[0].length;
    } else if (c in SUPERSCRIPTS || c in SUBSCRIPTS) {
      const table = c in SUPERSCRIPTS ? SUPERSCRIPTS : SUBSCRIPTS;
      let run = '';
      while (i < text.length && text[i]! in table) run += table[text[i++]!];
      const mark = table === SUPERSCRIPTS ? '^' : '_';
      push('script', run.length === 1 ? `${mark}${run}` : `${mark}{${run}}`);
    } else if ((c === '^' || c === '_') && i + 1 < text.length) {
      // `2^d`, `Σ_c`, `x^(n+1)`: the script is the next name, number or parenthesised group.
      const after = text.slice(i + 1);
      if (after[0] === '(') {
        const end = matching(text, i + 1);
        if (end > 0) {
          push('script', `${c}{${plainMathToLatex(text.slice(i + 2, end))}}`);
          i = end + 1;
          continue;
        }
      }
      const word = /^[A-Za-z0-9]+/.exec(after);
      if (word) {
        const body = /^\d+$/.test(word[0]) || word[0].length === 1 ? word[0] : `\\mathrm{${word[0]}}`;
        push('script', word[0].length === 1 ? `${c}${body}` : `${c}{${body}}`);
        i += 1 + word[0].length;
      } else {
        push('atom', c === '^' ? '\\hat{}' : '\\_');
        i++;
      }
    } else if (c === '√') {
      // √(expr) or √x → \sqrt{…}
      if (text[i + 1] === '(') {
        const end = matching(text, i + 1);
        if (end > 0) {
          push('atom', `\\sqrt{${plainMathToLatex(text.slice(i + 2, end))}}`);
          i = end + 1;
          continue;
        }
      }
      const next = /^(?:[A-Za-z][A-Za-z0-9]*|\d+(?:\.\d+)?)/.exec(text.slice(i + 1));
      if (next) {
        push('atom', `\\sqrt{${upright(next[0])}}`);
        i += 1 + next[0].length;
      } else {
        push('atom', '\\surd');
        i++;
      }
    } else if (c === '−' || c === '-') {
      push('minus', '-');
      i++;
    } else if (c in BINARY) {
      push('binary', BINARY[c]!);
      i++;
    } else if (c === '(' || c === '[' || c === '⌈' || c === '⌊') {
      push('open', c === '⌈' ? '\\lceil' : c === '⌊' ? '\\lfloor' : c);
      i++;
    } else if (c === ')' || c === ']' || c === '⌉' || c === '⌋') {
      push('close', c === '⌉' ? '\\rceil' : c === '⌋' ? '\\rfloor' : c);
      i++;
    } else if (c === ',') {
      push('punct', ',');
      i++;
    } else if (c === ';') {
      push('punct', ';\\quad');
      i++;
    } else if (c === '/') {
      push('tight', '/');
      i++;
    } else if (c in SYMBOLS) {
      push('atom', SYMBOLS[c]!);
      i++;
    } else if (c in ESCAPED) {
      push('atom', ESCAPED[c]!);
      i++;
    } else {
      // Anything else (a letter of another script, a quote) is kept as upright text.
      push('atom', `\\text{${textEscape(c)}}`);
      i++;
    }
  }
  return tokens;
}

/** Convert plain-text math (the analysis' FormulaUse.symbolic / .substituted) to LaTeX. */
export function plainMathToLatex(text: string): string {
  const tokens = tokenize(text);
  let out = '';
  let prev: Token | undefined;
  const append = (piece: string) => {
    // A control word directly followed by a letter would merge into one name (`\lceil\log` is fine, `\cdotC` is not).
    if (/\\[A-Za-z]+$/.test(out) && /^[A-Za-z]/.test(piece)) out += ' ';
    out += piece;
  };
  for (const t of tokens) {
    const unary = t.kind === 'minus' && (!prev || ['binary', 'minus', 'open', 'punct', 'tight'].includes(prev.kind) || prev.tex === '=');
    if (t.kind === 'binary' || (t.kind === 'minus' && !unary)) {
      out = out.trimEnd();
      out += ` ${t.tex} `;
    } else if (t.kind === 'minus') {
      append('-');
    } else if (t.kind === 'punct') {
      out = out.trimEnd();
      out += `${t.tex} `;
    } else if (t.kind === 'atom' && prev && (prev.kind === 'atom' || prev.kind === 'close' || prev.kind === 'script') && (t.spaced || prev.kind === 'script')) {
      append(` ${t.tex}`);
    } else if (t.kind === 'open' && t.tex.startsWith('\\') && prev && prev.kind !== 'binary' && prev.kind !== 'open' && prev.kind !== 'punct') {
      append(` ${t.tex}`);
    } else {
      append(t.tex);
    }
    prev = t;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}
