/**
 * Op family 'control-flow': If, Loop and Scan. Their sub-graphs are inferred and costed by the engine
 * (ctx.inferSubgraph / ctx.subgraphCost, under the same convention); these rules wire the formal
 * inputs and outputs and decide how often a body runs.
 *
 * - If: a condition with a known value selects its branch (facts and cost of that branch only).
 *   Otherwise the outputs are what both branches agree on, and the cost is that of the more expensive
 *   branch (most FLOPs, then most MACs): an upper bound that never under-counts the path taken.
 * - Loop: cost = trip count × body cost when the loop-carried values keep their facts from one
 *   iteration to the next; when they change (e.g. a growing sequence) and the trip count is small,
 *   the iterations are inferred and costed one by one. A trip count that depends on data is not
 *   counted (the engine lists the node with that reason).
 * - Scan: cost = number of body runs × body cost (opset 8: batch × sequence length, or the sum of
 *   known sequence_lens; opset 9+: the length of the scanned axis).
 */
import type { Dim, Graph } from '../../onnx/model.js';
import { DataType } from '../../onnx/dtypes.js';
import { normalizeAxis, unifyDim } from '../shapes.js';
import { AnalysisError, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { flopsEntry, max, q, series, times } from './expr.js';
import { cloneFacts, freshDim, given, mergeFacts, nodeLabel, sameFacts, scalarOf, valueOf } from './tensor-values.js';

/** Loops with at most this many iterations are unrolled when their carried values change shape. */
export const UNROLL_LIMIT = 1024;

/** Rounds of re-inference to reach the loop-carried facts that hold in every iteration. */
const MAX_ROUNDS = 8;

function fail(ctx: NodeContext, message: string): never {
  throw new AnalysisError(message, nodeLabel(ctx));
}

function bodyOf(ctx: NodeContext, name: string): Graph {
  const g = ctx.attr.graph(name);
  if (g === undefined) fail(ctx, `${ctx.node.opType} needs the ${name} attribute (a graph)`);
  return g;
}

/** `trips` runs of a body: M·FLOPs_body. */
function repeated(template: string, trips: number, body: { macs: number; flops: number }, symbol: string): CostEntry {
  const flops = times(q(symbol, trips), q('FLOPs_body', body.flops));
  return flopsEntry(trips * body.macs, template, { trips, bodyMacs: body.macs, bodyFlops: body.flops }, flops);
}

// -------------------------------------------------------------------------------------------------- If

function branchCost(branch: 'then' | 'else', c: { macs: number; flops: number }, other?: { macs: number; flops: number }): CostEntry {
  const vars: Record<string, number> = { [`${branch}Macs`]: c.macs, [`${branch}Flops`]: c.flops };
  if (other) Object.assign(vars, { [`${branch === 'then' ? 'else' : 'then'}Macs`]: other.macs, [`${branch === 'then' ? 'else' : 'then'}Flops`]: other.flops });
  const flops = other ? max(q('FLOPs_then', vars.thenFlops!), q('FLOPs_else', vars.elseFlops!)) : q(`FLOPs_${branch}`, c.flops);
  return flopsEntry(c.macs, 'if', vars, flops);
}

const ifRule: OpRule = {
  ops: ['If'],
  infer(ctx) {
    const cond = valueOf(ctx, 0)?.[0];
    const then = bodyOf(ctx, 'then_branch');
    const otherwise = bodyOf(ctx, 'else_branch');
    const n = ctx.node.outputs.length;
    const check = (outs: ValueFacts[], which: string): ValueFacts[] => {
      if (outs.length !== n) fail(ctx, `the ${which} branch has ${outs.length} outputs, the If node ${n}`);
      return outs;
    };
    if (cond !== undefined) return check(ctx.inferSubgraph(cond !== 0 ? then : otherwise, []), cond !== 0 ? 'then' : 'else');
    const a = check(ctx.inferSubgraph(then, []), 'then');
    const b = check(ctx.inferSubgraph(otherwise, []), 'else');
    return a.map((x, i) => {
      const y = b[i]!;
      if (x.dtype !== 0 && y.dtype !== 0 && x.dtype !== y.dtype)
        fail(ctx, `output ${i} has type ${x.dtype} in the then branch and ${y.dtype} in the else branch`);
      return mergeFacts(x, y);
    });
  },
  cost(ctx) {
    const cond = valueOf(ctx, 0)?.[0];
    const then = bodyOf(ctx, 'then_branch');
    const otherwise = bodyOf(ctx, 'else_branch');
    if (cond !== undefined) return branchCost(cond !== 0 ? 'then' : 'else', ctx.subgraphCost(cond !== 0 ? then : otherwise, []));
    const a = ctx.subgraphCost(then, []);
    const b = ctx.subgraphCost(otherwise, []);
    const thenWins = a.flops > b.flops || (a.flops === b.flops && a.macs >= b.macs);
    return thenWins ? branchCost('then', a, b) : branchCost('else', b, a);
  },
  nonParamInputs: [0],
};

// ------------------------------------------------------------------------------------------------ Loop

interface LoopPlan {
  body: Graph;
  /** Number of iterations, when known statically. */
  trips: number | undefined;
  /** Facts of the carried values (condition first) that hold in every iteration. */
  carried: ValueFacts[];
  /** Facts of the carried values before the first iteration (condition first). */
  initial: ValueFacts[];
  /** True when the first iteration already leaves the carried facts unchanged. */
  steady: boolean;
  /** Body output facts under `carried`. */
  out: ValueFacts[];
}

const iterationFacts = (i?: number): ValueFacts => ({ dtype: DataType.INT64, shape: [], value: i === undefined ? undefined : [i] });

function loopPlan(ctx: NodeContext): LoopPlan {
  const body = bodyOf(ctx, 'body');
  const n = ctx.node.inputs.length - 2;
  if (n < 0) fail(ctx, 'Loop needs the inputs M and cond (either may be empty)');
  if (body.inputs.length !== n + 2) fail(ctx, `the Loop body has ${body.inputs.length} inputs, expected ${n + 2} (iteration, condition, ${n} carried)`);
  const k = body.outputs.length - 1 - n;
  if (k < 0) fail(ctx, `the Loop body has ${body.outputs.length} outputs, expected at least ${n + 1}`);
  if (ctx.node.outputs.length !== n + k) fail(ctx, `the Loop node has ${ctx.node.outputs.length} outputs, its body makes ${n} carried + ${k} scan outputs`);
  // The condition is carried like the other values; an omitted one is "true" and the body's is ignored.
  const condGiven = given(ctx, 1);
  const condInit = condGiven ? scalarOf(ctx, 1) : 1;
  const initial: ValueFacts[] = [
    { dtype: DataType.BOOL, shape: [], value: condInit === undefined ? undefined : [condInit !== 0 ? 1 : 0] },
    ...ctx.node.inputs.slice(2).map((_, i) => {
      const v = ctx.inputs[i + 2];
      if (v === undefined) fail(ctx, `Loop carried input ${i} is missing`);
      return cloneFacts(v);
    }),
  ];
  let carried = initial;
  let out: ValueFacts[] = [];
  let steady = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    out = ctx.inferSubgraph(body, [iterationFacts(), ...carried]);
    if (out.length !== n + k + 1) fail(ctx, `the Loop body produced ${out.length} outputs, expected ${n + k + 1}`);
    const next = carried.map((c, i) => (i === 0 && !condGiven ? c : mergeFacts(c, out[i]!)));
    const same = next.every((f, i) => sameFacts(f, carried[i]));
    if (round === 0) steady = same;
    if (same) break;
    carried = next;
  }
  let trips: number | undefined;
  const m = given(ctx, 0) ? scalarOf(ctx, 0) : undefined;
  if (condInit === 0) trips = 0;
  else if (m !== undefined && (!condGiven || carried[0]!.value?.[0] === 1)) trips = Math.max(0, m);
  return { body, trips, carried, initial, steady, out };
}

const loop: OpRule = {
  ops: ['Loop'],
  infer(ctx) {
    const plan = loopPlan(ctx);
    const n = plan.carried.length - 1;
    const finals = plan.trips === 0 ? plan.initial.slice(1) : plan.carried.slice(1);
    const tripDim: Dim = plan.trips ?? freshDim('loop', ctx);
    const scans = plan.out.slice(1 + n).map((f): ValueFacts => ({ dtype: f.dtype, shape: f.shape ? [tripDim, ...f.shape] : undefined }));
    return [...finals.map(cloneFacts), ...scans];
  },
  cost(ctx) {
    const plan = loopPlan(ctx);
    if (plan.trips === undefined) {
      throw new AnalysisError('not counted: the trip count depends on the data (M or the loop condition is not a known constant)', nodeLabel(ctx));
    }
    if (plan.trips === 0) return repeated('loop', 0, { macs: 0, flops: 0 }, 'M');
    if (plan.steady || plan.trips > UNROLL_LIMIT) {
      return repeated('loop', plan.trips, ctx.subgraphCost(plan.body, [iterationFacts(), ...plan.carried]), 'M');
    }
    // Carried values change from one iteration to the next: follow them iteration by iteration.
    let facts = plan.initial;
    const per: number[] = [];
    let macs = 0;
    for (let i = 0; i < plan.trips; i++) {
      const inputs = [iterationFacts(i), ...facts];
      const c = ctx.subgraphCost(plan.body, inputs);
      per.push(c.flops);
      macs += c.macs;
      const out = ctx.inferSubgraph(plan.body, inputs);
      facts = [given(ctx, 1) ? out[0]! : facts[0]!, ...out.slice(1, facts.length)];
    }
    // a long loop is printed as its first three and last two iterations around `…`
    return flopsEntry(macs, 'loop-unrolled', { trips: plan.trips }, series('Σ_i FLOPs_body(i)', per, 8));
  },
  nonParamInputs: [0, 1],
};

// ------------------------------------------------------------------------------------------------ Scan

interface ScanPlan {
  body: Graph;
  /** Number of times the body runs (all batch entries together for opset 8). */
  runs: number | undefined;
  bodyInputs: ValueFacts[];
  out: ValueFacts[];
  outputs: ValueFacts[];
}

function dropAxes(f: ValueFacts, axes: number[]): ValueFacts {
  return { dtype: f.dtype, shape: f.shape?.filter((_, i) => !axes.includes(i)) };
}

/** Iterate the body until the state facts hold in every iteration, as for Loop. */
function settleStates(ctx: NodeContext, body: Graph, states: ValueFacts[], slices: ValueFacts[]): { states: ValueFacts[]; out: ValueFacts[] } {
  let out: ValueFacts[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    out = ctx.inferSubgraph(body, [...states, ...slices]);
    if (out.length < states.length) fail(ctx, `the Scan body produced ${out.length} outputs, fewer than its ${states.length} states`);
    const next = states.map((s, i) => mergeFacts(s, out[i]!));
    if (next.every((f, i) => sameFacts(f, states[i]))) break;
    states = next;
  }
  return { states, out };
}

function scanPlan(ctx: NodeContext): ScanPlan {
  const body = bodyOf(ctx, 'body');
  const m = ctx.attr.int('num_scan_inputs', -1);
  if (m < 1) fail(ctx, 'Scan needs num_scan_inputs ≥ 1');
  const where = nodeLabel(ctx);
  if (ctx.opset < 9) {
    // Scan-8: [sequence_lens], states [batch, …], scan inputs [batch, seq, …].
    const n = ctx.node.inputs.length - 1 - m;
    if (n < 0) fail(ctx, `Scan has ${ctx.node.inputs.length} inputs for ${m} scan inputs`);
    const states = ctx.inputs.slice(1, 1 + n).map((v, i) => (v ? dropAxes(v, [0]) : fail(ctx, `Scan state ${i} is missing`)));
    const scans = ctx.inputs.slice(1 + n).map((v, i) => v ?? fail(ctx, `Scan input ${i} is missing`));
    let batch: Dim = null;
    let seq: Dim = null;
    for (const s of scans) {
      if (s.shape === undefined) continue;
      if (s.shape.length < 2) fail(ctx, 'Scan (opset 8) inputs need a batch and a sequence axis');
      batch = batch === null ? s.shape[0]! : unifyDim(batch, s.shape[0]!, where);
      seq = seq === null ? s.shape[1]! : unifyDim(seq, s.shape[1]!, where);
    }
    const settled = settleStates(
      ctx,
      body,
      states,
      scans.map((s) => dropAxes(s, [0, 1])),
    );
    let runs: number | undefined;
    if (given(ctx, 0)) {
      const lens = valueOf(ctx, 0);
      runs = lens?.reduce((a, b) => a + b, 0);
    } else if (typeof batch === 'number' && typeof seq === 'number') {
      runs = batch * seq;
    }
    const outputs = [
      ...settled.states.map((s) => ({ dtype: s.dtype, shape: s.shape ? [batch, ...s.shape] : undefined })),
      ...settled.out.slice(n).map((s) => ({ dtype: s.dtype, shape: s.shape ? [batch, seq, ...s.shape] : undefined })),
    ];
    return { body, runs, bodyInputs: [...settled.states, ...scans.map((s) => dropAxes(s, [0, 1]))], out: settled.out, outputs };
  }
  // Scan-9+: states, scan inputs scanned along scan_input_axes; scan outputs stacked along scan_output_axes.
  const n = ctx.node.inputs.length - m;
  if (n < 0) fail(ctx, `Scan has ${ctx.node.inputs.length} inputs for ${m} scan inputs`);
  const inAxes = ctx.attr.ints('scan_input_axes', new Array<number>(m).fill(0));
  const states = ctx.inputs.slice(0, n).map((v, i) => (v ? cloneFacts(v) : fail(ctx, `Scan state ${i} is missing`)));
  const scans = ctx.inputs.slice(n).map((v, i) => v ?? fail(ctx, `Scan input ${i} is missing`));
  let trips: Dim = null;
  const slices = scans.map((s, i) => {
    if (s.shape === undefined) return { dtype: s.dtype };
    const axis = normalizeAxis(inAxes[i] ?? 0, s.shape.length, where);
    trips = trips === null ? s.shape[axis]! : unifyDim(trips, s.shape[axis]!, where);
    return dropAxes(s, [axis]);
  });
  const settled = settleStates(ctx, body, states, slices);
  const k = settled.out.length - n;
  const outAxes = ctx.attr.ints('scan_output_axes', new Array<number>(k).fill(0));
  const tripDim: Dim = trips;
  const outputs = [
    ...settled.states,
    ...settled.out.slice(n).map((s, j): ValueFacts => {
      if (s.shape === undefined) return { dtype: s.dtype };
      const shape = [...s.shape];
      shape.splice(normalizeAxis(outAxes[j] ?? 0, shape.length + 1, where), 0, tripDim);
      return { dtype: s.dtype, shape };
    }),
  ];
  return { body, runs: typeof tripDim === 'number' ? tripDim : undefined, bodyInputs: [...settled.states, ...slices], out: settled.out, outputs };
}

const scan: OpRule = {
  ops: ['Scan'],
  infer(ctx) {
    const plan = scanPlan(ctx);
    if (plan.outputs.length !== ctx.node.outputs.length) {
      fail(ctx, `the Scan node has ${ctx.node.outputs.length} outputs, its body makes ${plan.outputs.length}`);
    }
    return plan.outputs;
  },
  cost(ctx) {
    const plan = scanPlan(ctx);
    if (plan.runs === undefined) throw new AnalysisError('not counted: the scanned length is not known', nodeLabel(ctx));
    return repeated('scan', plan.runs, ctx.subgraphCost(plan.body, plan.bodyInputs), 'T');
  },
  nonParamInputs: (ctx) => (ctx.opset < 9 ? [0] : []),
};

export const rules: OpRule[] = [ifRule, loop, scan];
