/**
 * The render layer: numbers, tables, formulas, charts and the HTML page. Everything the document
 * pipeline needs is exported from here; docs/formatting.md explains the number-format policy.
 *
 * Typical use by a directive:
 *   const fmt = resolveFormat(config.format, frontMatter.format);      // once per document
 *   metricSpec(name)                                                   // throws UnknownMetricError
 *   const v = metricValue('params', { profile, bench });               // base units
 *   formatInline('params', v, fmt)                                     // :metric → `11.69 M`
 *   const t = buildMetricTable({ metrics, groups, rows, format: fmt, id, number, caption, footnotes });
 *   tableToHast(t) / tableToLatex(t) / tableToCsv(t)
 *   renderFormula(cost.formula, cost.flops, { templateDirs })         // LaTeX; then renderMath(...)
 *   chartToHast({ kind: 'scatter', x, y, points, format: fmt })
 *   errorBoxHast({ message, file, line, column, ruleId })
 *   renderPage({ title, author, body }, { templateDirs })             // the whole HTML page
 */
export * from './types.js';
export {
  METRICS,
  SCALES_BY_KIND,
  describeInputs,
  isImageInput,
  isMetricName,
  metricHeader,
  metricSpec,
  metricValue,
  parseMetricList,
  scaleFactor,
  unitText,
  inlineUnit,
} from './metrics.js';
export type { MetricSource, SampleUnit } from './metrics.js';
export {
  DEFAULT_FORMAT,
  MISSING,
  columnScale,
  formatColumn,
  formatInline,
  formatInteger,
  formatMetric,
  numberFormatSchema,
  parseFormatOptions,
  resolveFormat,
} from './format.js';
export type { FormattedColumn, InlineMetric } from './format.js';
export { buildMetricTable, siunitxFormat, tableNumberLabel, tableToCsv, tableToHast, tableToLatex } from './table.js';
export { macroDefinitions, macroName } from './latex.js';
export { escapeLatexText, latexLabel } from './latex-escape.js';
export { formulaToLatex, standaloneLatex } from './latex-document.js';
export type { StandaloneLatexData } from './latex-document.js';
export { latexNumber, renderFormula, renderMath, resolveFormulaTemplate, splitWhereRow } from './formula.js';
export type { FormulaOptions } from './formula.js';
export { plainMathToLatex } from './math-text.js';
export { ChartError, barChart, chartToHast, chartToSvg, scatterChart } from './chart.js';
export { errorBoxHast, errorBoxLatex, placeText, renderPage } from './page.js';
export type { PageOptions } from './page.js';
export { hastToHtml, svgToXml } from './html.js';
export { BUILTIN_TEMPLATES_DIR, findTemplate } from './templates.js';
