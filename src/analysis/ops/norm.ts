/**
 * Op family 'norm': BatchNormalization, LayerNormalization, GroupNormalization, InstanceNormalization,
 * RMSNormalization, LpNormalization, LRN, MeanVarianceNormalization, and ONNX Runtime's
 * SimplifiedLayerNormalization, SkipLayerNormalization, SkipSimplifiedLayerNormalization.
 *
 * Exact FLOPs per normalised group of n elements (COUNTING.md): mean n (n−1 adds, 1 divide), variance 2n
 * (square n, n−1 adds, 1 divide; the centring subtraction is shared with the normalise step),
 * normalise 2n (subtract mean, multiply by 1/σ), 2 for ε and the reciprocal square root, affine 2n
 * (scale, bias): 7n + 2 per group. Rules written out in docs/counting/norm.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { normalizeAxis } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { MINUS, formula, hasInput, inputShape, knownShape, macsEntry, maybeShape, presetTemplate, prod, sameDim, where } from './compute-common.js';


function sameAsInput(ctx: NodeContext): ValueFacts {
  const shape = ctx.inputs[0]?.shape;
  return { dtype: ctx.inputs[0]?.dtype ?? 0, shape: shape === undefined ? undefined : [...shape] };
}

/** Check that a per-channel input (scale, bias, mean, var) has C elements. */
function checkChannelInput(ctx: NodeContext, i: number, c: Dim, what: string): void {
  if (!hasInput(ctx, i)) return;
  const s = maybeShape(ctx, i);
  if (s === undefined) return;
  if (s.length !== 1) throw new AnalysisError(`${what} must be 1-D, got rank ${s.length}`, where(ctx));
  sameDim(ctx, s[0]!, c, `${what} length vs channels`);
}

// ---------------------------------------------------------------------------------------------
// Preset tables

type Family = 'batchnorm' | 'layernorm' | 'groupnorm' | 'instancenorm';

/** FLOPs per element the tools charge for a norm with affine parameters (ONNX norms always carry them). */
const PRESET_PER_ELEMENT: Record<Exclude<Convention, 'exact'>, Record<Family, number | null>> = {
  // bn_flops_counter_hook: numel·2 when affine (BN, IN, GN, LN alike)
  ptflops: { batchnorm: 2, layernorm: 2, groupnorm: 2, instancenorm: 2 },
  // batchnorm_flop_jit (inference) 2n; norm_flop_counter 5n with affine
  fvcore: { batchnorm: 2, layernorm: 5, groupnorm: 5, instancenorm: 5 },
  // count_normalization: 2n, ×2 when affine; nn.GroupNorm is not registered
  thop: { batchnorm: 4, layernorm: 4, groupnorm: null, instancenorm: 4 },
  // _batch_norm_flops_compute 2n (inference); layer/group/instance norm 5n with affine; no MACs
  deepspeed: { batchnorm: 2, layernorm: 5, groupnorm: 5, instancenorm: 5 },
  // FlopCounterMode counts matmul/conv/attention only
  torch: { batchnorm: null, layernorm: null, groupnorm: null, instancenorm: null },
};

function presetNorm(family: Family, convention: Exclude<Convention, 'exact'>, numel: number, training = false): CostEntry | null {
  let per = PRESET_PER_ELEMENT[convention][family];
  if (per === null) return null;
  // Training-mode batch norm: fvcore and DeepSpeed switch to their 5n estimate.
  if (family === 'batchnorm' && training && (convention === 'fvcore' || convention === 'deepspeed')) per = 5;
  const f = formula(presetTemplate(family, convention), { n: numel, perElement: per }, `${per}·n`, `${per}×${numel}`);
  return convention === 'deepspeed' ? { macs: 0, flops: per * numel, formula: f } : macsEntry(per * numel, f);
}

/**
 * Exact count of normalising `groups` groups of n elements: 5n + 2 for statistics and normalisation,
 * plus `affinePerElement` (scale, bias) per element.
 */
function normExact(template: string, groups: number, n: number, affinePerElement: number, extraPerElement = 0): CostEntry {
  const per = 5 + affinePerElement + extraPerElement;
  const flops = groups * (per * n + 2);
  return { macs: 0, flops, formula: formula(template, { groups, n, affine: affinePerElement, extra: extraPerElement }, `groups·(${per}·n + 2)`, `${groups}×(${per}×${n}+2)`) };
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

function inferBatchNorm(ctx: NodeContext): ValueFacts[] {
  const x = ctx.inputs[0]?.shape;
  const c: Dim = x !== undefined && x.length >= 2 ? x[1]! : null;
  if (x !== undefined && x.length < 2) throw new AnalysisError(`input X must have rank ≥ 2, got ${x.length}`, where(ctx));
  ['scale', 'B', 'input_mean', 'input_var'].forEach((what, i) => checkChannelInput(ctx, i + 1, c, what));
  const stats: ValueFacts = { dtype: ctx.inputs[3]?.dtype || ctx.inputs[0]?.dtype || 0, shape: [c] };
  return ctx.node.outputs.map((_, i) => (i === 0 ? sameAsInput(ctx) : { ...stats, shape: [c] }));
}

function batchNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const numel = prod(x);
  const training = ctx.opset >= 14 && ctx.attr.int('training_mode', 0) === 1;
  if (convention !== 'exact') return presetNorm('batchnorm', convention, numel, training);
  if (training) {
    // statistics over N·spatial per channel, then normalise and affine: 7n + 2 per channel
    return normExact('batchnorm-training', x[1]!, numel / x[1]!, 2);
  }
  // inference: y = x·a + b with per-channel a, b folded from scale, mean, var (COUNTING.md)
  return { macs: 0, flops: 2 * numel, formula: formula('batchnorm', { n: numel }, '2·n', `2×${numel}`) };
}

// ---------------------------------------------------------------------------------------------
// LayerNormalization / RMSNormalization / ORT variants (normalise over the trailing axes from `axis`)

function statsShape(x: Dim[], axis: number): Dim[] {
  return x.map((d, i) => (i < axis ? d : 1));
}

function inferLayerNorm(ctx: NodeContext, axisDefault = -1): ValueFacts[] {
  const x = ctx.inputs[0]?.shape;
  const y = sameAsInput(ctx);
  if (x === undefined) return ctx.node.outputs.map((_, i) => (i === 0 ? y : { dtype: DataType.FLOAT, shape: undefined }));
  const axis = normalizeAxis(ctx.attr.int('axis', axisDefault), x.length, where(ctx));
  return ctx.node.outputs.map((_, i) => (i === 0 ? y : { dtype: DataType.FLOAT, shape: statsShape(x, axis) }));
}

function trailingGroups(ctx: CostContext, axisDefault = -1): { groups: number; n: number; numel: number } {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const axis = normalizeAxis(ctx.attr.int('axis', axisDefault), x.length, where(ctx));
  const n = prod(x.slice(axis));
  return { groups: prod(x.slice(0, axis)), n, numel: prod(x) };
}

function layerNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const { groups, n, numel } = trailingGroups(ctx);
  if (convention !== 'exact') return presetNorm('layernorm', convention, numel);
  return normExact('layernorm', groups, n, hasInput(ctx, 2) ? 2 : 1);
}

/** RMS norm over n: square n, sum n−1, divide 1, ε and rsqrt 2, normalise n, scale n = 4n + 2. */
function rmsExact(template: string, groups: number, n: number, extraPerElement = 0): CostEntry {
  const per = 4 + extraPerElement;
  return { macs: 0, flops: groups * (per * n + 2), formula: formula(template, { groups, n, extra: extraPerElement }, `groups·(${per}·n + 2)`, `${groups}×(${per}×${n}+2)`) };
}

function rmsNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null; // no preset tool counts RMSNorm (nn.RMSNorm is not hooked)
  const { groups, n } = trailingGroups(ctx);
  return rmsExact('rmsnorm', groups, n);
}

/** ORT SkipLayerNormalization: input + skip (+ bias), then LayerNorm over the last axis. */
function skipExtra(ctx: CostContext): number {
  return 1 + (hasInput(ctx, 4) ? 1 : 0);
}

function skipLayerNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const { groups, n, numel } = trailingGroups(ctx);
  if (convention !== 'exact') return presetNorm('layernorm', convention, numel);
  return normExact('skip-layernorm', groups, n, hasInput(ctx, 3) ? 2 : 1, skipExtra(ctx));
}

function skipRmsCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null;
  const { groups, n } = trailingGroups(ctx);
  return rmsExact('skip-rmsnorm', groups, n, 1 + (hasInput(ctx, 3) ? 1 : 0));
}

function inferSkip(ctx: NodeContext): ValueFacts[] {
  const x = ctx.inputs[0]?.shape;
  if (x !== undefined && hasInput(ctx, 1)) {
    const skip = maybeShape(ctx, 1);
    if (skip !== undefined && skip.length === x.length) skip.forEach((d, i) => sameDim(ctx, d, x[i]!, `skip dim ${i} vs input`));
  }
  const y = sameAsInput(ctx);
  return ctx.node.outputs.map((_, i) => {
    if (i === 0 || i === 3) return { ...y, shape: y.shape && [...y.shape] };
    return { dtype: DataType.FLOAT, shape: x === undefined ? undefined : statsShape(x, x.length - 1) };
  });
}

// ---------------------------------------------------------------------------------------------
// GroupNormalization / InstanceNormalization

function inferGroupNorm(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3, got ${x.length}`, where(ctx));
  const groups = ctx.attr.int('num_groups', 0);
  if (groups <= 0) throw new AnalysisError(`num_groups must be positive, got ${groups}`, where(ctx));
  const c = x[1]!;
  if (typeof c === 'number' && c % groups !== 0) throw new AnalysisError(`channels ${c} are not divisible by num_groups ${groups}`, where(ctx));
  // opset 18 scales per group, opset 21 per channel
  const per: Dim = ctx.opset >= 21 ? c : groups;
  checkChannelInput(ctx, 1, per, 'scale');
  checkChannelInput(ctx, 2, per, 'bias');
  return [sameAsInput(ctx)];
}

function groupNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const g = ctx.attr.int('num_groups', 1);
  if (convention !== 'exact') return presetNorm('groupnorm', convention, prod(x));
  return normExact('groupnorm', x[0]! * g, prod(x) / (x[0]! * g), 2);
}

function inferInstanceNorm(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3, got ${x.length}`, where(ctx));
  checkChannelInput(ctx, 1, x[1]!, 'scale');
  checkChannelInput(ctx, 2, x[1]!, 'B');
  return [sameAsInput(ctx)];
}

function instanceNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  if (convention !== 'exact') return presetNorm('instancenorm', convention, prod(x));
  return normExact('instancenorm', x[0]! * x[1]!, prod(x.slice(2)), 2);
}

// ---------------------------------------------------------------------------------------------
// LpNormalization, LRN, MeanVarianceNormalization (no preset tool counts these)

function lpNormCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null;
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input');
  const axis = normalizeAxis(ctx.attr.int('axis', -1), x.length, where(ctx));
  const p = ctx.attr.int('p', 2);
  if (p !== 1 && p !== 2) throw new AnalysisError(`p must be 1 or 2, got ${p}`, where(ctx));
  const n = x[axis]!;
  const rows = prod(x) / n;
  // p=2: square n, sum n−1, sqrt 1, divide n = 3n; p=1: abs n, sum n−1, divide n = 3n − 1
  const per = p === 2 ? 3 * n : 3 * n - 1;
  return {
    macs: 0,
    flops: rows * per,
    formula: formula('lpnorm', { rows, n, p }, p === 2 ? 'rows·3·n' : `rows·(3·n ${MINUS} 1)`, p === 2 ? `${rows}×3×${n}` : `${rows}×(3×${n}${MINUS}1)`),
  };
}

/**
 * LRN: each element is squared once (n), each output sums the squares of the channels in its window
 * (window − 1 adds, windows clipped at the channel edges), then bias + α/size·sum (2), ^β (1), divide (1).
 */
function lrnCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null;
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const size = ctx.attr.int('size', 0);
  if (size <= 0) throw new AnalysisError(`LRN size must be positive, got ${size}`, where(ctx));
  const c = x[1]!;
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  let windowAdds = 0;
  for (let ch = 0; ch < c; ch++) windowAdds += Math.min(c - 1, ch + after) - Math.max(0, ch - before);
  const positions = prod(x) / c;
  const numel = prod(x);
  const flops = 5 * numel + positions * windowAdds;
  return { macs: 0, flops, formula: formula('lrn', { n: numel, positions, windowAdds, size }, '5·n + positions·Σ_c(window_c − 1)', `5×${numel} + ${positions}×${windowAdds}`) };
}

function mvnCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null;
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const axes = ctx.attr.ints('axes', [0, 2, 3]).map((a) => normalizeAxis(a, x.length, where(ctx)));
  const n = prod(axes.map((a) => x[a]!));
  // mean n, variance 2n, normalise 2n, ε and sqrt 2; no affine
  return normExact('mvn', prod(x) / n, n, 0);
}

const same = (ctx: NodeContext): ValueFacts[] => [sameAsInput(ctx)];

export const rules: OpRule[] = [
  { ops: ['BatchNormalization'], infer: inferBatchNorm, cost: batchNormCost, weightInputs: [1, 2], nonParamInputs: [3, 4], bufferInputs: [3, 4] },
  { ops: ['LayerNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: layerNormCost, weightInputs: [1, 2] },
  { ops: ['RMSNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: rmsNormCost, weightInputs: [1] },
  // ONNX Runtime registers SimplifiedLayerNormalization in the default domain (and exporters also use com.microsoft).
  { ops: ['SimplifiedLayerNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: rmsNormCost, weightInputs: [1] },
  { ops: ['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization'], domain: 'com.microsoft', infer: (ctx) => (ctx.node.opType.startsWith('Skip') ? inferSkip(ctx) : inferLayerNorm(ctx)), cost: (ctx, c) => (ctx.node.opType.startsWith('Skip') ? skipRmsCost(ctx, c) : rmsNormCost(ctx, c)), weightInputs: (ctx) => (ctx.node.opType.startsWith('Skip') ? [2, 3] : [1]) },
  { ops: ['SkipLayerNormalization'], domain: 'com.microsoft', infer: inferSkip, cost: skipLayerNormCost, weightInputs: [2, 3, 4] },
  { ops: ['GroupNormalization'], infer: inferGroupNorm, cost: groupNormCost, weightInputs: [1, 2] },
  { ops: ['InstanceNormalization'], infer: inferInstanceNorm, cost: instanceNormCost, weightInputs: [1, 2] },
  { ops: ['LpNormalization'], infer: same, cost: lpNormCost },
  { ops: ['LRN'], infer: same, cost: lrnCost },
  { ops: ['MeanVarianceNormalization'], infer: same, cost: mvnCost },
];
