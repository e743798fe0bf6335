/**
 * Parse an onnxruntime profiling trace (Chrome trace JSON written at session release) into kernel time
 * by op type and by node. Profiling adds per-run overhead, so this comes from a separate pass, never
 * from the timed loop.
 *
 * In the trace, each run is a `cat:"Session"` event named `model_run`; each kernel is a `cat:"Node"`
 * event named `<node name>_kernel_time` with `dur` in µs and `args.op_name`, `args.provider`.
 * Kernel events are attributed to the run whose time window holds them, so warm-up runs are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeTime, OpTime, TraceBreakdown } from './types.js';

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

const KERNEL_SUFFIX = '_kernel_time';

/** Characters that end a name segment in ORT's derived names (`/fc/MatMul/MatMulAddFusion`, `x_token_3`). */
const BOUNDARY = new Set(['/', '_', ' ', '.', ':', '-']);

function nearestOriginal(traceName: string, originals: readonly string[]): string | null {
  const bare = traceName.startsWith('fused ') ? traceName.slice('fused '.length) : traceName;
  let best: string | null = null;
  for (const name of originals) {
    if (name === '' || !bare.startsWith(name)) continue;
    if (bare.length > name.length && !BOUNDARY.has(bare[name.length]!)) continue;
    if (best === null || name.length > best.length) best = name;
  }
  return best;
}

function eventsOf(json: unknown, where: string): TraceEvent[] {
  if (Array.isArray(json)) return json as TraceEvent[];
  if (json !== null && typeof json === 'object' && Array.isArray((json as { traceEvents?: unknown }).traceEvents)) {
    return (json as { traceEvents: TraceEvent[] }).traceEvents;
  }
  throw new Error(`${where}: not an onnxruntime trace (expected a JSON array of events)`);
}

/**
 * @param skipRuns runs at the start of the trace to leave out (the profiled pass's warm-up)
 * @param originalNodeNames names of the nodes in the model file, to tell kept nodes from ORT's own
 */
export function parseTrace(text: string, options: { skipRuns: number; originalNodeNames: Iterable<string>; where?: string }): TraceBreakdown {
  const where = options.where ?? 'trace';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const events = eventsOf(json, where);
  const windows = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number')
    .map((e) => [e.ts!, e.ts! + e.dur!] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(options.skipRuns);
  if (windows.length === 0) throw new Error(`${where}: no runs left after skipping ${options.skipRuns} warm-up runs`);
  const inKeptRun = (ts: number): boolean => windows.some(([start, end]) => ts >= start && ts <= end);

  const originals = [...options.originalNodeNames];
  const originalSet = new Set(originals);
  const nodes = new Map<string, { opType: string; provider: string | null; totalUs: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith(KERNEL_SUFFIX)) continue;
    if (typeof e.ts !== 'number' || typeof e.dur !== 'number' || !inKeptRun(e.ts)) continue;
    const traceName = e.name.slice(0, -KERNEL_SUFFIX.length);
    const entry = nodes.get(traceName) ?? { opType: e.args?.op_name ?? 'unknown', provider: e.args?.provider ?? null, totalUs: 0 };
    entry.totalUs += e.dur;
    nodes.set(traceName, entry);
  }
  const runs = windows.length;
  let kernelTotalUs = 0;
  for (const n of nodes.values()) kernelTotalUs += n.totalUs;
  const share = (us: number): number => (kernelTotalUs > 0 ? us / kernelTotalUs : 0);

  const byNode: NodeTime[] = [...nodes.entries()]
    .map(([traceName, n]) => {
      const kept = originalSet.has(traceName);
      return {
        traceName,
        originalName: kept ? traceName : null,
        nearestOriginalName: kept ? null : nearestOriginal(traceName, originals),
        opType: n.opType,
        provider: n.provider,
        timeUs: n.totalUs / runs,
        share: share(n.totalUs),
      };
    })
    .sort((a, b) => b.timeUs - a.timeUs || a.traceName.localeCompare(b.traceName));

  const ops = new Map<string, { totalUs: number; nodeCount: number }>();
  for (const n of nodes.values()) {
    const op = ops.get(n.opType) ?? { totalUs: 0, nodeCount: 0 };
    op.totalUs += n.totalUs;
    op.nodeCount += 1;
    ops.set(n.opType, op);
  }
  const byOpType: OpTime[] = [...ops.entries()]
    .map(([opType, o]) => ({ opType, timeUs: o.totalUs / runs, share: share(o.totalUs), nodeCount: o.nodeCount }))
    .sort((a, b) => b.timeUs - a.timeUs || a.opType.localeCompare(b.opType));

  return { runs, kernelTimeUs: kernelTotalUs / runs, byOpType, byNode };
}

/** The trace ORT wrote for `prefix` (named `<prefix>_<date>_<time>.json`); the newest if several. */
export function findTraceFile(prefix: string): string {
  const dir = path.dirname(prefix);
  const base = `${path.basename(prefix)}_`;
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(base) && f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`onnxruntime wrote no profile for prefix ${prefix}`);
  return path.join(dir, files[files.length - 1]!);
}

export function readTrace(file: string, options: { skipRuns: number; originalNodeNames: Iterable<string> }): TraceBreakdown {
  return parseTrace(readFileSync(file, 'utf8'), { ...options, where: file });
}

/**
 * The PyTorch module a node name belongs to, from its scope: `/layer1/layer1.0/conv1/Conv` →
 * `layer1.0.conv1` (a scope that repeats its parent's path, `layer1` then `layer1.0`, replaces it);
 * '' for a name without a scope.
 */
export function moduleOfNode(nodeName: string): string {
  if (!nodeName.includes('/')) return '';
  const scope = nodeName
    .split('/')
    .filter((s) => s !== '')
    .slice(0, -1);
  let name = '';
  for (const seg of scope) name = name !== '' && seg.startsWith(`${name}.`) ? seg : name === '' ? seg : `${name}.${seg}`;
  return name;
}

/** What ORT made of a model's node, from the suffix or prefix of its trace name. */
function derivedKind(traceName: string): string {
  if (traceName.startsWith('fused ') || /Fusion/.test(traceName)) return 'fused by ORT';
  if (/_nchwc$/i.test(traceName)) return "ORT's NCHWc-layout version";
  if (/Reorder(Input|Output)?/.test(traceName)) return 'a layout reorder ORT inserted';
  return 'made by ORT';
}

/**
 * A trace node as the model names it: the model's node and its module (`/dec2/act/LeakyRelu (module
 * dec2.act)`); a node ORT derived from one, by that node, saying what ORT did and its trace name
 * (`/dec2/act/LeakyRelu (module dec2.act; ORT's NCHWc-layout version: /dec2/act/LeakyRelu_output_0_nchwc)`);
 * a node ORT made from nothing of the model's, by its trace name.
 */
export function traceNodeLabel(n: Pick<NodeTime, 'traceName' | 'originalName' | 'nearestOriginalName'>): string {
  const model = n.originalName ?? n.nearestOriginalName;
  if (model === null) return `${n.traceName} (made by ORT)`;
  const module = moduleOfNode(model);
  const notes = [module ? `module ${module}` : '', n.originalName === null ? `${derivedKind(n.traceName)}: ${n.traceName}` : ''].filter(Boolean);
  return notes.length ? `${model} (${notes.join('; ')})` : model;
}
