/**
 * A count and its formula from one expression. A rule builds an `Expr` from named quantities
 * (`q('C_in', 3)`), shapes (`dims(['H_out', 'W_out'], [6, 6])`) and literals; the expression evaluates
 * to the count (`.value`) and prints itself symbolically and with numbers substituted, as plain text
 * (`(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out`, `(2×3×3²−1)×4×6²`) and as LaTeX. The FormulaUse a
 * rule returns and the number it counts come from the same object, so they cannot disagree
 * (test/analysis/formula-eval.test.ts evaluates every printed formula of the zoo).
 */
import type { CostEntry, FormulaUse } from '../types.js';

/** Symbolic or substituted, plain text or LaTeX. */
interface Mode {
  substituted: boolean;
  latex: boolean;
}

// The four modes, made once: every node's formula is printed twice.
const SYMBOLIC: Mode = { substituted: false, latex: false };
const SUBSTITUTED: Mode = { substituted: true, latex: false };
const SYMBOLIC_LATEX: Mode = { substituted: false, latex: true };
const SUBSTITUTED_LATEX: Mode = { substituted: true, latex: true };

/** Binding strength: a sum needs parentheses inside a product, an atom never does. */
const SUM = 1;
const PRODUCT = 2;
const ATOM = 3;

export abstract class Expr {
  abstract readonly value: number;
  /** Binding strength of the printed form (SUM, PRODUCT or ATOM). */
  abstract readonly precedence: number;
  /** Left out of a product (a batch of 1, an empty shape): the seed writes `C_out·H·W`, not `1·C_out·H·W`. */
  get omitted(): boolean {
    return false;
  }
  protected abstract show(mode: Mode): string;
  /** Printed in a context that binds `outer` tightly: in parentheses when it binds less. */
  print(mode: Mode, outer = SUM): string {
    const s = this.show(mode);
    return this.precedence < outer ? `(${s})` : s;
  }
  /** Plain-text symbolic form (`·`, ` − `, names as `C_in`). */
  get symbolic(): string {
    return this.show(SYMBOLIC);
  }
  /** Plain-text form with numbers substituted (`×`, `−`, powers as superscripts). */
  get substituted(): string {
    return this.show(SUBSTITUTED);
  }
  /** LaTeX of the symbolic form. */
  get symbolicLatex(): string {
    return this.show(SYMBOLIC_LATEX);
  }
  /** LaTeX of the substituted form. */
  get substitutedLatex(): string {
    return this.show(SUBSTITUTED_LATEX);
  }
}

/** Precedence by quantity name: rules use a few dozen names, each node's formula several of them. */
const precedenceByName = new Map<string, number>();

function namePrecedence(name: string): number {
  let p = precedenceByName.get(name);
  if (p === undefined) {
    // A name with spaces (`in-bounds taps`) or an operator binds like a product at most.
    p = /[\s·×+−/]/.test(name) ? PRODUCT : ATOM;
    if (precedenceByName.size >= 4096) precedenceByName.clear();
    precedenceByName.set(name, p);
  }
  return p;
}

class Literal extends Expr {
  readonly precedence = ATOM;
  constructor(readonly value: number) {
    super();
  }
  protected show(): string {
    return String(this.value);
  }
}

/** A named quantity: its name symbolically, its value substituted. */
class Quantity extends Expr {
  readonly precedence: number;
  constructor(
    readonly name: string,
    readonly value: number,
    private readonly omitOne: boolean,
  ) {
    super();
    this.precedence = namePrecedence(name);
  }
  override get omitted(): boolean {
    return this.omitOne && this.value === 1;
  }
  protected show(mode: Mode): string {
    if (mode.substituted) return mode.latex ? latexValue(this.value) : String(this.value);
    return mode.latex ? latexName(this.name) : this.name;
  }
}

/** The element count of a shape: its dim names joined symbolically, the sizes as the seed writes them (`6²`). */
class Dims extends Expr {
  readonly value: number;
  readonly precedence: number;
  constructor(
    private readonly names: readonly string[],
    private readonly sizes: readonly number[],
  ) {
    super();
    this.value = sizes.reduce((a, b) => a * b, 1);
    this.precedence = sizes.length > 1 ? PRODUCT : ATOM;
  }
  override get omitted(): boolean {
    return this.sizes.length === 0;
  }
  protected show(mode: Mode): string {
    if (!mode.substituted) return joinNames(this.names, mode);
    return powers(this.sizes, mode.latex);
  }
}

class Product extends Expr {
  readonly value: number;
  readonly precedence = PRODUCT;
  private readonly factors: Expr[];
  constructor(factors: readonly Expr[]) {
    super();
    // Made for most nodes' formulas, often with nothing left out: then no filtered copy.
    let value = 1;
    let omitted = false;
    for (let i = 0; i < factors.length; i++) {
      value *= factors[i]!.value;
      omitted ||= factors[i]!.omitted;
    }
    this.factors = omitted ? factors.filter((f) => !f.omitted) : (factors as Expr[]);
    this.value = value;
  }
  override get omitted(): boolean {
    return this.factors.length === 0;
  }
  protected show(mode: Mode): string {
    if (this.factors.length === 0) return '1';
    const op = mode.latex ? (mode.substituted ? ' \\times ' : ' \\cdot ') : mode.substituted ? '×' : '·';
    let s = this.factors[0]!.print(mode, PRODUCT);
    for (let i = 1; i < this.factors.length; i++) s += op + this.factors[i]!.print(mode, PRODUCT);
    return s;
  }
}

/** A sum of terms, each added or subtracted. */
class Sum extends Expr {
  readonly value: number;
  readonly precedence = SUM;
  constructor(
    private readonly terms: readonly { sign: 1 | -1; term: Expr }[],
    /** Substituted form without spaces around + (`4×12²+12+6`); − is always tight there. */
    private readonly tight: boolean,
  ) {
    super();
    this.value = terms.reduce((a, t) => a + t.sign * t.term.value, 0);
  }
  protected show(mode: Mode): string {
    let s = '';
    for (let i = 0; i < this.terms.length; i++) {
      const { sign, term } = this.terms[i]!;
      const body = term.print(mode, sign < 0 ? PRODUCT : SUM);
      if (i === 0) s += sign < 0 ? `${minusSign(mode)}${body}` : body;
      else if (mode.latex) s += `${sign < 0 ? ' - ' : ' + '}${body}`;
      else if (sign < 0) s += `${mode.substituted ? '−' : ' − '}${body}`;
      else s += `${mode.substituted && this.tight ? '+' : ' + '}${body}`;
    }
    return s;
  }
}

/** A ratio always set in parentheses, as the seed writes per-group channels: `(C_in/g)`. */
class Ratio extends Expr {
  readonly value: number;
  readonly precedence = ATOM;
  constructor(
    private readonly num: Expr,
    private readonly den: Expr,
    private readonly bare: boolean,
  ) {
    super();
    this.value = num.value / den.value;
  }
  protected show(mode: Mode): string {
    const body = mode.latex
      ? `${this.num.print(mode, PRODUCT)} / ${this.den.print(mode, ATOM)}`
      : `${this.num.print(mode, PRODUCT)}/${this.den.print(mode, ATOM)}`;
    return this.bare ? body : `(${body})`;
  }
  override print(mode: Mode, outer = SUM): string {
    const s = this.show(mode);
    return this.bare && outer > PRODUCT ? `(${s})` : s;
  }
}

class Power extends Expr {
  readonly value: number;
  readonly precedence = ATOM;
  constructor(
    protected readonly base: Expr,
    protected readonly exponent: Expr,
  ) {
    super();
    this.value = base.value ** exponent.value;
  }
  protected show(mode: Mode): string {
    const b = this.base.print(mode, ATOM);
    return mode.latex ? `${b}^{${this.exponent.print(mode)}}` : `${b}^${this.exponent.print(mode, ATOM)}`;
  }
}

/** Explicit parentheses the seed writes where precedence would not need them. */
class Group extends Expr {
  readonly precedence = ATOM;
  constructor(private readonly inner: Expr) {
    super();
  }
  get value(): number {
    return this.inner.value;
  }
  protected show(mode: Mode): string {
    return `(${this.inner.print(mode)})`;
  }
}

/** Symbolically the expression, substituted only its value (a term whose numbers would say little). */
class Folded extends Expr {
  constructor(private readonly inner: Expr) {
    super();
  }
  get value(): number {
    return this.inner.value;
  }
  get precedence(): number {
    return this.inner.precedence;
  }
  protected show(mode: Mode): string {
    if (mode.substituted) return mode.latex ? latexValue(this.value) : String(this.value);
    return this.inner.print(mode);
  }
  override print(mode: Mode, outer = SUM): string {
    return mode.substituted ? this.show(mode) : this.inner.print(mode, outer);
  }
}

/** Dim names as a product: `H_out·W_out` (a single name as it is). */
function joinNames(names: readonly string[], mode: Mode): string {
  if (!mode.latex) return names.length === 1 ? names[0]! : names.join('·');
  let s = '';
  for (let i = 0; i < names.length; i++) s += (i === 0 ? '' : ' \\cdot ') + latexName(names[i]!);
  return s;
}

function minusSign(mode: Mode): string {
  return mode.latex ? '-' : '−';
}

// ---------------------------------------------------------------------------------------------
// Builders

/** A literal number (the 2 of `2·MACs`, the 1 of `− 1`). */
export function n(value: number): Expr {
  return new Literal(value);
}

/** A named quantity: `q('C_in', 3)` prints `C_in` and `3`. */
export function q(name: string, value: number): Expr {
  return new Quantity(name, value, false);
}

/** A named quantity left out of products when it is 1 (the batch N). */
export function q1(name: string, value: number): Expr {
  return new Quantity(name, value, true);
}

/** The element count of a shape: `dims(['H_out', 'W_out'], [6, 6])` prints `H_out·W_out` and `6²`. */
export function dims(names: readonly string[], sizes: readonly number[]): Expr {
  return new Dims(names, sizes);
}

export function times(...factors: Expr[]): Expr {
  return factors.length === 1 ? factors[0]! : new Product(factors);
}

export function plus(...terms: Expr[]): Expr {
  return terms.length === 1
    ? terms[0]!
    : new Sum(
        terms.map((term) => ({ sign: 1, term })),
        false,
      );
}

/** A sum whose substituted form sets + without spaces (`4×12²+12+6`). */
export function plusTight(...terms: Expr[]): Expr {
  return new Sum(
    terms.map((term) => ({ sign: 1, term })),
    true,
  );
}

export function minus(a: Expr, b: Expr): Expr {
  return new Sum(
    [
      { sign: 1, term: a },
      { sign: -1, term: b },
    ],
    false,
  );
}

/** `(a/b)`; `a` alone when b is 1 (a convolution without groups: `C_in`, not `(C_in/1)`). */
export function perGroup(a: Expr, b: Expr): Expr {
  return b.value === 1 ? a : new Ratio(a, b, false);
}

/** `a/b`, parenthesised only where it must be. */
export function over(a: Expr, b: Expr): Expr {
  return new Ratio(a, b, true);
}

export function pow(base: Expr, exponent: Expr): Expr {
  return new Power(base, exponent);
}

/** `(e)`: parentheses the formula keeps. */
export function paren(e: Expr): Expr {
  return new Group(e);
}

/** Symbolically `e`, substituted its value: `2·N·C_out·H_out·W_out` next to `288`. */
export function folded(e: Expr): Expr {
  return new Folded(e);
}

/** `a + b` where b counts only when `when` holds (a bias term): `a` alone otherwise. */
export function plusIf(when: boolean, a: Expr, b: Expr): Expr {
  return when ? plus(a, b) : a;
}

// ---------------------------------------------------------------------------------------------
// Formulas and cost entries

type FormulaNote = { label: string; expr: Expr };
const NO_NOTES: readonly FormulaNote[] = [];

function withNotes(e: Expr, notes: readonly FormulaNote[], substituted: boolean): string {
  let s = substituted ? e.substituted : e.symbolic;
  for (const x of notes) s += `; ${x.label} = ${substituted ? x.expr.substituted : x.expr.symbolic}`;
  return s;
}

/**
 * The FormulaUse of an expression: its symbolic and substituted text (notes after `; `). Printed at
 * once: texts printed on first read would keep every node's expression tree alive with the profile
 * (about 1 KB a node), more than the two strings.
 */
export function formulaOf(template: string, vars: Record<string, number>, e: Expr, notes: readonly FormulaNote[] = NO_NOTES): FormulaUse {
  return { template, vars, symbolic: withNotes(e, notes, false), substituted: withNotes(e, notes, true) };
}

/** An exact count: MACs as given, FLOPs and the formula from the expression. */
export function flopsEntry(macs: number, template: string, vars: Record<string, number>, flops: Expr): CostEntry {
  return { macs, flops: flops.value, formula: formulaOf(template, vars, flops) };
}

/** A tool that reports MACs only: `flops = 2·macs` (COUNTING.md, "Presets"); the formula gives the MACs. */
export function macsOnly(template: string, vars: Record<string, number>, macs: Expr): CostEntry {
  return { macs: macs.value, flops: 2 * macs.value, formula: formulaOf(template, vars, macs) };
}

// ---------------------------------------------------------------------------------------------
// Printing helpers

const SUPERSCRIPT = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/**
 * A product of sizes written as the seed does: runs of equal factors become powers
 * (`[3, 3]` → `3²`, `[2, 3]` → `2×3`), factors joined by ×.
 */
function powers(sizes: readonly number[], latex: boolean): string {
  if (sizes.length === 0) return '1';
  let out = '';
  const times = latex ? ' \\times ' : '×';
  for (let i = 0; i < sizes.length; ) {
    let j = i;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    const run = j - i;
    const base = latex ? latexValue(sizes[i]!) : String(sizes[i]);
    if (i > 0) out += times;
    if (run === 1) out += base;
    else out += latex ? `${base}^${run > 9 ? `{${run}}` : run}` : `${base}${superscriptDigits(run)}`;
    i = j;
  }
  return out;
}

function latexValue(v: number): string {
  return String(v).replace(/^-/, '-');
}

/** `C_in` → `C_{\mathrm{in}}`, `K_h` → `K_h`, `numel(Y)` → `\mathrm{numel}(Y)`, words → `\text{…}`. */
function latexName(name: string): string {
  if (/\s/.test(name)) return `\\text{${name}}`;
  return name.replace(/([A-Za-z]+)(?:_([A-Za-z0-9]+))?/g, (_all, base: string, sub: string | undefined) => {
    const b = base.length > 1 ? `\\mathrm{${base}}` : base;
    if (sub === undefined) return b;
    return sub.length === 1 ? `${b}_${sub}` : /^\d+$/.test(sub) ? `${b}_{${sub}}` : `${b}_{\\mathrm{${sub}}}`;
  });
}

// =============================================================================================
// Helpers of the gemm, attention, rotary, softmax, recurrent, quantization, misc and indexing rules

/** A named subtotal: its name symbolically (`proj`, `perStep`), its value substituted; the value is `e`'s. */
export function named(name: string, e: Expr): Expr {
  return q(name, e.value);
}

/** `a / b` with spaces symbolically and tight substituted (`3·N·rotary_dim / head_size`, `3×64×32/64`). */
class SpacedRatio extends Expr {
  readonly value: number;
  readonly precedence = PRODUCT;
  constructor(
    private readonly num: Expr,
    private readonly den: Expr,
  ) {
    super();
    this.value = num.value / den.value;
  }
  protected show(mode: Mode): string {
    if (mode.latex) return `${this.num.print(mode, PRODUCT)} / ${this.den.print(mode, ATOM)}`;
    return `${this.num.print(mode, PRODUCT)}${mode.substituted ? '/' : ' / '}${this.den.print(mode, ATOM)}`;
  }
}

export function overSpaced(a: Expr, b: Expr): Expr {
  return new SpacedRatio(a, b);
}

/** `floor(a / b)`: a tool's integer halving (fvcore's einsum). */
class Floor extends Expr {
  readonly precedence = ATOM;
  constructor(private readonly inner: Expr) {
    super();
  }
  get value(): number {
    return Math.floor(this.inner.value);
  }
  protected show(mode: Mode): string {
    const body = this.inner.print(mode);
    return mode.latex ? `\\lfloor ${body} \\rfloor` : `floor(${body})`;
  }
}

export function floorOf(e: Expr): Expr {
  return new Floor(e);
}

/** An exact count with MACs: FLOPs, MACs and the formula (`…; MACs = …`) from the two expressions. */
export function exactEntry(template: string, vars: Record<string, number>, flops: Expr, macs: Expr): CostEntry {
  return { macs: macs.value, flops: flops.value, formula: formulaOf(template, vars, flops, [{ label: 'MACs', expr: macs }]) };
}

// ---------------------------------------------------------------------------------------------
// Seed notations of the element-wise, reduce, resize, norm, pool and control-flow rules (ops2)

/**
 * The element count of a shape as the element-wise rules write it: symbolically its name (`N`,
 * `B·C·P`), substituted its dims with factors of 1 dropped and equal neighbours as powers
 * (`[1, 4, 6, 6]` → `4×6²`, all ones → `1`); `grouped` sets a product in parentheses (`(2×3)`).
 */
class Numel extends Expr {
  readonly value: number;
  private readonly kept: readonly number[];
  constructor(
    private readonly names: readonly string[],
    sizes: readonly number[],
    private readonly grouped: boolean,
  ) {
    super();
    this.value = sizes.reduce((a, b) => a * b, 1);
    this.kept = sizes.filter((d) => d !== 1);
  }
  get precedence(): number {
    return this.names.length > 1 ? PRODUCT : ATOM;
  }
  private runs(): number {
    let runs = 0;
    for (let i = 0; i < this.kept.length; i++) if (i === 0 || this.kept[i] !== this.kept[i - 1]) runs++;
    return runs;
  }
  protected show(mode: Mode): string {
    if (!mode.substituted) return joinNames(this.names, mode);
    const body = powers(this.kept, mode.latex);
    return this.grouped && this.runs() > 1 ? `(${body})` : body;
  }
  override print(mode: Mode, outer = SUM): string {
    const s = this.show(mode);
    const precedence = mode.substituted ? (this.grouped || this.runs() <= 1 ? ATOM : PRODUCT) : this.precedence;
    return precedence < outer ? `(${s})` : s;
  }
}

/** `count` items of `each`: `M·(n − 1)`; substituted the count is left out when it is 1 (`(4−1)`, not `1×(4−1)`). */
class Each extends Expr {
  readonly value: number;
  readonly precedence = PRODUCT;
  constructor(
    private readonly count: Expr,
    private readonly each: Expr,
  ) {
    super();
    this.value = count.value * each.value;
  }
  protected show(mode: Mode): string {
    const rest = this.each.print(mode, PRODUCT);
    if (mode.substituted && this.count.value === 1) return rest;
    const op = mode.latex ? (mode.substituted ? ' \\times ' : ' \\cdot ') : mode.substituted ? '×' : '·';
    return `${this.count.print(mode, PRODUCT)}${op}${rest}`;
  }
}

/** A coefficient written against its factor symbolically (`2n`, `4M²`), with × substituted (`2×5`). */
class Juxtaposed extends Expr {
  readonly value: number;
  readonly precedence = PRODUCT;
  constructor(
    private readonly coefficient: Expr,
    private readonly factor: Expr,
  ) {
    super();
    this.value = coefficient.value * factor.value;
  }
  protected show(mode: Mode): string {
    const a = this.coefficient.print(mode, ATOM);
    if (!mode.substituted) {
      const b = this.factor.print(mode, ATOM);
      return `${a}${b}`;
    }
    return `${a}${mode.latex ? ' \\times ' : '×'}${this.factor.print(mode, PRODUCT)}`;
  }
}

/** A power whose substituted exponent is set in superscript digits (`2^d` → `2²`, `M²` → `5²`). */
class Superscript extends Power {
  protected override show(mode: Mode): string {
    const b = this.base.print(mode, ATOM);
    const literal = this.exponent instanceof Literal;
    if (mode.latex) {
      const e = mode.substituted || literal ? String(this.exponent.value) : this.exponent.print(mode);
      return e.length === 1 ? `${b}^${e}` : `${b}^{${e}}`;
    }
    if (mode.substituted || literal) return `${b}${superscriptDigits(this.exponent.value)}`;
    return `${b}^${this.exponent.print(mode, ATOM)}`;
  }
}

/** `max(a, b)`: the larger, as printed in both forms. */
class Max extends Expr {
  readonly value: number;
  readonly precedence = ATOM;
  constructor(private readonly args: readonly Expr[]) {
    super();
    this.value = Math.max(...args.map((a) => a.value));
  }
  protected show(mode: Mode): string {
    return `${mode.latex ? '\\max' : 'max'}(${this.args.map((a) => a.print(mode)).join(', ')})`;
  }
}

/** A sum over runs of a body (`Σ_i FLOPs_body(i)`), substituted as its terms (`5 + 7 + 9`), `0` when empty. */
class Series extends Expr {
  readonly value: number;
  readonly precedence = SUM;
  constructor(
    private readonly label: string,
    private readonly terms: readonly number[],
    /** More terms than this are shortened to the first three and the last two around `…`. */
    private readonly shortenAbove: number,
  ) {
    super();
    this.value = terms.reduce((a, b) => a + b, 0);
  }
  protected show(mode: Mode): string {
    if (!mode.substituted) return mode.latex ? latexName(this.label) : this.label;
    const t = this.terms;
    if (t.length === 0) return '0';
    const shown = t.length <= this.shortenAbove ? t.map(String) : [...t.slice(0, 3).map(String), mode.latex ? '\\ldots' : '…', ...t.slice(-2).map(String)];
    return shown.join(' + ');
  }
}

function superscriptDigits(v: number): string {
  if (Number.isInteger(v) && v >= 0 && v <= 9) return SUPERSCRIPT[v]!;
  return String(v)
    .split('')
    .map((c) => SUPERSCRIPT[Number(c)] ?? c)
    .join('');
}

/** The element count of a shape: `numel('N', [1, 4, 6, 6])` prints `N` and `4×6²` (ones dropped). */
export function numel(names: string | readonly string[], sizes: readonly number[]): Expr {
  return new Numel(typeof names === 'string' ? [names] : names, sizes, false);
}

/** `numel` set in parentheses when its substituted form is a product, as a leading factor: `(2×3)×(4−1)`. */
export function numelFactor(names: string | readonly string[], sizes: readonly number[]): Expr {
  return new Numel(typeof names === 'string' ? [names] : names, sizes, true);
}

/** A shape's element count under one name (`∏K`), substituted with every dim (`3²`, `1×3`). */
export function shape(name: string, sizes: readonly number[]): Expr {
  return new Dims([name], sizes);
}

/** `count` things costing `each`: `M·(n − 1)`; a count of 1 is left out of the substituted form only. */
export function each(count: Expr, per: Expr): Expr {
  return new Each(count, per);
}

/** `2n`, `4M²` symbolically; `2×5`, `4×5²` substituted. */
export function juxt(coefficient: Expr, factor: Expr): Expr {
  return new Juxtaposed(coefficient, factor);
}

/** A power with a superscript exponent where it is a number: `sup(n(2), q('d', 2))` prints `2^d` and `2²`. */
export function sup(base: Expr, exponent: Expr): Expr {
  return new Superscript(base, exponent);
}

export function max(...args: Expr[]): Expr {
  return new Max(args);
}

/** `Σ_i FLOPs_body(i)` over the given terms; more than `shortenAbove` are printed as `a + b + c + … + y + z`. */
export function series(label: string, terms: readonly number[], shortenAbove = Number.POSITIVE_INFINITY): Expr {
  return new Series(label, terms, shortenAbove);
}

/** `c·e` for a constant c: `e` alone when c is 1, `0` when c is 0 (`N`, `2·N`, `0`). */
export function scaled(c: number, e: Expr): Expr {
  if (c === 0) return n(0);
  return c === 1 ? e : times(n(c), e);
}
