/**
 * Test helpers for the compute-heavy op families: build one node, infer its outputs with its rule and
 * cost it under a convention, without a graph or the engine.
 */
import { makeCostContext, makeNodeContext } from '../../../src/analysis/context.js';
import { CONVENTIONS, type Convention, type CostEntry, type OpRule, type ValueFacts } from '../../../src/analysis/types.js';
import { GraphBuilder, type AttrValue } from '../../../src/onnx/builder.js';
import type { Dim, Node } from '../../../src/onnx/model.js';

export const F32 = 1;
export const INT64 = 7;

/** Facts of a float32 (or given dtype) tensor. */
export function t(shape: Dim[] | undefined, dtype = F32, value?: number[]): ValueFacts {
  return { dtype, shape, value };
}

/** One node made with the builder (inputs named as given, '' for an omitted optional input). */
export function makeNode(
  opType: string,
  inputs: string[],
  attrs: Record<string, AttrValue | undefined> = {},
  opts: { outputs?: number; domain?: string } = {},
): Node {
  const b = new GraphBuilder();
  b.node(
    opType,
    inputs.map((i) => (i === '' ? null : i)),
    attrs,
    { name: `/${opType}`, outputs: opts.outputs ?? 1, domain: opts.domain ?? '' },
  );
  return b.graph().nodes[0]!;
}

export interface Checked {
  outputs: ValueFacts[];
  cost(convention?: Convention): CostEntry | null;
  /** Cost under every convention, keyed by name. */
  all(): Record<Convention, CostEntry | null>;
}

/** Infer a node with the rule of its op from `rules`, then cost it. `weights` marks weight inputs. */
export function check(rules: OpRule[], node: Node, inputs: (ValueFacts | undefined)[], opset = 17, weights: number[] = []): Checked {
  const rule = rules.find((r) => r.ops.includes(node.opType) && (r.domain ?? '') === node.domain);
  if (rule === undefined) throw new Error(`no rule for ${node.domain}::${node.opType} in this family`);
  const ctx = makeNodeContext(node, inputs, opset);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs, { weightInputs: new Set(weights) });
  const cost = (c: Convention = 'exact') => rule.cost(cctx, c);
  return {
    outputs,
    cost,
    all: () => Object.fromEntries(CONVENTIONS.map((c) => [c, cost(c)])) as Record<Convention, CostEntry | null>,
  };
}

/** Shorthand: macs and flops of an entry (null stays null). */
export function mf(e: CostEntry | null): { macs: number; flops: number } | null {
  return e === null ? null : { macs: e.macs, flops: e.flops };
}
