/**
 * The one place user text becomes LaTeX. Every string from a manuscript, its front matter, a model
 * file (model, node and tensor names) or a file name that reaches a `.tex` file goes through one of
 * these, chosen by where it lands:
 *
 * - `escapeLatexText`: text mode (prose, captions, headers, titles, footnotes, `\text{}` in math);
 * - `latexComment`: the rest of a `%` comment line (a line break there would end the comment and
 *   make the rest of the string LaTeX: a title with a newline once read `/etc/hostname`);
 * - `latexLabel`: `\label{}` / `\ref{}` keys;
 * - `latexUrl`: `\href{}` targets;
 * - `latexInputName`: file names given to `\input{}` (refused, not mangled, when unsafe);
 * - `MATH_ESCAPES`: single characters in math mode.
 *
 * Control characters never pass: TeX ends a line at CR as well as LF, and `^^` notation could spell
 * any character, so `^` is always escaped and C0 controls become spaces.
 */

const TEXT_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
  '×': '$\\times$',
  '·': '$\\cdot$',
  '−': '$-$',
  µ: '\\textmu{}',
  μ: '\\textmu{}',
  '—': '---',
  '–': '--',
  '≤': '$\\leq$',
  '≥': '$\\geq$',
  Δ: '$\\Delta$',
  '\u201c': '``',
  '\u201d': "''",
  '\u2018': '`',
  '\u2019': "'",
  '\u00a0': '~',
};

/**
 * Characters pdflatex (T1, utf8) does not know that are common in model surveys, written as the
 * commands that typeset them.
 */
const EXTRA_ESCAPES: Record<string, string> = {
  '≈': '$\\approx$',
  '≠': '$\\neq$',
  '±': '$\\pm$',
  '→': '$\\rightarrow$',
  '←': '$\\leftarrow$',
  '∼': '$\\sim$',
  '∞': '$\\infty$',
  '…': '\\ldots{}',
  '²': '\\textsuperscript{2}',
  '³': '\\textsuperscript{3}',
  '¹': '\\textsuperscript{1}',
  '⁻': '\\textsuperscript{$-$}',
  ᵀ: '\\textsuperscript{T}',
  '√': '$\\surd$',
  '∑': '$\\sum$',
  '∏': '$\\prod$',
  θ: '$\\theta$',
  α: '$\\alpha$',
  β: '$\\beta$',
  σ: '$\\sigma$',
  '⌊': '$\\lfloor$',
  '⌋': '$\\rfloor$',
  '⌈': '$\\lceil$',
  '⌉': '$\\rceil$',
  '∈': '$\\in$',
  '∉': '$\\notin$',
  '≪': '$\\ll$',
  '≫': '$\\gg$',
  '∝': '$\\propto$',
  γ: '$\\gamma$',
  λ: '$\\lambda$',
  ε: '$\\varepsilon$',
  π: '$\\pi$',
  '†': '\\textdagger{}',
  '‡': '\\textdaggerdbl{}',
  '⁰': '\\textsuperscript{0}',
  '⁴': '\\textsuperscript{4}',
  '⁵': '\\textsuperscript{5}',
  '⁶': '\\textsuperscript{6}',
  '⁷': '\\textsuperscript{7}',
  '⁸': '\\textsuperscript{8}',
  '⁹': '\\textsuperscript{9}',
  '\u2003': '\\quad{}',
  '\u2009': '\\,',
  '\u202f': '\\,',
};

/** C0 controls but tab and LF, DEL, and the Unicode line/paragraph separators (NEL, LS, PS). */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/gu;

const ALL_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, ...EXTRA_ESCAPES };
// Escape only the characters that are special inside a character class; in `u` mode others may not be escaped.
const ESCAPE_PATTERN = new RegExp(
  `[${Object.keys(ALL_ESCAPES)
    .map((c) => c.replace(/[\\\]^-]/g, '\\$&'))
    .join('')}]`,
  'gu',
);

/** Escape plain text for LaTeX text mode. */
export function escapeLatexText(text: string): string {
  return text.replace(CONTROLS, ' ').replace(ESCAPE_PATTERN, (c) => ALL_ESCAPES[c]!);
}

/** Text for an argument that must stay one paragraph (`\title{}`, `\author{}`): line breaks become spaces. */
export function escapeLatexLine(text: string): string {
  return escapeLatexText(text.replace(/\s*[\r\n]+\s*/g, ' '));
}

/** Text for the rest of a `%` comment line: one line, whatever it holds (`%` inside is harmless). */
export function latexComment(text: string): string {
  return text.replace(/[\r\n\u000b\u000c\u0085\u2028\u2029]+/g, ' ').replace(CONTROLS, ' ');
}

/** `tbl-cnn` → `tbl:cnn`: the LaTeX convention for labels, keeping the document's id readable. */
export function latexLabel(id: string): string {
  const cleaned = id.replace(CONTROLS, '').replace(/[\\{}%#~^$&\s]/g, '');
  return cleaned.replace(/^([A-Za-z]+)-/, '$1:');
}

/** An `\href{}` target: `#` and `%` escaped, braces and spaces percent-encoded, no backslash. */
export function latexUrl(url: string): string {
  return url
    .replace(CONTROLS, '')
    .replace(/\\/g, '/')
    .replace(/[#%]/g, '\\$&')
    .replace(/\{/g, '%7B')
    .replace(/\}/g, '%7D')
    .replace(/\s/g, '%20')
    .replace(/\^/g, '%5E');
}

/** A file name for `\input{}`: plain names only (a crafted document name must not become LaTeX). */
export function latexInputName(name: string): string {
  if (!/^[\w.+-]+$/.test(name)) {
    throw new Error(
      `the file name '${latexComment(name)}' cannot be written into \\input{} safely; rename the document with letters, digits, '.', '-', '_' or '+' only`,
    );
  }
  return name;
}

/** Text inside `\text{}` of a formula (KaTeX reads it too, so the accents `\~{}` `\^{}` stand for ~ ^). */
export function escapeTextInMath(s: string): string {
  return s.replace(CONTROLS, ' ').replace(/[\\{}#$%&~^_]/g, (c) => (c === '\\' ? '\\textbackslash{}' : c === '~' || c === '^' ? `\\${c}{}` : `\\${c}`));
}

/** A relative or absolute path for `\includegraphics{}`, or undefined when it holds anything but plain path characters. */
export function latexPath(file: string): string | undefined {
  return /^[\w./+-]+$/.test(file) ? file : undefined;
}

/** Characters that are special in math mode, as math commands. */
export const MATH_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\backslash',
  '{': '\\{',
  '}': '\\}',
  '#': '\\#',
  $: '\\$',
  '%': '\\%',
  '&': '\\&',
  '~': '\\sim',
  '|': '\\vert',
};

/**
 * Math written by the author passes to LaTeX as written (it is LaTeX), except what reads or writes
 * files, changes how TeX reads characters, or builds command names out of text: the I/O primitives
 * and their LaTeX wrappers, `\csname`, catcode changes and `^^` character codes. KaTeX (the HTML side)
 * supports none of them, so no formula that renders in the HTML is refused. Returns the offending
 * command, or undefined when the math is safe.
 */
export function unsafeMath(tex: string): string | undefined {
  if (tex.includes('^^')) return '^^';
  const m =
    /\\(input|include|includeonly|InputIfFileExists|IfFileExists|openin|openout|read|readline|write|immediate|closein|closeout|newread|newwrite|special|csname|catcode|scantokens|everyeof|endlinechar|directlua|latelua|pdffiledump|pdfmdfivesum|filesize|usepackage|RequirePackage|documentclass|includegraphics|verbatiminput|lstinputlisting|makeatletter|string|detokenize|endinput|ExplSyntaxOn|pdf[A-Za-z]*|XeTeX[A-Za-z]*)(?![A-Za-z])/.exec(
      tex,
    );
  return m ? `\\${m[1]}` : undefined;
}
