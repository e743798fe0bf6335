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
import { ENGLISH, type Messages } from '../i18n/index.js';
import { type DirectiveNode, readAttributes, replaceWith } from './directive.js';
import { showError } from './error-box.js';
import { setOutput } from '../docmodel/output.js';
import { blockDirectivePlugin, type CollectedEnvironment, type DocumentState, type StateOptions, stateMessages } from './state.js';

export const environmentAttributes = {};

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

type Rows = [term: string, value: string][];

export function hardwareRows(e: Environment, msg: Messages = ENGLISH): Rows {
  return [
    [msg.t('env.cpu'), `${e.cpuModel}${e.cpuClockMhz > 0 ? ` (${(e.cpuClockMhz / 1000).toFixed(2)} GHz)` : ''}`],
    [msg.t('env.cores'), msg.t('env.coresValue', { physical: e.physicalCores, logical: e.logicalCores })],
    [msg.t('env.memory'), gib(e.memoryBytes)],
    ...(e.gpus ?? []).map((g, i, all): [string, string] => [
      all.length > 1 ? msg.t('env.gpuN', { n: i }) : msg.t('env.gpu'),
      msg.t('env.gpuValue', { name: g.name, memory: gib(g.memoryBytes), driver: g.driverVersion, cuda: g.cudaVersion ? msg.t('env.cuda', { version: g.cudaVersion }) : '' }),
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
  const share = (v: number | null) => (v === null ? msg.t('env.unknown') : `${(v * 100).toFixed(0)}%`);
  return l.busy
    ? msg.t('env.busy', { reason: l.reason ?? '' })
    : msg.t('env.idle', { load: l.start.loadAverage[0].toFixed(2), before: share(l.start.otherCpuShare), after: share(l.end?.otherCpuShare ?? null) });
}

function describe(c: CollectedEnvironment, msg: Messages): Rows {
  const floors = c.floors.map((f) => `${f.model} (${f.input}): ${f.latencyMedianMs < 0.1 ? (f.latencyMedianMs * 1000).toFixed(1) + ' µs' : f.latencyMedianMs.toFixed(3) + ' ms'}`);
  return [
    ...(c.machine ? ([[msg.t('env.machine'), c.machine]] as Rows) : []),
    ...hardwareRows(c.environment, msg),
    [msg.t('env.provider'), c.provider.toUpperCase()],
    [msg.t('env.threads'), msg.t('env.threadsValue', { threads: c.threads })],
    [msg.t('env.batch'), String(c.batch)],
    [msg.t('env.method'), c.method],
    ...(floors.length ? ([[msg.t('env.floor'), msg.t('env.floorValue', { floors: floors.join('; ') })]] as Rows) : []),
    [msg.t('env.models'), c.models.join(', ')],
    [msg.t('env.fingerprint'), c.environment.fingerprint],
  ];
}

function list(rows: Rows): Element {
  return h('dl', { className: ['mp-environment-list'] }, rows.flatMap(([term, value]) => [h('dt', term), h('dd', value)]));
}

/** The section from its data: the HTML here, the LaTeX from the same output (export/latex.ts). */
function show(node: DirectiveNode, intro: string | undefined, lists: Rows[]): void {
  replaceWith(node, h('section', { className: ['mp-environment'] }, [...(intro ? [h('p', intro)] : []), ...lists.map(list)]));
  setOutput(node, { kind: 'definitions', intro, lists });
}

export default function remarkModelpressEnvironment(options: StateOptions = {}) {
  return blockDirectivePlugin('environment', options, render);
}

function render(node: DirectiveNode, file: VFile, state: DocumentState): void {
  const { ok } = readAttributes(node, file, environmentAttributes);
  if (!ok) return showError(node, file, '::environment takes no attributes', 'unknown-attribute');
  const envs = state.data.environments;
  const msg = stateMessages(state);
  if (envs.length === 0) return show(node, msg.t('env.none'), [hardwareRows(state.registry.hostEnvironment(), msg)]);
  const machines = [...new Set(envs.map((e) => e.machine).filter((m): m is string => m !== undefined))];
  const intro =
    machines.length > 1
      ? msg.t('env.severalMachines', { machines: machines.length, names: machines.join(', '), count: envs.length })
      : envs.length > 1
        ? msg.t('env.several', { count: envs.length })
        : undefined;
  show(node, intro, envs.map((c) => describe(c, msg)));
}
