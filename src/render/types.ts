/**
 * The data the render layer takes and gives: metric names, the number-format policy, tables, formulas,
 * charts, pages and diagnostics boxes. The document pipeline (src/document/) builds these from
 * Profiles and benchmark results; render turns them into HTML (hast), LaTeX and CSV.
 * docs/formatting.md explains the policy behind every field.
 */
import type { Messages } from '../i18n/index.js';
import type { Element } from 'hast';

// ---------------------------------------------------------------------------------------------------
// Metrics

/** Metric names usable in `metrics=` (::table), `name=` (:metric), `x=`/`y=` (::chart). PRODUCT.md "Metrics". */
export const METRIC_NAMES = [
  'params',
  'params_bytes',
  'macs',
  'flops',
  'activations_peak',
  'activations_total',
  'depth',
  'latency',
  'latency_p90',
  'throughput',
  'throughput_wall',
  'achieved_flops',
  'input',
  'macs_per_token',
  'flops_per_token',
  'kv_cache_bytes',
  'arithmetic_intensity',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * How a metric's numbers scale:
 * - `count`: decimal SI prefixes over a plain count (K = 10³, M = 10⁶, G = 10⁹, T = 10¹²);
 * - `bytes`: decimal byte units (KB = 10³ B, MB = 10⁶ B, GB = 10⁹ B);
 * - `time`: milliseconds, or µs / s;
 * - `rate`: per second with SI prefixes (samples/s, K samples/s; FLOP/s, GFLOP/s, TFLOP/s);
 * - `integer`: never scaled, no decimals (depth);
 * - `text`: not a number (input shape);
 * - `ratio`: a quotient in its own unit, never scaled (arithmetic intensity, FLOP/B).
 */
export type MetricKind = 'count' | 'bytes' | 'time' | 'rate' | 'integer' | 'text' | 'ratio';

/**
 * Counted quantities come from static analysis and are exact: shown with fixed decimals.
 * Measured quantities come from benchmarks and carry noise: shown with significant digits.
 */
export type MetricOrigin = 'counted' | 'measured' | 'described';

/** A scale is named by its prefix: '' (none), 'K', 'M', 'G', 'T'; for time 'us' | 'ms' | 's'. */
export type ScalePrefix = '' | 'K' | 'M' | 'G' | 'T' | 'us' | 'ms' | 's';

export interface MetricSpec {
  name: MetricName;
  /** Words of the column header before the unit, e.g. `Params`, `Peak activations`. */
  label: string;
  kind: MetricKind;
  origin: MetricOrigin;
  /** Scale used when the format sets none (`auto` picks from the column's largest value). */
  defaultScale: ScalePrefix | 'auto';
  /** One line for docs and diagnostics. */
  description: string;
}

/** A metric name that is not in METRIC_NAMES; `known` lists the valid names (for the diagnostic). */
export class UnknownMetricError extends Error {
  readonly known: readonly MetricName[];
  constructor(
    readonly metric: string,
    known: readonly MetricName[],
  ) {
    super(`unknown metric "${metric}"; known metrics: ${known.join(', ')}`);
    this.name = 'UnknownMetricError';
    this.known = known;
  }
}

// ---------------------------------------------------------------------------------------------------
// Number format

/** A NumberFormatOptions with every field settled. */
export interface NumberFormat {
  digits: number;
  decimals: number;
  thousands: string;
  /** Decimal mark of the text form (HTML, prose); `plain` always has '.'. Default '.'. */
  decimal: string;
  groupMinDigits: number;
  scale: Partial<Record<MetricName, ScalePrefix | 'auto'>>;
  precision: Partial<Record<MetricName, number>>;
}

/** One number in the forms each output needs. */
export interface FormattedNumber {
  /** The raw value in base units (count, bytes, ms, per second); null when missing. */
  value: number | null;
  /** For HTML and prose: scaled, rounded, digit-grouped, e.g. `11.69`, `1,234`; `—` when missing. */
  text: string;
  /** For CSV, LaTeX macros and siunitx S columns: no grouping, '.' decimal, e.g. `1234`; '' when missing. */
  plain: string;
}

/** A bad `format:` setting: names the field and what is allowed. */
export class FormatOptionsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'FormatOptionsError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Tables

export interface TableColumn {
  /** Stable key (metric name, or metric@group for sweeps). */
  key: string;
  /** Metric shown, when the column is a metric. */
  metric?: MetricName | undefined;
  /** Full header with unit and scale, identical in HTML and LaTeX, e.g. `Params (M)`. */
  header: string;
  /** Numeric columns are right-aligned in HTML and become siunitx S columns in LaTeX. */
  numeric: boolean;
  /**
   * The CSV header when the CSV holds exact, unscaled values (metric columns: `Params`, `FLOPs`,
   * `Latency (ms)`); absent: the CSV repeats `header` and the cells' plain strings.
   */
  csvHeader?: string | undefined;
}

/** Columns under one spanning header; a plain table has a single group with `label` undefined. */
export interface ColumnGroup {
  /** Spanning header, e.g. `200×200` for one input size of a sweep. */
  label?: string | undefined;
  columns: TableColumn[];
}

export interface TableCell {
  /** Raw value in base units (numbers) or the text itself; null when missing. */
  value: number | string | null;
  /** Shown in HTML (`—` when missing). */
  text: string;
  /** For CSV and siunitx (no grouping); '' when missing. */
  plain: string;
  /** Why the cell is empty or marked (shown as a title in HTML), e.g. `benchmark failed: …`. */
  note?: string | undefined;
  /**
   * Set when the value is an unstable measurement: the note the cell's dagger links to (what is
   * unstable and the 95% CI). Such a value is never printed bare (HTML `mp-unstable` + †, LaTeX † + note).
   */
  unstable?: string | undefined;
  /** The ± half-width of the 95% CI in the cell's scale and decimals, shown when the table asks (`ci=true`). */
  ci?: string | undefined;
}

export interface TableRow {
  /** The row's label (first column), e.g. the model label `ResNet-18`. */
  label: string;
  /** One cell per column, in the order of the groups' columns flattened. */
  cells: TableCell[];
}

/** The number of a numbered item as shown: `3`, or `2.1` in a book (chapter 2's first). */
export type ItemNumber = number | string;

export interface TableData {
  /** Cross-reference id without `#`, e.g. `tbl-cnn` (→ `id="tbl-cnn"`, `\label{tbl:cnn}`). */
  id?: string | undefined;
  /** Number given by the document's cross-reference pass (Table 1, 2, …; 2.1 in a book). */
  number?: ItemNumber | undefined;
  caption?: string | undefined;
  /** Header of the label column. Default `Model`. */
  stubHeader: string;
  groups: ColumnGroup[];
  rows: TableRow[];
  /** Footnotes in order: the counting convention, the hardware and method line, notes. */
  footnotes: string[];
}

/** Measured values of one model for a table row (built by the document layer from Profile + bench). */
export interface MetricValues {
  /** Values in base units; a metric absent or null shows as missing. `input` is text. */
  values: Partial<Record<MetricName, number | string | null>>;
  /** Why a value is missing, per metric (e.g. `benchmark failed: out of memory`). */
  notes?: Partial<Record<MetricName, string>> | undefined;
  /** Uncertainty of measured values, per metric. */
  marks?: Partial<Record<MetricName, ValueMark>> | undefined;
}

/** How sure a measured value is. */
export interface ValueMark {
  /** Still unstable after the protocol's extra effort. */
  unstable: boolean;
  /** Why, in words (e.g. `IQR/median 35% > 10% after 2 extra processes`). */
  reason?: string | undefined;
  /** 95% CI of the value, base units; null when the metric has none (e.g. p90). */
  ci95: [number, number] | null;
}

/** What `buildMetricTable` needs: rows of models, each with values per sweep point. */
export interface MetricTableSpec {
  id?: string | undefined;
  number?: ItemNumber | undefined;
  caption?: string | undefined;
  metrics: MetricName[];
  /**
   * Column groups: one per sweep point (e.g. `['200×200', '224×224', '256×256']`), or a single
   * unlabelled group `[undefined]` for a plain table.
   */
  groups: (string | undefined)[];
  rows: {
    label: string;
    /** Index-aligned with `groups`. */
    points: MetricValues[];
    /**
     * Published values for this row (base units), typed from a paper or a tool's README. A metric with
     * any published value gets a `published` column before and a `Δ (%)` column after its measured one.
     */
    published?: Partial<Record<MetricName, number | null>> | undefined;
  }[];
  /** Published columns that are not metrics (e.g. `Acc@1`), shown as given, after the metrics. */
  extraColumns?: { header: string; cells: (string | null)[]; numeric?: boolean }[] | undefined;
  /** How metric columns pick their scale (format.ts ScalePolicy); breakdowns use `significant`. */
  scalePolicy?: 'shared' | 'significant' | undefined;
  /** `img` when every model takes images (throughput header `img/s`), otherwise `samples`. */
  sampleUnit?: 'img' | 'samples' | undefined;
  /** Metrics shown once per row instead of once per group (e.g. params in a sweep): taken from the first point. */
  sharedMetrics?: MetricName[] | undefined;
  format: NumberFormat;
  footnotes?: string[] | undefined;
  stubHeader?: string | undefined;
  /** Show ± the CI half-width beside measured values that have one (`ci=true`). */
  showCi?: boolean | undefined;
  /** The document's words (headers, notes); English when absent. */
  messages?: Messages | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Formulas

/** LaTeX of one formula section. */
export interface FormulaLatex {
  /** Template file used, or `generic` when the built-in fallback built it. */
  source: string;
  /** The symbolic formula in LaTeX, e.g. `(2 \cdot C_{\mathrm{in}} \cdot K_h \cdot K_w - 1) \cdot …`. */
  symbolic: string;
  /** The numbers substituted, e.g. `(2 \times 3 \times 3^2 - 1) \times 4 \times 6^2`. */
  substituted: string;
  /** The result as written in LaTeX, e.g. `7632`. */
  result: string;
  /** `substituted = result`, the seed's worked-example line. */
  equation: string;
  /** The whole display block the template produced (for `$$…$$` / rehype-katex / LaTeX). */
  display: string;
}

/** Bad LaTeX found by KaTeX: the message and the character offset in the LaTeX source, when known. */
export interface LatexErrorInfo {
  message: string;
  /** 0-based offset into the LaTeX source. */
  position?: number | undefined;
  latex: string;
}

export type MathRenderResult = { ok: true; html: string } | { ok: false; error: LatexErrorInfo };

/** A template that failed to compile or render (names the file). */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Charts

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  /** Points of one series are joined by a line and the series is labelled once, at its last point. */
  series?: string | undefined;
  /** 95% CI of x / y (base units), drawn as error bars when the chart asks for them. */
  xCi?: [number, number] | null | undefined;
  yCi?: [number, number] | null | undefined;
  /** A group (a convention, a machine): points of a group share a colour and a mark, named in a legend. */
  group?: string | undefined;
}

export interface ScatterChartSpec {
  kind: 'scatter';
  x: MetricName;
  y: MetricName;
  points: ScatterPoint[];
  logX?: boolean | undefined;
  logY?: boolean | undefined;
  title?: string | undefined;
  format: NumberFormat;
  sampleUnit?: 'img' | 'samples' | undefined;
  /** The x axis shows a size variable, not a metric: this title, values unscaled (e.g. `n (tokens)`). */
  xTitle?: string | undefined;
  /** Words put before the y metric's header (`Attention` → `Attention MACs (G)`). */
  yPrefix?: string | undefined;
  /** Draw each point's 95% CI (xCi, yCi) as error bars. */
  errorBars?: boolean | undefined;
  /** What the points' groups are, for the legend's title (`machine`, `convention`). */
  groupTitle?: string | undefined;
  /** The document's words (axis titles); English when absent. */
  messages?: Messages | undefined;
}

export interface BarItem {
  label: string;
  /** The bar's value (e.g. FLOPs of the op type). */
  value: number;
}

export interface BarChartSpec {
  kind: 'bar';
  /** Bars are drawn as the share of each value in the sum of all values. */
  bars: BarItem[];
  /** What the values are, for the axis, e.g. `FLOPs`. */
  valueLabel: string;
  /** The document's words (axis title); English when absent. */
  messages?: Messages | undefined;
  title?: string | undefined;
  /** Draw at most this many bars (largest first); the rest are summed into one `other` bar. */
  maxBars?: number | undefined;
}

export type ChartSpec = ScatterChartSpec | BarChartSpec;

// ---------------------------------------------------------------------------------------------------
// Page and diagnostics

export interface PageData {
  title: string;
  author?: string | undefined;
  date?: string | undefined;
  /** BCP 47 language tag of the document. Default `en`. */
  lang?: string | undefined;
  /** The rendered body (HTML). */
  body: string;
  /** Relative URL of the assets folder from the page. Default `assets`. */
  assetsHref?: string | undefined;
  /** The footer line (the catalogue's `footer.text`). Default: the English one. */
  footer?: string | undefined;
}

/** A diagnostic shown in place of a failed directive. */
export interface ErrorBoxData {
  message: string;
  /** File path as the user knows it. */
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  /** Rule id, e.g. `modelpress:unknown-metric`. */
  ruleId?: string | undefined;
}

export type { Element as HastElement };
