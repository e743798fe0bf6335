/**
 * Builds the NodeContext / CostContext handed to op rules. The engine supplies sub-graph callbacks;
 * tests of a single rule can call these with just a node and input facts.
 */
import type { Graph, Node, Tensor } from '../onnx/model.js';
import { tensorNumbers } from '../onnx/tensor-data.js';
import { attrReader } from './attrs.js';
import { AnalysisError, type CostContext, type NodeContext, type ValueFacts } from './types.js';

/** Tensors above this many elements are not decoded for value propagation (they are weights). */
export const MAX_VALUE_ELEMENTS = 4096;

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

export function makeNodeContext(node: Node, inputs: (ValueFacts | undefined)[], opset: number, hooks: ContextHooks = {}): NodeContext {
  return {
    node,
    opset,
    inputs,
    attr: attrReader(node),
    tensorValues: smallTensorValues,
    inferSubgraph:
      hooks.inferSubgraph ??
      (() => {
        throw new AnalysisError('sub-graph inference is not available in this context', node.name || node.opType);
      }),
  };
}

export function makeCostContext(ctx: NodeContext, outputs: ValueFacts[], hooks: ContextHooks = {}): CostContext {
  return {
    ...ctx,
    outputs,
    isWeight: (i) => hooks.weightInputs?.has(i) ?? false,
    subgraphCost:
      hooks.subgraphCost ??
      (() => {
        throw new AnalysisError('sub-graph costing is not available in this context', ctx.node.name || ctx.node.opType);
      }),
  };
}
