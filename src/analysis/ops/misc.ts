/**
 * Op family 'misc': ops of the ONNX backend data and of the default domain that belong to no other
 * family — StringNormalizer, the training-preview Gradient, and random generators (RandomNormal,
 * RandomUniform, their *Like forms, Bernoulli, Multinomial).
 *
 * Counting (`exact`): StringNormalizer does no floating-point work (0). A generator's arithmetic on
 * top of the raw random bits is counted: an affine map `mean + scale·z` / `low + (high−low)·u` is 2
 * FLOPs per element, Bernoulli is 1 compare per element, Multinomial is per row C exponentials and
 * C−1 prefix-sum adds, then per sample 1 multiply and ⌈log₂C⌉ compares of a binary search. Drawing
 * the raw random bits is not floating-point work. No preset tool counts random generation (null).
 * Gradient's work is the backward pass of a forward sub-graph the node does not hold: not counted.
 */
import type { Dim } from '../../onnx/model.js';
import { DataType } from '../../onnx/dtypes.js';
import { product } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule } from '../types.js';
import { costRule } from './compute-common.js';
import { flopsEntry, minus, n, plus, plusTight, q, times } from './expr.js';
import { freshDim, need, nodeLabel, zeroCost } from './tensor-values.js';

function fail(ctx: NodeContext, message: string): never {
  throw new AnalysisError(message, nodeLabel(ctx));
}

// -------------------------------------------------------------------------------------- StringNormalizer

const stringNormalizer: OpRule = {
  ops: ['StringNormalizer'],
  infer(ctx) {
    const x = need(ctx, 0, 'X');
    if (x.dtype !== 0 && x.dtype !== DataType.STRING) fail(ctx, `StringNormalizer needs a string tensor, got type ${x.dtype}`);
    const action = ctx.attr.string('case_change_action', 'NONE');
    if (!['NONE', 'LOWER', 'UPPER'].includes(action)) fail(ctx, `case_change_action '${action}' is not NONE, LOWER or UPPER`);
    if (x.shape === undefined) return [{ dtype: DataType.STRING }];
    if (x.shape.length !== 1 && !(x.shape.length === 2 && x.shape[0] === 1)) {
      fail(ctx, `StringNormalizer needs a [C] or [1, C] input, got [${x.shape.join('×')}]`);
    }
    // Removing stop words leaves a data-dependent number of strings (at least one: an empty string).
    const stopwords = ctx.attr.strings('stopwords', []);
    const c: Dim = stopwords.length === 0 ? x.shape[x.shape.length - 1]! : freshDim('strnorm', ctx);
    return [{ dtype: DataType.STRING, shape: x.shape.length === 1 ? [c] : [1, c] }];
  },
  cost: () => zeroCost(),
};

// ---------------------------------------------------------------------------------------------- Gradient

const gradient: OpRule = {
  ops: ['Gradient'],
  domain: 'ai.onnx.preview.training',
  infer(ctx) {
    const xs = ctx.attr.strings('xs', []);
    if (xs.length === 0) fail(ctx, 'Gradient needs the xs attribute');
    if (!ctx.attr.has('y')) fail(ctx, 'Gradient needs the y attribute');
    if (ctx.node.outputs.length !== xs.length) fail(ctx, `Gradient has ${ctx.node.outputs.length} outputs for ${xs.length} xs`);
    // Output i is dy/dx_i: the shape and type of x_i, which is input i.
    return xs.map((_, i) => {
      const x = need(ctx, i, `xs[${i}] (${xs[i]})`);
      return { dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined };
    });
  },
  cost: costRule((ctx) => {
    throw new AnalysisError(
      'not counted: a gradient costs the backward pass of the forward sub-graph from xs to y, which the node does not hold',
      nodeLabel(ctx),
    );
  }),
};

// ------------------------------------------------------------------------------------------------ Random

/** A generator's arithmetic on its random bits: `perElement` ops per output element (2 for an affine map, 1 for Bernoulli's compare). */
function randomCost(perElement: number) {
  return costRule((ctx: CostContext): CostEntry => {
    const shape = ctx.outputs[0]?.shape;
    const count = product(shape);
    if (count === undefined) throw new AnalysisError(`the output shape (${shape?.join('×') ?? 'unknown'}) is not known`, nodeLabel(ctx));
    return flopsEntry(0, 'random', { n: count, perElement }, times(n(perElement), q('n', count)));
  });
}

function randomRule(op: string, perElement: number): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const shape = ctx.attr.intsOpt('shape');
      if (shape === undefined) fail(ctx, `${op} needs the shape attribute`);
      if (shape.some((d) => d < 0)) fail(ctx, `${op} shape [${shape.join(', ')}] has a negative dim`);
      return [{ dtype: ctx.attr.int('dtype', DataType.FLOAT), shape: [...shape] }];
    },
    cost: randomCost(perElement),
  };
}

function randomLikeRule(op: string, perElement: number): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const x = need(ctx, 0, 'input');
      return [{ dtype: ctx.attr.int('dtype', x.dtype), shape: x.shape ? [...x.shape] : undefined }];
    },
    cost: randomCost(perElement),
    // The input only lends its shape (and type).
    nonParamInputs: [0],
  };
}

const bernoulli: OpRule = {
  ops: ['Bernoulli'],
  infer(ctx) {
    const p = need(ctx, 0, 'input');
    return [{ dtype: ctx.attr.int('dtype', p.dtype), shape: p.shape ? [...p.shape] : undefined }];
  },
  cost: randomCost(1),
};

const multinomial: OpRule = {
  ops: ['Multinomial'],
  infer(ctx) {
    const x = need(ctx, 0, 'input');
    const samples = ctx.attr.int('sample_size', 1);
    const dtype = ctx.attr.int('dtype', DataType.INT32);
    if (dtype !== DataType.INT32 && dtype !== DataType.INT64) fail(ctx, `Multinomial dtype must be int32 or int64, got ${dtype}`);
    if (x.shape !== undefined && x.shape.length !== 2) fail(ctx, `Multinomial needs a [batch, classes] input, got rank ${x.shape.length}`);
    return [{ dtype, shape: [x.shape?.[0] ?? null, samples] }];
  },
  cost: costRule((ctx) => {
    const shape = ctx.inputs[0]?.shape;
    const [b, c] = shape ?? [];
    if (typeof b !== 'number' || typeof c !== 'number') {
      throw new AnalysisError(`the input shape (${shape?.join('×') ?? 'unknown'}) is not known`, nodeLabel(ctx));
    }
    const s = ctx.attr.int('sample_size', 1);
    const search = Math.ceil(Math.log2(Math.max(c, 1)));
    const [B, C, S] = [q('B', b), q('C', c), q('S', s)];
    // per row C exponentials and C − 1 prefix-sum adds; per sample a multiply and a binary search
    const flops = plus(times(B, minus(times(n(2), C), n(1))), times(B, S, plusTight(n(1), q('⌈log₂C⌉', search))));
    return flopsEntry(0, 'multinomial', { B: b, C: c, S: s, search }, flops);
  }),
};

export const rules: OpRule[] = [
  stringNormalizer,
  gradient,
  randomRule('RandomNormal', 2),
  randomRule('RandomUniform', 2),
  randomLikeRule('RandomNormalLike', 2),
  randomLikeRule('RandomUniformLike', 2),
  bernoulli,
  multinomial,
];
