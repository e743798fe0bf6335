/**
 * `::environment`: the hardware and runtime behind the measured numbers — CPU, cores, memory, OS,
 * Node and onnxruntime-node versions, execution provider, threads, batch, the protocol, and the
 * binding's per-call floor. It lists the environments of the benchmarks this document ran (or read
 * from the cache, possibly measured on another machine with --frozen), so it runs after the other
 * directives. With no benchmark in the document it describes the building machine and says so.
 */
import type { Element } from 'hast';
import { h } from 'hastscript';
import type { VFile } from 'vfile';
import type { Environment } from '../runtime/types.js';
import { decimalsForDigits, fixed } from '../render/format.js';
import { type DirectiveNode, readAttributes, replaceWith } from './directive.js';
import { showError } from './error-box.js';
import { setOutput } from '../docmodel/output.js';
import { blockDirectivePlugin, type CollectedEnvironment, type DocumentState, type StateOptions } from './state.js';

export const environmentAttributes = {};

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

type Rows = [term: string, value: string][];

export function hardwareRows(e: Environment): Rows {
  return [
    ['CPU', `${e.cpuModel}${e.cpuClockMhz > 0 ? ` (${(e.cpuClockMhz / 1000).toFixed(2)} GHz)` : ''}`],
    ['Cores', `${e.physicalCores} physical, ${e.logicalCores} logical`],
    ['Memory', gib(e.memoryBytes)],
    ...(e.gpus ?? []).map((g, i, all): [string, string] => [
      all.length > 1 ? `GPU ${i}` : 'GPU',
      `${g.name}, ${gib(g.memoryBytes)}, driver ${g.driverVersion}${g.cudaVersion ? `, CUDA ${g.cudaVersion}` : ''}`,
    ]),
    ['OS', `${e.os} (${e.arch})`],
    ['Node.js', e.nodeVersion],
    ['ONNX Runtime', `onnxruntime-node ${e.onnxruntimeVersion}`],
    ...(e.load ? ([['Machine load', loadText(e)]] as Rows) : []),
  ];
}

/** The load around the benchmark, and whether it was busy. */
function loadText(e: Environment): string {
  const l = e.load!;
  const share = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(0)}%`);
  const seen = `load average ${l.start.loadAverage[0].toFixed(2)} before; other processes ${share(l.start.otherCpuShare)} of the CPU before, ${share(l.end?.otherCpuShare ?? null)} after`;
  return l.busy ? `busy — ${l.reason} (numbers may be slower and noisier than on an idle machine)` : `idle enough (${seen})`;
}

/**
 * The binding floors of one setting in one unit (µs, or ms when one reaches 10 ms), 3 significant
 * digits, one entry per input shape (models of the same shapes share an Identity model; their
 * floors are given as a range): `2×3×224×224: 6.28–6.61; 2×128: 251`.
 */
export function floorText(floors: CollectedEnvironment['floors']): { unit: string; text: string } {
  const ms = floors.some((f) => f.latencyMedianMs >= 10);
  const unit = ms ? 'ms' : 'µs';
  const shown = (v: number) => {
    const x = ms ? v : v * 1000;
    return fixed(x, decimalsForDigits(x, 3));
  };
  const byShape = new Map<string, number[]>();
  for (const f of floors) byShape.set(f.input, [...(byShape.get(f.input) ?? []), f.latencyMedianMs]);
  const parts = [...byShape].map(([input, values]) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const range = shown(lo) === shown(hi) ? shown(lo) : `${shown(lo)}–${shown(hi)}`;
    return `${input.replace(/x/g, '×')}: ${range}`;
  });
  return { unit, text: parts.join('; ') };
}

function describe(c: CollectedEnvironment, labelOf: (id: string) => string): Rows {
  const floor = c.floors.length ? floorText(c.floors) : undefined;
  return [
    ...(c.machine ? ([['Machine', c.machine]] as Rows) : []),
    ...hardwareRows(c.environment),
    ['Execution provider', c.provider.toUpperCase()],
    ['Threads', `${c.threads} (intra-op), 1 (inter-op)`],
    ['Batch', String(c.batch)],
    ['Method', c.method],
    ...(floor ? ([[`Binding floor (${floor.unit} per call, by input shape)`, floor.text]] as Rows) : []),
    ['Models', c.models.map(labelOf).join(', ')],
    ['Hardware fingerprint', c.environment.fingerprint],
  ];
}

/**
 * The settings as one compact table (html.ts's booktabs look): a term column, then one value column
 * per setting (a term a setting lacks shows —). The LaTeX writer lays out the same rows.
 */
function table(lists: Rows[]): Element {
  const terms = [...new Set(lists.flatMap((rows) => rows.map(([t]) => t)))];
  const head = lists.length > 1 ? [h('thead', [h('tr', [h('th', { scope: 'col' }, ''), ...lists.map((_, i) => h('th', { scope: 'col' }, `Setting ${i + 1}`))])])] : [];
  const body = terms.map((t) => h('tr', [h('th', { scope: 'row' }, t), ...lists.map((rows) => h('td', rows.find(([term]) => term === t)?.[1] ?? '—'))]));
  return h('table', { className: ['mp-environment-table'] }, [...head, h('tbody', body)]);
}

/** The section from its data: the HTML here, the LaTeX from the same output (export/latex.ts). */
function show(node: DirectiveNode, intro: string | undefined, lists: Rows[]): void {
  replaceWith(node, h('section', { className: ['mp-environment'] }, [...(intro ? [h('p', intro)] : []), table(lists)]));
  setOutput(node, { kind: 'definitions', intro, lists });
}

export default function remarkModelpressEnvironment(options: StateOptions = {}) {
  return blockDirectivePlugin('environment', options, render);
}

function render(node: DirectiveNode, file: VFile, state: DocumentState): void {
  const { ok } = readAttributes(node, file, environmentAttributes);
  if (!ok) return showError(node, file, '::environment takes no attributes', 'unknown-attribute');
  const envs = state.data.environments;
  if (envs.length === 0) return show(node, 'No benchmark ran in this document. The machine that built it:', [hardwareRows(state.registry.hostEnvironment())]);
  const machines = [...new Set(envs.map((e) => e.machine).filter((m): m is string => m !== undefined))];
  const intro =
    machines.length > 1
      ? `The measurements come from ${machines.length} machines (${machines.join(', ')}), in ${envs.length} settings:`
      : envs.length > 1
        ? `The measurements come from ${envs.length} settings:`
        : undefined;
  const labels = new Map(state.data.models.map((m) => [m.id, m.label]));
  show(node, intro, envs.map((e) => describe(e, (id) => labels.get(id) ?? id)));
}
