/**
 * If / Loop / Scan: sub-graph wiring, trip counts, and body cost × trip count. The engine's sub-graph
 * callbacks are replaced by a small in-test propagator (these families' rules) and a fake cost.
 */
import { describe, expect, it } from 'vitest';
import { makeNodeContext, type ContextHooks } from '../../../src/analysis/context.js';
import { rules } from '../../../src/analysis/ops/control-flow.js';
import { rules as shapeOps } from '../../../src/analysis/ops/shape-ops.js';
import type { ValueFacts } from '../../../src/analysis/types.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import type { Graph } from '../../../src/onnx/model.js';
import { tensorNumbers } from '../../../src/onnx/tensor-data.js';
import { BOOL, I64, node, ruleOf, run, scalar, t } from './movement-helpers.js';

const all = [...rules, ...shapeOps];

/** Infer a body graph with these rules: formal inputs bound to the given facts. */
function inferBody(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
  const facts = new Map<string, ValueFacts>();
  g.inputs.forEach((vi, i) => facts.set(vi.name, inputs[i] ?? { dtype: 0 }));
  for (const init of g.initializers) facts.set(init.name, { dtype: init.dataType, shape: [...init.dims], value: tensorNumbers(init) });
  for (const n of g.nodes) {
    const outs = ruleOf(all, n).infer(
      makeNodeContext(
        n,
        n.inputs.map((i) => facts.get(i)),
        17,
        { inferSubgraph: inferBody },
      ),
    );
    n.outputs.forEach((o, i) => facts.set(o, outs[i]!));
  }
  return g.outputs.map((o) => facts.get(o.name)!);
}

/** A loop body: (i, cond, x) → (cond, x [, x as scan output]); `grow` appends one element to x. */
function loopBody(opts: { grow?: boolean; scan?: boolean } = {}): Graph {
  const b = new GraphBuilder({ name: 'body' });
  b.input('i', 'int64', []);
  const cond = b.input('cond_in', 'bool', []);
  const x = b.input('x_in', 'float32', [null]);
  b.output(b.op('Identity', [cond]));
  if (opts.grow) {
    const one = b.weight('one', [1], 'ones');
    b.output(b.op('Concat', [x, one], { axis: 0 }));
  } else {
    b.output(b.op('Identity', [x]));
  }
  if (opts.scan) b.output(b.op('Identity', [x], {}, '/scan'));
  return b.graph();
}

describe('Loop', () => {
  it('known trip count: body cost × M, scan outputs stacked along a leading trip dim', () => {
    const calls: (ValueFacts | undefined)[][] = [];
    // Fake body cost: 7 MACs, 13 FLOPs per iteration.
    const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: (_g, inputs) => (calls.push(inputs), { macs: 7, flops: 13 }) };
    const n = node('Loop', ['M', 'cond', 'x'], { body: loopBody({ scan: true }) }, { outputs: 2 });
    const r = run(all, n, [scalar(5), t([], BOOL, [1]), t([3])], 17, hooks);
    expect(r.outputs.map((o) => o.shape)).toEqual([[3], [5, 3]]);
    // 5 iterations × 7 = 35 MACs, 5 × 13 = 65 FLOPs, under every convention (the body is costed under each)
    expect(r.all()).toEqual({
      exact: { macs: 35, flops: 65 },
      ptflops: { macs: 35, flops: 65 },
      fvcore: { macs: 35, flops: 65 },
      thop: { macs: 35, flops: 65 },
      deepspeed: { macs: 35, flops: 65 },
      torch: { macs: 35, flops: 65 },
    });
    expect(r.cost()!.formula).toEqual({ template: 'loop', vars: { trips: 5, bodyMacs: 7, bodyFlops: 13 }, symbolic: 'M·FLOPs_body', substituted: '5×13' });
    // the body was costed with the carried facts of every iteration: x is [3]
    expect(calls[0]![2]!.shape).toEqual([3]);
  });

  it('carried values that grow are followed iteration by iteration', () => {
    // x starts as [2] and gains one element per iteration: the body sees [2], [3], [4].
    const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: (_g, inputs) => ({ macs: 0, flops: inputs[2]!.shape![0] as number }) };
    const r = run(all, node('Loop', ['M', '', 'x'], { body: loopBody({ grow: true }) }), [scalar(3), undefined, t([2])], 17, hooks);
    expect(r.outputs[0]!.shape).toEqual([null]); // the final length depends on the iteration: merged
    expect(r.cost()!.flops).toBe(9); // 2 + 3 + 4
    expect(r.cost()!.formula!.substituted).toBe('2 + 3 + 4');
  });

  it('a data-dependent trip count leaves a symbolic scan dim and is not counted', () => {
    const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: () => ({ macs: 1, flops: 1 }) };
    const n = node('Loop', ['M', 'cond', 'x'], { body: loopBody({ scan: true }) }, { outputs: 2, name: 'gen' });
    const r = run(all, n, [t([], I64), t([], BOOL), t([3])], 17, hooks);
    expect(r.outputs[1]!.shape).toEqual(['loop_gen', 3]);
    expect(() => r.cost()).toThrow(/gen: not counted: the trip count depends on the data/);
  });

  it('a false initial condition runs zero times', () => {
    const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: () => ({ macs: 1, flops: 1 }) };
    const r = run(all, node('Loop', ['M', 'cond', 'x'], { body: loopBody() }), [scalar(4), t([], BOOL, [0]), t([3])], 17, hooks);
    expect(r.cost()).toMatchObject({ macs: 0, flops: 0 });
  });
});

function branch(name: string, shape: number[]): Graph {
  const b = new GraphBuilder({ name });
  const c = b.weight(`${name}_c`, shape, 'zeros');
  b.output(b.op('Identity', [c]));
  return b.graph();
}

describe('If', () => {
  const costs: Record<string, { macs: number; flops: number }> = { then: { macs: 10, flops: 30 }, else: { macs: 20, flops: 25 } };
  const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: (g) => costs[g.name]! };
  const n = node('If', ['c'], { then_branch: branch('then', [2, 3]), else_branch: branch('else', [2, 5]) });

  it('a known condition selects its branch (facts and cost)', () => {
    const r = run(all, n, [t([], BOOL, [0])], 17, hooks);
    expect(r.outputs[0]!.shape).toEqual([2, 5]);
    expect(r.cost()).toMatchObject({ macs: 20, flops: 25 });
  });
  it('an unknown condition: dims both branches agree on, cost of the costlier branch', () => {
    const r = run(all, n, [t([], BOOL)], 17, hooks);
    expect(r.outputs[0]!.shape).toEqual([2, null]);
    // max by FLOPs: then (30) > else (25) → then's 10 MACs, 30 FLOPs
    expect(r.cost()).toEqual({
      macs: 10,
      flops: 30,
      formula: {
        template: 'if',
        vars: { thenMacs: 10, thenFlops: 30, elseMacs: 20, elseFlops: 25 },
        symbolic: 'max(FLOPs_then, FLOPs_else)',
        substituted: 'max(30, 25)',
      },
    });
  });
});

describe('Scan', () => {
  function scanBody(): Graph {
    const b = new GraphBuilder({ name: 'scan_body' });
    const s = b.input('s_in', 'float32', [2]);
    const x = b.input('x_in', 'float32', [3]);
    b.output(b.op('Identity', [s]));
    b.output(b.op('Identity', [x], {}, '/y'));
    return b.graph();
  }
  const hooks: ContextHooks = { inferSubgraph: inferBody, subgraphCost: () => ({ macs: 6, flops: 11 }) };

  it('opset 9+: scans axis 0 of the input; body cost × its length', () => {
    const r = run(all, node('Scan', ['s', 'x'], { body: scanBody(), num_scan_inputs: 1 }, { outputs: 2 }), [t([2]), t([5, 3])], 11, hooks);
    expect(r.outputs.map((o) => o.shape)).toEqual([[2], [5, 3]]);
    expect(r.cost()).toMatchObject({ macs: 30, flops: 55 }); // 5 × 6, 5 × 11
    // scan_input_axes [1] over a [3, 5] input, output stacked on axis 1
    const r2 = run(
      all,
      node('Scan', ['s', 'x'], { body: scanBody(), num_scan_inputs: 1, scan_input_axes: [1], scan_output_axes: [1] }, { outputs: 2 }),
      [t([2]), t([3, 5])],
      11,
      hooks,
    );
    expect(r2.outputs[1]!.shape).toEqual([3, 5]);
  });
  it('opset 8: batch × sequence runs, outputs [batch, seq, …]', () => {
    const r = run(all, node('Scan', ['', 's', 'x'], { body: scanBody(), num_scan_inputs: 1 }, { outputs: 2 }), [undefined, t([4, 2]), t([4, 5, 3])], 8, hooks);
    expect(r.outputs.map((o) => o.shape)).toEqual([
      [4, 2],
      [4, 5, 3],
    ]);
    expect(r.cost()).toMatchObject({ macs: 120, flops: 220 }); // 4·5 = 20 runs × (6, 11)
  });
});

it('If/Loop inputs that are conditions and counts are never parameters', () => {
  expect(rules.find((r) => r.ops.includes('Loop'))!.nonParamInputs).toEqual([0, 1]);
  expect(rules.find((r) => r.ops.includes('If'))!.nonParamInputs).toEqual([0]);
});
