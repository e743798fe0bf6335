/**
 * Parameters (COUNTING.md "Parameters"): the element count of the tensors the graph holds as weights,
 * decided by the tensor's role, not by where it comes from.
 *
 * - A constant an op reads as a weight (the rule's `weightInputs`: conv/gemm/matmul weights and biases,
 *   norm scale/bias, embedding tables, RNN W/R/B, PRelu slope…) is a parameter, whatever its origin:
 *   initializer, Constant node, ConstantOfShape of a constant shape (the weight-stripped `light` models),
 *   or an Identity copy of one. So is a constant that reaches such an input through data-movement ops
 *   (Transpose, Reshape, Cast, Squeeze, Unsqueeze, Flatten, DequantizeLinear).
 * - At an input no rule declares (element-wise operands, Concat, Where…) a constant is a parameter only
 *   when the file stores it as a weight — an initializer or a light model's ConstantOfShape — and its
 *   values are not a mask (no −inf or ≤ −1e30 entries). A Constant-node tensor there is what the
 *   exporter folded out of the forward pass — a zero padding mask, a −inf causal mask, a zeros_like
 *   accumulator — and is not a parameter.
 * - Inputs a rule lists in `nonParamInputs` (shapes, axes, indices, RNN initial states) are never
 *   parameters; those in `bufferInputs` (BN running statistics) are counted apart as buffers when stored.
 *   int64/bool tensors (ONNX's shape, index and mask types) and rank-0 literals (eps, 0.5, √d) never are.
 * - A constant read by several ops (tied weights) counts once, owned by its first consumer that reads it
 *   as a parameter.
 * - An `Identity` of a constant is a separate tensor (the PyTorch exporter hands out copies of
 *   deduplicated initializers that way); the Identity itself does not consume its input as data.
 * - Bytes are counted from dims and dtype; external data is never read (the mask check reads only
 *   tensors stored inline in the file).
 */
import { createRequire } from 'node:module';
import { byteSize, dtypeName } from '../onnx/dtypes.js';
import type { Model, Node } from '../onnx/model.js';
import { elementCount } from '../onnx/model.js';
import { tensorBytes, someTensorNumber } from '../onnx/tensor-data.js';
import { type ConstantInfo, type GraphAnalysis, type Inferrer, isParameterDtype, type NodeRecord, type Scope } from './infer.js';
import { subgraphsOf } from './topology.js';
import type { NodeContext, QuantizationTotals } from './types.js';

export interface ParamTensor {
  info: ConstantInfo;
  /** Parameters it represents (its element count unless the op's rule says otherwise). */
  count: number;
  bytes: number;
  /** The top-level node that first consumes it as a parameter (it owns the parameters in the node table). */
  owner: Node;
  /** Why it is a parameter: read at a declared weight input, or stored as a weight in the file. */
  role: 'weight' | 'stored';
}

export interface BufferTensor {
  info: ConstantInfo;
  count: number;
  bytes: number;
  owner: Node;
}

export interface ParamsResult {
  tensors: ParamTensor[];
  byNode: Map<Node, { params: number; bytes: number }>;
  total: number;
  bytes: number;
  bytesByDtype: Record<string, number>;
  /** Buffers: stored tensors read as module state (BN running statistics), not parameters. */
  buffers: BufferTensor[];
  buffersTotal: number;
  notes: string[];
  /** Scales and zero points of quantized weights (stored bytes, in `bytes`, not parameters) and packed weights. */
  quantization?: QuantizationTotals | undefined;
}

/** Ops that hand a constant on unchanged in role: a weight reaching a weight input through them is a weight. */
const PASS_THROUGH = new Set(['Identity', 'Transpose', 'Reshape', 'Cast', 'CastLike', 'Squeeze', 'Unsqueeze', 'Flatten', 'DequantizeLinear']);

/** Elements above which the mask check does not decode a stored tensor (it is then taken as a weight). */
const MAX_MASK_CHECK_ELEMENTS = 1 << 22;

const isDefaultDomain = (n: Node): boolean => n.domain === '' || n.domain === 'ai.onnx';

const NO_INDICES: ReadonlySet<number> = new Set();
const NO_ROLES: ReadonlyMap<number, 'scale' | 'zeroPoint'> = new Map();
/** Sets of a rule's fixed index lists, made once per list (a rule's lists are constants). */
const fixedSets = new WeakMap<readonly number[], ReadonlySet<number>>();

function fixedSet(list: readonly number[] | undefined): ReadonlySet<number> {
  if (list === undefined || list.length === 0) return NO_INDICES;
  let set = fixedSets.get(list);
  if (!set) fixedSets.set(list, (set = new Set(list)));
  return set;
}

function indexSpec(spec: readonly number[] | ((ctx: NodeContext) => readonly number[]) | undefined, rec: NodeRecord, inferrer: Inferrer): ReadonlySet<number> {
  if (spec === undefined) return NO_INDICES;
  if (Array.isArray(spec)) return fixedSet(spec);
  try {
    return new Set((spec as (ctx: NodeContext) => readonly number[])(inferrer.nodeContext(rec)));
  } catch {
    return new Set();
  }
}

/** True when the file stores the tensor as a weight: an initializer, a light model's ConstantOfShape, or an Identity of one. */
function isStored(info: ConstantInfo, scope: Scope): boolean {
  let cur: ConstantInfo | undefined = info;
  for (let hops = 0; cur && hops < 64; hops++) {
    if (cur.kind === 'initializer' || cur.kind === 'constant-of-shape') return true;
    if (cur.kind !== 'identity-alias' || cur.aliasOf === undefined) return false;
    cur = scope.constant(cur.aliasOf);
  }
  return false;
}

/**
 * True when a stored float tensor holds mask values (−inf, or the ≤ −1e30 "minus infinity" of finfo.min
 * masks). `known`: the values inference already decoded from this initializer (its facts), so a small
 * tensor is not decoded twice.
 */
function isMaskValued(info: ConstantInfo, model: Pick<Model, 'path'>, known: readonly number[] | undefined): boolean {
  const t = info.tensor;
  if (!t || t.data.kind === 'external' || elementCount(t.dims) > MAX_MASK_CHECK_ELEMENTS) return false;
  try {
    if (known !== undefined && info.kind === 'initializer' && known.length === elementCount(t.dims)) return known.some(isMaskValue);
    // Read in place: a bias of a few hundred floats is checked without a list of its numbers made.
    return someTensorNumber(t, model, isMaskValue) === true;
  } catch {
    return false;
  }
}

/** −∞ or a stand-in for it (−1e30 and below), as additive attention masks hold. */
const isMaskValue = (x: number): boolean => x === -Infinity || x <= -1e30;

/** Count the parameters of an inferred main graph (sub-graph weights included, owned by their control-flow node). */
export function countParams(analysis: GraphAnalysis, inferrer: Inferrer, model: Pick<Model, 'path'> = {}): ParamsResult {
  const seen = new Set<ConstantInfo>();
  const seenBuffers = new Set<ConstantInfo>();
  const tensors: ParamTensor[] = [];
  const buffers: BufferTensor[] = [];
  const notes: string[] = [];
  const storage: StorageTensor[] = [];

  const visitGraph = (a: GraphAnalysis, owner: Node | undefined): void => {
    // Who reads each value, to follow a constant through data-movement ops to a weight input.
    // Built on first need: only a constant fed to a data-movement op asks.
    let consumerMap: Map<string, { rec: NodeRecord; input: number }[]> | undefined;
    const consumersOf = (value: string): { rec: NodeRecord; input: number }[] | undefined => {
      if (!consumerMap) {
        const map = new Map<string, { rec: NodeRecord; input: number }[]>();
        for (const rec of a.records) {
          rec.node.inputs.forEach((name, input) => {
            if (name === '') return;
            const list = map.get(name);
            if (list) list.push({ rec, input });
            else map.set(name, [{ rec, input }]);
          });
        }
        consumerMap = map;
      }
      return consumerMap.get(value);
    };
    // Sets a rule computes from the node, once per node; a rule's fixed list is one set for all its nodes (fixedSet).
    const weightSets = new Map<NodeRecord, ReadonlySet<number>>();
    const weightsOf = (rec: NodeRecord): ReadonlySet<number> => {
      const spec = rec.rule?.weightInputs;
      if (spec === undefined || Array.isArray(spec)) return indexSpec(spec, rec, inferrer);
      let w = weightSets.get(rec);
      if (!w) {
        w = indexSpec(spec, rec, inferrer);
        weightSets.set(rec, w);
      }
      return w;
    };
    const reachesWeight = (value: string, depth: number): boolean => {
      if (depth > 16) return false;
      for (const c of consumersOf(value) ?? []) {
        if (weightsOf(c.rec).has(c.input)) return true;
        if (isDefaultDomain(c.rec.node) && PASS_THROUGH.has(c.rec.node.opType) && c.input === 0) {
          const out = c.rec.node.outputs[0];
          if (out && reachesWeight(out, depth + 1)) return true;
        }
      }
      return false;
    };

    const { inputIds } = a.index;
    /** The parameters, buffers and quantized storage among one node's constant inputs. */
    const visitInputs = (rec: NodeRecord, nodeOwner: Node, first: number): void => {
      const isIdentity = isDefaultDomain(rec.node) && rec.node.opType === 'Identity';
      const rule = rec.rule;
      const skip = indexSpec(rule?.nonParamInputs, rec, inferrer);
      const bufferInputs = fixedSet(rule?.bufferInputs);
      const weights = weightsOf(rec);
      const passThrough = isDefaultDomain(rec.node) && PASS_THROUGH.has(rec.node.opType);
      const quantRoles = quantizedRoles(rec, inferrer);
      // An indexed loop, not forEach: no closure per node.
      const names = rec.node.inputs;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const id = inputIds[first + i]!;
        if (id < 0) continue;
        const info = rec.scope.constantById(id);
        if (!info) continue;
        if (isIdentity && rec.scope.constant(rec.node.outputs[0] ?? '')?.aliasOf === name) continue;
        const quantRole = quantRoles.get(i);
        if (quantRole !== undefined) {
          // a scale or zero point: stored bytes of the quantized weights, never a parameter
          if (!seen.has(info)) {
            seen.add(info);
            storage.push({ info, role: quantRole, bytes: byteSize(info.dataType, elementCount(info.dims)), owner: nodeOwner });
          }
          continue;
        }
        if (!isParameterDtype(info.dataType) || info.dims.length === 0) continue;
        const count = elementCount(info.dims);
        if (bufferInputs.has(i)) {
          if (!seenBuffers.has(info) && isStored(info, rec.scope)) {
            seenBuffers.add(info);
            buffers.push({ info, count, bytes: byteSize(info.dataType, count), owner: nodeOwner });
          }
          continue;
        }
        if (skip.has(i) || seen.has(info)) continue;
        let role: ParamTensor['role'] | undefined;
        if (weights.has(i)) role = 'weight';
        else if (passThrough && i === 0 && rec.node.outputs[0] && reachesWeight(rec.node.outputs[0], 0)) role = 'weight';
        else if (isStored(info, rec.scope) && !isMaskValued(info, model, rec.scope.getById(id)?.value)) role = 'stored';
        if (role === undefined) continue;
        seen.add(info);
        let represented = count;
        if (role === 'weight' && rule?.weightParams) {
          try {
            represented = rule.weightParams(inferrer.nodeContext(rec), i) ?? count;
          } catch {
            represented = count;
          }
        }
        tensors.push({ info, count: represented, bytes: byteSize(info.dataType, count), owner: nodeOwner, role });
      }
    };

    const { inputStart } = a.index;
    for (let r = 0; r < a.records.length; r++) {
      const rec = a.records[r]!;
      const nodeOwner = owner ?? rec.node;
      // Only a constant input can be a parameter: most nodes read none, and their rule's index lists
      // (some are functions of the node) are not asked for.
      const first = inputStart[rec.index]!;
      const end = inputStart[rec.index + 1]!;
      let readsConstant = false;
      for (let j = first; j < end && !readsConstant; j++) {
        const id = inputIds[j]!;
        readsConstant = id >= 0 && rec.scope.constantById(id) !== undefined;
      }
      if (readsConstant) visitInputs(rec, nodeOwner, first);
      if (a.index.holdsSubgraphs[r] === 0) continue;
      for (const g of subgraphsOf(rec.node)) {
        let sub = rec.subgraphs?.get(g);
        if (!sub) {
          // The node's rule did not infer this body (e.g. the node has no rule): infer it from its declared types.
          try {
            sub = inferrer.inferGraph(g, [], rec.scope);
          } catch (err) {
            notes.push(
              `parameters inside a sub-graph of '${rec.node.name || rec.node.opType}' were not counted: ${err instanceof Error ? err.message : String(err)}`,
            );
            continue;
          }
        }
        visitGraph(sub, nodeOwner);
      }
    }
  };
  visitGraph(analysis, undefined);

  const byNode = new Map<Node, { params: number; bytes: number }>();
  const bytesByDtype: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  // Indexed loops: a for-of makes an iterator result per tensor until the loop is optimized.
  for (let k = 0; k < tensors.length; k++) {
    const t = tensors[k]!;
    const entry = byNode.get(t.owner) ?? { params: 0, bytes: 0 };
    entry.params += t.count;
    entry.bytes += t.bytes;
    byNode.set(t.owner, entry);
    const dt = dtypeName(t.info.dataType);
    bytesByDtype[dt] = (bytesByDtype[dt] ?? 0) + t.bytes;
    total += t.count;
    bytes += t.bytes;
  }
  let buffersTotal = 0;
  for (let k = 0; k < buffers.length; k++) buffersTotal += buffers[k]!.count;
  const quantization = quantizationTotals(tensors, storage, byNode, bytesByDtype);
  if (quantization) bytes += quantization.scalesBytes + quantization.zeroPointsBytes;
  return { tensors, byNode, total, bytes, bytesByDtype, buffers, buffersTotal, notes, quantization };
}

// ---------------------------------------------------------------------------------------------
// Quantized storage: scales and zero points (OpRule.quantized) and packed weights (weightParams)

interface StorageTensor {
  info: ConstantInfo;
  role: 'scale' | 'zeroPoint';
  bytes: number;
  owner: Node;
}

/** Roles from a rule's `quantized` hook: the inputs holding scales and zero points. */
function quantizedRoles(rec: NodeRecord, inferrer: Inferrer): ReadonlyMap<number, 'scale' | 'zeroPoint'> {
  const hook = rec.rule?.quantized;
  if (hook === undefined) return NO_ROLES;
  const roles = new Map<number, 'scale' | 'zeroPoint'>();
  let q;
  try {
    q = hook(inferrer.nodeContext(rec));
  } catch {
    return roles; // the node's own rule reports its problem
  }
  for (const i of q.scales ?? []) roles.set(i, 'scale');
  for (const i of q.zeroPoints ?? []) roles.set(i, 'zeroPoint');
  return roles;
}

/**
 * Totals of quantized storage, or undefined for a model without any: scales and zero points are added
 * to their node's and their dtype's bytes (they are stored), packed weights (a parameter count other
 * than the element count) are listed with the parameters they represent.
 */
function quantizationTotals(
  tensors: readonly ParamTensor[],
  storage: readonly StorageTensor[],
  byNode: Map<Node, { params: number; bytes: number }>,
  bytesByDtype: Record<string, number>,
): QuantizationTotals | undefined {
  const packed = tensors.filter((t) => t.count !== elementCount(t.info.dims));
  if (storage.length === 0 && packed.length === 0) return undefined;
  const q: QuantizationTotals = { scalesBytes: 0, zeroPointsBytes: 0, packedTensors: packed.length, packedParams: 0, packedBytes: 0 };
  for (const t of packed) {
    q.packedParams += t.count;
    q.packedBytes += t.bytes;
  }
  for (const t of storage) {
    if (t.role === 'scale') q.scalesBytes += t.bytes;
    else q.zeroPointsBytes += t.bytes;
    const entry = byNode.get(t.owner) ?? { params: 0, bytes: 0 };
    entry.bytes += t.bytes;
    byNode.set(t.owner, entry);
    const dt = dtypeName(t.info.dataType);
    bytesByDtype[dt] = (bytesByDtype[dt] ?? 0) + t.bytes;
  }
  return q;
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

// node:crypto is loaded on the first hash (only --dedupe hashes): `profile` starts without it (issue 13).
const require = createRequire(import.meta.url);

function sha256(bytes: Uint8Array): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
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
