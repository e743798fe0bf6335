/**
 * `::chart{kind=scatter x=macs y=throughput models="a b c" #fig-x caption="…"}`: one point per model
 * (per model and input size for a sweep), drawn as SVG by render. `::chart{kind=bar model=a y=flops}`:
 * the share of FLOPs (or MACs, params) per operator type. Charts are numbered as figures.
 */
import { h } from 'hastscript';
import type { VFile } from 'vfile';
import { resolveFormat } from '../render/format.js';
import { ChartError, chartToHast, chartToSvg } from '../render/chart.js';
import { isImageInput, metricLabel } from '../render/metrics.js';
import type { ChartSpec, MetricName, ScatterPoint } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import { boolean, type DirectiveNode, oneOf, readAttributes, replaceWith, report, text, wordList, prose, attributeProblems, allOf } from './directive.js';
import { showError } from './error-box.js';
import { phrase, type Said, saidOf } from '../i18n/index.js';
import { metricNameAttribute } from './metric.js';
import { blockDirectivePlugin, type DocumentState, type StateOptions, stateMessages } from './state.js';
import { measureModels } from './table.js';
import { failureText, metricValues, profileAt, resolveModel } from './uses.js';
import { numberOf } from './xref.js';

const chartAttributes = {
  id: text('cross-reference id, written #fig-name'),
  kind: oneOf(phrase('attr.chart.kind'), ['scatter', 'bar'] as const, true),
  x: metricNameAttribute(false),
  y: metricNameAttribute(false),
  models: wordList('model ids separated by spaces (scatter)'),
  model: text('the model id (bar)'),
  caption: prose('the figure caption'),
  logx: boolean('logarithmic x axis'),
  logy: boolean('logarithmic y axis'),
  ci: boolean('draw the 95% confidence interval of measured values as error bars (scatter)'),
  group: oneOf('colour and mark the points by their counting convention or the machine that measured them (scatter; with machines=, by machine)', [
    'convention',
    'machine',
  ] as const),
  machines: wordList('machine names separated by spaces (scatter): a point per model and machine, coloured by machine, from the results store'),
};

const BAR_METRICS: MetricName[] = ['flops', 'macs', 'params'];

export default function remarkModelpressCharts(options: StateOptions = {}) {
  return blockDirectivePlugin('chart', options, render);
}

async function render(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  const { ok, values, problems } = readAttributes(node, file, chartAttributes);
  if (!ok || !values.kind) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const format = resolveFormat(state.settings.format);
  let spec: ChartSpec;
  let models: string[];
  if (values.kind === 'scatter') {
    const missing = (['x', 'y', 'models'] as const).filter((a) => values[a] === undefined);
    if (missing.length > 0 || values.model !== undefined) {
      const reason =
        missing.length > 0 ? phrase('diag.chart.scatterNeeds', { attributes: missing.map((a) => `${a}=…`).join(' ') }) : phrase('diag.chart.scatterModels');
      report(file, node, phrase('diag.chart.scatterExample', { reason }), 'missing-attribute', values.model !== undefined ? 'model' : undefined);
      return showError(node, file, reason, 'missing-attribute');
    }
    const metrics = [values.x!, values.y!];
    const machines = values.machines ? [...new Set(values.machines)] : undefined;
    const { measured, ok: known, problems: unknown } = await measureModels(state, file, node, values.models!, metrics, state.settings.convention, machines);
    if (!known) return showError(node, file, allOf(unknown), 'unknown-model');
    const points: ScatterPoint[] = [];
    for (const rows of measured) {
      for (const m of rows) {
        const mv = metricValues(metrics, m.profile, m.bench, m.failures, stateMessages(state));
        const x = mv.values[values.x!];
        const y = mv.values[values.y!];
        if (typeof x !== 'number' || typeof y !== 'number') continue;
        // A point per machine (machines=) is grouped by its machine; group=machine names the machine
        // that measured each point otherwise (its CPU and provider).
        const group =
          values.group === 'convention'
            ? m.profile?.convention
            : m.machine !== undefined
              ? m.machine
              : values.group === 'machine'
                ? m.bench
                  ? `${m.bench.environment.cpuModel} (${m.bench.result.config.provider.toUpperCase()})`
                  : stateMessages(state).t('table.notMeasured')
                : undefined;
        const sweeps = new Set(rows.map((r) => r.point)).size > 1;
        points.push({
          label: sweeps ? `${m.model.label} @ ${m.label}` : m.model.label,
          x,
          y,
          ...(values.ci ? { xCi: mv.marks?.[values.x!]?.ci95 ?? null, yCi: mv.marks?.[values.y!]?.ci95 ?? null } : {}),
          ...(group !== undefined ? { group } : {}),
        });
      }
    }
    if (points.length === 0) return showError(node, file, phrase('diag.chart.nothing'), 'analysis');
    models = measured.map((r) => r[0]!.model.id);
    const all = measured.flat();
    spec = {
      kind: 'scatter',
      x: values.x!,
      y: values.y!,
      points,
      logX: values.logx,
      logY: values.logy,
      errorBars: values.ci,
      groupTitle: values.group ? stateMessages(state).t(`chart.group.${values.group}`) : machines ? stateMessages(state).t('chart.group.machine') : undefined,
      title: values.caption,
      format,
      sampleUnit: all.every((m) => m.profile && isImageInput(m.profile.inputs)) ? 'img' : 'samples',
    };
  } else {
    if (values.model === undefined) {
      report(file, node, phrase('diag.chart.barNeeds'), 'missing-attribute');
      return showError(node, file, phrase('diag.chart.barNeedsShort'), 'missing-attribute');
    }
    const y = values.y ?? 'flops';
    if (!BAR_METRICS.includes(y)) {
      report(file, node, phrase('diag.chart.barMetric', { metrics: BAR_METRICS.join(', '), y }), 'bad-attribute', 'y');
      return showError(node, file, phrase('diag.chart.barImpossible', { y }), 'bad-attribute');
    }
    const unknown: Said[] = [];
    const model = resolveModel(state, file, node, values.model, 'model', unknown);
    if (!model) return showError(node, file, allOf(unknown), 'unknown-model');
    const p = await profileAt(state, file, model, model.points[0]!);
    if (!p.profile) return showError(node, file, failureText(model, p.failure!), p.failure!.ruleId);
    const label = metricLabel(y as 'flops' | 'macs' | 'params', stateMessages(state));
    spec = {
      kind: 'bar',
      bars: p.profile.byOpType.map((t) => ({ label: t.opType, value: t[y as 'flops' | 'macs' | 'params'] })).filter((b) => b.value > 0),
      valueLabel: label,
      messages: stateMessages(state),
      title: values.caption,
    };
    models = [model.id];
  }
  placeChart(node, file, state, spec, { id: values.id, caption: values.caption, kind: values.kind, models });
}

/**
 * Draw `spec` in the directive's place as a numbered figure and collect it for the other outputs (the
 * LaTeX figure, data.json); a spec that cannot be drawn becomes a positioned diagnostic and an error box.
 * Shared by `::chart` and `::complexity{show=chart}`.
 */
export function placeChart(
  node: DirectiveNode,
  file: VFile,
  state: DocumentState,
  spec: ChartSpec,
  figure: { id?: string; caption?: string; kind: string; models: string[] },
): void {
  let svg;
  const msg = stateMessages(state);
  if (spec.messages === undefined) spec = { ...spec, messages: msg };
  try {
    svg = chartToHast(spec);
  } catch (err) {
    if (!(err instanceof ChartError)) throw err;
    report(file, node, phrase('diag.chart.cannotDraw', { reason: saidOf(err) }), 'bad-attribute');
    return showError(node, file, saidOf(err), 'bad-attribute');
  }
  const number = numberOf(node);
  const caption = [
    ...(number !== undefined ? [h('span', { className: ['mp-caption-number'] }, msg.t('caption.figure', { n: number })), ' '] : []),
    ...(figure.caption ? [figure.caption] : []),
  ];
  replaceWith(node, h('figure', { className: ['mp-chart'], id: figure.id }, [svg, ...(caption.length ? [h('figcaption', caption)] : [])]));
  const collected = { id: figure.id, number, kind: figure.kind, svg: chartToSvg(spec), models: figure.models };
  state.data.charts.push(collected);
  setOutput(node, { kind: 'chart', chart: collected, caption: figure.caption });
}
