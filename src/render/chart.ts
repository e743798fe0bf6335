/**
 * Charts drawn as SVG by hand (no browser, no charting library): a scatter of two metrics with one
 * labelled point per model, and horizontal share bars (per-op breakdowns). Output is deterministic
 * (coordinates rounded to 0.01) and scales through its viewBox in HTML and PDF alike.
 */
import { s } from 'hastscript';
import type { Element, ElementContent } from 'hast';
import { columnScale, fixed } from './format.js';
import { ENGLISH, phrase, type Said, SaidError } from '../i18n/index.js';
import { metricHeader, scaleFactor } from './metrics.js';
import { svgToXml } from './html.js';
import type { BarChartSpec, ChartSpec, ScatterChartSpec, ScatterPoint } from './types.js';
import { type Box, labelWidth, placeLabels } from './chart-labels.js';

/** A chart that cannot be drawn (e.g. a zero or negative value on a log axis). */
export class ChartError extends SaidError {
  constructor(message: Said) {
    super(message);
    this.name = 'ChartError';
  }
}

/** Scatter geometry, in viewBox units. */
export const SCATTER = { width: 640, height: 400, left: 80, right: 30, top: 30, bottom: 60 } as const;
/** Bar geometry, in viewBox units. */
const BARS = { width: 640, labelWidth: 150, barGap: 6, barHeight: 18, top: 30, bottom: 40, right: 70 } as const;

const r2 = (v: number) => Number(v.toFixed(2));

/** 1, 2 or 5 × 10^k: the tick step for about `count` intervals over `span`. */
export function niceStep(span: number, count = 5): number {
  if (span <= 0 || !Number.isFinite(span)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return step * p;
}

export interface Axis {
  min: number;
  max: number;
  ticks: number[];
  log: boolean;
}

/**
 * A linear axis starts at 0 when all values are ≥ 0 (so distances compare honestly) and ends at the
 * first tick at or above the largest value; a log axis spans whole decades around the values.
 */
export function makeAxis(values: readonly number[], log: boolean, what: string): Axis {
  if (values.length === 0) return { min: 0, max: 1, ticks: [0, 1], log: false };
  if (log) {
    const bad = values.find((v) => !(v > 0));
    if (bad !== undefined) throw new ChartError(phrase('diag.chart.logAxis', { what, value: bad }));
    const lo = Math.floor(Math.log10(Math.min(...values)));
    let hi = Math.ceil(Math.log10(Math.max(...values)));
    if (hi === lo) hi = lo + 1;
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    return { min: 10 ** lo, max: 10 ** hi, ticks, log: true };
  }
  const lo = Math.min(0, ...values);
  const hiValue = Math.max(...values);
  const step = niceStep(hiValue - lo || Math.abs(hiValue) || 1);
  const min = Math.floor(lo / step) * step;
  let max = Math.ceil(hiValue / step) * step;
  if (max === min) max = min + step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(Number((min + i * step).toPrecision(12)));
  return { min, max, ticks, log: false };
}

/** Position of a value along an axis as a fraction 0…1. */
function axisFraction(axis: Axis, v: number): number {
  if (axis.log) return (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  return (v - axis.min) / (axis.max - axis.min);
}

function tickText(v: number, log: boolean): string {
  if (log) {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 4 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e))) : `1e${e}`;
  }
  // Shortest exact text of a tick (ticks are multiples of 1/2/5 × 10^k).
  return String(Number(v.toPrecision(12)));
}

function text(x: number, y: number, value: string, attrs: Record<string, string | number> = {}): Element {
  return s('text', { x: r2(x), y: r2(y), ...attrs }, value);
}

/** Font size of point labels, in viewBox units. */
export const LABEL_FONT_SIZE = 11;

/** Group k's mark at (x, y): circle, square, triangle, diamond, then again (colour tells them apart too). */
function marker(k: number, x: number, y: number, fill: string): Element {
  switch (k % 4) {
    case 0:
      return s('circle', { cx: r2(x), cy: r2(y), r: 4, fill });
    case 1:
      return s('rect', { x: r2(x - 3.5), y: r2(y - 3.5), width: 7, height: 7, fill });
    case 2:
      return s('path', { d: `M${r2(x)},${r2(y - 4.5)}L${r2(x + 4.5)},${r2(y + 3.5)}L${r2(x - 4.5)},${r2(y + 3.5)}Z`, fill });
    default:
      return s('path', { d: `M${r2(x)},${r2(y - 5)}L${r2(x + 5)},${r2(y)}L${r2(x)},${r2(y + 5)}L${r2(x - 5)},${r2(y)}Z`, fill });
  }
}

/** The scatter chart as an `<svg>` element. */
export function scatterChart(spec: ScatterChartSpec): Element {
  const { width, height, left, right, top, bottom } = SCATTER;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sampleUnit = spec.sampleUnit ?? 'samples';
  const xScale =
    spec.xTitle !== undefined
      ? ''
      : columnScale(
          spec.x,
          spec.points.map((p) => p.x),
          spec.format,
        );
  const yScale = columnScale(
    spec.y,
    spec.points.map((p) => p.y),
    spec.format,
  );
  const xs = spec.points.map((p) => p.x / scaleFactor(xScale));
  const ys = spec.points.map((p) => p.y / scaleFactor(yScale));
  // With error bars the axes span the CIs too (a log axis only their positive ends).
  const ciEnds = (ci: 'xCi' | 'yCi', factor: number, log: boolean) =>
    spec.errorBars ? spec.points.flatMap((p) => (p[ci] ?? []).map((v) => v / factor)).filter((v) => !log || v > 0) : [];
  const xAxis = makeAxis([...xs, ...ciEnds('xCi', scaleFactor(xScale), spec.logX ?? false)], spec.logX ?? false, `x (${spec.x})`);
  const yAxis = makeAxis([...ys, ...ciEnds('yCi', scaleFactor(yScale), spec.logY ?? false)], spec.logY ?? false, `y (${spec.y})`);
  const px = (v: number) => left + axisFraction(xAxis, v) * plotW;
  const py = (v: number) => top + plotH - axisFraction(yAxis, v) * plotH;
  const xTitle = spec.xTitle ?? metricHeader(spec.x, xScale, sampleUnit, spec.messages);
  const yTitle = `${spec.yPrefix ? `${spec.yPrefix} ` : ''}${metricHeader(spec.y, yScale, sampleUnit, spec.messages)}`;

  const msg = spec.messages ?? ENGLISH;
  const children: ElementContent[] = [];
  if (spec.title) children.push(s('title', spec.title));
  const seriesNames = [...new Set(spec.points.map((p) => p.series).filter((n): n is string => n !== undefined))];
  const layout = seriesNames.length > 0 ? msg.t('chart.perSeries', { names: seriesNames.join(', ') }) : msg.t('chart.perModel');
  children.push(s('desc', msg.t('chart.scatterDesc', { y: yTitle, x: xTitle, layout })));
  // Grid and ticks
  const grid: ElementContent[] = [];
  for (const t of xAxis.ticks) {
    const x = r2(px(t));
    grid.push(s('line', { x1: x, y1: top, x2: x, y2: top + plotH, className: 'mp-grid', stroke: '#d0d0d0', 'stroke-width': 0.5 }));
    grid.push(text(x, top + plotH + 16, tickText(t, xAxis.log), { 'text-anchor': 'middle', className: 'mp-tick' }));
  }
  for (const t of yAxis.ticks) {
    const y = r2(py(t));
    grid.push(s('line', { x1: left, y1: y, x2: left + plotW, y2: y, className: 'mp-grid', stroke: '#d0d0d0', 'stroke-width': 0.5 }));
    grid.push(text(left - 6, y + 4, tickText(t, yAxis.log), { 'text-anchor': 'end', className: 'mp-tick' }));
  }
  children.push(s('g', { className: 'mp-axes', 'font-size': 11, fill: '#444' }, grid));
  children.push(s('rect', { x: left, y: top, width: plotW, height: plotH, fill: 'none', stroke: '#444', 'stroke-width': 1 }));
  // Axis titles: units and scale exactly as the table headers say them.
  children.push(text(left + plotW / 2, height - 16, xTitle, { 'text-anchor': 'middle', 'font-size': 13, className: 'mp-axis-title' }));
  const yMid = top + plotH / 2;
  children.push(text(18, yMid, yTitle, { 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 18 ${r2(yMid)})`, className: 'mp-axis-title' }));
  // Series: a line through each series' points, in the order given.
  const palette = ['#1f5fa8', '#c0392b', '#27ae60', '#8e44ad', '#d35400', '#16a085'];
  const colourOf = (series: string | undefined) => (series === undefined ? palette[0]! : palette[seriesNames.indexOf(series) % palette.length]!);
  for (const name of seriesNames) {
    const coords = spec.points.flatMap((p, i) => (p.series === name ? [`${r2(px(xs[i]!))},${r2(py(ys[i]!))}`] : []));
    children.push(s('polyline', { className: 'mp-series', points: coords.join(' '), fill: 'none', stroke: colourOf(name), 'stroke-width': 1.5 }));
  }
  // Groups (a convention, a machine): a colour and a mark each, named in a legend above the plot.
  const groupNames = [...new Set(spec.points.map((p) => p.group).filter((g): g is string => g !== undefined))];
  const groupOf = (p: ScatterPoint) => (p.group === undefined ? -1 : groupNames.indexOf(p.group));
  const fillOf = (p: ScatterPoint) => (groupOf(p) >= 0 ? palette[groupOf(p) % palette.length]! : colourOf(p.series));
  // Error bars: the 95% CI of each value that has one, a line with short caps.
  const obstacles: Box[] = [];
  const bars: ElementContent[] = [];
  if (spec.errorBars) {
    spec.points.forEach((p, i) => {
      const cx = px(xs[i]!);
      const cy = py(ys[i]!);
      const fy = scaleFactor(yScale);
      const fx = scaleFactor(xScale);
      if (p.yCi) {
        const [y1, y2] = [py(Math.max(p.yCi[0] / fy, yAxis.min)), py(Math.min(p.yCi[1] / fy, yAxis.max))];
        bars.push(
          s('path', {
            d: `M${r2(cx)},${r2(y1)}V${r2(y2)}M${r2(cx - 3)},${r2(y1)}H${r2(cx + 3)}M${r2(cx - 3)},${r2(y2)}H${r2(cx + 3)}`,
            stroke: fillOf(p),
            'stroke-width': 1,
            fill: 'none',
          }),
        );
        obstacles.push({ x: cx - 3, y: Math.min(y1, y2), width: 6, height: Math.abs(y1 - y2) });
      }
      if (p.xCi) {
        const [x1, x2] = [px(Math.max(p.xCi[0] / fx, xAxis.min)), px(Math.min(p.xCi[1] / fx, xAxis.max))];
        bars.push(
          s('path', {
            d: `M${r2(x1)},${r2(cy)}H${r2(x2)}M${r2(x1)},${r2(cy - 3)}V${r2(cy + 3)}M${r2(x2)},${r2(cy - 3)}V${r2(cy + 3)}`,
            stroke: fillOf(p),
            'stroke-width': 1,
            fill: 'none',
          }),
        );
        obstacles.push({ x: Math.min(x1, x2), y: cy - 3, width: Math.abs(x1 - x2), height: 6 });
      }
    });
    if (bars.length) children.push(s('g', { className: 'mp-error-bars' }, bars));
  }
  if (groupNames.length > 0) {
    const legend: ElementContent[] = [];
    let lx = left;
    const title = spec.groupTitle ? msg.t('chart.groupTitle', { group: spec.groupTitle }) : '';
    if (title) {
      legend.push(text(lx, top - 10, title, { 'font-size': 11, fill: '#444' }));
      lx += labelWidth(title, 11) + 6;
    }
    groupNames.forEach((g, k) => {
      legend.push(marker(k, lx + 4, top - 14, palette[k % palette.length]!), text(lx + 12, top - 10, g, { 'font-size': 11, fill: '#111' }));
      lx += 12 + labelWidth(g, 11) + 14;
    });
    children.push(s('g', { className: 'mp-legend' }, legend));
  }
  const lastOfSeries = new Set(seriesNames.map((name) => spec.points.map((p) => p.series).lastIndexOf(name)));
  const labelText = (p: ScatterPoint, i: number) => (p.series === undefined ? p.label : lastOfSeries.has(i) ? p.series : '');
  // Labels placed so that none covers another label, a point or an error bar (chart-labels.ts).
  const labels = placeLabels(
    spec.points.map((p, i) => ({ x: px(xs[i]!), y: py(ys[i]!), text: labelText(p, i) })),
    { x: left, y: top, width: plotW, height: plotH },
    { fontSize: LABEL_FONT_SIZE, pointRadius: 4, obstacles },
  );
  let next = 0;
  const points = spec.points.map((p, i) => {
    const cx = r2(px(xs[i]!));
    const cy = r2(py(ys[i]!));
    const label = labelText(p, i) === '' ? undefined : labels[next++];
    return s('g', { className: 'mp-point' }, [
      s(
        'title',
        msg.t('chart.pointTitle', {
          label: p.label,
          x: xTitle,
          xValue: fixed(xs[i]!, 2),
          y: yTitle,
          yValue: fixed(ys[i]!, 2),
          group: p.group !== undefined ? msg.t('chart.pointGroup', { group: p.group }) : '',
        }),
      ),
      groupOf(p) >= 0 ? marker(groupOf(p), cx, cy, fillOf(p)) : s('circle', { cx, cy, r: 4, fill: fillOf(p) }),
      ...(label?.leader
        ? [
            s('line', {
              x1: r2(label.leader.x1),
              y1: r2(label.leader.y1),
              x2: r2(label.leader.x2),
              y2: r2(label.leader.y2),
              stroke: '#888',
              'stroke-width': 0.75,
              className: 'mp-leader',
            }),
          ]
        : []),
      ...(label
        ? [
            text(label.x, label.y, label.text, {
              'font-size': LABEL_FONT_SIZE,
              fill: '#111',
              ...(label.anchor === 'start' ? {} : { 'text-anchor': label.anchor }),
            }),
          ]
        : []),
    ]);
  });
  children.push(s('g', { className: 'mp-points' }, points));
  return s(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, className: 'mp-chart mp-scatter', role: 'img', 'font-family': 'sans-serif' },
    children,
  );
}

/** Bars largest first (ties by label, so the order is stable); beyond `maxBars` they merge into `other`. */
function orderBars(spec: BarChartSpec): { label: string; value: number }[] {
  const sorted = [...spec.bars].sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const max = spec.maxBars ?? sorted.length;
  if (sorted.length <= max) return sorted;
  const kept = sorted.slice(0, Math.max(0, max - 1));
  const rest = sorted.slice(kept.length);
  return [...kept, { label: (spec.messages ?? ENGLISH).t('chart.other', { count: rest.length }), value: rest.reduce((a, b) => a + b.value, 0) }];
}

/** Share bars (e.g. FLOPs by op type) as an `<svg>`: one row per bar with its percentage. */
export function barChart(spec: BarChartSpec): Element {
  const { width, labelWidth, barGap, barHeight, top, bottom, right } = BARS;
  const bars = orderBars(spec);
  const total = bars.reduce((a, b) => a + b.value, 0);
  if (bars.some((b) => b.value < 0 || !Number.isFinite(b.value))) throw new ChartError(phrase('diag.chart.negativeBars'));
  const height = top + bars.length * (barHeight + barGap) + bottom;
  const barArea = width - labelWidth - right;
  const children: ElementContent[] = [];
  if (spec.title) children.push(s('title', spec.title));
  const msg = spec.messages ?? ENGLISH;
  children.push(s('desc', msg.t('chart.shareDesc', { value: spec.valueLabel })));
  bars.forEach((b, i) => {
    const share = total > 0 ? b.value / total : 0;
    const y = top + i * (barHeight + barGap);
    const w = r2(share * barArea);
    children.push(
      s('g', { className: 'mp-bar' }, [
        s('title', msg.t('chart.barTitle', { label: b.label, share: fixed(share * 100, 1), value: spec.valueLabel })),
        text(labelWidth - 8, y + barHeight - 5, b.label, { 'text-anchor': 'end', 'font-size': 12 }),
        s('rect', { x: labelWidth, y: r2(y), width: w, height: barHeight, fill: '#1f5fa8' }),
        text(labelWidth + w + 6, y + barHeight - 5, `${fixed(share * 100, 1)}%`, { 'font-size': 12 }),
      ]),
    );
  });
  children.push(
    text(labelWidth + barArea / 2, height - 12, msg.t('chart.share', { value: spec.valueLabel }), {
      'text-anchor': 'middle',
      'font-size': 13,
      className: 'mp-axis-title',
    }),
  );
  return s(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, className: 'mp-chart mp-bars', role: 'img', 'font-family': 'sans-serif' },
    children,
  );
}

/** Any chart as an `<svg>` element. */
export function chartToHast(spec: ChartSpec): Element {
  return spec.kind === 'scatter' ? scatterChart(spec) : barChart(spec);
}

/** A standalone `.svg` file's text. */
export function chartToSvg(spec: ChartSpec): string {
  return `${svgToXml(chartToHast(spec))}\n`;
}
