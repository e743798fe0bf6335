/**
 * `::ops{model=a}`: a model's operations by operator type — node count, parameters, MACs and FLOPs
 * of each type, the largest first, with each type's share of the FLOPs — and, with `chart=true`, their share of FLOPs as bars.
 */
import type { VFile } from 'vfile';
import { h } from 'hastscript';
import { decimalsForDigits, fixed, resolveFormat } from '../render/format.js';
import { chartToHast } from '../render/chart.js';
import { buildMetricTable, tableToHast } from '../render/table.js';
import { metricLabel } from '../render/metrics.js';
import type { MetricName } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import { boolean, type DirectiveNode, readAttributes, replaceWith, text, prose, attributeProblems } from './directive.js';
import { phrase } from '../i18n/index.js';
import { showError } from './error-box.js';
import { inputAttribute } from './model.js';
import { blockDirectivePlugin, type DocumentState, type StateOptions, stateMessages } from './state.js';
import { footnotes } from './table.js';
import { provenance, profileOne } from './uses.js';

const opsAttributes = {
  model: text(phrase('attr.model'), true),
  input: inputAttribute,
  caption: prose('the table caption'),
  chart: boolean('also draw the share of FLOPs per op type as bars (default false)'),
};

const METRICS: MetricName[] = ['params', 'macs', 'flops'];

/**
 * Each row's share of the FLOPs in percent: one decimal, or two significant digits below 1% so a
 * small non-zero share never reads `0.0` (0.0043%); an empty model's shares are all `0.0`.
 */
export function flopShares(flops: readonly number[]): string[] {
  const total = flops.reduce((a, b) => a + b, 0);
  return flops.map((f) => {
    const pct = total > 0 ? (f / total) * 100 : 0;
    return fixed(pct, pct > 0 && pct < 1 ? Math.max(1, decimalsForDigits(pct, 2)) : 1);
  });
}

export default function remarkModelpressOps(options: StateOptions = {}) {
  return blockDirectivePlugin('ops', options, render);
}

async function render(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  const { ok, values, problems } = readAttributes(node, file, opsAttributes);
  if (!ok || !values.model) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const one = await profileOne(state, file, node, values.model, values.input);
  if (!one) return;
  const { model, point, profile } = one;
  const msg = stateMessages(state);
  const notes = footnotes(profile.convention, [], METRICS, msg);
  for (const u of profile.uncounted)
    notes.push(msg.t('note.notCounted', { count: u.nodes, op: u.opType, nodeWord: msg.t(u.nodes === 1 ? 'note.node' : 'note.nodes'), reason: u.reason }));
  const table = buildMetricTable({
    caption: values.caption ?? msg.t('ops.caption', { model: model.label }),
    metrics: METRICS,
    groups: [undefined],
    stubHeader: msg.t('table.operator'),
    messages: msg,
    rows: profile.byOpType.map((t) => ({ label: `${t.opType} (${t.nodes})`, points: [{ values: { params: t.params, macs: t.macs, flops: t.flops } }] })),
    extraColumns: [{ header: 'FLOPs (%)', numeric: true, cells: flopShares(profile.byOpType.map((t) => t.flops)) }],
    format: resolveFormat(state.settings.format),
    scalePolicy: 'significant',
    footnotes: notes,
  });
  const el = tableToHast(table, msg);
  el.properties = { ...el.properties, className: ['mp-table', 'mp-ops'] };
  if (values.chart) {
    const bars = chartToHast({
      kind: 'bar',
      bars: profile.byOpType.filter((t) => t.flops > 0).map((t) => ({ label: t.opType, value: t.flops })),
      valueLabel: metricLabel('flops', msg),
      messages: msg,
    });
    replaceWith(node, h('div', { className: ['mp-ops-block'] }, [el, h('figure', { className: ['mp-chart'] }, [bars])]));
  } else {
    replaceWith(node, el);
  }
  const collected = { table, models: [model.id], metrics: METRICS, provenance: [provenance(state, model, point, profile)] };
  state.data.tables.push(collected);
  setOutput(node, { kind: 'tables', tables: [collected], chartNote: values.chart === true });
}
