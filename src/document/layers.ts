/**
 * `::layers{model=a depth=2 top=15}`: where a model's parameters and operations are, by module. The
 * hierarchy comes from the ONNX node-name scopes PyTorch writes (`/layer1/layer1.0/conv1/Conv`);
 * `depth` limits how deep the tree goes, `top` keeps the modules with the most FLOPs (shown in graph
 * order, indented by depth), and a last row gives the whole model.
 */
import type { VFile } from 'vfile';
import type { ModuleTotals } from '../analysis/types.js';
import { resolveFormat } from '../render/format.js';
import { buildMetricTable, tableToHast } from '../render/table.js';
import type { MetricName } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import { type DirectiveNode, positiveInteger, readAttributes, replaceWith, report, text, prose, attributeProblems } from './directive.js';
import { phrase } from '../i18n/index.js';
import { showError } from './error-box.js';
import { inputAttribute } from './model.js';
import { blockDirectivePlugin, type DocumentState, type StateOptions, stateMessages } from './state.js';
import { footnotes } from './table.js';
import { provenance, profileOne } from './uses.js';

const layersAttributes = {
  model: text(phrase('attr.model'), true),
  depth: positiveInteger('how many module levels to show (default 1)'),
  top: positiveInteger('show only this many modules, those with the most FLOPs (default: all)'),
  input: inputAttribute,
  caption: prose('the table caption'),
};

const METRICS: MetricName[] = ['params', 'macs', 'flops'];

/** Modules down to `depth`, in graph order (pre-order of the module tree). */
function modulesToDepth(root: ModuleTotals, depth: number): ModuleTotals[] {
  const out: ModuleTotals[] = [];
  const walk = (m: ModuleTotals): void => {
    for (const c of m.children) {
      if (c.depth > depth) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The `top` modules by FLOPs (then MACs, then params), kept in graph order. */
function topModules(modules: ModuleTotals[], top: number | undefined): ModuleTotals[] {
  if (top === undefined || top >= modules.length) return modules;
  const ranked = [...modules].sort((a, b) => b.flops - a.flops || b.macs - a.macs || b.params - a.params).slice(0, top);
  const keep = new Set(ranked);
  return modules.filter((m) => keep.has(m));
}

export default function remarkModelpressLayers(options: StateOptions = {}) {
  return blockDirectivePlugin('layers', options, render);
}

async function render(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  const { ok, values, problems } = readAttributes(node, file, layersAttributes);
  if (!ok || !values.model) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const one = await profileOne(state, file, node, values.model, values.input);
  if (!one) return;
  const { model, point, profile } = one;
  const modules = topModules(modulesToDepth(profile.modules, values.depth ?? 1), values.top);
  if (modules.length === 0) {
    report(file, node, phrase('diag.layers.noScopes', { id: model.id }), 'analysis');
  }
  const row = (label: string, m: { params: number; macs: number; flops: number }) => ({
    label,
    points: [{ values: { params: m.params, macs: m.macs, flops: m.flops } }],
  });
  const msg = stateMessages(state);
  const table = buildMetricTable({
    caption: values.caption ?? msg.t('layers.caption', { model: model.label }),
    metrics: METRICS,
    groups: [undefined],
    stubHeader: msg.t('table.module'),
    rows: [...modules.map((m) => row(`${'\u2003'.repeat(m.depth - 1)}${m.name}`, m)), row(msg.t('layers.total', { model: model.label }), profile.totals)],
    format: resolveFormat(state.settings.format),
    scalePolicy: 'significant',
    messages: msg,
    footnotes: footnotes(profile.convention, [], METRICS, msg),
  });
  const el = tableToHast(table, msg);
  el.properties = { ...el.properties, className: ['mp-table', 'mp-layers'] };
  replaceWith(node, el);
  const collected = { table, models: [model.id], metrics: METRICS, provenance: [provenance(state, model, point, profile)] };
  state.data.tables.push(collected);
  setOutput(node, { kind: 'tables', tables: [collected] });
}
