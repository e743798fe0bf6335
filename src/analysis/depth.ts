/**
 * Depth, the seed's "minimum number of sequential operations": the number of ops on the longest
 * input→output path, counting only ops with non-zero FLOPs under the exact convention (shape plumbing
 * does not lengthen the path). A Loop or Scan counts its body's depth times its trip count, an If its
 * deeper branch; an RNN, GRU or LSTM counts one sequential operation per time step (its sequence
 * length: step t needs the hidden state of step t − 1). A node that could not be counted is assumed to compute something and counts 1.
 */
import type { Graph } from '../onnx/model.js';
import { costGraph, type GraphCost } from './cost.js';
import { type Inferrer, inputFacts, type NodeRecord } from './infer.js';
import { subgraphsOf } from './topology.js';

export interface DepthResult {
  depth: number;
  notes: string[];
}

/** Iterations of a Loop or Scan node when known from its inputs. */
function tripCount(rec: NodeRecord): number | undefined {
  const { node, opset } = rec;
  const inputs = inputFacts(rec);
  if (node.opType === 'Loop') {
    const m = inputs[0]?.value?.[0];
    // Exporters write INT64_MAX for "no limit, stop on the condition": the count is then not static.
    return m !== undefined && Number.isSafeInteger(m) && m >= 0 && m < 2 ** 31 ? m : undefined;
  }
  if (node.opType === 'Scan') {
    const attrs = new Map(node.attributes.map((a) => [a.name, a]));
    const nScanAttr = attrs.get('num_scan_inputs');
    const nScan = nScanAttr?.type === 'int' ? nScanAttr.value : 1;
    if (opset < 9) {
      const first = inputs[inputs.length - nScan];
      const d = first?.shape?.[1];
      return typeof d === 'number' ? d : undefined;
    }
    const first = inputs[inputs.length - nScan];
    const axesAttr = attrs.get('scan_input_axes');
    let axis = axesAttr?.type === 'ints' ? (axesAttr.value[0] ?? 0) : 0;
    const rank = first?.shape?.length;
    if (rank === undefined) return undefined;
    if (axis < 0) axis += rank;
    const d = first?.shape?.[axis];
    return typeof d === 'number' ? d : undefined;
  }
  return undefined;
}

export function graphDepth(gc: GraphCost, inferrer: Inferrer, notes: string[] = []): DepthResult {
  // The longest path so far to each value, by its dense id (values of enclosing graphs start at 0).
  const { ids, readStart, readIds, outputStart, outputIds, holdsSubgraphs } = gc.analysis.index;
  const dist = new Float64Array(ids.size);
  for (let i = 0; i < gc.analysis.records.length; i++) {
    let base = 0;
    for (let j = readStart[i]!; j < readStart[i + 1]!; j++) base = Math.max(base, dist[readIds[j]!]!);
    const d = base + nodeWeight(gc, i, holdsSubgraphs[i] === 1, inferrer, notes);
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) if (outputIds[j]! >= 0) dist[outputIds[j]!] = d;
  }
  let depth = 0;
  for (const o of gc.analysis.graph.outputs) {
    const id = ids.get(o.name);
    if (id !== undefined) depth = Math.max(depth, dist[id]!);
  }
  return { depth, notes };
}

function nodeWeight(gc: GraphCost, i: number, holdsSubgraphs: boolean, inferrer: Inferrer, notes: string[]): number {
  if (gc.counted[i] === 0) return 1;
  const rec = gc.analysis.records[i]!;
  if (RECURRENT.has(rec.node.opType)) return recurrentSteps(rec, notes);
  // Most nodes hold no sub-graph: no list of bodies is made for them.
  const bodies = holdsSubgraphs ? subgraphsOf(rec.node) : NO_BODIES;
  if (bodies.length === 0) return gc.flops[i]! > 0 ? 1 : 0;
  const depths = bodies.map((g) => subDepth(gc, i, g, inferrer, notes));
  const deepest = Math.max(0, ...depths);
  if (rec.node.opType === 'Loop' || rec.node.opType === 'Scan') {
    const trips = tripCount(rec);
    if (trips === undefined) {
      notes.push(`depth: the trip count of '${rec.node.name || rec.node.opType}' is not static; its body is counted once`);
      return deepest;
    }
    return deepest * trips;
  }
  return deepest;
}

const NO_BODIES: readonly Graph[] = [];

const RECURRENT = new Set(['RNN', 'GRU', 'LSTM']);

/** Time steps of an RNN/GRU/LSTM node: X is [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1). */
function recurrentSteps(rec: NodeRecord, notes: string[]): number {
  const { node, opset } = rec;
  const inputs = inputFacts(rec);
  const layoutAttr = node.attributes.find((a) => a.name === 'layout');
  const layout = opset >= 14 && layoutAttr?.type === 'int' ? layoutAttr.value : 0;
  const seq = inputs[0]?.shape?.[layout === 0 ? 0 : 1];
  if (typeof seq === 'number') return seq;
  notes.push(`depth: the sequence length of '${node.name || node.opType}' is not static; it is counted as one step`);
  return 1;
}

function subDepth(gc: GraphCost, i: number, g: Graph, inferrer: Inferrer, notes: string[]): number {
  let sub = gc.subCosts.get(i)?.get(g);
  if (!sub) {
    const analysis = gc.analysis.records[i]!.subgraphs?.get(g);
    if (!analysis) return 1;
    sub = costGraph(analysis, 'exact', inferrer);
  }
  return graphDepth(sub, inferrer, notes).depth;
}
