/**
 * `::complexity{families="self_attention recurrent" vary="n d" metrics="macs flops depth" #tbl-x}`:
 * measured complexity. Each family (graphs built in code, src/zoo/families.ts) is built at every
 * point of a sweep of one or two of its size variables; MACs, FLOPs and depth are counted at each
 * point and a power law fitted per variable. The table shows the claimed order beside the measured
 * exponents; `show=chart` draws the same sweep as a log–log chart (numbered as a figure, `#fig-…`).
 *
 *   values="n=128,256,512 d=64,128"  the swept values (default: each family's sweep)
 *   at="d=512"                       values of the variables not swept (default: each family's)
 *
 * A table and a chart of the same sweep measure it once. `metrics="… latency"` also benchmarks
 * every point (each one a model of its own, `self_attention(n=128,d=512)`, through the registry: the
 * document's benchmark settings, cache, results store, --frozen and --refresh=<id> apply) and fits
 * the medians; the footnote lists each point's median and 95% CI.
 */
import type { VFile } from 'vfile';
import { COMPLEXITY_METRICS, type ComplexityMetric, type FamilySweep, type PointTiming, setLatencies, SweepError } from '../analysis/complexity.js';
import { CONVENTIONS } from '../analysis/types.js';
import { toolVersion } from '../cache/tool-version.js';
import { setOutput } from '../docmodel/output.js';
import { complexityChart, complexityTable, describeSweep } from '../render/complexity.js';
import { resolveFormat } from '../render/format.js';
import { tableToHast } from '../render/table.js';
import { METRIC_NAMES, type MetricName } from '../render/types.js';
import type { Vars } from '../types/family.js';
import { families, familyNamed } from '../zoo/families.js';
import { phrase, type Said, saidOf } from '../i18n/index.js';
import {
  AttributeError,
  type AttributeSpec,
  type DirectiveNode,
  suggestion,
  oneOf,
  readAttributes,
  replaceWith,
  report,
  text,
  wordList,
  prose,
  attributeProblems,
} from './directive.js';
import { showError } from './error-box.js';
import { blockDirectivePlugin, type DocumentState, type StateOptions, stateMessages } from './state.js';
import { numberOf } from './xref.js';
import { placeChart } from './chart.js';
import type { InputPoint } from './input-shapes.js';
import type { DeclaredModel } from '../measure/registry.js';
import type { Provenance } from './state.js';
import { benchAt, failureSaid, isUnstable, latencyCi, provenance } from './uses.js';

/** `n=128,256,512 d=64` → { n: [128, 256, 512], d: [64] }. */
function parseAssignments(v: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const part of v.split(/\s+/).filter((p) => p !== '')) {
    const m = /^([A-Za-z_]\w*)=([\d.,]+)$/.exec(part);
    if (!m) throw new AttributeError(phrase('diag.complexity.assignment', { part }));
    const values = m[2]!
      .split(',')
      .filter((x) => x !== '')
      .map(Number);
    if (values.length === 0 || values.some((x) => !Number.isFinite(x) || x <= 0)) throw new AttributeError(phrase('diag.complexity.positive', { part }));
    out[m[1]!] = values;
  }
  return out;
}

const assignments = (description: string): AttributeSpec<Record<string, number[]>> => ({ description, parse: parseAssignments });

const metricList: AttributeSpec<ComplexityMetric[]> = {
  description: `what to measure at each point: ${COMPLEXITY_METRICS.join(', ')} (default macs flops depth; latency benchmarks every point like a ::table latency column)`,
  parse(v) {
    const words = v.split(/[\s,]+/).filter((w) => w !== '');
    if (words.length === 0) throw new AttributeError(phrase('diag.complexity.emptyMetrics'));
    for (const w of words) {
      if (!(COMPLEXITY_METRICS as readonly string[]).includes(w))
        throw new AttributeError(
          phrase('diag.complexity.unknownMetric', { name: w, suggestion: suggestion(w, COMPLEXITY_METRICS), known: COMPLEXITY_METRICS.join(', ') }),
        );
    }
    return words as ComplexityMetric[];
  },
};

const complexityAttributes = {
  id: text('cross-reference id, #tbl-name (a table) or #fig-name (show=chart)'),
  families: wordList(phrase('attr.complexity.families', { names: families.map((f) => f.name).join(', ') }), true),
  vary: wordList(phrase('attr.complexity.vary'), true),
  values: assignments('the swept values, e.g. "n=128,256,512 d=64,128" (default: each family\'s sweep)'),
  at: assignments('values of the variables not swept, e.g. "d=512" (default: each family\'s)'),
  metrics: metricList,
  show: oneOf('table (default) or chart (a log–log chart of the claimed metric against the first variable)', ['table', 'chart'] as const),
  caption: prose('the caption'),
  convention: oneOf('counting convention', CONVENTIONS),
};

const DEFAULT_METRICS: ComplexityMetric[] = ['macs', 'flops', 'depth'];

/** Sweeps already measured in this document, by request (a table and its chart share one). */
const measuredSweeps = new WeakMap<DocumentState, Map<string, FamilySweep>>();

export default function remarkModelpressComplexity(options: StateOptions = {}) {
  return blockDirectivePlugin('complexity', options, render);
}

async function render(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  if (node.type === 'textDirective') {
    report(file, node, phrase('diag.block', { directive: '::complexity' }), 'bad-attribute');
    return showError(node, file, phrase('diag.ownLine', { directive: '::complexity' }), 'bad-attribute');
  }
  const { ok, values, problems } = readAttributes(node, file, complexityAttributes);
  if (!ok || !values.families || !values.vary) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const metrics = values.metrics ?? DEFAULT_METRICS;
  const convention = values.convention ?? 'exact';
  const at: Vars = Object.fromEntries(Object.entries(values.at ?? {}).map(([k, v]) => [k, v[0]!]));
  const sweeps: FamilySweep[] = [];
  const benchProvenance: Provenance[] = [];
  let memo = measuredSweeps.get(state);
  if (!memo) measuredSweeps.set(state, (memo = new Map()));
  for (const name of values.families) {
    let family;
    try {
      family = familyNamed(name);
    } catch (err) {
      report(file, node, saidOf(err), 'unknown-model', 'families');
      return showError(node, file, saidOf(err), 'unknown-model');
    }
    // A family sweeps the variables of vary= that it has (k means nothing to self-attention).
    const vary = values.vary.filter((v) => v in family.variables).map((v) => ({ name: v, values: values.values?.[v] }));
    if (vary.length === 0) {
      const reason = phrase('diag.complexity.noVariables', { family: name, vary: values.vary.join(', '), known: Object.keys(family.variables).join(', ') });
      report(file, node, reason, 'bad-attribute', 'vary');
      return showError(node, file, reason, 'bad-attribute');
    }
    const ownAt = Object.fromEntries(Object.entries(at).filter(([k]) => k in family.variables));
    const key = JSON.stringify([name, vary, ownAt, convention, metrics]);
    let sweep = memo.get(key);
    if (!sweep) {
      try {
        sweep = state.registry.sweep(family, { vary, at: ownAt, convention }, metrics);
      } catch (err) {
        if (!(err instanceof SweepError)) throw err;
        report(file, node, phrase('diag.complexity.sweep', { reason: err.said }), 'bad-attribute', values.values ? 'values' : 'vary');
        return showError(node, file, err.said, 'bad-attribute');
      }
      if (metrics.includes('latency')) {
        const timed = await timeSweep(sweep, node, file, state);
        if (!timed.ok) return showError(node, file, timed.reason, 'benchmark-failed');
        benchProvenance.push(...timed.provenance);
      }
      memo.set(key, sweep);
    }
    sweeps.push(sweep);
  }
  const number = numberOf(node);
  if (values.show === 'chart') {
    if (new Set(sweeps.map((s) => s.family.claimMetric)).size > 1) {
      const reason = phrase('diag.complexity.sameClaim');
      report(file, node, reason, 'bad-attribute', 'families');
      return showError(node, file, reason, 'bad-attribute');
    }
    const spec = complexityChart(sweeps, resolveFormat(state.settings.format), values.caption, stateMessages(state));
    placeChart(node, file, state, spec, { id: values.id, caption: values.caption, kind: 'scatter', models: values.families });
    return;
  }
  const table = complexityTable(sweeps, { id: values.id, number, caption: values.caption, metrics, messages: stateMessages(state) });
  replaceWith(node, tableToHast(table, stateMessages(state)));
  const collected = {
    table,
    models: sweeps.map((s) => s.family.name),
    metrics: metrics.filter((m): m is ComplexityMetric & MetricName => (METRIC_NAMES as readonly string[]).includes(m)),
    provenance: [
      ...sweeps.map((s) => ({
        model: s.family.name,
        sha256: undefined,
        source: `family:${s.family.name}`,
        input: describeSweep(s),
        convention,
        tool: toolVersion(),
      })),
      ...benchProvenance,
    ],
  };
  state.data.tables.push(collected);
  setOutput(node, { kind: 'tables', tables: [collected] });
}

/**
 * Benchmark every point of a sweep as a model of its own (`family(n=128,d=64)`): the document's
 * benchmark settings, cache, results store, --frozen and --refresh=<that id> apply as to a declared
 * model, and a point's failure is reported at this directive.
 */
async function timeSweep(
  sweep: FamilySweep,
  node: DirectiveNode,
  file: VFile,
  state: DocumentState,
): Promise<{ ok: true; provenance: Provenance[] } | { ok: false; reason: Said }> {
  const timings: PointTiming[] = [];
  const provenanceOut: Provenance[] = [];
  for (const p of sweep.points) {
    const vars = Object.entries(p.vars)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const id = `${sweep.family.name}(${vars})`;
    let model = state.registry.get(id);
    let point: InputPoint;
    if (model) {
      point = model.points[0]!;
    } else {
      const { inputs } = sweep.family.build(p.vars, state.registry.zooSeed);
      // Named by its sizes (`n=512,d=64`), which fix the inputs: messages, keys and stored file names
      // stay short where a decoder's inputs would list every cached key and value.
      point = { text: vars, shapes: new Map(Object.entries(inputs)), label: vars };
      const declared: DeclaredModel = {
        id,
        label: `${sweep.family.label} (${vars})`,
        source: { kind: 'family', family: sweep.family, vars: p.vars },
        points: [point],
        inputGiven: false,
        batch: 1,
        place: node.position,
      };
      state.registry.declareGenerated(declared);
      model = declared;
    }
    const { bench, failure } = await benchAt(state, file, model, point, undefined, node);
    if (bench?.result.status !== 'ok') return { ok: false, reason: failure ? failureSaid(failure) : phrase('diag.complexity.noResult', { id }) };
    timings.push({ medianMs: bench.result.latencyMedianMs, ci95: latencyCi(bench), unstable: isUnstable(bench) });
    provenanceOut.push(provenance(state, model, point, undefined, bench));
  }
  setLatencies(sweep, timings);
  return { ok: true, provenance: provenanceOut };
}
