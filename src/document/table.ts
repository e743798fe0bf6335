/**
 * `::table{models="a b c" metrics="params macs flops latency throughput" caption="…" #tbl-x}`: a
 * comparison table, one row per model. A model whose input sweeps (`1x3x{200,224,256}x{200,224,256}`)
 * gives one column group per input size, as the seed's scattering-imaging table does; parameters,
 * which do not change with the size, are shown once per row. A footnote states the counting
 * convention and, when something was measured, the hardware and method.
 */
import path from 'node:path';
import type { VFile } from 'vfile';
import { CONVENTIONS, type Convention, type Profile } from '../analysis/types.js';
import { toolVersion } from '../cache/tool-version.js';
import { resolveFormat } from '../render/format.js';
import { describeInputs, isImageInput } from '../render/metrics.js';
import { buildMetricTable, tableToHast } from '../render/table.js';
import type { MetricName, MetricTableSpec, MetricValues } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import {
  AttributeError,
  boolean,
  type DirectiveNode,
  oneOf,
  readAttributes,
  replaceWith,
  report,
  text,
  wordList,
  prose,
  attributeProblems,
  allOf,
} from './directive.js';
import { showError } from './error-box.js';
import { metricNameAttribute } from './metric.js';
import { PublishedError, readPublished, type PublishedTable } from './published.js';
import type { InputPoint } from './input-shapes.js';
import type { DeclaredModel, Failure, StoredBench } from '../measure/registry.js';
import { blockDirectivePlugin, type DocumentState, type Provenance, type StateOptions, stateMessages } from './state.js';
import { ENGLISH, type Messages, phrase, type Said } from '../i18n/index.js';
import { benchAt, MEASURED, metricValues, needsBenchmark, profileAt, provenance, resolveModel } from './uses.js';
import { numberOf } from './xref.js';

/**
 * `metrics=`: each name read by `:metric`'s own `name=` parser, so an unknown one gets the same
 * message, did-you-mean and rule (`unknown metric 'flopz'; did you mean 'flops'? …`, unknown-metric).
 */
const metricsAttribute = (description: string, required = false) => ({
  description,
  required,
  parse(value: string): MetricName[] {
    const words = value.split(/[\s,]+/).filter((s) => s !== '');
    if (words.length === 0) throw new AttributeError(phrase('diag.table.emptyMetrics'));
    const one = metricNameAttribute();
    return words.map((w) => one.parse(w));
  },
});

const tableAttributes = {
  id: text('cross-reference id, written #tbl-name'),
  models: wordList(phrase('attr.table.models'), true),
  metrics: metricsAttribute('metric names separated by spaces (default: params macs flops)'),
  caption: prose('the table caption'),
  convention: oneOf('counting convention for this table', CONVENTIONS),
  ci: boolean('show ± the half-width of the 95% confidence interval beside measured values (latency, throughput, achieved FLOP/s)'),
  published: text('a CSV of published numbers beside the Markdown file (model,params (M),macs (G),…): shown beside the measured ones with the difference'),
  machines: wordList('machine names separated by spaces: one column group of measured metrics (latency, throughput, …) per machine, from the results store'),
};

const DEFAULT_METRICS: MetricName[] = ['params', 'macs', 'flops'];
/** Metrics that do not depend on the input size: shown once per row in a sweep. */
const SIZE_FREE: MetricName[] = ['params', 'params_bytes'];

interface Measured {
  model: DeclaredModel;
  point: InputPoint;
  label: string;
  /** The machine whose benchmark this is (`machines=`); undefined: this machine. */
  machine?: string | undefined;
  profile?: Profile | undefined;
  bench?: StoredBench | undefined;
  failures: Failure[];
}

export default function remarkModelpressTables(options: StateOptions = {}) {
  return blockDirectivePlugin('table', options, renderTable);
}

/** Measure every model of a list at each of its points (profile, and benchmark when asked). */
export async function measureModels(
  state: DocumentState,
  file: VFile,
  node: DirectiveNode,
  ids: string[],
  metrics: MetricName[],
  convention: Convention,
  /** One benchmark per machine named (`machines=`) at every point; default this machine's. */
  machines?: string[],
): Promise<{ measured: Measured[][]; ok: boolean; problems: Said[] }> {
  const measured: Measured[][] = [];
  const problems: Said[] = [];
  let ok = true;
  for (const id of ids) {
    const model = resolveModel(state, file, node, id, 'models', problems);
    if (!model) {
      ok = false;
      continue;
    }
    const rows: Measured[] = [];
    for (const point of model.points) {
      const p = await profileAt(state, file, model, point, convention);
      for (const machine of machines ?? [undefined]) {
        const m: Measured = { model, point, label: point.label, machine, profile: p.profile, failures: p.failure ? [p.failure] : [] };
        if (p.profile && !point.label) m.label = describeInputs(p.profile.inputs);
        if (needsBenchmark(metrics) && !p.failure) {
          const b = await benchAt(state, file, model, point, p.profile, node, machine);
          m.bench = b.bench;
          if (b.failure) m.failures.push(b.failure);
        }
        rows.push(m);
      }
    }
    measured.push(rows);
  }
  return { measured, ok, problems };
}

/** The convention and hardware lines under a table or chart. */
export function footnotes(convention: Convention, measured: Measured[], metrics: MetricName[], msg: Messages = ENGLISH): string[] {
  const notes = [msg.t('note.counted', { version: toolVersion(), convention })];
  // One line per assumption, naming the models that share it (a 25-row table gets one line, not 25).
  const assumed = new Map<string, { value: number; input: string; labels: Set<string> }>();
  for (const m of measured) {
    for (const a of m.profile?.assumedBatch ?? []) {
      const key = `${a.value}\u0000${a.input}`;
      const entry = assumed.get(key) ?? { value: a.value, input: a.input, labels: new Set<string>() };
      entry.labels.add(m.model.label);
      assumed.set(key, entry);
    }
  }
  const tabled = new Set(measured.map((m) => m.model.label));
  for (const { value, input, labels } of assumed.values()) {
    if (labels.size === 1) {
      notes.push(msg.t('note.assumedBatchOne', { model: [...labels][0]!, value, input }));
    } else {
      const who = labels.size === tabled.size ? msg.t('note.everyModel') : [...labels].join(', ');
      notes.push(msg.t('note.assumedBatchMany', { value, input, models: who }));
    }
  }
  if (needsBenchmark(metrics)) {
    const seen = new Set<string>();
    for (const m of measured) {
      const r = m.bench?.result;
      if (!m.bench || r?.status !== 'ok') continue;
      const e = m.bench.environment;
      const threads = r.config.intraOpNumThreads;
      const processes = m.bench.protocol.processes;
      const line = msg.t('note.measured', {
        measuredOn: m.bench.machine && m.machine !== undefined ? msg.t('note.machineMeasuredOn', { machine: m.bench.machine }) : msg.t('note.measuredOn'),
        gpu: r.config.provider === 'cuda' && e.gpus?.length ? msg.t('note.gpuWith', { gpu: e.gpus[0]!.name }) : '',
        cpu: e.cpuModel,
        threads,
        threadWord: msg.t(threads === 1 ? 'note.thread' : 'note.threads'),
        ort: e.onnxruntimeVersion,
        provider: r.config.provider.toUpperCase(),
        batch: r.config.batch,
        processes,
        processWord: msg.t(processes === 1 ? 'note.process' : 'note.processes'),
        wall: metrics.includes('throughput_wall') ? msg.t('note.wall') : '',
      });
      if (!seen.has(line)) {
        seen.add(line);
        notes.push(line);
      }
    }
  }
  return notes;
}

async function renderTable(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  if (node.type === 'textDirective') {
    report(file, node, phrase('diag.block', { directive: '::table' }), 'bad-attribute');
    return showError(node, file, phrase('diag.ownLine', { directive: '::table' }), 'bad-attribute');
  }
  const { ok, values, problems } = readAttributes(node, file, tableAttributes);
  if (!ok || !values.models) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const metrics = values.metrics ?? DEFAULT_METRICS;
  const convention = values.convention ?? state.settings.convention;
  const machines = values.machines && needsBenchmark(metrics) ? [...new Set(values.machines)] : undefined;
  if (values.machines && !machines)
    report(
      file,
      node,
      'machines= groups measured metrics (latency, throughput, …) by machine, and this table shows none; add one to metrics= or drop machines=',
      'bad-attribute',
      'machines',
    );
  const { measured, ok: allKnown, problems: unknown } = await measureModels(state, file, node, values.models, metrics, convention, machines);
  if (!allKnown || measured.length === 0) return showError(node, file, allOf(unknown), 'unknown-model');

  const msg = stateMessages(state);
  const sweeping = measured.some((rows) => new Set(rows.map((r) => r.point)).size > 1);
  // A column group per input size and/or machine: `224×224`, `laptop`, or `laptop, 224×224`.
  const groupOf = (m: Measured): string | undefined => (machines ? (sweeping ? `${m.machine}, ${m.label}` : m.machine) : sweeping ? m.label : undefined);
  const groups: (string | undefined)[] = [...new Set(measured.flat().map(groupOf))];
  const empty = (why: string): MetricValues => ({ values: {}, notes: Object.fromEntries(metrics.map((m) => [m, why])) });
  const rows: MetricTableSpec['rows'] = measured.map((points) => ({
    label: points[0]!.model.label,
    points: groups.map((g) => {
      const m = g === undefined ? points[0] : points.find((p) => groupOf(p) === g);
      return m ? metricValues(metrics, m.profile, m.bench, m.failures, msg) : empty(msg.t('table.notMeasuredAt', { size: g ?? '' }));
    }),
  }));
  const published =
    values.published === undefined ? undefined : readPublishedFor(node, file, state, values.published, values.models, metrics, groups.length > 1);
  const ids = measured.map((r) => r[0]!.model.id);
  rows.forEach((row, i) => {
    const p = published?.metrics.get(ids[i]!);
    if (p) row.published = Object.fromEntries(metrics.filter((m) => p[m] !== undefined).map((m) => [m, p[m]!]));
  });
  const all = measured.flat();
  const table = buildMetricTable({
    id: values.id,
    number: numberOf(node),
    caption: values.caption,
    metrics,
    groups,
    rows,
    sampleUnit: all.every((m) => m.profile && isImageInput(m.profile.inputs)) ? 'img' : 'samples',
    // Counted metrics do not depend on the machine: once per row, the measured ones per machine.
    sharedMetrics: sweeping ? SIZE_FREE : machines ? metrics.filter((m) => !MEASURED.includes(m)) : undefined,
    format: resolveFormat(state.settings.format),
    showCi: values.ci === true,
    messages: msg,
    footnotes: [
      ...(values.ci === true && needsBenchmark(metrics) ? [msg.t('note.ci')] : []),
      ...footnotes(convention, all, metrics, msg),
      ...(published ? [msg.t('note.published', { file: values.published! })] : []),
    ],
    extraColumns: published?.extra.map((e) => ({ header: msg.t('table.published', { header: e.header }), cells: ids.map((id) => e.byModel.get(id) ?? null) })),
  });
  replaceWith(node, tableToHast(table, msg));
  const prov: Provenance[] = all.map((m) => provenance(state, m.model, m.point, m.profile, m.bench));
  const collected = { table, models: measured.map((r) => r[0]!.model.id), metrics, provenance: prov };
  state.data.tables.push(collected);
  setOutput(node, { kind: 'tables', tables: [collected] });
}

/** The table's published numbers, or undefined (with a diagnostic) when the file cannot be used. */
function readPublishedFor(
  node: DirectiveNode,
  file: VFile,
  state: DocumentState,
  written: string,
  ids: string[],
  metrics: MetricName[],
  sweeping: boolean,
): PublishedTable | undefined {
  if (sweeping) {
    report(
      file,
      node,
      'published numbers cannot be compared in a table whose inputs sweep: give each size its own table, or drop published=',
      'bad-attribute',
      'published',
    );
    return undefined;
  }
  let table: PublishedTable;
  try {
    table = readPublished(path.resolve(state.baseDir, written), written);
  } catch (err) {
    if (!(err instanceof PublishedError)) throw err;
    report(file, node, `${err.message}; the table is shown without published numbers`, 'bad-attribute', 'published');
    return undefined;
  }
  const strangers = [...table.metrics.keys()].filter((id) => !ids.includes(id));
  if (strangers.length) {
    report(
      file,
      node,
      `${written} lists models that are not in this table: ${strangers.join(', ')} (its 'model' column holds the ids of models=)`,
      'bad-attribute',
      'published',
    );
  }
  const unused = table.metricNames.filter((m) => !metrics.includes(m));
  if (unused.length) {
    report(
      file,
      node,
      `${written} publishes ${unused.join(', ')}, which this table does not show; add it to metrics= to compare`,
      'bad-attribute',
      'published',
    );
  }
  return table;
}
