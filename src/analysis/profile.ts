/**
 * model + input shapes → Profile: bind the inputs, inline model-local functions, infer every value,
 * cost every node under the chosen convention, count parameters, activation memory and depth, and
 * aggregate by op type and by module. Pure: bytes are read only through src/onnx (small constants,
 * and tensors the opt-in dedupe check hashes).
 */
import { dtypeName } from '../onnx/dtypes.js';
import type { Dim, Graph, Model } from '../onnx/model.js';
import { opsetVersion } from '../onnx/model.js';
import { assumedBatchNote, type Binding, bindInputs, feedInputs, type InputShapes, parseInputShapes } from './bind.js';
import { costGraph, type GraphCost, outputBytes, uncountedNodes } from './cost.js';
import { graphDepth } from './depth.js';
import { inlineFunctions } from './functions.js';
import { type GraphAnalysis, Inferrer, type NodeRecord } from './infer.js';
import { activationMemory, valueBytes } from './memory.js';
import { annotateModules } from './module-view.js';
import { moduleTree, scopeOf } from './modules.js';
import { attributesJson } from './node-attrs.js';
import { userRuleTable } from './user-rules.js';
import { type BufferTensor, countParams, dedupeParams, type ParamsResult } from './params.js';
import { ShapeLists } from './shape-table.js';
import { allSubgraphs, type GraphIndex } from './topology.js';
import {
  AnalysisError,
  type Convention,
  CONVENTIONS,
  type NodeCost,
  type OpRule,
  type OpTypeTotals,
  type Profile,
  type TensorEntry,
  type UncountedOp,
  type ValueFacts,
} from './types.js';

/** Input shapes as the CLI gives them (`name=1x3x224x224,…`), or by name. */
export type InputsOption = string | readonly string[] | Readonly<Record<string, readonly number[]>> | InputShapes;

export interface AnalyzeOptions {
  inputs?: InputsOption | undefined;
  /** Shapes observed at run time (`--shapes runtime`); they replace inferred shapes. */
  runtimeShapes?: ReadonlyMap<string, readonly number[]> | undefined;
  /** User rules for custom operators (`--rules`, docs/custom-ops.md). */
  rules?: readonly OpRule[] | undefined;
}

export interface ProfileOptions extends AnalyzeOptions {
  convention?: Convention | undefined;
  /** Hash parameter tensors to find copies (reads their bytes). */
  dedupe?: boolean | undefined;
  /** sha256 of the model file (computed by the caller, which owns the I/O). */
  sha256?: string | undefined;
}

/** The inferred model: what the counting stages work from. */
export interface ModelAnalysis {
  model: Model;
  /** The main graph with model-local functions inlined. */
  graph: Graph;
  binding: Binding;
  inferrer: Inferrer;
  main: GraphAnalysis;
}

function toInputShapes(inputs: InputsOption | undefined): InputShapes {
  if (inputs === undefined) return new Map();
  if (typeof inputs === 'string' || Array.isArray(inputs)) return parseInputShapes(inputs as string | readonly string[]);
  if (inputs instanceof Map) return new Map(inputs);
  return new Map(Object.entries(inputs as Record<string, readonly number[]>).map(([k, v]) => [k, [...v]]));
}

/**
 * Run an analysis stage; a RangeError (the call stack or an array length exhausted by a model the
 * reader's limits did not foresee) becomes one AnalysisError instead of a crash without a file.
 */
function bounded<T>(stage: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw new AnalysisError(`the model is too large or too deeply nested to ${stage} (${err.message})`);
    throw err;
  }
}

/** Bind inputs and infer every value of the model's main graph. */
export function analyzeModel(model: Model, options: AnalyzeOptions = {}): ModelAnalysis {
  return bounded('analyse', () => analyzeModelUnbounded(model, options));
}

function analyzeModelUnbounded(model: Model, options: AnalyzeOptions): ModelAnalysis {
  const binding = bindInputs(model.graph, toInputShapes(options.inputs));
  const { graph, nodeOpsets } = inlineFunctions(model);
  const inferrer = new Inferrer(
    {
      opsets: model.opsetImports,
      // Only inlined function bodies have opsets of their own: without functions no node is looked up.
      nodeOpsets: model.functions.length > 0 ? nodeOpsets : undefined,
      symbols: binding.symbols,
      runtimeShapes: options.runtimeShapes,
      model,
      userRules: options.rules && options.rules.length > 0 ? userRuleTable(options.rules) : undefined,
    },
    [graph, ...allSubgraphs(graph)],
  );
  const fed = new Map<string, ValueFacts>(binding.inputs.map((b) => [b.name, { dtype: b.dtype, shape: [...b.shape] }]));
  const main = inferrer.inferGraph(graph, fed);
  return { model, graph, binding, inferrer, main };
}

/** A column of the node table added up (an indexed loop: no array of the column, no iterator). */
const sumOf = (nodes: readonly NodeCost[], key: 'macs' | 'flops'): number => {
  let s = 0;
  for (let i = 0; i < nodes.length; i++) s += nodes[i]![key];
  return s;
};

/** Profile a model: totals, per-node costs, op-type and module aggregates, uncounted nodes. */
export function profileModel(model: Model, options: ProfileOptions = {}): Profile {
  return bounded('profile', () => profileModelUnbounded(model, options));
}

function profileModelUnbounded(model: Model, options: ProfileOptions): Profile {
  const convention = options.convention ?? 'exact';
  if (!CONVENTIONS.includes(convention)) {
    throw new AnalysisError(`unknown convention '${String(convention)}'; use one of ${CONVENTIONS.join(', ')}`);
  }
  const a = analyzeModel(model, options);
  const { main, inferrer, binding } = a;
  const notes: string[] = binding.assumed.map(assumedBatchNote);

  const exact = costGraph(main, 'exact', inferrer);
  const costs: GraphCost = convention === 'exact' ? exact : costGraph(main, convention, inferrer);
  const params = countParams(main, inferrer, model);
  notes.push(...params.notes);
  const memory = activationMemory(
    main,
    feedInputs(a.graph).map((i) => i.name),
  );
  if (memory.unknownValues > 0) {
    notes.push(`memory: ${memory.unknownValues} values with unknown shapes are left out of the activation bytes`);
  }
  notes.push(...declaredShapeNotes(inferrer));
  const depth = graphDepth(exact, inferrer);
  notes.push(...new Set(depth.notes));

  const { index } = main;
  const nodes = nodeCosts(costs, params, index, new ShapeLists());

  const modules = moduleTree(nodes);
  annotateModules(
    modules,
    nodes,
    index,
    a.graph.outputs.map((o) => o.name),
    {
      isConstant: (id) => main.scope.constantById(id) !== undefined,
      isStatic: (id) => main.scope.getById(id)?.value !== undefined,
      bytes: (id) => valueBytes(main.scope.getById(id)),
    },
  );
  const uncounted = groupUncounted(costs);
  const uncountedNodeCount = uncounted.reduce((s, u) => s + u.nodes, 0);
  if (uncountedNodeCount > 0) {
    notes.push(`${uncountedNodeCount} node(s) are not counted (see uncounted); the MACs and FLOPs totals leave them out`);
  }

  const profile: Profile = {
    schema: 1,
    model: {
      path: model.path,
      sha256: options.sha256,
      opset: opsetVersion(model, '') ?? 0,
      irVersion: model.irVersion,
      producer: [model.producerName, model.producerVersion].filter((s) => s !== '').join(' '),
    },
    convention,
    inputs: binding.inputs.map((b) => ({ name: b.name, dtype: dtypeName(b.dtype), shape: b.shape as Dim[] })),
    outputs: a.graph.outputs.map((o) => {
      const f = main.scope.get(o.name);
      return { name: o.name, dtype: dtypeName(f?.dtype ?? 0), shape: f?.shape ?? null };
    }),
    totals: {
      params: params.total,
      buffers: params.buffersTotal,
      paramsBytesByDtype: params.bytesByDtype,
      paramsBytes: params.bytes,
      macs: sumOf(nodes, 'macs'),
      flops: sumOf(nodes, 'flops'),
      activationsPeakBytes: memory.peakBytes,
      activationsTotalBytes: memory.totalBytes,
      depth: depth.depth,
      ...(params.quantization ? { quantization: params.quantization } : {}),
    },
    byOpType: byOpType(nodes),
    modules,
    nodes,
    tensors: [...params.tensors.map((t) => tensorEntry(t, 'parameter')), ...params.buffers.map((t) => tensorEntry(t, 'buffer'))],
    uncounted,
    notes,
  };
  if (binding.assumed.length > 0) profile.assumedBatch = binding.assumed.map((x) => ({ ...x }));
  if (options.dedupe) {
    const d = dedupeParams(params, model);
    profile.dedupe = {
      params: d.params,
      paramsBytes: d.bytes,
      duplicates: d.duplicates.map((x) => ({ name: x.name, of: x.of, transposed: x.transposed, params: x.count })),
    };
    notes.push(
      d.duplicates.length === 0
        ? 'dedupe: no parameter tensor equals another one or its transpose'
        : `dedupe: ${d.duplicates.length} tensor(s) equal another one or its transpose; ${d.params} unique parameters of ${params.total} held`,
    );
  }
  return profile;
}

/**
 * The Profile's node table: one row per node of the main graph, in topological order. A function of
 * its own (as each stage's loop is): V8 optimizes a small function whole, where a long one is
 * recompiled each time another of its loops gets hot.
 */
function nodeCosts(costs: GraphCost, params: ParamsResult, index: GraphIndex, shapes: ShapeLists): NodeCost[] {
  const { records } = costs.analysis;
  const nodes: NodeCost[] = new Array(records.length);
  for (let i = 0; i < nodes.length; i++) {
    const rec = records[i]!;
    const { node } = rec;
    const p = params.byNode.get(node);
    nodes[i] = {
      name: node.name,
      opType: node.opType,
      domain: node.domain,
      scope: scopeOf(node.name),
      // The node's own name lists (the Profile is read, never edited): no copy per node.
      inputs: node.inputs,
      outputs: node.outputs,
      constantInputs: constantInputs(rec, index),
      attributes: attributesJson(node.attributes),
      // Read through the ids: no list of the facts is made per node for them.
      inputShapes: shapes.ofIds(rec.scope, index.inputIds, index.inputStart[i]!, index.inputStart[i + 1]!),
      outputShapes:
        rec.ownOutputs !== undefined ? shapes.of(rec.ownOutputs) : shapes.ofIds(rec.scope, index.outputIds, index.outputStart[i]!, index.outputStart[i + 1]!),
      params: p?.params ?? 0,
      paramsBytes: p?.bytes ?? 0,
      macs: costs.macs[i]!,
      flops: costs.flops[i]!,
      outputBytes: outputBytes(rec),
      counted: costs.counted[i] === 1,
      formula: costs.formulas[i],
    };
  }
  return nodes;
}

const NO_INPUTS = Object.freeze([]) as unknown as number[];

/**
 * The lists of one constant input (index 0 … 7), and of inputs 1 and 2 (a weight and a bias): most
 * nodes with constants have one of these, so they share it. The Profile is read, never edited.
 */
const ONE_INPUT = Array.from({ length: 8 }, (_, j) => [j]);
const INPUTS_1_2 = [1, 2];

/** Indices of a node's inputs that are constants (a shared list for the common cases, above). */
function constantInputs(rec: NodeRecord, index: GraphIndex): number[] {
  const first = index.inputStart[rec.index]!;
  const end = index.inputStart[rec.index + 1]!;
  let count = 0;
  let last = -1;
  for (let j = first; j < end; j++) {
    if (!isConstantId(rec, index.inputIds[j]!)) continue;
    count++;
    last = j - first;
  }
  if (count === 0) return NO_INPUTS;
  if (count === 1 && last < ONE_INPUT.length) return ONE_INPUT[last]!;
  if (count === 2 && last === 2 && isConstantId(rec, index.inputIds[first + 1]!)) return INPUTS_1_2;
  // Kept with the profile: an exact-size list, not one grown by push (which keeps room for 16).
  const out: number[] = new Array(count);
  count = 0;
  for (let j = first; j < end; j++) if (isConstantId(rec, index.inputIds[j]!)) out[count++] = j - first;
  return out;
}

/** True when value `id` (−1: an omitted input) is a constant where the node reads it (a function, not a closure per node). */
function isConstantId(rec: NodeRecord, id: number): boolean {
  return id >= 0 && rec.scope.constantById(id) !== undefined;
}

/** One note for value_info shapes that disagree with inference (the inferred ones are used). */
function declaredShapeNotes(inferrer: Inferrer): string[] {
  const d = inferrer.disagreements;
  if (d.length === 0) return [];
  const shape = (s: readonly Dim[]): string => `[${s.map((x) => (x === null ? '?' : String(x))).join('×')}]`;
  const shown = d.slice(0, 3).map((x) => `'${x.name}' declared ${shape(x.declared)}, inferred ${shape(x.inferred)}`);
  return [
    `value_info: ${d.length} declared shape(s) disagree with the shapes inferred from the bound inputs; the inferred ones are used (${shown.join('; ')}${d.length > 3 ? '; …' : ''})`,
  ];
}

/**
 * Op-type names in the order localeCompare gives ASCII names (case-insensitive first, lower case
 * before upper on a tie), without its collator: loading ICU's costs ~10 ms, a twentieth of a profile.
 */
function byName(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  if (a === b) return 0;
  return a > b ? -1 : 1;
}

function byOpType(nodes: readonly NodeCost[]): OpTypeTotals[] {
  const map = new Map<string, OpTypeTotals>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    const t = map.get(key) ?? { opType: key, nodes: 0, params: 0, macs: 0, flops: 0 };
    t.nodes += 1;
    t.params += n.params;
    t.macs += n.macs;
    t.flops += n.flops;
    map.set(key, t);
  }
  return [...map.values()].sort((x, y) => y.flops - x.flops || y.macs - x.macs || byName(x.opType, y.opType));
}

/** How to get an op no rule covers counted: a rule module (docs/custom-ops.md). */
function remedyFor(domain: string, opType: string, reason: string): string | undefined {
  const op = domain && domain !== 'ai.onnx' ? `${domain}.${opType}` : opType;
  if (!reason.endsWith('no rule')) return undefined;
  return `give ${op} a rule (its shape and its cost per convention) in a module passed with --rules my-ops.mjs (docs/custom-ops.md)`;
}

function groupUncounted(costs: GraphCost): UncountedOp[] {
  const groups = new Map<string, UncountedOp>();
  for (const u of uncountedNodes(costs)) {
    const reason = u.inside ? `inside the body of '${u.inside}': ${u.reason}` : u.reason;
    const key = `${u.node.domain}\u0000${u.node.opType}\u0000${reason}`;
    const g = groups.get(key) ?? { opType: u.node.opType, domain: u.node.domain, nodes: 0, outputBytes: 0, reason, examples: [] };
    if (g.remedy === undefined) {
      const remedy = remedyFor(u.node.domain, u.node.opType, reason);
      if (remedy) g.remedy = remedy;
    }
    g.nodes += 1;
    g.outputBytes += u.outputBytes;
    if (g.examples!.length < 3) g.examples!.push(u.node.name || u.node.opType);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** A counted initializer as the profile lists it. */
function tensorEntry(t: BufferTensor, kind: TensorEntry['kind']): TensorEntry {
  // The model's own dims list (the Profile is read, never edited): no copy per tensor.
  return { name: t.info.name, dtype: dtypeName(t.info.dataType), dims: t.info.dims, count: t.count, owner: t.owner.name || t.owner.opType, kind };
}
