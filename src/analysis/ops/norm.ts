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
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  costRule,
  hasInput,
  inputShape,
  knownShape,
  maybeShape,
  type Preset,
  type PresetCost,
  presetEntry,
  presetTemplate,
  prod,
  sameDim,
  where,
} from './compute-common.js';
import { flopsEntry, minus, n, plus, plusTight, q, times } from './expr.js';

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
// Counts

/**
 * Exact count of normalising `groups` groups of `size` elements: 5n + 2 for statistics and
 * normalisation, plus `affinePerElement` (scale, bias) and `extraPerElement` (a skip add) per element.
 */
function normExact(template: string, groups: number, size: number, affinePerElement: number, extraPerElement = 0): CostEntry {
  const perElement = 5 + affinePerElement + extraPerElement;
  const flops = times(q('groups', groups), plusTight(times(n(perElement), q('n', size)), n(2)));
  return flopsEntry(0, template, { groups, n: size, affine: affinePerElement, extra: extraPerElement }, flops);
}

/** RMS norm over n: square n, sum n−1, divide 1, ε and rsqrt 2, normalise n, scale n = 4n + 2 (plus skip adds). */
function rmsExact(template: string, groups: number, size: number, extraPerElement = 0): CostEntry {
  const flops = times(q('groups', groups), plusTight(times(n(4 + extraPerElement), q('n', size)), n(2)));
  return flopsEntry(0, template, { groups, n: size, extra: extraPerElement }, flops);
}

// ---- Presets: what each tool counts instead (COUNTING.md "Presets")

type Family = 'batchnorm' | 'layernorm' | 'groupnorm' | 'instancenorm';

interface NormPreset {
  /** FLOPs per element the tool charges for a norm with affine parameters (ONNX norms always carry them); a family left out is not counted. */
  perElement: Partial<Record<Family, number>>;
  /** Per element for a training-mode BatchNormalization, where the tool switches to its general estimate. */
  training?: number;
}

const PRESETS: Record<Preset, NormPreset> = {
  // bn_flops_counter_hook: numel·2 when affine (BN, IN, GN, LN alike)
  ptflops: { perElement: { batchnorm: 2, layernorm: 2, groupnorm: 2, instancenorm: 2 } },
  // batchnorm_flop_jit: 2n at inference, 5n in training; norm_flop_counter 5n with affine
  fvcore: { perElement: { batchnorm: 2, layernorm: 5, groupnorm: 5, instancenorm: 5 }, training: 5 },
  // count_normalization: 2n, ×2 when affine; nn.GroupNorm is not registered
  thop: { perElement: { batchnorm: 4, layernorm: 4, instancenorm: 4 } },
  // _batch_norm_flops_compute 2n at inference, 5n in training; layer/group/instance norm 5n with affine; FLOPs, no MACs
  deepspeed: { perElement: { batchnorm: 2, layernorm: 5, groupnorm: 5, instancenorm: 5 }, training: 5 },
  // FlopCounterMode counts matmul/conv/attention only
  torch: { perElement: {} },
};

/** A family's count under a preset: perElement·n over the input's n elements. */
function presetNorm(family: Family): PresetCost {
  return (ctx, preset) => {
    const numel = prod(knownShape(ctx, ctx.inputs[0]?.shape, 'input X'));
    const table = PRESETS[preset];
    const per = family === 'batchnorm' && batchNormTraining(ctx) && table.training !== undefined ? table.training : table.perElement[family];
    if (per === undefined) return null;
    return presetEntry(preset, presetTemplate(family, preset), { n: numel, perElement: per }, times(n(per), q('n', numel)));
  };
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

function batchNormTraining(ctx: CostContext): boolean {
  return ctx.opset >= 14 && ctx.attr.int('training_mode', 0) === 1;
}

function batchNormExact(ctx: CostContext): CostEntry {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const numel = prod(x);
  if (batchNormTraining(ctx)) {
    // statistics over N·spatial per channel, then normalise and affine: 7n + 2 per channel
    return normExact('batchnorm-training', x[1]!, numel / x[1]!, 2);
  }
  // inference: y = x·a + b with per-channel a, b folded from scale, mean, var (COUNTING.md)
  return flopsEntry(0, 'batchnorm', { n: numel }, times(n(2), q('n', numel)));
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

function trailingGroups(ctx: CostContext, axisDefault = -1): { groups: number; size: number } {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const axis = normalizeAxis(ctx.attr.int('axis', axisDefault), x.length, where(ctx));
  return { groups: prod(x.slice(0, axis)), size: prod(x.slice(axis)) };
}

/**
 * Exact LayerNormalization entries by group count, group size and affine FLOPs per element (the
 * count is a function of these alone): a model's repeated norms share one entry instead of each
 * printing its expression, texts and vars again. Bounded, as a long-running process keeps it.
 */
const layerNormEntries = new Map<string, CostEntry>();
const MAX_LAYER_NORM_ENTRIES = 4096;

function layerNormExact(ctx: CostContext): CostEntry {
  const { groups, size } = trailingGroups(ctx);
  const affine = hasInput(ctx, 2) ? 2 : 1;
  const key = `${groups}:${size}:${affine}`;
  let entry = layerNormEntries.get(key);
  if (entry === undefined) {
    entry = normExact('layernorm', groups, size, affine);
    if (layerNormEntries.size < MAX_LAYER_NORM_ENTRIES) layerNormEntries.set(key, entry);
  }
  return entry;
}

/** No preset tool counts RMSNorm (nn.RMSNorm is not hooked). */
function rmsNormExact(ctx: CostContext): CostEntry {
  const { groups, size } = trailingGroups(ctx);
  return rmsExact('rmsnorm', groups, size);
}

/** ORT SkipLayerNormalization: input + skip (+ bias), then LayerNorm over the last axis. */
function skipExtra(ctx: CostContext): number {
  return 1 + (hasInput(ctx, 4) ? 1 : 0);
}

function skipLayerNormExact(ctx: CostContext): CostEntry {
  const { groups, size } = trailingGroups(ctx);
  return normExact('skip-layernorm', groups, size, hasInput(ctx, 3) ? 2 : 1, skipExtra(ctx));
}

function skipRmsExact(ctx: CostContext): CostEntry {
  const { groups, size } = trailingGroups(ctx);
  return rmsExact('skip-rmsnorm', groups, size, 1 + (hasInput(ctx, 3) ? 1 : 0));
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

function groupNormExact(ctx: CostContext): CostEntry {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const g = ctx.attr.int('num_groups', 1);
  return normExact('groupnorm', x[0]! * g, prod(x) / (x[0]! * g), 2);
}

function inferInstanceNorm(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3, got ${x.length}`, where(ctx));
  checkChannelInput(ctx, 1, x[1]!, 'scale');
  checkChannelInput(ctx, 2, x[1]!, 'B');
  return [sameAsInput(ctx)];
}

function instanceNormExact(ctx: CostContext): CostEntry {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  return normExact('instancenorm', x[0]! * x[1]!, prod(x.slice(2)), 2);
}

// ---------------------------------------------------------------------------------------------
// LpNormalization, LRN, MeanVarianceNormalization (no preset tool counts these)

function lpNormExact(ctx: CostContext): CostEntry {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input');
  const axis = normalizeAxis(ctx.attr.int('axis', -1), x.length, where(ctx));
  const p = ctx.attr.int('p', 2);
  if (p !== 1 && p !== 2) throw new AnalysisError(`p must be 1 or 2, got ${p}`, where(ctx));
  const size = x[axis]!;
  const rows = q('rows', prod(x) / size);
  // p=2: square n, sum n−1, sqrt 1, divide n = 3n; p=1: abs n, sum n−1, divide n = 3n − 1
  const flops = p === 2 ? times(rows, n(3), q('n', size)) : times(rows, minus(times(n(3), q('n', size)), n(1)));
  return flopsEntry(0, 'lpnorm', { rows: rows.value, n: size, p }, flops);
}

/**
 * LRN: each element is squared once (n), each output sums the squares of the channels in its window
 * (window − 1 adds, windows clipped at the channel edges), then bias + α/size·sum (2), ^β (1), divide (1).
 */
function lrnExact(ctx: CostContext): CostEntry {
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
  const flops = plus(times(n(5), q('n', numel)), times(q('positions', positions), q('Σ_c(window_c − 1)', windowAdds)));
  return flopsEntry(0, 'lrn', { n: numel, positions, windowAdds, size }, flops);
}

function mvnExact(ctx: CostContext): CostEntry {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const axes = ctx.attr.ints('axes', [0, 2, 3]).map((a) => normalizeAxis(a, x.length, where(ctx)));
  const size = prod(axes.map((a) => x[a]!));
  // mean n, variance 2n, normalise 2n, ε and sqrt 2; no affine
  return normExact('mvn', prod(x) / size, size, 0);
}

const same = (ctx: NodeContext): ValueFacts[] => [sameAsInput(ctx)];

export const rules: OpRule[] = [
  {
    ops: ['BatchNormalization'],
    infer: inferBatchNorm,
    cost: costRule(batchNormExact, presetNorm('batchnorm')),
    weightInputs: [1, 2],
    nonParamInputs: [3, 4],
    bufferInputs: [3, 4],
  },
  { ops: ['LayerNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: costRule(layerNormExact, presetNorm('layernorm')), weightInputs: [1, 2] },
  { ops: ['RMSNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: costRule(rmsNormExact), weightInputs: [1] },
  // ONNX Runtime registers SimplifiedLayerNormalization in the default domain (and exporters also use com.microsoft).
  { ops: ['SimplifiedLayerNormalization'], infer: (ctx) => inferLayerNorm(ctx), cost: costRule(rmsNormExact), weightInputs: [1] },
  {
    ops: ['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization'],
    domain: 'com.microsoft',
    infer: (ctx) => (ctx.node.opType.startsWith('Skip') ? inferSkip(ctx) : inferLayerNorm(ctx)),
    cost: costRule((ctx) => (ctx.node.opType.startsWith('Skip') ? skipRmsExact(ctx) : rmsNormExact(ctx))),
    weightInputs: (ctx) => (ctx.node.opType.startsWith('Skip') ? [2, 3] : [1]),
  },
  {
    ops: ['SkipLayerNormalization'],
    domain: 'com.microsoft',
    infer: inferSkip,
    cost: costRule(skipLayerNormExact, presetNorm('layernorm')),
    weightInputs: [2, 3, 4],
  },
  { ops: ['GroupNormalization'], infer: inferGroupNorm, cost: costRule(groupNormExact, presetNorm('groupnorm')), weightInputs: [1, 2] },
  { ops: ['InstanceNormalization'], infer: inferInstanceNorm, cost: costRule(instanceNormExact, presetNorm('instancenorm')), weightInputs: [1, 2] },
  { ops: ['LpNormalization'], infer: same, cost: costRule(lpNormExact) },
  { ops: ['LRN'], infer: same, cost: costRule(lrnExact) },
  { ops: ['MeanVarianceNormalization'], infer: same, cost: costRule(mvnExact) },
];
