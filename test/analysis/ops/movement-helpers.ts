/**
 * Test helpers for the data-movement families (shape-ops, indexing, control-flow, sequence, misc):
 * make one node, infer it with its family's rule, cost it under every convention; and a tiny
 * in-order propagator that runs these rules over a whole backend-data model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCostContext, makeNodeContext, type ContextHooks, MAX_VALUE_ELEMENTS } from '../../../src/analysis/context.js';
import { CONVENTIONS, type Convention, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../../../src/analysis/types.js';
import { GraphBuilder, makeTensor, type AttrValue } from '../../../src/onnx/builder.js';
import type { Dim, Model, Node } from '../../../src/onnx/model.js';
import { opsetVersion } from '../../../src/onnx/model.js';
import { tensorNumbers } from '../../../src/onnx/tensor-data.js';

export const F32 = 1;
export const I32 = 6;
export const I64 = 7;
export const BOOL = 9;
export const STR = 8;
/** INT64_MAX as a JS number (PyTorch's "to the end" in Slice). */
export const INT64_MAX = 9223372036854775807;

export function t(shape: Dim[] | undefined, dtype = F32, value?: number[]): ValueFacts {
  return { dtype, shape, value };
}
/** A 1-D int64 tensor with known values (a shape, axes, pads…). */
export const ints = (...v: number[]): ValueFacts => ({ dtype: I64, shape: [v.length], value: v });
/** A scalar int64 with a known value. */
export const scalar = (v: number, dtype = I64): ValueFacts => ({ dtype, shape: [], value: [v] });

export function node(
  opType: string,
  inputs: string[],
  attrs: Record<string, AttrValue | undefined> = {},
  opts: { outputs?: number; domain?: string; name?: string } = {},
): Node {
  const b = new GraphBuilder();
  b.node(
    opType,
    inputs.map((i) => (i === '' ? null : i)),
    attrs,
    { name: opts.name ?? `/${opType}`, outputs: opts.outputs ?? 1, domain: opts.domain ?? '' },
  );
  return b.graph().nodes[0]!;
}

export function ruleOf(rules: OpRule[], n: Pick<Node, 'opType' | 'domain'>): OpRule {
  const r = rules.find((x) => x.ops.includes(n.opType) && (x.domain ?? '') === (n.domain === 'ai.onnx' ? '' : n.domain));
  if (r === undefined) throw new Error(`no rule for ${n.domain}::${n.opType} in this family`);
  return r;
}

export interface Run {
  outputs: ValueFacts[];
  ctx: NodeContext;
  cost(convention?: Convention): CostEntry | null;
  all(): Record<Convention, { macs: number; flops: number } | null>;
}

export function run(rules: OpRule[], n: Node, inputs: (ValueFacts | undefined)[], opset = 17, hooks: ContextHooks = {}): Run {
  const rule = ruleOf(rules, n);
  const ctx = makeNodeContext(n, inputs, opset, hooks);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs, hooks);
  const cost = (c: Convention = 'exact') => rule.cost(cctx, c);
  return {
    outputs,
    ctx,
    cost,
    all: () =>
      Object.fromEntries(
        CONVENTIONS.map((c) => {
          const e = cost(c);
          return [c, e === null ? null : { macs: e.macs, flops: e.flops }];
        }),
      ) as Record<Convention, { macs: number; flops: number } | null>,
  };
}

/** Output facts only. */
export const infer = (rules: OpRule[], n: Node, inputs: (ValueFacts | undefined)[], opset = 17, hooks: ContextHooks = {}): ValueFacts[] =>
  run(rules, n, inputs, opset, hooks).outputs;

/** Every convention → the same entry (what zero-cost ops must give). */
export function everywhere(e: { macs: number; flops: number } | null): Record<Convention, { macs: number; flops: number } | null> {
  return Object.fromEntries(CONVENTIONS.map((c) => [c, e])) as Record<Convention, { macs: number; flops: number } | null>;
}

/** A constant int64 tensor attribute value (for Constant / ConstantOfShape nodes). */
export const int64Tensor = (dims: number[], values: number[]) => makeTensor('value', 'int64', dims, values);

/**
 * Run the rules over a model's main graph in node order: graph inputs get their declared types,
 * initializers their dims (and values when small). Returns facts by value name; throws when a node
 * has no rule in `rules`.
 */
export function propagate(model: Model, rules: OpRule[]): Map<string, ValueFacts> {
  const facts = new Map<string, ValueFacts>();
  const g = model.graph;
  for (const vi of g.inputs) {
    if (vi.type?.kind === 'tensor') facts.set(vi.name, { dtype: vi.type.elemType, shape: vi.type.shape });
    else if (vi.type?.kind === 'sequence' && vi.type.elem?.kind === 'tensor') {
      facts.set(vi.name, { dtype: vi.type.elem.elemType, kind: 'sequence', elem: { dtype: vi.type.elem.elemType, shape: vi.type.elem.shape } });
    }
  }
  for (const init of g.initializers) {
    const n = init.dims.reduce((a, b) => a * b, 1);
    facts.set(init.name, { dtype: init.dataType, shape: [...init.dims], value: n <= MAX_VALUE_ELEMENTS ? tensorNumbers(init) : undefined });
  }
  for (const n of g.nodes) {
    const opset = opsetVersion(model, n.domain) ?? 1;
    const outs = ruleOf(rules, n).infer(
      makeNodeContext(
        n,
        n.inputs.map((i) => (i === '' ? undefined : facts.get(i))),
        opset,
      ),
    );
    n.outputs.forEach((o, i) => facts.set(o, outs[i]!));
  }
  return facts;
}

/** The backend test models (pytorch-converted, pytorch-operator, simple) with their expected outputs. */
export interface BackendCase {
  id: string;
  model: string;
  inputs: string[];
  outputs: string[];
}

export const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/onnx-backend-data');

export function backendCases(): BackendCase[] {
  const cases: BackendCase[] = [];
  for (const group of ['pytorch-converted', 'pytorch-operator', 'simple']) {
    const dir = path.join(BACKEND_DIR, group);
    for (const name of fs.readdirSync(dir).sort()) {
      const data = path.join(dir, name, 'test_data_set_0');
      const list = (prefix: string): string[] =>
        fs
          .readdirSync(data)
          .filter((f) => f.startsWith(prefix))
          .sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10))
          .map((f) => path.join(data, f));
      cases.push({ id: `${group}/${name}`, model: path.join(dir, name, 'model.onnx'), inputs: list('input_'), outputs: list('output_') });
    }
  }
  return cases;
}
