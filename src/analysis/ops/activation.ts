/**
 * Op family 'activation': Relu and its relatives, the sigmoid/tanh family, Gelu (ONNX opset 20 and the
 * onnxruntime contrib ops). Every activation keeps its input's shape and type; the cost is a fixed
 * number of scalar operations per element, each composite spelled out below and in
 * docs/counting/activation.md.
 */
import { broadcastShapes, formatShape } from '../shapes.js';
import { AnalysisError, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { needInput, type PresetTable, perElementCost } from './elementwise.js';
import { given, nodeLabel } from './tensor-values.js';

const MS = 'com.microsoft';

/** The activations ptflops and DeepSpeed hook (ReLU6 is Clip, in the element-wise family): one per element. */
const HOOKED = {
  Relu: 'elements',
  LeakyRelu: 'elements',
  PRelu: 'elements',
  Elu: 'elements',
  Gelu: 'elements',
  FastGelu: 'elements',
  BiasGelu: 'elements',
} as const;

// What the preset tools count (docs/counting/activation.md); fvcore and torch ignore activations.
const PRESETS: PresetTable = {
  ptflops: HOOKED,
  fvcore: {},
  // ReLU and LeakyReLU hooked with zero ops; PReLU one per element
  thop: { Relu: 'zero', LeakyRelu: 'zero', PRelu: 'elements' },
  deepspeed: HOOKED,
  torch: {},
};

function sameAsInput(ctx: NodeContext): ValueFacts[] {
  const x = needInput(ctx, 0, 'X');
  return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined }];
}

/** An activation costing `c` scalar operations per element. */
function activation(ops: string[], c: number | ((ctx: NodeContext) => number), domain?: string): OpRule {
  return {
    ops,
    ...(domain ? { domain } : {}),
    infer(ctx) {
      if (typeof c !== 'number') c(ctx); // attribute errors surface at inference, not only when counting
      return sameAsInput(ctx);
    },
    cost: perElementCost((ctx) => ({ c: typeof c === 'number' ? c : c(ctx) }), PRESETS),
  };
}

/** PRelu: the slope must broadcast to X (unidirectionally: the output has X's shape). */
const preluRule: OpRule = {
  ops: ['PRelu'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    const slope = needInput(ctx, 1, 'slope');
    // Before opset 7 a 1-D slope is per channel (axis 1), Caffe2-style, or one shared value.
    const legacyPerChannel =
      ctx.opset < 7 && slope.shape?.length === 1 && x.shape !== undefined && x.shape.length >= 2 && (slope.shape[0] === 1 || slope.shape[0] === x.shape[1]);
    if (x.shape !== undefined && slope.shape !== undefined && !legacyPerChannel) {
      const joint = broadcastShapes([x.shape, slope.shape], nodeLabel(ctx));
      const grows = joint!.length !== x.shape.length || joint!.some((d, i) => typeof d === 'number' && typeof x.shape![i] === 'number' && d !== x.shape![i]);
      if (grows) {
        throw new AnalysisError(`PRelu slope ${formatShape(slope.shape)} does not broadcast to X ${formatShape(x.shape)}`, nodeLabel(ctx));
      }
    }
    return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined }];
  },
  // compare + multiply per element
  cost: perElementCost(() => ({ c: 2 }), PRESETS),
  weightInputs: [1],
};

/** Gelu (opset 20): exact erf form 5 ops, tanh approximation 9 ops per element. */
function geluFlops(ctx: NodeContext): number {
  const approximate = ctx.attr.string('approximate', 'none');
  if (approximate === 'none') return 5;
  if (approximate === 'tanh') return 9;
  throw new AnalysisError(`Gelu approximate must be 'none' or 'tanh', got '${approximate}'`, nodeLabel(ctx));
}

export const rules: OpRule[] = [
  // max(0, x): one compare
  activation(['Relu'], 1),
  // x < 0 ? αx : x: compare + multiply
  activation(['LeakyRelu'], 2),
  preluRule,
  // x < 0 ? α(eˣ − 1) : x: compare, exp, subtract, multiply
  activation(['Elu'], 4),
  // γ·(x ≤ 0 ? α(eˣ − 1) : x): compare, exp, subtract, multiply, multiply
  activation(['Selu'], 5),
  // max(0, x) + min(0, α(exp(x/α) − 1)): divide, exp, subtract, multiply, min, max, add
  activation(['Celu'], 7),
  // 0.5·x·(1 + erf(x/√2)) = multiply, erf, add, multiply, multiply; tanh form:
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) = x³ (2), ·0.044715, +x, ·√(2/π), tanh, +1, ·x, ·0.5
  activation(['Gelu'], geluFlops),
  // 1/(1 + e⁻ˣ): negate, exp, add, divide
  activation(['Sigmoid'], 4),
  activation(['Tanh'], 1),
  // max(0, min(1, αx + β)): multiply, add, min, max
  activation(['HardSigmoid'], 4),
  // x·HardSigmoid(x): the four above and a multiply
  activation(['HardSwish'], 5),
  // log(eˣ + 1): exp, add, log
  activation(['Softplus'], 3),
  // x/(1 + |x|): abs, add, divide
  activation(['Softsign'], 3),
  // x·tanh(log(1 + eˣ)): exp, add, log, tanh, multiply
  activation(['Mish'], 5),
  // x > α ? x : 0: one compare
  activation(['ThresholdedRelu'], 1),
  // x < −λ ? x + bias : x > λ ? x − bias : 0: two compares, one add or subtract
  activation(['Shrink'], 3),
  // onnxruntime contrib ops (fusions of the ONNX graphs above).
  activation(['Gelu'], 5, MS),
  // FastGelu: the tanh form (9), plus one add when the optional bias input is given
  activation(['FastGelu'], (ctx) => 9 + (given(ctx, 1) ? 1 : 0), MS),
  // BiasGelu: bias add, then the erf form (5)
  activation(['BiasGelu'], 6, MS),
  // QuickGelu: x·sigmoid(αx): multiply, the sigmoid's four, multiply
  activation(['QuickGelu'], 6, MS),
];
