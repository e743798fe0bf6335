/**
 * Shape and value inference over a graph: a topological walk that hands each node's input facts to its
 * op rule (src/analysis/ops) and records the output facts. Initializers and Constant nodes are facts with
 * their dims (small ones with their values, so shape computations fold); graph inputs come from the
 * binding; value_info fills what a rule leaves unknown. Sub-graphs (If/Loop/Scan) are inferred on demand
 * with the enclosing values visible. A node whose rule is missing or fails keeps its recorded problem;
 * the cost stage lists it as uncounted.
 */
import { isFloatType, isIntegerType } from '../onnx/dtypes.js';
import { makeTensor } from '../onnx/encode.js';
import type { Dim, Graph, Model, Node, OpsetId, Tensor, TypeInfo } from '../onnx/model.js';
import { elementCount } from '../onnx/model.js';
import { tensorNumbers } from '../onnx/tensor-data.js';
import { substituteSymbols } from './bind.js';
import { type ContextHooks, makeNodeContext, MAX_VALUE_ELEMENTS } from './context.js';
import type { NodeOpsets } from './functions.js';
import type { NameIds } from './name-ids.js';
import { ruleFor } from './ops/index.js';
import { ShapeTable } from './shape-table.js';
import { type GraphIndex, hasSubgraphs, indexGraph, nodeLabel } from './topology.js';
import { userRuleKey } from './user-rules.js';
import { AnalysisError, type NodeContext, type OpRule, type ValueFacts } from './types.js';

/**
 * Float constants above this many elements are weights: their values are never decoded. The float
 * values shape arithmetic reads are scalars and per-axis lists (Resize scales, Range bounds, Clip
 * limits: at most one per axis); a bias or a norm's scale of 16 is a weight, and decoding each of
 * them kept an array per tensor (on a 100k-node graph, 30,000 of them) that nothing read.
 */
const MAX_FLOAT_VALUE_ELEMENTS = 8;

/** A constant tensor visible in a scope: where it comes from and its bytes (for params and dedupe). */
export interface ConstantInfo {
  name: string;
  kind: 'initializer' | 'constant-node' | 'constant-of-shape' | 'identity-alias';
  dataType: number;
  dims: number[];
  /** The tensor holding the bytes (for an Identity alias, the tensor it copies). */
  tensor?: Tensor | undefined;
  /** For an Identity alias: the constant it copies. */
  aliasOf?: string | undefined;
}

/**
 * Values visible at a point of a graph, with the enclosing graphs' values behind. A graph's own values
 * sit in arrays by their dense id (GraphIndex.ids): the stages that hold the ids read a slot, names
 * cost one map lookup, and only a value read from an enclosing graph walks up to the parent.
 */
export class Scope {
  private readonly facts: (ValueFacts | undefined)[];
  private readonly constants: (ConstantInfo | undefined)[];

  constructor(
    readonly parent: Scope | undefined,
    /** The index of the graph whose values these are (the records' inputs and outputs are read through it). */
    readonly index: GraphIndex,
  ) {
    // Sized up front: filled out of id order, a growing array could turn into a slow sparse one.
    this.facts = new Array(index.ids.size);
    this.constants = new Array(index.ids.size);
  }

  /** Value name → id in this scope's arrays (a name it does not hold gets one when set), and id → name: what a value of an enclosing graph is asked for by. */
  private get ids(): NameIds {
    return this.index.ids;
  }

  get(name: string): ValueFacts | undefined {
    const id = this.ids.get(name);
    return (id === undefined ? undefined : this.facts[id]) ?? this.parent?.get(name);
  }

  /** The facts of value `id` (its name is looked up only in the enclosing scopes, and only when there are some). */
  getById(id: number): ValueFacts | undefined {
    return this.facts[id] ?? this.parent?.get(this.ids.names[id]!);
  }

  set(name: string, facts: ValueFacts): void {
    this.facts[this.idOf(name)] = facts;
  }

  setById(id: number, facts: ValueFacts): void {
    this.facts[id] = facts;
  }

  /** The constant behind a value (initializer, Constant node, or Identity of one), if it is one. */
  constant(name: string): ConstantInfo | undefined {
    const id = this.ids.get(name);
    return (id === undefined ? undefined : this.constants[id]) ?? this.parent?.constant(name);
  }

  /** The constant behind value `id`. */
  constantById(id: number): ConstantInfo | undefined {
    return this.constants[id] ?? this.parent?.constant(this.ids.names[id]!);
  }

  addConstant(info: ConstantInfo): void {
    this.constants[this.idOf(info.name)] = info;
  }

  addConstantById(id: number, info: ConstantInfo): void {
    this.constants[id] = info;
  }

  private idOf(name: string): number {
    return this.ids.idOf(name);
  }
}

/** What inference learnt about one node. */
export interface NodeRecord {
  node: Node;
  /** Position in the topological order of its graph. */
  index: number;
  opset: number;
  rule: OpRule | undefined;
  /**
   * The facts of its outputs when one of them is omitted (a '' name: no value of the scope holds it).
   * Otherwise undefined: its inputs' and outputs' facts are its scope's (inputFacts, outputFacts),
   * not kept a second time per node.
   */
  ownOutputs: ValueFacts[] | undefined;
  /** Why the node cannot be counted: no rule, or its rule's error. */
  problem?: string | undefined;
  /** The scope the node was inferred in (for sub-graph inference at cost time). */
  scope: Scope;
  /** Sub-graph inferences made by the node's rule, by sub-graph (made when a rule infers one). */
  subgraphs?: Map<Graph, GraphAnalysis> | undefined;
}

export interface GraphAnalysis {
  graph: Graph;
  scope: Scope;
  /** Nodes in topological order. */
  records: NodeRecord[];
  /** Value ids and per-node id lists (index-aligned with `records`), shared by the later stages. */
  index: GraphIndex;
}

export interface InferOptions {
  /** Opset imports of the model. */
  opsets: OpsetId[];
  /** Opsets of inlined function-body nodes. */
  nodeOpsets?: NodeOpsets | undefined;
  /** Values of the model's symbolic dims, applied to value_info hints. */
  symbols?: ReadonlyMap<string, number> | undefined;
  /** Observed shapes (`--shapes runtime`): replace inferred shapes of these values. */
  runtimeShapes?: ReadonlyMap<string, readonly number[]> | undefined;
  /** The model (its path resolves external data; only small tensors are ever decoded). */
  model?: Pick<Model, 'path'> | undefined;
  /** User rules for custom operators (src/analysis/user-rules.ts), before the built-in table. */
  userRules?: ReadonlyMap<string, OpRule> | undefined;
}

const normDomain = (d: string): string => (d === 'ai.onnx' ? '' : d);

/** Facts from a declared type (value_info, graph inputs/outputs). */
function factsFromType(t: TypeInfo | undefined, symbols?: ReadonlyMap<string, number>): ValueFacts | undefined {
  if (!t) return undefined;
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return { dtype: t.elemType, shape: symbols ? substituteSymbols(t.shape, symbols) : t.shape };
    case 'sequence':
    case 'optional':
      return { dtype: 0, kind: t.kind, elem: factsFromType(t.elem, symbols) };
    case 'map':
      return { dtype: 0, kind: 'map' };
    case 'unknown':
      return undefined;
  }
}

/** Fill what `f` leaves unknown from a hint; numbers already inferred are kept. */
function mergeFacts(f: ValueFacts, hint: ValueFacts | undefined): ValueFacts {
  if (!hint) return f;
  const out: ValueFacts = { ...f };
  if (!out.dtype && hint.dtype) out.dtype = hint.dtype;
  if (out.shape === undefined) {
    out.shape = hint.shape;
  } else if (hint.shape && hint.shape.length === out.shape.length) {
    out.shape = out.shape.map((d, i): Dim => {
      const h = hint.shape![i]!;
      if (typeof d === 'number') return d;
      if (typeof h === 'number') return h;
      return d ?? h;
    });
  }
  if (out.kind === undefined && hint.kind !== undefined) {
    out.kind = hint.kind;
    out.elem = hint.elem;
  }
  return out;
}

/** Facts of a constant tensor: dims, and element values when small enough to matter for shapes. */
function constantFacts(t: Tensor, model: Pick<Model, 'path'>, shapes: ShapeTable): ValueFacts {
  const count = elementCount(t.dims);
  const facts: ValueFacts = { dtype: t.dataType, shape: shapes.intern(t.dims) };
  const small = isFloatType(t.dataType) ? count <= MAX_FLOAT_VALUE_ELEMENTS : count <= MAX_VALUE_ELEMENTS;
  if (small && t.data.kind !== 'external' && t.data.kind !== 'strings') {
    try {
      const v = tensorNumbers(t, model);
      if (v !== undefined && v.length === count) facts.value = v;
    } catch {
      // A tensor whose bytes do not match its dims: leave its value unknown, the dims still hold.
    }
  }
  return facts;
}

/** The tensor a Constant node holds (value, value_float(s), value_int(s)); undefined for strings/sparse. */
export function constantNodeTensor(node: Node): Tensor | undefined {
  for (const a of node.attributes) {
    switch (a.name) {
      case 'value':
        if (a.type === 'tensor') return a.value;
        break;
      case 'value_float':
        if (a.type === 'float') return makeTensor(node.outputs[0] ?? '', 'float32', [], [a.value]);
        break;
      case 'value_floats':
        if (a.type === 'floats') return makeTensor(node.outputs[0] ?? '', 'float32', [a.value.length], a.value);
        break;
      case 'value_int':
        if (a.type === 'int') return makeTensor(node.outputs[0] ?? '', 'int64', [], [a.value]);
        break;
      case 'value_ints':
        if (a.type === 'ints') return makeTensor(node.outputs[0] ?? '', 'int64', [a.value.length], a.value);
        break;
      case 'sparse_value':
        if (a.type === 'sparse_tensor') return { ...a.value.values, dims: [...a.value.dims], data: { kind: 'none' } };
        break;
    }
  }
  return undefined;
}

/**
 * Node inferences one model analysis may make, sub-graphs included. Loops unrolled up to 1,024 trips
 * and SequenceMaps over up to 4,096 items multiply when nested (1,024^3 bodies from a few hundred
 * bytes); a real model needs its node count times a small factor.
 */
const MAX_NODE_INFERENCES = 3_000_000;

/** Runs the op rules over graphs; one instance per model analysis. */
export class Inferrer {
  private readonly opsets = new Map<string, number>();
  private work = 0;
  private readonly hints = new Map<string, ValueFacts>();
  /** Equal shapes as one array (values' facts, and through them the Profile's shape lists). */
  readonly shapes = new ShapeTable();

  constructor(
    private readonly options: InferOptions,
    hintGraphs: Graph[] = [],
  ) {
    for (const o of options.opsets) this.opsets.set(normDomain(o.domain), o.version);
    for (const g of hintGraphs) this.collectHints(g);
  }

  /** Declared types of intermediate values and outputs, in this graph and its sub-graphs. */
  private collectHints(g: Graph): void {
    for (const list of [g.valueInfo, g.outputs]) {
      for (let i = 0; i < list.length; i++) {
        const vi = list[i]!;
        const f = factsFromType(vi.type, this.options.symbols);
        if (f && !this.hints.has(vi.name)) this.hints.set(vi.name, f);
      }
    }
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i]!;
      if (!hasSubgraphs(n)) continue;
      for (const a of n.attributes) {
        if (a.type === 'graph') this.collectHints(a.value);
        else if (a.type === 'graphs') a.value.forEach((s) => this.collectHints(s));
      }
    }
  }

  /**
   * Values whose declared shape (value_info, graph outputs) disagrees with the inferred one: a
   * different rank or a different number in some dim. The inferred shape is kept; these are
   * reported (profile notes) so a stale annotation is seen, not silently trusted.
   */
  readonly disagreements: { name: string; declared: Dim[]; inferred: Dim[] }[] = [];

  private compareWithHint(name: string, f: ValueFacts, hint: ValueFacts | undefined): void {
    const inferred = f.shape;
    const declared = hint?.shape;
    if (inferred === undefined || declared === undefined) return;
    const differs =
      inferred.length !== declared.length || inferred.some((d, i) => typeof d === 'number' && typeof declared[i] === 'number' && d !== declared[i]);
    if (differs && !this.disagreements.some((x) => x.name === name)) this.disagreements.push({ name, declared: [...declared], inferred: [...inferred] });
  }

  opsetFor(node: Node): number {
    const domain = normDomain(node.domain);
    const own = this.options.nodeOpsets?.get(node)?.find((o) => normDomain(o.domain) === domain);
    // A domain the model does not import (contrib ops in old files) is taken at version 1.
    return own?.version ?? this.opsets.get(domain) ?? 1;
  }

  /**
   * Infer a graph. `inputFacts` gives facts for its formal inputs (the main graph's come from the
   * binding by name; a sub-graph's by position); `parent` is the enclosing scope.
   */
  inferGraph(g: Graph, inputFacts: Map<string, ValueFacts> | (ValueFacts | undefined)[], parent?: Scope): GraphAnalysis {
    const index = indexGraph(g);
    const scope = new Scope(parent, index);
    const model = this.options.model ?? {};
    for (let i = 0; i < g.initializers.length; i++) {
      const t = g.initializers[i]!;
      const id = index.initializerIds[i]!;
      scope.setById(id, constantFacts(t, model, this.shapes));
      scope.addConstantById(id, { name: t.name, kind: 'initializer', dataType: t.dataType, dims: t.dims, tensor: t });
    }
    for (const s of g.sparseInitializers) {
      scope.set(s.values.name, { dtype: s.values.dataType, shape: [...s.dims] });
      scope.addConstant({ name: s.values.name, kind: 'initializer', dataType: s.values.dataType, dims: s.dims });
    }
    g.inputs.forEach((vi, i) => {
      const declared = factsFromType(vi.type, this.options.symbols);
      const given = Array.isArray(inputFacts) ? inputFacts[i] : inputFacts.get(vi.name);
      if (given) scope.set(vi.name, mergeFacts(given, declared));
      else if (!scope.get(vi.name) && declared) scope.set(vi.name, declared);
    });
    const records: NodeRecord[] = new Array(index.order.length);
    for (let k = 0; k < index.order.length; k++) records[k] = this.inferNode(index.order[k]!, k, scope, index);
    return { graph: g, scope, records, index };
  }

  private inferNode(node: Node, index: number, scope: Scope, ids: GraphIndex): NodeRecord {
    if (++this.work > MAX_NODE_INFERENCES) {
      throw new AnalysisError(
        `the analysis would infer more than ${MAX_NODE_INFERENCES.toLocaleString('en-US')} nodes (nested loops or sequence maps unrolled into each other); modelpress stops here`,
        nodeLabel(node, index),
      );
    }
    const inputs: (ValueFacts | undefined)[] = new Array(node.inputs.length);
    const inputStart = ids.inputStart[index]!;
    for (let j = 0; j < inputs.length; j++) {
      const id = ids.inputIds[inputStart + j]!;
      if (id < 0) {
        inputs[j] = undefined;
        continue;
      }
      const f = scope.getById(id);
      if (f === undefined) {
        throw new AnalysisError(`reads '${node.inputs[j]}', which no node, graph input or initializer provides`, nodeLabel(node, index));
      }
      inputs[j] = f;
    }
    const rule = this.options.userRules?.get(userRuleKey(node.domain, node.opType)) ?? ruleFor(node.domain, node.opType);
    const rec: NodeRecord = { node, index, opset: this.opsetFor(node), rule, ownOutputs: undefined, problem: undefined, scope, subgraphs: undefined };
    let outputs: ValueFacts[] = [];
    if (!rule) {
      rec.problem = 'no rule';
    } else {
      const ctx = this.nodeContext(rec, inputs);
      try {
        outputs = rule.infer(ctx);
      } catch (err) {
        rec.problem = problemText(err);
      }
    }
    // Kept until the profile is done: a shape a rule built by push or spread holds room for 16 dims
    // (about 200 bytes), an exact copy 80, and the value before most likely had the same dims (the
    // shape table's array, shared). Same dims, so the rule's facts are updated in place.
    for (let j = 0; j < outputs.length; j++) {
      const f = outputs[j];
      if (f?.shape !== undefined) f.shape = this.shapes.intern(f.shape);
    }
    const outputStart = ids.outputStart[index]!;
    const count = node.outputs.length;
    // Only a node with an omitted output keeps its outputs' facts (no value of the scope holds that one).
    let own: ValueFacts[] | undefined;
    for (let j = 0; j < count && own === undefined; j++) if (ids.outputIds[outputStart + j]! < 0) own = new Array(count);
    for (let j = 0; j < count; j++) {
      const name = node.outputs[j]!;
      let f: ValueFacts = outputs[j] ?? { dtype: 0 };
      const hint = this.hints.get(name);
      if (hint !== undefined) {
        this.compareWithHint(name, f, hint);
        f = mergeFacts(f, hint);
      }
      const observed = this.options.runtimeShapes?.get(name);
      if (observed) f = { ...f, shape: [...observed] };
      const id = ids.outputIds[outputStart + j]!;
      if (id >= 0) scope.setById(id, f);
      if (own !== undefined) own[j] = f;
    }
    rec.ownOutputs = own;
    this.recordConstants(rec, scope);
    return rec;
  }

  /** Constant-node outputs and Identity copies of constants are constants too (weights). */
  private recordConstants(rec: NodeRecord, scope: Scope): void {
    const { node } = rec;
    const domain = normDomain(node.domain);
    const out = node.outputs[0];
    if (domain !== '' || out === undefined || out === '') return;
    if (node.opType === 'Constant') {
      const t = constantNodeTensor(node);
      if (t) scope.addConstant({ name: out, kind: 'constant-node', dataType: t.dataType, dims: [...t.dims], tensor: t });
    } else if (node.opType === 'ConstantOfShape' && node.inputs[0] && scope.constant(node.inputs[0])) {
      // A constant tensor made from a constant shape holds no bytes in the file but is a weight all the
      // same: onnx's replace_initializer_by_constant_of_shape (the backend "light" models) turns every
      // weight into such a node. A shape computed from graph inputs (zeros_like) is not constant.
      const f = outputFacts(rec)[0];
      if (f?.shape?.every((d) => typeof d === 'number')) {
        scope.addConstant({ name: out, kind: 'constant-of-shape', dataType: f.dtype, dims: f.shape as number[] });
      }
    } else if (node.opType === 'Identity' && node.inputs[0]) {
      const src = scope.constant(node.inputs[0]);
      if (src) scope.addConstant({ name: out, kind: 'identity-alias', dataType: src.dataType, dims: src.dims, tensor: src.tensor, aliasOf: src.name });
    }
  }

  /** The NodeContext a rule sees, with sub-graph inference wired to this inferrer. */
  nodeContext(rec: NodeRecord, inputs: (ValueFacts | undefined)[] = inputFacts(rec)): NodeContext {
    return makeNodeContext(rec.node, inputs, rec.opset, new RecordHooks(this, rec));
  }

  /** Infer a sub-graph of a node's attributes in the node's scope, keeping the inference on the record. */
  inferSubgraphOf(rec: NodeRecord, g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
    const a = this.inferGraph(g, inputs, rec.scope);
    (rec.subgraphs ??= new Map()).set(g, a);
    return g.outputs.map((o) => mergeFacts(a.scope.get(o.name) ?? { dtype: 0 }, factsFromType(o.type, this.options.symbols)));
  }
}

/**
 * The facts of a record's inputs (undefined for an omitted one), index-aligned with node.inputs: the
 * values its scope holds by the ids of its graph's index, the very facts its rule was given.
 */
export function inputFacts(rec: NodeRecord): (ValueFacts | undefined)[] {
  const index = rec.scope.index;
  const first = index.inputStart[rec.index]!;
  const out: (ValueFacts | undefined)[] = new Array(index.inputStart[rec.index + 1]! - first);
  for (let j = 0; j < out.length; j++) {
    const id = index.inputIds[first + j]!;
    out[j] = id < 0 ? undefined : rec.scope.getById(id);
  }
  return out;
}

/** The facts of a record's outputs, index-aligned with node.outputs (see NodeRecord.ownOutputs). */
export function outputFacts(rec: NodeRecord): ValueFacts[] {
  if (rec.ownOutputs !== undefined) return rec.ownOutputs;
  const out: ValueFacts[] = new Array(rec.node.outputs.length);
  for (let j = 0; j < out.length; j++) out[j] = outputFact(rec, j);
  return out;
}

/** The facts of a record's output j, without a list of them made (see NodeRecord.ownOutputs). */
export function outputFact(rec: NodeRecord, j: number): ValueFacts {
  if (rec.ownOutputs !== undefined) return rec.ownOutputs[j]!;
  const index = rec.scope.index;
  return rec.scope.getById(index.outputIds[index.outputStart[rec.index]! + j]!)!;
}

/** Sub-graph inference for one node's context (an object, not a closure per node). */
class RecordHooks implements ContextHooks {
  constructor(
    private readonly inferrer: Inferrer,
    private readonly rec: NodeRecord,
  ) {}

  inferSubgraph(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
    return this.inferrer.inferSubgraphOf(this.rec, g, inputs);
  }
}

/** One line saying why a rule failed; errors other than AnalysisError are rule bugs, said plainly. */
export function problemText(err: unknown): string {
  if (err instanceof AnalysisError) {
    // The node is named elsewhere (uncounted lists group equal reasons); keep just the reason.
    const prefix = err.node ? `${err.node}: ` : '';
    return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `rule failed: ${msg}`;
}

/** True for dtypes that can be model parameters (int64 and bool are shapes, indices and masks). */
export function isParameterDtype(dataType: number): boolean {
  return isFloatType(dataType) || (isIntegerType(dataType) && dataType !== 7);
}
