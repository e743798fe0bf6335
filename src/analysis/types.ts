/**
 * Types shared by the analysis stage: what is known about a value, the contract of an op rule, and
 * the Profile that flows on to the document, render and CLI stages (its JSON is `profile --json`).
 *
 * An op family (src/analysis/ops/<family>.ts) exports `rules: OpRule[]`. A rule carries, in one place,
 * the op's shape/dtype rule, its value propagation (for shape-computing sub-graphs), and its cost under
 * every counting convention together with the formula it used.
 */
import type { Dim, Graph, Node, Tensor } from '../onnx/model.js';
import type { JsonAttribute } from './node-attrs.js';

/** Counting conventions (COUNTING.md "Presets"). `exact` is the default. */
export const CONVENTIONS = ['exact', 'ptflops', 'fvcore', 'thop', 'deepspeed', 'torch'] as const;
export type Convention = (typeof CONVENTIONS)[number];

/** What is known about one value of the graph. */
export interface ValueFacts {
  /** ONNX element type (TensorProto.DataType); 0 when unknown. */
  dtype: number;
  /** undefined: rank unknown. A dim is a number, a symbolic name, or null (unknown). */
  shape?: Dim[] | undefined;
  /**
   * Known element values, row-major, for small tensors (shape computations, constant initializers
   * of integer type, Constant nodes). Integers are JS numbers; booleans are 0/1.
   */
  value?: number[] | undefined;
  /** For non-tensor values (sequences, optionals, maps): the kind; tensors omit it. */
  kind?: 'sequence' | 'optional' | 'map' | undefined;
  /** Facts of the element type of a sequence/optional. */
  elem?: ValueFacts | undefined;
  /**
   * For a sequence whose length is known: the facts of each element, in order (so SequenceAt with a
   * known position and SequenceLength are exact). For an optional: [] when known empty, [facts]
   * when known to hold an element.
   */
  items?: ValueFacts[] | undefined;
}

/** Read a node's attributes with defaults (accessors throw AnalysisError on a type mismatch). */
export interface AttrReader {
  has(name: string): boolean;
  int(name: string, fallback: number): number;
  intOpt(name: string): number | undefined;
  ints(name: string, fallback: number[]): number[];
  intsOpt(name: string): number[] | undefined;
  float(name: string, fallback: number): number;
  floats(name: string, fallback: number[]): number[];
  string(name: string, fallback: string): string;
  strings(name: string, fallback: string[]): string[];
  tensor(name: string): Tensor | undefined;
  graph(name: string): Graph | undefined;
}

export interface NodeContext {
  node: Node;
  /** Opset version in force for the node's domain. */
  opset: number;
  /** Facts of each input, index-aligned with node.inputs; undefined for an omitted optional input (''). */
  inputs: (ValueFacts | undefined)[];
  attr: AttrReader;
  /** Element values of a constant tensor attribute or initializer, decoded (small tensors only). */
  tensorValues(t: Tensor): number[] | undefined;
  /**
   * Infer a sub-graph (If/Loop/Scan bodies) given facts for its formal inputs; returns facts of its
   * outputs. Values of the enclosing graph are visible inside, as ONNX scoping requires.
   */
  inferSubgraph(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[];
}

export interface CostContext extends NodeContext {
  /** Facts of each output, index-aligned with node.outputs (shapes concrete where inference succeeded). */
  outputs: ValueFacts[];
  /** True when input i is a weight tensor (initializer or Constant), i.e. a parameter of the model. */
  isWeight(i: number): boolean;
  /** Cost of a sub-graph per iteration (Loop/Scan/If bodies), under the same convention. */
  subgraphCost(g: Graph, inputs: (ValueFacts | undefined)[]): { macs: number; flops: number };
}

/** A formula as used for one node: names the template and carries its numbers. */
export interface FormulaUse {
  /** Template id (templates/formulas/<template>.tex.hbs), e.g. 'conv', 'gemm', 'elementwise'. */
  template: string;
  /** Variables of the formula with this node's values, e.g. { Cin: 3, Cout: 4, Kh: 3, Kw: 3, Hout: 6, Wout: 6, bias: 0 }. */
  vars: Record<string, number>;
  /** Plain-text symbolic form, e.g. `(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out`. */
  symbolic: string;
  /** The same with numbers substituted, e.g. `(2×3×3×3 − 1)×4×6×6`. */
  substituted: string;
}

export interface CostEntry {
  /** Multiply-accumulates (dot-product work only in `exact`; convention-defined otherwise). */
  macs: number;
  /** Scalar floating-point operations. */
  flops: number;
  /** How `flops` (and `macs`) were computed for this node. */
  formula?: FormulaUse | undefined;
}

export interface OpRule {
  /** Op types handled (in `domain`, default ''). */
  ops: readonly string[];
  /** Operator domain; '' is the default ONNX domain (also matched as 'ai.onnx'). */
  domain?: string;
  /**
   * Output facts, index-aligned with node.outputs. Throw `AnalysisError` for contradictions
   * (e.g. mismatched channels); leave a dim null (or shape undefined) when it cannot be known.
   */
  infer(ctx: NodeContext): ValueFacts[];
  /**
   * Cost under a convention. Return null when the convention deliberately does not count this op
   * (e.g. fvcore ignores ReLU): it then counts 0 and is *not* listed as uncounted. Rules must handle
   * every convention in CONVENTIONS.
   */
  cost(ctx: CostContext, convention: Convention): CostEntry | null;
  /**
   * Input indices that are never parameters even when fed by an initializer: shapes, axes, indices,
   * BN running statistics (buffers). Default: none.
   */
  nonParamInputs?: readonly number[] | ((ctx: NodeContext) => readonly number[]);
  /**
   * Input indices the op reads as weights (COUNTING.md "Parameters"): a constant there is a parameter
   * whatever its origin (initializer, Constant node, ConstantOfShape, Identity copy) — conv/gemm/matmul
   * weights and biases, norm scale/bias, embedding tables, RNN W/R/B, PRelu slope. A constant at an
   * input no rule declares is a parameter only when the file stores it as a weight (initializer) and it
   * is not a mask; a Constant-node tensor there (a mask, a zero state, an accumulator) is not.
   */
  weightInputs?: readonly number[] | ((ctx: NodeContext) => readonly number[]);
  /**
   * Inputs that are buffers (state a module keeps but does not train: BN running statistics). Never
   * parameters; counted apart as buffers when the file stores them.
   */
  bufferInputs?: readonly number[];
  /**
   * Parameters a weight input represents when that is not its element count (a packed quantized
   * weight holding K·N values in fewer elements). Return undefined to keep the element count.
   */
  weightParams?: (ctx: NodeContext, input: number) => number | undefined;
  /**
   * Quantized storage (src/analysis/params.ts `quantizedRoles`): the inputs holding scales and zero
   * points — stored bytes reported apart, never parameters. Packed weights declare the parameters they
   * represent through `weightParams` (MatMulNBits: K·N whatever the packing and block padding).
   */
  quantized?: (ctx: NodeContext) => QuantizedInputs;
}

/** What a quantized op's inputs hold (see OpRule.quantized). */
export interface QuantizedInputs {
  scales?: number[];
  zeroPoints?: number[];
}

/** Per-node result. */
export interface NodeCost {
  name: string;
  opType: string;
  domain: string;
  /** Module path from the node name, e.g. ['layer1', 'layer1.0', 'conv1']. */
  scope: string[];
  /** Input and output tensor names, as in the graph ('' for an omitted optional input). */
  inputs: string[];
  outputs: string[];
  /** Indices of the inputs that are constants (initializers, Constant nodes, their Identity copies). */
  constantInputs: number[];
  /** The node's attributes as JSON (docs/profile-json.md). */
  attributes: Record<string, JsonAttribute>;
  inputShapes: (Dim[] | null)[];
  outputShapes: (Dim[] | null)[];
  /** Parameters owned by this node (weights it is the first consumer of). */
  params: number;
  paramsBytes: number;
  macs: number;
  flops: number;
  outputBytes: number;
  /** False when no rule covers this op (it is then listed in Profile.uncounted). */
  counted: boolean;
  formula?: FormulaUse | undefined;
}

export interface UncountedOp {
  opType: string;
  domain: string;
  nodes: number;
  outputBytes: number;
  /** Why: 'no rule', or the shape problem that prevented counting. */
  reason: string;
  /** What to do about it (a rule module for an op without a rule). */
  remedy?: string | undefined;
  /** Names of up to three of these nodes, to find them in the graph. */
  examples?: string[] | undefined;
}

export interface OpTypeTotals {
  opType: string;
  nodes: number;
  params: number;
  macs: number;
  flops: number;
}

export interface ModuleTotals {
  /** Scope path joined with '/', '' for the root. */
  path: string;
  name: string;
  depth: number;
  params: number;
  macs: number;
  flops: number;
  nodes: number;
  children: ModuleTotals[];
  /** Layer kind and hyper-parameters (`Conv 3→64, k7 s2 p3`) when the module has one computing node. */
  kind?: string | undefined;
  /** Values entering and leaving the module (constants excluded), with their shapes. */
  inputs?: { name: string; shape: Dim[] | null }[] | undefined;
  outputs?: { name: string; shape: Dim[] | null }[] | undefined;
  /** Bytes of the outputs of the module's nodes (its share of activationsTotalBytes). */
  activationBytes?: number | undefined;
}

/** A parameter or buffer tensor: its name, shape and the node that owns it. */
export interface TensorEntry {
  name: string;
  dtype: string;
  dims: number[];
  /** Parameters (or buffer elements) it counts for. */
  count: number;
  /** Name of the node that owns it (its first consumer). */
  owner: string;
  kind: 'parameter' | 'buffer';
}

export interface Totals {
  /** Parameters (trainable weights, by role: COUNTING.md "Parameters"). */
  params: number;
  /** Buffers the file stores beside them: module state that is not trained (BN running statistics). */
  buffers: number;
  /** Bytes of parameters by dtype name, e.g. { float32: 46758048 }. */
  paramsBytesByDtype: Record<string, number>;
  paramsBytes: number;
  macs: number;
  flops: number;
  activationsPeakBytes: number;
  activationsTotalBytes: number;
  /** Minimum number of sequential operations (longest path of ops with non-zero FLOPs). */
  depth: number;
  /**
   * Present when the model holds quantized weights: the storage of their scales and zero points
   * (included in paramsBytes, not in params) and how many packed tensors represent more parameters
   * than they hold elements.
   */
  quantization?: QuantizationTotals | undefined;
}

export interface QuantizationTotals {
  scalesBytes: number;
  zeroPointsBytes: number;
  /** Packed weight tensors (MatMulNBits, GatherBlockQuantized) and the parameters they represent. */
  packedTensors: number;
  packedParams: number;
  packedBytes: number;
}

export interface Profile {
  /** Schema version of this JSON. */
  schema: 1;
  model: { path?: string | undefined; sha256?: string | undefined; opset: number; irVersion: number; producer: string };
  convention: Convention;
  /** Bound input shapes used for the analysis. */
  inputs: { name: string; dtype: string; shape: Dim[] }[];
  outputs: { name: string; dtype: string; shape: Dim[] | null }[];
  totals: Totals;
  byOpType: OpTypeTotals[];
  modules: ModuleTotals;
  nodes: NodeCost[];
  /** Every parameter tensor in the order its owner runs, then every buffer tensor. */
  tensors: TensorEntry[];
  uncounted: UncountedOp[];
  /** Human-readable notes (e.g. parameters deduplicated, dims assumed). */
  notes: string[];
  /** Leading (batch) dims no shape sized, which took the default batch size; absent when none. */
  assumedBatch?: { input: string; dim: Dim; value: number }[] | undefined;
  /** Present with `--dedupe`: parameters once tensors equal to another (or its transpose) count once. */
  dedupe?: DedupeTotals | undefined;
}

export interface DedupeTotals {
  params: number;
  paramsBytes: number;
  /** Each tensor found equal to an earlier one (`of`), possibly as its transpose. */
  duplicates: { name: string; of: string; transposed: boolean; params: number }[];
}

/** A problem found while analysing a graph: names the node and what to do. */
export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly node?: string,
  ) {
    super(node ? `${node}: ${message}` : message);
    this.name = 'AnalysisError';
  }
}
