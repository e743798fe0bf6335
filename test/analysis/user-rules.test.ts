// User rules for custom operators (docs/custom-ops.md): a module's shape rule and per-convention cost
// count an op no built-in rule covers; without it the op is uncounted with a message saying how.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { NodeContext } from '../../src/analysis/types.js';
import { loadRuleModules, RuleModuleError, toOpRule } from '../../src/analysis/user-rules.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

const rulesDir = path.resolve('test/fixtures/rules');

function model() {
  const b = new GraphBuilder({ extraOpsets: [{ domain: 'com.example', version: 1 }] });
  const x = b.input('x', 'float32', [2, 8]);
  const w = b.weight('w', [8, 4]);
  const [y] = b.node('FusedGelu', [x, w], {}, { name: '/ffn/FusedGelu', domain: 'com.example' });
  b.output(b.op('Relu', [y!], {}, '/act/Relu'));
  return b.build();
}

describe('custom operator rules', () => {
  it('without a rule the op is uncounted and the message says how to count it', () => {
    const p = profileModel(model());
    expect(p.uncounted).toHaveLength(2); // FusedGelu (no rule), and Relu whose input shape is then unknown
    expect(p.uncounted[0]).toMatchObject({
      opType: 'FusedGelu',
      domain: 'com.example',
      reason: 'no rule',
      remedy: 'give com.example.FusedGelu a rule (its shape and its cost per convention) in a module passed with --rules my-ops.mjs (docs/custom-ops.md)',
    });
  });

  it("a module's rule gives the shape, the weight and the cost under each convention", async () => {
    const rules = await loadRuleModules([path.join(rulesDir, 'fused-gelu.mjs')]);
    const p = profileModel(model(), { rules });
    expect(p.uncounted).toEqual([]);
    // output 2×4 = 8 elements, K = 8: MACs 64; FLOPs 8·15 + 8·8 = 184, + ReLU 8 = 192. W 8·4 = 32 params.
    expect(p.totals).toMatchObject({ params: 32, macs: 64, flops: 192 });
    expect(p.outputs[0]!.shape).toEqual([2, 4]);
    // fvcore entry: 64 MACs (fvcore ignores ReLU); thop: null → not counted but not "uncounted" either
    expect(profileModel(model(), { rules, convention: 'fvcore' }).totals.macs).toBe(64);
    const thop = profileModel(model(), { rules, convention: 'thop' });
    expect(thop.uncounted).toEqual([]);
    // a convention the module leaves out (ptflops) uses its exact entry: 64 MACs
    expect(profileModel(model(), { rules, convention: 'ptflops' }).nodes[0]!.macs).toBe(64);
  });

  it('a broken module is one clear error naming the file, the rule and the fix', async () => {
    const file = path.join(rulesDir, 'broken.mjs');
    await expect(loadRuleModules([file])).rejects.toThrow(RuleModuleError);
    await expect(loadRuleModules([file])).rejects.toThrow(
      `${file}: rules[0]: \`cost\` must be a function (ctx, convention) or an object with a function per convention; see docs/custom-ops.md`,
    );
    await expect(loadRuleModules([path.join(rulesDir, 'missing.mjs')])).rejects.toThrow(/missing\.mjs: cannot load the rule module/);
  });
});

describe('weightParams: a packed weight counts the parameters it stands for', () => {
  it('a 4-bit K×N weight packed two per byte into K·N/2 uint8 counts K·N', () => {
    const rule = toOpRule(
      {
        domain: 'com.example',
        ops: ['MatMul4Bit'],
        weightInputs: [1],
        // K = 8 from the activation, N = 4 from the attribute
        weightParams: (ctx: NodeContext) => (ctx.inputs[0]!.shape![1] as number) * ctx.attr.int('N', 0),
        infer: (ctx: NodeContext) => [{ dtype: 1, shape: [ctx.inputs[0]!.shape![0]!, ctx.attr.int('N', 0)] }],
        cost: { exact: () => ({ macs: 0, flops: 0 }) },
      },
      'test',
    );
    const b = new GraphBuilder({ extraOpsets: [{ domain: 'com.example', version: 1 }] });
    const x = b.input('x', 'float32', [2, 8]);
    const packed = b.initializer('w_packed', 'uint8', [4, 4], 'zeros'); // 16 bytes hold 32 4-bit values
    const [y] = b.node('MatMul4Bit', [x, packed], { N: 4 }, { domain: 'com.example' });
    b.output(y!);
    const p = profileModel(b.build(), { rules: [rule] });
    expect(p.totals.params).toBe(32);
    expect(p.totals.paramsBytes).toBe(16); // bytes stay what the file holds
  });
});

describe('a rule that misbehaves at run time', () => {
  it('leaves the op uncounted with the reason instead of crashing', () => {
    const rule = toOpRule(
      { domain: 'com.example', ops: ['FusedGelu'], infer: () => undefined, cost: { exact: () => ({ macs: 1, flops: 1 }) } },
      'bad.mjs: rules[0]',
    );
    const p = profileModel(model(), { rules: [rule] });
    expect(p.uncounted[0]).toMatchObject({
      opType: 'FusedGelu',
      reason: 'the rule of bad.mjs: rules[0] returned undefined from infer(); it must return a list of output facts [{ dtype, shape }]',
    });
  });
});

describe("the contexts a user rule's functions get", () => {
  it('infer sees no outputs and no costing methods; cost sees the outputs, and which inputs are weights', () => {
    const seen: { infer?: unknown; cost?: unknown } = {};
    const rule = toOpRule(
      {
        domain: 'com.example',
        ops: ['FusedGelu'],
        infer: (ctx: NodeContext) => {
          const c = ctx as unknown as Record<string, unknown>;
          seen.infer = { outputs: c.outputs, isWeight: typeof c.isWeight, subgraphCost: typeof c.subgraphCost };
          return [{ dtype: 1, shape: [2, 4] }];
        },
        cost: (ctx: { outputs: { shape?: unknown }[]; isWeight(i: number): boolean }) => {
          // Unbound, as docs/custom-ops.md allows: the detached context's methods work without `this`.
          const { isWeight } = ctx;
          seen.cost = { outputs: ctx.outputs.map((o) => o.shape), weights: [isWeight(0), isWeight(1)] };
          return { macs: 0, flops: 0 };
        },
      },
      'test',
    );
    profileModel(model(), { rules: [rule] });
    expect(seen.infer).toEqual({ outputs: undefined, isWeight: 'undefined', subgraphCost: 'undefined' });
    // FusedGelu(x, w): its one output is 2×4; input 1 (w) is the initializer.
    expect(seen.cost).toEqual({ outputs: [[2, 4]], weights: [false, true] });
  });
});
