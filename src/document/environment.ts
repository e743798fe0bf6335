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
import { busyReasons, idleWords } from '../runtime/load.js';
import { decimalsForDigits, fixed } from '../render/format.js';
import { ENGLISH, type Messages, phrase } from '../i18n/index.js';
import { type DirectiveNode, readAttributes, replaceWith } from './directive.js';
import { showError } from './error-box.js';
import { setOutput } from '../docmodel/output.js';
import { blockDirectivePlugin, type CollectedEnvironment, type DocumentState, type StateOptions, stateMessages } from './state.js';

const environmentAttributes = {};

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

type Rows = [term: string, value: string][];

function hardwareRows(e: Environment, msg: Messages = ENGLISH): Rows {
  return [
    [msg.t('env.cpu'), `${e.cpuModel}${e.cpuClockMhz > 0 ? ` (${(e.cpuClockMhz / 1000).toFixed(2)} GHz)` : ''}`],
    [msg.t('env.cores'), msg.t('env.coresValue', { physical: e.physicalCores, logical: e.logicalCores })],
    [msg.t('env.memory'), gib(e.memoryBytes)],
    ...(e.gpus ?? []).map((g, i, all): [string, string] => [
      all.length > 1 ? msg.t('env.gpuN', { n: i }) : msg.t('env.gpu'),
      msg.t('env.gpuValue', {
        name: g.name,
        memory: gib(g.memoryBytes),
        driver: g.driverVersion,
        cuda: g.cudaVersion ? msg.t('env.cuda', { version: g.cudaVersion }) : '',
      }),
    ]),
    [msg.t('env.os'), `${e.os} (${e.arch})`],
    [msg.t('env.node'), e.nodeVersion],
    [msg.t('env.onnxruntime'), `onnxruntime-node ${e.onnxruntimeVersion}`],
    ...(e.load ? ([[msg.t('env.load'), loadText(e, msg)]] as Rows) : []),
  ];
}

/** The load around the benchmark, and whether it was busy. */
function loadText(e: Environment, msg: Messages): string {
  const l = e.load!;
  // The reasons said again from the samples, in the document's language (the stored words are English).
  const reasons = l.busy ? busyReasons(l.start, l.end, e.logicalCores, msg.t) : [];
  return l.busy ? msg.t('env.busy', { reason: reasons.length > 0 ? reasons.join(msg.t('list.semicolon')) : (l.reason ?? '') }) : idleWords(l, msg.t);
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

function describe(c: CollectedEnvironment, msg: Messages, labelOf: (id: string) => string): Rows {
  const floor = c.floors.length ? floorText(c.floors) : undefined;
  return [
    ...(c.machine ? ([[msg.t('env.machine'), c.machine]] as Rows) : []),
    ...hardwareRows(c.environment, msg),
    [msg.t('env.provider'), c.provider.toUpperCase()],
    [msg.t('env.threads'), msg.t('env.threadsValue', { threads: c.threads })],
    [msg.t('env.batch'), String(c.batch)],
    [msg.t('env.method'), c.method],
    ...(floor ? ([[msg.t('env.floorByShape', { unit: floor.unit }), floor.text]] as Rows) : []),
    [msg.t('env.models'), c.models.map(labelOf).join(', ')],
    [msg.t('env.fingerprint'), c.environment.fingerprint],
  ];
}

/**
 * The settings as one compact table (html.ts's booktabs look): a term column, then one value column
 * per setting (a term a setting lacks shows —). The LaTeX writer lays out the same rows.
 */
function table(lists: Rows[], msg: Messages): Element {
  const terms = [...new Set(lists.flatMap((rows) => rows.map(([t]) => t)))];
  const head =
    lists.length > 1
      ? [h('thead', [h('tr', [h('th', { scope: 'col' }, ''), ...lists.map((_, i) => h('th', { scope: 'col' }, msg.t('env.setting', { n: i + 1 })))])])]
      : [];
  const body = terms.map((t) => h('tr', [h('th', { scope: 'row' }, t), ...lists.map((rows) => h('td', rows.find(([term]) => term === t)?.[1] ?? '—'))]));
  return h('table', { className: ['mp-environment-table'] }, [...head, h('tbody', body)]);
}

/** The section from its data: the HTML here, the LaTeX from the same output (export/latex.ts). */
function show(node: DirectiveNode, intro: string | undefined, lists: Rows[], msg: Messages): void {
  replaceWith(node, h('section', { className: ['mp-environment'] }, [...(intro ? [h('p', intro)] : []), table(lists, msg)]));
  setOutput(node, { kind: 'definitions', intro, lists });
}

export default function remarkModelpressEnvironment(options: StateOptions = {}) {
  return blockDirectivePlugin('environment', options, render);
}

function render(node: DirectiveNode, file: VFile, state: DocumentState): void {
  const { ok } = readAttributes(node, file, environmentAttributes);
  if (!ok) return showError(node, file, phrase('diag.takesNone', { directive: '::environment' }), 'unknown-attribute');
  const envs = state.data.environments;
  const msg = stateMessages(state);
  if (envs.length === 0) return show(node, msg.t('env.none'), [hardwareRows(state.registry.hostEnvironment(), msg)], msg);
  const machines = [...new Set(envs.map((e) => e.machine).filter((m): m is string => m !== undefined))];
  const intro =
    machines.length > 1
      ? msg.t('env.severalMachines', { machines: machines.length, names: machines.join(', '), count: envs.length })
      : envs.length > 1
        ? msg.t('env.several', { count: envs.length })
        : undefined;
  const labels = new Map(state.data.models.map((m) => [m.id, m.label]));
  show(
    node,
    intro,
    envs.map((c) => describe(c, msg, (id) => labels.get(id) ?? id)),
    msg,
  );
}
