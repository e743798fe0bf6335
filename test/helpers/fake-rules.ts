/**
 * A tiny op table for testing the engine apart from the real op families: each rule is the textbook
 * count, so expected numbers in engine tests are easy to derive by hand. Tests swap it in with
 * `vi.mock('../../src/analysis/ops/index.js', () => fakeOpsModule())`.
 */
import { broadcastShapes, numel } from '../../src/analysis/shapes.js';
import { AnalysisError, type CostEntry, type OpRule } from '../../src/analysis/types.js';
import type { Dim } from '../../src/onnx/model.js';

const zero = (): CostEntry => ({ macs: 0, flops: 0 });
const need = (n: number | undefined, what: string): number => {
  if (n === undefined) throw new AnalysisError(`${what} is unknown`);
  return n;
};

/** Element-wise ops: broadcast shape, 1 FLOP per output element. */
const elementwise: OpRule = {
  ops: ['Add', 'Mul', 'Relu', 'Sub'],
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastShapes(ctx.inputs.map((i) => i?.shape)) }],
  cost: (ctx) => ({ macs: 0, flops: need(numel(ctx.outputs[0]), 'output shape') }),
};

/** 2-D MatMul [M×K]·[K×N]: M·K·N MACs, (2K−1)·M·N FLOPs. */
const matmul: OpRule = {
  ops: ['MatMul'],
  infer: (ctx) => {
    const [a, b] = [ctx.inputs[0]!.shape!, ctx.inputs[1]!.shape!];
    if (a[1] !== b[0]) throw new AnalysisError(`inner dims differ: ${a[1]} vs ${b[0]}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [a[0]!, b[1]!] }];
  },
  cost: (ctx) => {
    const [m, k] = ctx.inputs[0]!.shape as number[];
    const n = (ctx.inputs[1]!.shape as number[])[1]!;
    return { macs: m! * k! * n, flops: (2 * k! - 1) * m! * n };
  },
};

const passThrough: OpRule = {
  ops: ['Identity'],
  infer: (ctx) => [{ ...ctx.inputs[0]! }],
  cost: zero,
};

/** Reshape with a known target (no 0/−1 handling needed in these tests). */
const reshape: OpRule = {
  ops: ['Reshape'],
  nonParamInputs: [1],
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: ctx.inputs[1]?.value as Dim[] | undefined }],
  cost: zero,
};

/** BatchNormalization: 2 FLOPs per element; running mean/var are buffers. */
const batchNorm: OpRule = {
  ops: ['BatchNormalization'],
  nonParamInputs: [3, 4],
  infer: (ctx) => [{ ...ctx.inputs[0]!, value: undefined }],
  cost: (ctx) => ({ macs: 0, flops: 2 * need(numel(ctx.outputs[0]), 'output shape') }),
};

/** Gather: indices are not parameters; output = indices.shape + data.shape[1:] (axis 0). */
const gather: OpRule = {
  ops: ['Gather'],
  nonParamInputs: [1],
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: [...(ctx.inputs[1]!.shape ?? []), ...(ctx.inputs[0]!.shape ?? []).slice(1)] }],
  cost: zero,
};

const constant: OpRule = {
  ops: ['Constant'],
  infer: (ctx) => {
    const t = ctx.attr.tensor('value')!;
    return [{ dtype: t.dataType, shape: [...t.dims], value: ctx.tensorValues(t) }];
  },
  cost: zero,
};

/** If: the output facts are the then-branch's; cost = the larger branch. */
const ifRule: OpRule = {
  ops: ['If'],
  infer: (ctx) => ctx.inferSubgraph(ctx.attr.graph('then_branch')!, []),
  cost: (ctx) => {
    const a = ctx.subgraphCost(ctx.attr.graph('then_branch')!, []);
    const b = ctx.subgraphCost(ctx.attr.graph('else_branch')!, []);
    return { macs: Math.max(a.macs, b.macs), flops: Math.max(a.flops, b.flops) };
  },
};

/** Loop with a static trip count M: body cost × M; carried values keep their facts. */
const loop: OpRule = {
  ops: ['Loop'],
  infer: (ctx) => {
    const body = ctx.attr.graph('body')!;
    const carried = ctx.inputs.slice(2);
    const out = ctx.inferSubgraph(body, [{ dtype: 7, shape: [] }, { dtype: 9, shape: [] }, ...carried]);
    return out.slice(1);
  },
  cost: (ctx) => {
    const trips = ctx.inputs[0]!.value![0]!;
    const c = ctx.subgraphCost(ctx.attr.graph('body')!, [{ dtype: 7, shape: [] }, { dtype: 9, shape: [] }, ...ctx.inputs.slice(2)]);
    return { macs: c.macs * trips, flops: c.flops * trips };
  },
};

export const FAKE_RULES: OpRule[] = [elementwise, matmul, passThrough, reshape, batchNorm, gather, constant, ifRule, loop];

export function fakeOpsModule(): { ruleFor: (domain: string, opType: string) => OpRule | undefined; ALL_RULES: OpRule[] } {
  const table = new Map<string, OpRule>();
  for (const r of FAKE_RULES) for (const op of r.ops) table.set(op, r);
  return {
    ALL_RULES: FAKE_RULES,
    ruleFor: (domain, opType) => (domain === '' || domain === 'ai.onnx' ? table.get(opType) : undefined),
  };
}
