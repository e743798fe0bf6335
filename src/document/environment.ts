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
import { blockDirectivePlugin, type CollectedEnvironment, type DocumentState, type StateOptions } from './state.js';

export const environmentAttributes = {};

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function row(term: string, value: string): Element[] {
  return [h('dt', term), h('dd', value)];
}

export function hardwareRows(e: Environment): Element[] {
  return [
    ...row('CPU', `${e.cpuModel}${e.cpuClockMhz > 0 ? ` (${(e.cpuClockMhz / 1000).toFixed(2)} GHz)` : ''}`),
    ...row('Cores', `${e.physicalCores} physical, ${e.logicalCores} logical`),
    ...row('Memory', gib(e.memoryBytes)),
    ...row('OS', `${e.os} (${e.arch})`),
    ...row('Node.js', e.nodeVersion),
    ...row('ONNX Runtime', `onnxruntime-node ${e.onnxruntimeVersion}`),
    ...(e.load ? row('Machine load', loadText(e)) : []),
  ];
}

/** The load around the benchmark, and whether it was busy. */
function loadText(e: Environment): string {
  const l = e.load!;
  const share = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(0)}%`);
  const seen = `load average ${l.start.loadAverage[0].toFixed(2)} before; other processes ${share(l.start.otherCpuShare)} of the CPU before, ${share(l.end?.otherCpuShare ?? null)} after`;
  return l.busy ? `busy — ${l.reason} (numbers may be slower and noisier than on an idle machine)` : `idle enough (${seen})`;
}

function describe(c: CollectedEnvironment): Element {
  const floors = c.floors.map((f) => `${f.model} (${f.input}): ${f.latencyMedianMs < 0.1 ? (f.latencyMedianMs * 1000).toFixed(1) + ' µs' : f.latencyMedianMs.toFixed(3) + ' ms'}`);
  return h('dl', { className: ['mp-environment-list'] }, [
    ...hardwareRows(c.environment),
    ...row('Execution provider', c.provider.toUpperCase()),
    ...row('Threads', `${c.threads} (intra-op), 1 (inter-op)`),
    ...row('Batch', String(c.batch)),
    ...row('Method', c.method),
    ...(floors.length ? row('Binding floor', `${floors.join('; ')} per call (Identity model of the same shapes)`) : []),
    ...row('Models', c.models.join(', ')),
    ...row('Hardware fingerprint', c.environment.fingerprint),
  ]);
}

export default function remarkModelpressEnvironment(options: StateOptions = {}) {
  return blockDirectivePlugin('environment', options, render);
}

function render(node: DirectiveNode, file: VFile, state: DocumentState): void {
  const { ok } = readAttributes(node, file, environmentAttributes);
  if (!ok) return showError(node, file, '::environment takes no attributes', 'unknown-attribute');
  const envs = state.data.environments;
  if (envs.length === 0) {
    replaceWith(
      node,
      h('section', { className: ['mp-environment'] }, [
        h('p', 'No benchmark ran in this document. The machine that built it:'),
        h('dl', { className: ['mp-environment-list'] }, hardwareRows(state.registry.hostEnvironment())),
      ]),
    );
    return;
  }
  replaceWith(
    node,
    h('section', { className: ['mp-environment'] }, [
      ...(envs.length > 1 ? [h('p', `The measurements come from ${envs.length} settings:`)] : []),
      ...envs.map(describe),
    ]),
  );
}
