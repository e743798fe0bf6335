/**
 * Parameters (COUNTING.md "Parameters"): the element count of the weight tensors the graph holds —
 * initializers and Constant-node tensors consumed by ops as data.
 *
 * - A constant read by several ops (tied weights) counts once, owned by its first consumer.
 * - An `Identity` of a constant is a separate tensor (the PyTorch exporter hands out copies of
 *   deduplicated initializers that way); the Identity itself does not consume its input as data.
 * - Inputs a rule lists in `nonParamInputs` (shapes, axes, indices, BN running statistics) are not
 *   parameters, nor are int64/bool tensors (ONNX's shape, index and mask types) or rank-0 literals
 *   (scalars such as eps, 0.5 or √d that exporters write as constants).
 * - Bytes are counted from dims and dtype, so external data is never read.
 */
import { createHash } from 'node:crypto';
import { byteSize, dtypeName } from '../onnx/dtypes.js';
import type { Model, Node } from '../onnx/model.js';
import { elementCount } from '../onnx/model.js';
import { tensorBytes } from '../onnx/tensor-data.js';
import { type ConstantInfo, type GraphAnalysis, type Inferrer, isParameterDtype, type NodeRecord } from './infer.js';
import { subgraphsOf } from './topology.js';
import type { QuantizationTotals } from './types.js';

export interface ParamTensor {
  info: ConstantInfo;
  count: number;
  bytes: number;
  /** The top-level node that first consumes it as data (it owns the parameters in the node table). */
  owner: Node;
}

export interface ParamsResult {
  tensors: ParamTensor[];
  /** Scales and zero points of quantized weights: stored bytes (in `bytes`), not parameters. */
  quantization?: QuantizationTotals | undefined;
  byNode: Map<Node, { params: number; bytes: number }>;
  total: number;
  bytes: number;
  bytesByDtype: Record<string, number>;
  notes: string[];
}

function nonParamInputs(rec: NodeRecord, inferrer: Inferrer): ReadonlySet<number> {
  const spec = rec.rule?.nonParamInputs;
  if (spec === undefined) return new Set();
  if (Array.isArray(spec)) return new Set(spec);
  try {
    return new Set((spec as (ctx: ReturnType<Inferrer['nodeContext']>) => readonly number[])(inferrer.nodeContext(rec)));
  } catch {
    return new Set();
  }
}

/** Count the parameters of an inferred main graph (sub-graph weights included, owned by their control-flow node). */
export function countParams(analysis: GraphAnalysis, inferrer: Inferrer): ParamsResult {
  const seen = new Set<ConstantInfo>();
  const tensors: ParamTensor[] = [];
  const notes: string[] = [];
  const storage: StorageTensor[] = [];
  const packed: { params: number; bytes: number }[] = [];

  const visit = (rec: NodeRecord, owner: Node): void => {
    const isIdentity = (rec.node.domain === '' || rec.node.domain === 'ai.onnx') && rec.node.opType === 'Identity';
    const skip = nonParamInputs(rec, inferrer);
    const roles = quantizedRoles(rec, inferrer);
    rec.node.inputs.forEach((name, i) => {
      const role = roles.get(i);
      if (name === '' || (skip.has(i) && role === undefined)) return;
      const info = rec.scope.constant(name);
      if (!info || seen.has(info)) return;
      if (isIdentity && rec.scope.constant(rec.node.outputs[0] ?? '')?.aliasOf === name) return;
      const stored = elementCount(info.dims);
      if (role === 'scale' || role === 'zeroPoint') {
        seen.add(info);
        storage.push({ info, role, bytes: byteSize(info.dataType, stored), owner });
        return;
      }
      if (!isParameterDtype(info.dataType) || info.dims.length === 0) return;
      seen.add(info);
      const count = typeof role === 'number' ? role : stored;
      if (typeof role === 'number') packed.push({ params: count, bytes: byteSize(info.dataType, stored) });
      tensors.push({ info, count, bytes: byteSize(info.dataType, stored), owner });
    });
    for (const g of subgraphsOf(rec.node)) {
      let sub = rec.subgraphs.get(g);
      if (!sub) {
        // The node's rule did not infer this body (e.g. the node has no rule): infer it from its declared types.
        try {
          sub = inferrer.inferGraph(g, [], rec.scope);
        } catch (err) {
          notes.push(`parameters inside a sub-graph of '${rec.node.name || rec.node.opType}' were not counted: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
      }
      visitGraph(sub, owner);
    }
  };
  const visitGraph = (a: GraphAnalysis, owner: Node | undefined): void => {
    for (const rec of a.records) visit(rec, owner ?? rec.node);
  };
  visitGraph(analysis, undefined);

  const byNode = new Map<Node, { params: number; bytes: number }>();
  const bytesByDtype: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  for (const t of tensors) {
    const entry = byNode.get(t.owner) ?? { params: 0, bytes: 0 };
    entry.params += t.count;
    entry.bytes += t.bytes;
    byNode.set(t.owner, entry);
    const dt = dtypeName(t.info.dataType);
    bytesByDtype[dt] = (bytesByDtype[dt] ?? 0) + t.bytes;
    total += t.count;
    bytes += t.bytes;
  }
  let quantization: QuantizationTotals | undefined;
  if (storage.length > 0 || packed.length > 0) {
    quantization = { scalesBytes: 0, zeroPointsBytes: 0, packedTensors: packed.length, packedParams: 0, packedBytes: 0 };
    for (const p of packed) {
      quantization.packedParams += p.params;
      quantization.packedBytes += p.bytes;
    }
    for (const t of storage) {
      if (t.role === 'scale') quantization.scalesBytes += t.bytes;
      else quantization.zeroPointsBytes += t.bytes;
      // Stored with the weights they scale: part of the model's bytes, owned by the same node.
      const entry = byNode.get(t.owner) ?? { params: 0, bytes: 0 };
      entry.bytes += t.bytes;
      byNode.set(t.owner, entry);
      const dt = dtypeName(t.info.dataType);
      bytesByDtype[dt] = (bytesByDtype[dt] ?? 0) + t.bytes;
      bytes += t.bytes;
    }
  }
  return { tensors, byNode, total, bytes, bytesByDtype, notes, quantization };
}

// ---------------------------------------------------------------------------------------------
// Quantized storage (kept apart from the role-based counting above so the two can evolve separately)

interface StorageTensor {
  info: ConstantInfo;
  role: 'scale' | 'zeroPoint';
  bytes: number;
  owner: Node;
}

/**
 * Roles of a quantized op's inputs from its rule's `quantized` hook: 'scale' and 'zeroPoint' inputs
 * are stored bytes but not parameters; a number is the parameter count a packed weight represents.
 */
export function quantizedRoles(rec: NodeRecord, inferrer: Inferrer): ReadonlyMap<number, 'scale' | 'zeroPoint' | number> {
  const roles = new Map<number, 'scale' | 'zeroPoint' | number>();
  const hook = rec.rule?.quantized;
  if (hook === undefined) return roles;
  let q;
  try {
    q = hook(inferrer.nodeContext(rec));
  } catch {
    return roles; // the node's own rule reports its problem; its tensors are counted as stored
  }
  for (const i of q.scales ?? []) roles.set(i, 'scale');
  for (const i of q.zeroPoints ?? []) roles.set(i, 'zeroPoint');
  for (const p of q.packed ?? []) roles.set(p.input, p.represents);
  return roles;
}

export interface Duplicate {
  name: string;
  /** The earlier tensor it equals. */
  of: string;
  /** True when it equals the other's transpose. */
  transposed: boolean;
  count: number;
}

export interface DedupeResult {
  /** Parameters once tensors equal to another (or to its transpose) are counted once. */
  params: number;
  bytes: number;
  duplicates: Duplicate[];
}

const dimsKey = (dataType: number, dims: readonly number[]): string => `${dataType}:${dims.join('x')}`;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Row-major transpose of a 2-D tensor's bytes. */
function transpose2d(bytes: Uint8Array, rows: number, cols: number, elementBytes: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const from = (r * cols + c) * elementBytes;
      const to = (c * rows + r) * elementBytes;
      for (let b = 0; b < elementBytes; b++) out[to + b] = bytes[from + b]!;
    }
  }
  return out;
}

/**
 * Opt-in content check (`--dedupe`): hashes the parameter tensors that share dims (or transposed dims)
 * with another one and counts tensors equal to an earlier one, or to its transpose, only once.
 * Reads those tensors' bytes (including external data).
 */
export function dedupeParams(params: ParamsResult, model: Pick<Model, 'path'>): DedupeResult {
  const byDims = new Map<string, number>();
  for (const t of params.tensors) {
    const k = dimsKey(t.info.dataType, t.info.dims);
    byDims.set(k, (byDims.get(k) ?? 0) + 1);
  }
  // hash → the first tensor with that content. Identity copies share their source's stored tensor:
  // they are the exporter's stand-ins for distinct PyTorch parameters, so they never count as duplicates.
  const seenHashes = new Map<string, { name: string; tensor: unknown }>();
  const duplicates: Duplicate[] = [];
  let unique = 0;
  let uniqueBytes = 0;
  for (const t of params.tensors) {
    const { dims, dataType } = t.info;
    const sameDims = (byDims.get(dimsKey(dataType, dims)) ?? 0) > 1;
    const elementBytes = byteSize(dataType, 1);
    const canTranspose = dims.length === 2 && elementBytes * 8 === byteSize(dataType, 8);
    const transposedPeer = canTranspose && dims[0] !== dims[1] && byDims.has(dimsKey(dataType, [dims[1]!, dims[0]!]));
    let dup: Duplicate | undefined;
    if ((sameDims || transposedPeer) && t.info.tensor) {
      const bytes = tensorBytes(t.info.tensor, model);
      const h = `${dimsKey(dataType, dims)}:${sha256(bytes)}`;
      const earlier = seenHashes.get(h);
      if (earlier !== undefined) {
        if (earlier.tensor !== t.info.tensor) dup = { name: t.info.name, of: earlier.name, transposed: false, count: t.count };
      } else if (canTranspose) {
        const ht = `${dimsKey(dataType, [dims[1]!, dims[0]!])}:${sha256(transpose2d(bytes, dims[0]!, dims[1]!, elementBytes))}`;
        const earlierT = seenHashes.get(ht);
        if (earlierT !== undefined) dup = { name: t.info.name, of: earlierT.name, transposed: true, count: t.count };
      }
      if (!dup && earlier === undefined) seenHashes.set(h, { name: t.info.name, tensor: t.info.tensor });
    }
    if (dup) {
      duplicates.push(dup);
    } else {
      unique += t.count;
      uniqueBytes += t.bytes;
    }
  }
  return { params: unique, bytes: uniqueBytes, duplicates };
}
