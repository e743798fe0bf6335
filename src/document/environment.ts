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

function describe(c: CollectedEnvironment): Rows {
  const floors = c.floors.map((f) => `${f.model} (${f.input}): ${f.latencyMedianMs < 0.1 ? (f.latencyMedianMs * 1000).toFixed(1) + ' µs' : f.latencyMedianMs.toFixed(3) + ' ms'}`);
  return [
    ...(c.machine ? ([['Machine', c.machine]] as Rows) : []),
    ...hardwareRows(c.environment),
    ['Execution provider', c.provider.toUpperCase()],
    ['Threads', `${c.threads} (intra-op), 1 (inter-op)`],
    ['Batch', String(c.batch)],
    ['Method', c.method],
    ...(floors.length ? ([['Binding floor', `${floors.join('; ')} per call (Identity model of the same shapes)`]] as Rows) : []),
    ['Models', c.models.join(', ')],
    ['Hardware fingerprint', c.environment.fingerprint],
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
  if (envs.length === 0) return show(node, 'No benchmark ran in this document. The machine that built it:', [hardwareRows(state.registry.hostEnvironment())]);
  const machines = [...new Set(envs.map((e) => e.machine).filter((m): m is string => m !== undefined))];
  const intro =
    machines.length > 1
      ? `The measurements come from ${machines.length} machines (${machines.join(', ')}), in ${envs.length} settings:`
      : envs.length > 1
        ? `The measurements come from ${envs.length} settings:`
        : undefined;
  show(node, intro, envs.map(describe));
}
