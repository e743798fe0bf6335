/**
 * Formula sections: a FormulaUse (from the analysis) and its result → LaTeX through a handlebars
 * template per op family (`templates/formulas/<family>.tex.hbs`), checked and rendered by KaTeX.
 *
 * Templates receive the symbolic and substituted forms already converted to LaTeX, so the numbers a
 * template prints are always the ones the analysis counted; a template adds the family's name and a
 * "where" line from `vars`. A template id with a convention suffix (`conv:ptflops`) looks for
 * `conv.ptflops.tex.hbs`, then `conv.tex.hbs`, then `generic.tex.hbs`, in the user's folders first.
 */
import { basename } from 'node:path';
import Handlebars from 'handlebars';
import katex from 'katex';
import type { FormulaUse } from '../analysis/types.js';
import { DEFAULT_FORMAT, formatInteger, decimalsForDigits, fixed } from './format.js';
import { plainMathToLatex } from './math-text.js';
import { escapeTextInMath } from './latex-escape.js';
import { ENGLISH, type MessageKey, type Messages } from '../i18n/index.js';
import { compileTemplateFile, findTemplate } from './templates.js';
import { TemplateError } from './types.js';
import type { FormulaLatex, MathRenderResult, NumberFormat } from './types.js';

export interface FormulaOptions {
  /** Content folders (holding `templates/formulas/…`) or templates folders, searched before the built-in one. */
  templateDirs?: readonly string[] | undefined;
  /** What the result counts, shown on the left of the first line. Default `FLOPs`. */
  quantity?: string | undefined;
  /** Number format (digit grouping of the result, digits of the approximation). */
  format?: NumberFormat | undefined;
  /** The document's words (`with …`, `no bias`); English when absent. */
  messages?: Messages | undefined;
}

/** The handlebars environment of LaTeX templates, with the helpers templates may use. */
const latexHbs = Handlebars.create();
latexHbs.registerHelper('times', (...args: unknown[]) => args.slice(0, -1).map(String).join(' \\times '));
latexHbs.registerHelper('num', (value: unknown) => (typeof value === 'number' ? latexNumber(value, DEFAULT_FORMAT) : String(value)));
latexHbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
latexHbs.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
/** `{{tx "formula.with"}}` → `\text{with }`: a catalogue word in the document's language, as math text. */
latexHbs.registerHelper('tx', (key: unknown, options: Handlebars.HelperOptions) => {
  const messages = (options.data as { root?: { messages?: Messages } } | undefined)?.root?.messages ?? ENGLISH;
  return new Handlebars.SafeString(`\\text{${escapeTextInMath(messages.t(String(key) as MessageKey))}}`);
});

/**
 * A number for LaTeX math: integers grouped by the format's rule with `{,}` (so math mode does not
 * add a space after the comma): `7632`, `1{,}814{,}083{,}584`.
 */
export function latexNumber(value: number, fmt: NumberFormat = DEFAULT_FORMAT): string {
  if (Number.isInteger(value)) {
    return formatInteger(value, { ...fmt, thousands: fmt.thousands === '' ? '' : '{,}' });
  }
  return fixed(value, decimalsForDigits(value, fmt.digits));
}

/** `1.81 \times 10^{9}` for large results, with the format's significant digits. */
function scientific(value: number, fmt: NumberFormat = DEFAULT_FORMAT): string {
  const exp = Math.floor(Math.log10(Math.abs(value)));
  const mantissa = value / 10 ** exp;
  return `${fixed(mantissa, Math.max(0, fmt.digits - 1))} \\times 10^{${exp}}`;
}

/** Candidate template files for an id: `conv:ptflops` → conv.ptflops, conv. */
function formulaTemplateNames(template: string): string[] {
  const [family, convention] = template.split(':');
  const names = [`formulas/${family}.tex.hbs`];
  if (convention) names.unshift(`formulas/${family}.${convention}.tex.hbs`);
  return names;
}

/** The template file that renders this id (user folders first), `generic.tex.hbs` when none matches. */
export function resolveFormulaTemplate(template: string, templateDirs: readonly string[] = []): string {
  const path = findTemplate(formulaTemplateNames(template), templateDirs) ?? findTemplate(['formulas/generic.tex.hbs'], templateDirs);
  if (!path) throw new TemplateError('no formula template found (not even generic.tex.hbs)', `formulas/${template}.tex.hbs`);
  return path;
}

/** Results from 10⁵ up get `\approx m \times 10^{e}` after the exact integer. */
const APPROX_FROM = 1e5;

/**
 * LaTeX of a formula with its result. For the seed's worked example (Conv, C_in=3, C_out=4, K=3×3,
 * 6×6 output, no bias) `equation` is `(2 \times 3 \times 3^2 - 1) \times 4 \times 6^2 = 7632`.
 */
export function renderFormula(use: FormulaUse, result: number, options: FormulaOptions = {}): FormulaLatex {
  const fmt = options.format ?? DEFAULT_FORMAT;
  // Text after a `;` is a side note of the formula (e.g. attention's `; MACs = …`): its own line.
  const [symbolicMain = '', ...symbolicNotes] = use.symbolic.split(';');
  const [substitutedMain = '', ...substitutedNotes] = use.substituted.split(';');
  const symbolic = plainMathToLatex(symbolicMain);
  const substituted = plainMathToLatex(substitutedMain);
  const notes = symbolicNotes.map((note, i) => noteLine(note, substitutedNotes[i]));
  const resultTex = latexNumber(result, fmt);
  const approx = Math.abs(result) >= APPROX_FROM ? scientific(result, fmt) : '';
  // Skip lines that would only repeat the result (`0 = 0`, `= 4096 = 4096`).
  const substitutedIsResult = substituted === resultTex || substituted === String(result);
  const symbolicIsResult = symbolic === resultTex || symbolic === String(result);
  const equation = `${substitutedIsResult ? resultTex : `${substituted} = ${resultTex}`}${approx ? ` \\approx ${approx}` : ''}`;
  const [family, convention] = use.template.split(':');
  const path = resolveFormulaTemplate(use.template, options.templateDirs);
  const render = compileTemplateFile(path, latexHbs);
  const quantity = options.quantity ?? 'FLOPs';
  const context = {
    template: use.template,
    family,
    convention: convention ?? 'exact',
    quantity,
    quantityTex: `\\mathrm{${quantity}}`,
    vars: use.vars,
    symbolic,
    substituted,
    result: resultTex,
    approx,
    equation,
    notes,
    trivial: symbolicIsResult && notes.length === 0,
    substitutedIsResult,
    messages: options.messages ?? ENGLISH,
  };
  const display = render(context).trim();
  return { source: basename(path), symbolic, substituted, result: resultTex, equation, display };
}

/** `MACs = H·Sq·Skv·(d + d_v)` with `MACs = 1×12×12×(64+64)` → one line `\mathrm{MACs} = … = …`. */
function noteLine(symbolicNote: string, substitutedNote: string | undefined): string {
  const sym = plainMathToLatex(symbolicNote);
  if (substitutedNote === undefined) return sym;
  const sub = plainMathToLatex(substitutedNote);
  const [symLeft] = sym.split(' = ');
  const [subLeft, ...subRight] = sub.split(' = ');
  if (subRight.length && subLeft === symLeft) return `${sym} = ${subRight.join(' = ')}`;
  return sub === sym ? sym : `${sym};\\quad ${sub}`;
}

/**
 * Render LaTeX with KaTeX. Bad LaTeX gives `{ ok: false, error }` with KaTeX's message and the
 * offset where it stopped, never a throw.
 */
export function renderMath(latex: string, options: { displayMode?: boolean; strict?: boolean } = {}): MathRenderResult {
  try {
    // `strict` also rejects what KaTeX merely warns about (Unicode in math mode, non-LaTeX syntax).
    const html = katex.renderToString(latex, {
      displayMode: options.displayMode ?? true,
      throwOnError: true,
      strict: options.strict ? 'error' : 'ignore',
      output: 'htmlAndMathml',
    });
    return { ok: true, html };
  } catch (e) {
    if (e instanceof katex.ParseError) {
      const err = e as InstanceType<typeof katex.ParseError> & { rawMessage?: string; position?: number };
      return { ok: false, error: { message: err.rawMessage ?? err.message, position: err.position, latex } };
    }
    return { ok: false, error: { message: (e as Error).message, latex } };
  }
}

/**
 * A formula's `with C_in = 3, C_out = 4, …` row (the last row of a template's `aligned` block), split
 * off so it can be set as wrapping prose under the formula instead of one long math line that is cut
 * off or scrolls. `math` is the display without that row; `where` its assignments (math), or undefined.
 */
export function splitWhereRow(display: string, messages: Messages = ENGLISH): { math: string; where: string[] | undefined } {
  const words = [...new Set([escapeTextInMath(messages.t('formula.with')), 'with '])].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const m = new RegExp(`\\\\\\\\\\s*&\\\\text\\{(?:${words.join('|')})\\}\\s*([\\s\\S]*?)\\s*(\\\\end\\{aligned\\}\\s*)$`).exec(display);
  if (!m) return { math: display, where: undefined };
  const parts = m[1]!
    .split(/,\\\s*/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return { math: display.slice(0, m.index).replace(/\s+$/, '') + '\n' + m[2]!, where: parts };
}
