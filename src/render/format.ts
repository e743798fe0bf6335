/**
 * The one number-format policy (docs/formatting.md):
 * - a column has one scale for all its rows, stated in the header (`Params (M)`);
 * - counted quantities (params, MACs, FLOPs, bytes) are exact: fixed decimals after scaling (default 2,
 *   as ptflops prints `11.69`);
 * - measured quantities (latency, throughput, achieved FLOP/s) carry noise: significant digits (default
 *   3), never fewer than the integer digits (1234.5 img/s → `1235`);
 * - integers (depth) have no decimals; numbers of 5 or more integer digits are grouped (`12,345`), the
 *   siunitx rule, so HTML and LaTeX agree;
 * - `plain` strings (CSV, LaTeX macros, siunitx) have no grouping and a '.' decimal point.
 */
import { z } from 'zod';
import { ENGLISH, LANG_PATTERN, type Messages } from '../i18n/index.js';
import { METRICS, SCALES_BY_KIND, inlineUnit, metricHeader, scaleFactor } from './metrics.js';
import type { SampleUnit } from './metrics.js';
import { FormatOptionsError, METRIC_NAMES } from './types.js';
import type { FormattedNumber, MetricName, NumberFormat, ScalePrefix } from './types.js';

export const DEFAULT_FORMAT: Readonly<NumberFormat> = Object.freeze({
  digits: 3,
  decimals: 2,
  thousands: ',',
  decimal: '.',
  groupMinDigits: 5,
  scale: {},
  precision: {},
});

/** Shown for a missing value in HTML. */
export const MISSING = '—';

const scaleValue = z.enum(['', 'K', 'M', 'G', 'T', 'us', 'ms', 's', 'auto']);
const metricKey = z.enum(METRIC_NAMES);

/**
 * Schema of `format:` in front matter and `modelpress.config.json` (unknown keys are errors): the
 * number-format policy, every field optional; later layers (config < front matter < directive)
 * override earlier ones. `NumberFormatOptions` is its type.
 */
export const numberFormatSchema = z
  .object({
    /** Significant digits of measured quantities (latency, throughput, achieved FLOP/s). Default 3. */
    digits: z.number().int().min(1).max(15).optional(),
    /** Decimals of counted quantities after scaling (params, MACs, FLOPs, bytes). Default 2. */
    decimals: z.number().int().min(0).max(10).optional(),
    /** Digit-group separator in HTML/CSV text ('' to disable). Default ','. LaTeX uses `{,}`. */
    thousands: z.string().max(3).optional(),
    /** Numbers with fewer integer digits than this are not grouped (siunitx's rule). Default 5. */
    groupMinDigits: z.number().int().min(1).max(20).optional(),
    /**
     * BCP 47 locale whose digit-group separator and decimal mark the text form uses (`de`: 12.345,6).
     * Unset (the default), numbers are locale-neutral whatever the document's `lang:`.
     */
    locale: z
      .string()
      .regex(LANG_PATTERN, 'is not a BCP 47 locale (e.g. de, fr-FR)')
      .refine((l) => supportedLocale(l), 'is not a locale this Node.js can format numbers for')
      .optional(),
    /** Scale per metric, e.g. `{ params: 'M', macs: 'G', latency: 'ms' }`; 'auto' picks per column. */
    scale: z.record(metricKey, scaleValue).optional(),
    /** Per-metric override of `decimals` (counted) or `digits` (measured). */
    precision: z.record(metricKey, z.number().int().min(0).max(15)).optional(),
  })
  .strict();

/** The number-format policy as written under `format:` (numberFormatSchema's type: declared once). */
export type NumberFormatOptions = z.output<typeof numberFormatSchema>;

/**
 * Validate a raw `format:` value (from YAML/JSON). Throws FormatOptionsError naming the field, e.g.
 * `format.scale.params: "X" is not a scale of params (use one of '', K, M, G, T, auto)`.
 */
export function parseFormatOptions(raw: unknown): NumberFormatOptions {
  const parsed = numberFormatSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['format', ...issue.path.map(String)].join('.');
    throw new FormatOptionsError(`${field}: ${issue.message}`, field);
  }
  const opts = parsed.data;
  for (const [metric, scale] of Object.entries(opts.scale ?? {})) {
    const allowed = SCALES_BY_KIND[METRICS[metric as MetricName].kind];
    if (scale !== 'auto' && !allowed.includes(scale as ScalePrefix)) {
      const field = `format.scale.${metric}`;
      const list = [...allowed.map((s) => (s === '' ? "''" : s)), 'auto'].join(', ');
      throw new FormatOptionsError(`${field}: "${scale}" is not a scale of ${metric} (use one of ${list})`, field);
    }
  }
  return opts;
}

/** Merge layers, later winning: `resolveFormat(config.format, frontMatter.format, directiveFormat)`. */
export function resolveFormat(...layers: (NumberFormatOptions | undefined)[]): NumberFormat {
  const out: NumberFormat = { ...DEFAULT_FORMAT, scale: {}, precision: {} };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.digits !== undefined) out.digits = layer.digits;
    if (layer.decimals !== undefined) out.decimals = layer.decimals;
    if (layer.locale !== undefined) Object.assign(out, localeMarks(layer.locale));
    if (layer.thousands !== undefined) out.thousands = layer.thousands;
    if (layer.groupMinDigits !== undefined) out.groupMinDigits = layer.groupMinDigits;
    Object.assign(out.scale, layer.scale ?? {});
    Object.assign(out.precision, layer.precision ?? {});
  }
  return out;
}

/**
 * The scale of a column: the format's choice, else the metric's default; `auto` picks the largest
 * prefix that keeps the column's largest magnitude ≥ 1 (so 11 689 512 params → M, 950 → '').
 */
export function columnScale(metric: MetricName, values: readonly (number | null)[], fmt: NumberFormat): ScalePrefix {
  const spec = METRICS[metric];
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).map(Math.abs);
  const max = finite.length ? Math.max(...finite) : 0;
  const given = fmt.scale[metric];
  let chosen = given ?? spec.defaultScale;
  // A default scale that would print the whole column as zeros (a 15-parameter model in "M") gives
  // way to `auto`; a scale the author chose is kept as chosen.
  if (given === undefined && chosen !== 'auto' && max > 0 && spec.kind !== 'time' && max / scaleFactor(chosen) < 0.005) chosen = 'auto';
  if (chosen !== 'auto') return chosen;
  const candidates = SCALES_BY_KIND[spec.kind];
  if (spec.kind === 'time') return max >= 1e4 ? 's' : max > 0 && max < 1 ? 'us' : 'ms';
  let best: ScalePrefix = candidates[0]!;
  for (const s of candidates) if (max >= scaleFactor(s)) best = s;
  return best;
}

/**
 * How a column picks its scale. `shared` (comparison tables): one scale from the column's largest
 * value, so models compare at a glance. `significant` (breakdowns: ::layers, ::ops, whose rows span
 * several orders of magnitude): the largest prefix at which every non-zero value is still ≥ 1, so no
 * non-zero row prints `0.00` (a 2,512-parameter stage beside an 11.69 M model: `K`, 2.51 and 11,689.51).
 */
export type ScalePolicy = 'shared' | 'significant';

/** The `significant` scale of a column (a scale the author set in `format.scale` is kept). */
export function significantScale(metric: MetricName, values: readonly (number | null)[], fmt: NumberFormat): ScalePrefix {
  const spec = METRICS[metric];
  if (fmt.scale[metric] !== undefined || (spec.kind !== 'count' && spec.kind !== 'bytes' && spec.kind !== 'rate')) return columnScale(metric, values, fmt);
  const nonZero = values.filter((v): v is number => v !== null && Number.isFinite(v) && v !== 0).map(Math.abs);
  if (nonZero.length === 0) return columnScale(metric, values, fmt);
  const min = Math.min(...nonZero);
  let best: ScalePrefix = '';
  for (const s of SCALES_BY_KIND[spec.kind]) if (min >= scaleFactor(s)) best = s;
  return best;
}

/** Round half away from zero at `decimals`, in decimal (1.005 → 1.01, which toFixed gets wrong). */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const sign = value < 0 ? -1 : 1;
  // Shift the decimal point in the shortest exact decimal form (exponent notation keeps tiny and
  // huge values exact too: 1.2e-8 must not become the string '1.2e-8e2').
  const [mant, exp] = Math.abs(value).toExponential().split('e') as [string, string];
  const rounded = Math.round(Number(`${mant}e${Number(exp) + decimals}`));
  const [m2, e2] = rounded.toExponential().split('e') as [string, string];
  return sign * Number(`${m2}e${Number(e2) - decimals}`);
}

/** `value` with exactly `decimals` decimals, no grouping ('.' point): the `plain` form. */
export function fixed(value: number, decimals: number): string {
  const r = roundTo(value, decimals);
  // Large magnitudes: Number→string may use exponents; toFixed never does below 1e21.
  const s = r.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : s;
}

/** Decimals that give `digits` significant digits for this value, never negative. */
export function decimalsForDigits(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return Math.max(0, digits - 1);
  const intDigits = Math.floor(Math.log10(Math.abs(value))) + 1;
  let d = Math.max(0, digits - intDigits);
  // Rounding may carry into a new digit (9.996 → 10.0 with 3 digits: one decimal, not two).
  const rounded = Math.abs(roundTo(value, d));
  if (rounded !== 0 && Math.floor(Math.log10(rounded)) + 1 > intDigits && d > 0) d -= 1;
  return d;
}

/** True when Intl can format numbers for the locale (a malformed tag is not). */
function supportedLocale(locale: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

/** A locale's digit-group separator and decimal mark, as Intl writes 12345.6 (`de` → '.', ','). */
export function localeMarks(locale: string): { thousands: string; decimal: string } {
  const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(12345.6);
  return { thousands: parts.find((p) => p.type === 'group')?.value ?? ',', decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.' };
}

/** Group the integer part of a plain number: `1234567.5` → `1,234,567.5` (when ≥ groupMinDigits); `decimal` replaces the '.'. */
export function groupDigits(plain: string, separator: string, minDigits: number, decimal = '.'): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(plain);
  if (!m) return plain;
  const [, sign, int, frac = ''] = m;
  const fraction = decimal === '.' ? frac : frac.replace('.', decimal);
  if (separator === '' || int!.length < minDigits) return `${sign}${int}${fraction}`;
  return `${sign}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, separator)}${fraction}`;
}

/** Decimals this metric gets for this (already scaled) value under the format. */
export function decimalsFor(metric: MetricName, scaled: number, fmt: NumberFormat, scale?: ScalePrefix): number {
  const spec = METRICS[metric];
  const override = fmt.precision[metric];
  switch (spec.origin) {
    case 'measured':
      return decimalsForDigits(scaled, override ?? fmt.digits);
    case 'counted':
      // An unscaled count (a plain integer: depth, or 15 parameters) has no fraction to show.
      if (spec.kind === 'integer' || (scale === '' && spec.kind !== 'ratio')) return override ?? 0;
      return override ?? fmt.decimals;
    case 'described':
      return 0;
  }
}

/** One value of a metric at a given scale. Text values (`input`) pass through. */
export function formatMetric(metric: MetricName, value: number | string | null | undefined, scale: ScalePrefix, fmt: NumberFormat): FormattedNumber {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
    return { value: null, text: MISSING, plain: '' };
  }
  if (typeof value === 'string') return { value: null, text: value, plain: value };
  const scaled = value / scaleFactor(scale);
  const plain = fixed(scaled, decimalsFor(metric, scaled, fmt, scale));
  return { value, text: groupDigits(plain, fmt.thousands, fmt.groupMinDigits, fmt.decimal), plain };
}

export interface FormattedColumn {
  metric: MetricName;
  scale: ScalePrefix;
  header: string;
  cells: FormattedNumber[];
}

/** A whole column: one scale for all rows (chosen by `policy`), the header that states it, and each cell. */
export function formatColumn(
  metric: MetricName,
  values: readonly (number | string | null | undefined)[],
  fmt: NumberFormat,
  sampleUnit: SampleUnit = 'samples',
  messages: Messages = ENGLISH,
  policy: ScalePolicy = 'shared',
): FormattedColumn {
  const numbers = values.map((v) => (typeof v === 'number' ? v : null));
  const scale = policy === 'significant' ? significantScale(metric, numbers, fmt) : columnScale(metric, numbers, fmt);
  return {
    metric,
    scale,
    header: metricHeader(metric, scale, sampleUnit, messages),
    cells: values.map((v) => formatMetric(metric, v, scale, fmt)),
  };
}

export interface InlineMetric extends FormattedNumber {
  scale: ScalePrefix;
  /** Unit after the number (metrics.ts inlineUnit), e.g. `M parameters`, `GFLOPs`, `ms`, `img/s`; '' for depth and input. */
  unit: string;
  /** Number and unit for prose, e.g. `11.69 M parameters`, `12.3 ms` (a no-break space between them). */
  withUnit: string;
}

/** A single value for prose (`:metric`): the column rules applied to a one-row column. */
export function formatInline(
  metric: MetricName,
  value: number | string | null | undefined,
  fmt: NumberFormat,
  sampleUnit: SampleUnit = 'samples',
  messages: Messages = ENGLISH,
): InlineMetric {
  const col = formatColumn(metric, [value], fmt, sampleUnit, messages);
  const cell = col.cells[0]!;
  const unit = inlineUnit(metric, col.scale, sampleUnit, messages);
  const withUnit = unit === '' || cell.value === null ? cell.text : `${cell.text}\u00a0${unit}`;
  return { ...cell, scale: col.scale, unit, withUnit };
}

/**
 * A plain integer for formula results and substituted numbers: grouped by the format's rule
 * (`7632` stays; `1814083584` → `1,814,083,584`, which LaTeX math writes as `1{,}814{,}083{,}584`).
 */
export function formatInteger(value: number, fmt: NumberFormat = DEFAULT_FORMAT): string {
  const plain = Number.isInteger(value) ? BigInt(value).toString() : String(value);
  return groupDigits(plain, fmt.thousands, fmt.groupMinDigits);
}

/**
 * A value in base units, unscaled and unrounded, for CSV: integers in full (`11689512`, never
 * `1.1689512e7`), other numbers in JavaScript's shortest round-trip form without an exponent.
 */
export function exactNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (Number.isInteger(value)) return BigInt(value).toString();
  const s = String(value);
  if (!/e/i.test(s)) return s;
  // 1.5e-7 → 0.00000015: as many decimals as the exponent and mantissa need.
  const [mant, exp] = s.split('e') as [string, string];
  const decimals = Math.max(0, -Number(exp) + (mant.split('.')[1]?.length ?? 0));
  return value.toFixed(Math.min(100, decimals));
}
