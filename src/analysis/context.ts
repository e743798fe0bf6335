/**
 * Builds the NodeContext / CostContext handed to op rules. The engine supplies sub-graph callbacks;
 * tests of a single rule can call these with just a node and input facts.
 *
 * A context is one small object per node with its methods on the prototype and the attribute reader
 * made on first use: the analysis makes one for every node it infers and every node it costs, so on a
 * 100k-node graph per-node closures and copies are what the garbage collector spends its time on.
 * Rules call the methods on the context (`ctx.isWeight(1)`); a user rule gets a detached copy whose
 * methods work unbound too (src/analysis/user-rules.ts).
 */
import type { Graph, Node, Tensor } from '../onnx/model.js';
import { tensorNumbers } from '../onnx/tensor-data.js';
import { attrReader } from './attrs.js';
import { AnalysisError, type AttrReader, type CostContext, type NodeContext, type ValueFacts } from './types.js';

/** Tensors above this many elements are not decoded for value propagation (they are weights). */
export const MAX_VALUE_ELEMENTS = 4096;

/** What the engine supplies; called as methods (`hooks.inferSubgraph(…)`), so a class instance may serve. */
export interface ContextHooks {
  inferSubgraph?: (g: Graph, inputs: (ValueFacts | undefined)[]) => ValueFacts[];
  subgraphCost?: (g: Graph, inputs: (ValueFacts | undefined)[]) => { macs: number; flops: number };
  /** Input indices that are weights (initializers / Constant outputs): a set, or anything that answers `has`. */
  weightInputs?: { has(index: number): boolean };
}

function smallTensorValues(t: Tensor): number[] | undefined {
  let count = 1;
  for (const d of t.dims) count *= d;
  if (count > MAX_VALUE_ELEMENTS) return undefined;
  return tensorNumbers(t);
}

/** The outputs of a context made for inference (none yet): a cost context has the node's. */
const NO_OUTPUTS: ValueFacts[] = [];

/**
 * One class for inference and costing alike. Op rules share helpers between their two steps (a
 * MatMul's dims, a norm's groups): one class means those helpers see one kind of context in both
 * passes, and V8 does not throw away their optimized code when costing starts. An inference context
 * has no outputs (NO_OUTPUTS), and its type (NodeContext) offers no costing methods.
 */
class Context implements CostContext {
  private reader: AttrReader | undefined;

  constructor(
    readonly node: Node,
    readonly inputs: (ValueFacts | undefined)[],
    readonly opset: number,
    readonly outputs: ValueFacts[],
    protected readonly hooks: ContextHooks,
  ) {}

  get attr(): AttrReader {
    return (this.reader ??= attrReader(this.node));
  }

  tensorValues(t: Tensor): number[] | undefined {
    return smallTensorValues(t);
  }

  inferSubgraph(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
    if (!this.hooks.inferSubgraph) throw new AnalysisError('sub-graph inference is not available in this context', this.node.name || this.node.opType);
    return this.hooks.inferSubgraph(g, inputs);
  }

  isWeight(i: number): boolean {
    return this.hooks.weightInputs?.has(i) ?? false;
  }

  subgraphCost(g: Graph, inputs: (ValueFacts | undefined)[]): { macs: number; flops: number } {
    if (!this.hooks.subgraphCost) throw new AnalysisError('sub-graph costing is not available in this context', this.node.name || this.node.opType);
    return this.hooks.subgraphCost(g, inputs);
  }
}

/** True for a context made to cost a node (one with its outputs), false for one made to infer it. */
function isCosting(ctx: NodeContext): ctx is CostContext {
  const outputs = (ctx as Partial<CostContext>).outputs;
  return outputs !== undefined && outputs !== NO_OUTPUTS;
}

export function makeNodeContext(node: Node, inputs: (ValueFacts | undefined)[], opset: number, hooks: ContextHooks = {}): NodeContext {
  return new Context(node, inputs, opset, NO_OUTPUTS, hooks);
}

export function makeCostContext(ctx: NodeContext, outputs: ValueFacts[], hooks: ContextHooks = {}): CostContext {
  const inferSubgraph = hooks.inferSubgraph ?? ((g: Graph, inputs: (ValueFacts | undefined)[]) => ctx.inferSubgraph(g, inputs));
  return new Context(ctx.node, ctx.inputs, ctx.opset, outputs, { ...hooks, inferSubgraph });
}

/**
 * The cost context the engine makes for a node: the node's facts and the engine's hooks, without an
 * intermediate NodeContext (one object per node).
 */
export function engineCostContext(node: Node, inputs: (ValueFacts | undefined)[], opset: number, outputs: ValueFacts[], hooks: ContextHooks): CostContext {
  return new Context(node, inputs, opset, outputs, hooks);
}

/** A context whose methods work unbound (`const { isWeight } = ctx`), for code the project does not own. */
export function detachedContext<C extends NodeContext>(ctx: C): C {
  const out: Record<string, unknown> = { node: ctx.node, opset: ctx.opset, inputs: ctx.inputs, attr: ctx.attr };
  out.tensorValues = (t: Tensor) => ctx.tensorValues(t);
  out.inferSubgraph = (g: Graph, inputs: (ValueFacts | undefined)[]) => ctx.inferSubgraph(g, inputs);
  if (isCosting(ctx)) {
    out.outputs = ctx.outputs;
    out.isWeight = (i: number) => ctx.isWeight(i);
    out.subgraphCost = (g: Graph, inputs: (ValueFacts | undefined)[]) => ctx.subgraphCost(g, inputs);
  }
  return out as unknown as C;
}
