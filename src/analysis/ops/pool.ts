/**
 * Op family 'pool': MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool,
 * MaxUnpool, RoiAlign. Window shapes follow the ONNX spec (auto_pad, ceil_mode, dilations); cost under
 * every convention. Rules written out in docs/counting/pool.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  costRule,
  explicitPads,
  hasInput,
  inputShape,
  knownShape,
  maybeShape,
  perAxis,
  type Preset,
  type PresetCost,
  presetEntry,
  presetTemplate,
  prod,
  slideWindow,
  where,
} from './compute-common.js';
import { type Expr, flopsEntry, folded, minus, n, plus, plusTight, q, q1, shape, sup, times } from './expr.js';

function readKernel(ctx: NodeContext, rank: number): number[] {
  const k = ctx.attr.intsOpt('kernel_shape');
  if (k === undefined) throw new AnalysisError('kernel_shape is required', where(ctx));
  if (k.length !== rank) throw new AnalysisError(`kernel_shape has ${k.length} values for ${rank} spatial axes`, where(ctx));
  return k;
}

function inferWindowPool(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  const kernel = readKernel(ctx, x.length - 2);
  const op = ctx.node.opType;
  // ceil_mode from opset 10; dilations for MaxPool from 10 and AveragePool from 19; LpPool has both from 18
  const ceilMode = ctx.attr.int('ceil_mode', 0) === 1;
  const withDilations = op === 'MaxPool' || (op === 'AveragePool' && ctx.opset >= 19) || (op === 'LpPool' && ctx.opset >= 18);
  const w = slideWindow(ctx, x.slice(2), kernel, { ceilMode, dilations: withDilations });
  const y: ValueFacts = { dtype: ctx.inputs[0]?.dtype ?? 0, shape: [x[0]!, x[1]!, ...w.out] };
  return ctx.node.outputs.map((_, i) => (i === 0 ? y : { dtype: DataType.INT64, shape: [...y.shape!] }));
}

interface PoolSize {
  N: number;
  C: number;
  kernel: number[];
  inSp: number[];
  outSp: number[];
}

function poolSize(ctx: CostContext): PoolSize {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const y = knownShape(ctx, ctx.outputs[0]?.shape, 'output Y');
  return { N: x[0]!, C: x[1]!, kernel: ctx.attr.ints('kernel_shape', []), inSp: x.slice(2), outSp: y.slice(2) };
}

function vars(s: PoolSize): Record<string, number> {
  return { N: s.N, C: s.C, outputs: s.N * s.C * prod(s.outSp), inputs: s.N * s.C * prod(s.inSp), K: prod(s.kernel) };
}

/** The quantities of a pool formula: the kernel `∏K`, the outputs `N·C·∏out` (N left out when 1). */
function terms(s: PoolSize) {
  return { K: shape('∏K', s.kernel), outputs: times(q1('N', s.N), q('C', s.C), shape('∏out', s.outSp)) };
}

/** Work allowed for counting in-bounds taps on one axis (iterations of the shorter loop). */
const MAX_TAP_STEPS = 10_000_000;

/**
 * Elements summed over all AveragePool windows when padding is excluded from the count
 * (count_include_pad=0): windows factor per axis, so the total is N·C·∏ over axes of Σ in-bounds taps.
 * Per axis Σ_o #{j : 0 ≤ o·s − pb + j·d < in} is counted along the shorter of the two loops (output
 * positions or kernel taps), each step O(1), so pads near 2^53 cost nothing; a window count and a
 * kernel both beyond MAX_TAP_STEPS is refused.
 */
function inBoundsTaps(ctx: CostContext, s: PoolSize): number {
  const rank = s.inSp.length;
  const w = slideWindow(ctx, s.inSp, s.kernel, { ceilMode: ctx.attr.int('ceil_mode', 0) === 1, dilations: ctx.opset >= 19 });
  let total = s.N * s.C;
  for (let a = 0; a < rank; a++) {
    const pb = w.padsBegin[a]!;
    const stride = w.strides[a]!;
    const dil = w.dilations[a]!;
    const size = s.inSp[a]!;
    const outs = s.outSp[a]!;
    const k = s.kernel[a]!;
    if (Math.min(outs, k) > MAX_TAP_STEPS) {
      throw new AnalysisError(
        `AveragePool axis ${a} has ${outs} windows of ${k} taps; counting in-bounds taps is limited to ${MAX_TAP_STEPS} steps`,
        where(ctx),
      );
    }
    // #{x in [0, n) : lo ≤ x·step + base ≤ hi} for step > 0
    const countIn = (n: number, step: number, base: number, lo: number, hi: number): number => {
      const first = Math.max(0, Math.ceil((lo - base) / step));
      const last = Math.min(n - 1, Math.floor((hi - base) / step));
      return last >= first ? last - first + 1 : 0;
    };
    let taps = 0;
    if (outs <= k) {
      for (let o = 0; o < outs; o++) taps += countIn(k, dil, o * stride - pb, 0, size - 1);
    } else {
      for (let j = 0; j < k; j++) taps += countIn(outs, stride, j * dil - pb, 0, size - 1);
    }
    total *= taps;
  }
  return total;
}

/** MaxPool: ∏K − 1 compares per output element (COUNTING.md). */
function maxPoolExact(ctx: CostContext): CostEntry {
  const s = poolSize(ctx);
  const t = terms(s);
  return flopsEntry(0, 'maxpool', vars(s), times(minus(t.K, n(1)), t.outputs));
}

/**
 * AveragePool: ∏K − 1 adds + 1 divide per output element (COUNTING.md); with padding excluded from
 * the count, each window adds its in-bounds taps (taps − 1 adds) and divides once.
 */
function avgPoolExact(ctx: CostContext): CostEntry {
  const s = poolSize(ctx);
  const includePad = ctx.attr.int('count_include_pad', 0) === 1;
  const padded =
    explicitPads(ctx, s.inSp.length).some((p) => p > 0) || ctx.attr.string('auto_pad', 'NOTSET').startsWith('SAME') || ctx.attr.int('ceil_mode', 0) === 1;
  if (!includePad && padded) {
    const taps = q('Σ in-bounds taps (taps − 1 adds + 1 divide per window)', inBoundsTaps(ctx, s));
    return flopsEntry(0, 'avgpool', { ...vars(s), taps: taps.value }, taps);
  }
  const t = terms(s);
  return flopsEntry(0, 'avgpool', vars(s), times(t.K, t.outputs));
}

/** LpPool, per window: |x|^p per tap, ∏K − 1 adds, one p-th root = 2·∏K. nn.LPPool is hooked by none of the tools. */
function lpPoolExact(ctx: CostContext): CostEntry {
  const s = poolSize(ctx);
  const t = terms(s);
  return flopsEntry(0, 'lppool', vars(s), times(n(2), t.K, t.outputs));
}

// ---------------------------------------------------------------------------------------------
// Global pools

function inferGlobal(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
}

function globalSize(ctx: CostContext): PoolSize {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const spatial = x.slice(2);
  return { N: x[0]!, C: x[1]!, kernel: spatial, inSp: spatial, outSp: spatial.map(() => 1) };
}

function globalVars(s: PoolSize): Record<string, number> {
  const spatial = prod(s.inSp);
  return { N: s.N, C: s.C, spatial, inputs: s.N * s.C * spatial };
}

const GLOBAL_TEMPLATES: Record<string, string> = { GlobalAveragePool: 'globalavgpool', GlobalMaxPool: 'globalmaxpool', GlobalLpPool: 'globallppool' };

/** Global pools per output channel: average ∏spatial − 1 adds + 1 divide, max ∏spatial − 1 compares, Lp 2·∏spatial. */
function globalExact(ctx: CostContext): CostEntry {
  const s = globalSize(ctx);
  const op = ctx.node.opType;
  const channels = times(q1('N', s.N), q('C', s.C));
  const spatial = shape('∏spatial', s.inSp);
  const per = op === 'GlobalAveragePool' ? spatial : op === 'GlobalMaxPool' ? minus(spatial, n(1)) : times(n(2), spatial);
  return flopsEntry(0, GLOBAL_TEMPLATES[op]!, globalVars(s), times(channels, per));
}

// ---------------------------------------------------------------------------------------------
// MaxUnpool, RoiAlign

function inferMaxUnpool(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  if (hasInput(ctx, 2)) {
    const given = ctx.inputs[2]?.value;
    if (given !== undefined) return [{ dtype, shape: [...given] }];
    return [{ dtype, shape: x.map(() => null) }];
  }
  const rank = x.length - 2;
  const kernel = readKernel(ctx, rank);
  const strides = perAxis(ctx, 'strides', rank, 1);
  const pads = explicitPads(ctx, rank);
  const spatial: Dim[] = x.slice(2).map((d, i) => (typeof d === 'number' ? (d - 1) * strides[i]! + kernel[i]! - pads[i]! - pads[i + rank]! : null));
  return [{ dtype, shape: [x[0]!, x[1]!, ...spatial] }];
}

/** MaxUnpool scatters values to their indices: no arithmetic. */
function maxUnpoolExact(): CostEntry {
  return flopsEntry(0, 'maxunpool', {}, n(0));
}

function inferRoiAlign(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length !== 4) throw new AnalysisError(`input X must be 4-D (N, C, H, W), got rank ${x.length}`, where(ctx));
  const rois = maybeShape(ctx, 1);
  const r: Dim = rois === undefined ? null : rois[0]!;
  const oh = ctx.attr.int('output_height', 1);
  const ow = ctx.attr.int('output_width', 1);
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [r, x[1]!, oh, ow] }];
}

/**
 * RoiAlign: each output bin averages (or maxes) sampling_ratio² bilinear samples of 3·(2²−1) = 9 ops.
 * With sampling_ratio 0 the sample count depends on each ROI's size, i.e. on data: not countable statically.
 */
function roiAlignExact(ctx: CostContext): CostEntry {
  const y = knownShape(ctx, ctx.outputs[0]?.shape, 'output Y');
  const ratio = ctx.attr.int('sampling_ratio', 0);
  if (ratio <= 0) {
    throw new AnalysisError('RoiAlign with sampling_ratio 0 samples ceil(roi size / output size) points per bin, which depends on the ROI values', where(ctx));
  }
  const samples = sup(q('s', ratio), n(2));
  const outputs = q('numel(Y)', prod(y));
  // bilinear per sample, then samples − 1 adds/compares and (avg) one divide
  const reduce = minus(plus(times(n(9), samples), samples), n(1));
  const per = ctx.attr.string('mode', 'avg') === 'avg' ? plus(reduce, n(1)) : reduce;
  return flopsEntry(0, 'roialign', { outputs: outputs.value, samples: samples.value }, times(outputs, folded(per)));
}

// ---------------------------------------------------------------------------------------------
// Presets: what each tool counts instead (COUNTING.md "Presets"); an op left out is not counted

/** A preset's count of a pool op; null where the tool does not count this form of it. */
type PoolPreset = (s: PoolSize) => Expr | null;

const inputElements: PoolPreset = (s) => q('numel(X)', s.N * s.C * prod(s.inSp));
const zeroOps: PoolPreset = () => n(0);

const PRESETS: Record<Preset, Partial<Record<string, PoolPreset>>> = {
  // pool_flops_counter_hook, for the adaptive pools too: numel of the input
  ptflops: { MaxPool: inputElements, AveragePool: inputElements, GlobalAveragePool: inputElements, GlobalMaxPool: inputElements },
  // aten::adaptive_avg_pool2d (a 4-D GlobalAveragePool) is the only pool fvcore counts: numel of the input
  fvcore: { GlobalAveragePool: (s) => (s.inSp.length === 2 ? inputElements(s) : null) },
  thop: {
    MaxPool: zeroOps, // zero_ops
    AveragePool: (s) => q('numel(Y)', s.N * s.C * prod(s.outSp)), // count_avgpool: one op per output element
    // count_adap_avgpool: (∏(in/out) + 1)·numel(Y)
    GlobalAveragePool: (s) => times(plusTight(q('∏spatial', prod(s.inSp)), n(1)), q1('N', s.N), q('C', s.C)),
    GlobalMaxPool: zeroOps, // adaptive max pools are zero_ops
  },
  // _pool_flops_compute: numel of the input, as FLOPs
  deepspeed: { MaxPool: inputElements, AveragePool: inputElements, GlobalAveragePool: inputElements, GlobalMaxPool: inputElements },
  // FlopCounterMode counts matmul/conv/attention only
  torch: {},
};

/** A pool under a preset, from the preset's table. */
function presetPool(size: (ctx: CostContext) => PoolSize, template: (op: string) => string, varsOf: (s: PoolSize) => Record<string, number>): PresetCost {
  return (ctx, preset) => {
    const s = size(ctx);
    const op = ctx.node.opType;
    const e = PRESETS[preset][op]?.(s) ?? null;
    return e === null ? null : presetEntry(preset, presetTemplate(template(op), preset), varsOf(s), e);
  };
}

export const rules: OpRule[] = [
  {
    ops: ['MaxPool'],
    infer: inferWindowPool,
    cost: costRule(
      maxPoolExact,
      presetPool(poolSize, () => 'maxpool', vars),
    ),
  },
  {
    ops: ['AveragePool'],
    infer: inferWindowPool,
    cost: costRule(
      avgPoolExact,
      presetPool(poolSize, () => 'avgpool', vars),
    ),
  },
  { ops: ['LpPool'], infer: inferWindowPool, cost: costRule(lpPoolExact) },
  {
    ops: ['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'],
    infer: inferGlobal,
    cost: costRule(
      globalExact,
      presetPool(globalSize, (op) => GLOBAL_TEMPLATES[op]!, globalVars),
    ),
  },
  { ops: ['MaxUnpool'], infer: inferMaxUnpool, cost: costRule(maxUnpoolExact), nonParamInputs: [1, 2] },
  { ops: ['RoiAlign'], infer: inferRoiAlign, cost: costRule(roiAlignExact), nonParamInputs: [1, 2] },
];
