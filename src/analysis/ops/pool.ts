/**
 * Op family 'pool': MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool,
 * MaxUnpool, RoiAlign. Window shapes follow the ONNX spec (auto_pad, ceil_mode, dilations); cost under
 * every convention. Rules written out in docs/counting/pool.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  MINUS,
  formula,
  hasInput,
  inputShape,
  knownShape,
  macsEntry,
  maybeShape,
  perAxis,
  explicitPads,
  presetTemplate,
  prod,
  productText,
  slideWindow,
  where,
} from './compute-common.js';


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

function outText(s: PoolSize): string {
  return [s.N === 1 ? '' : String(s.N), String(s.C), productText(s.outSp)].filter((x) => x !== '').join('×');
}

function outSym(s: PoolSize): string {
  return s.N === 1 ? 'C·∏out' : 'N·C·∏out';
}

/** Presets shared by the pools: ptflops numel(X), DeepSpeed numel(X) FLOPs, the rest per op. */
function poolPreset(s: PoolSize, convention: Exclude<Convention, 'exact'>, template: string, thop: CostEntry | null, fvcore: CostEntry | null): CostEntry | null {
  const inputs = s.N * s.C * prod(s.inSp);
  const t = presetTemplate(template, convention);
  switch (convention) {
    case 'ptflops': // pool_flops_counter_hook: numel of the input
      return macsEntry(inputs, formula(t, vars(s), 'numel(X)', String(inputs)));
    case 'deepspeed': // _pool_flops_compute: numel of the input, FLOPs only
      return { macs: 0, flops: inputs, formula: formula(t, vars(s), 'numel(X)', String(inputs)) };
    case 'thop':
      return thop;
    case 'fvcore':
      return fvcore;
    case 'torch':
      return null;
  }
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
      throw new AnalysisError(`AveragePool axis ${a} has ${outs} windows of ${k} taps; counting in-bounds taps is limited to ${MAX_TAP_STEPS} steps`, where(ctx));
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

function maxPoolCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = poolSize(ctx);
  const outputs = s.N * s.C * prod(s.outSp);
  const K = prod(s.kernel);
  if (convention === 'exact') {
    // COUNTING.md: ∏K − 1 compares per output element
    return { macs: 0, flops: outputs * (K - 1), formula: formula('maxpool', vars(s), `(∏K ${MINUS} 1)·${outSym(s)}`, `(${productText(s.kernel)}${MINUS}1)×${outText(s)}`) };
  }
  // thop registers MaxPool as zero_ops; fvcore ignores pooling
  const thop = { macs: 0, flops: 0, formula: formula(presetTemplate('maxpool', 'thop'), vars(s), '0', '0') };
  return poolPreset(s, convention, 'maxpool', thop, null);
}

function avgPoolCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = poolSize(ctx);
  const outputs = s.N * s.C * prod(s.outSp);
  if (convention === 'exact') {
    const includePad = ctx.attr.int('count_include_pad', 0) === 1;
    const padded = explicitPads(ctx, s.inSp.length).some((p) => p > 0) || ctx.attr.string('auto_pad', 'NOTSET').startsWith('SAME') || ctx.attr.int('ceil_mode', 0) === 1;
    if (!includePad && padded) {
      // padding excluded: each window adds its in-bounds taps (taps − 1 adds) and divides once
      const taps = inBoundsTaps(ctx, s);
      return { macs: 0, flops: taps, formula: formula('avgpool', { ...vars(s), taps }, 'Σ in-bounds taps (taps − 1 adds + 1 divide per window)', String(taps)) };
    }
    // COUNTING.md: ∏K − 1 adds + 1 divide per output element
    return { macs: 0, flops: outputs * prod(s.kernel), formula: formula('avgpool', vars(s), `∏K·${outSym(s)}`, `${productText(s.kernel)}×${outText(s)}`) };
  }
  // thop count_avgpool: one op per output element; fvcore ignores avg_pool
  const thop = macsEntry(outputs, formula(presetTemplate('avgpool', 'thop'), vars(s), 'numel(Y)', String(outputs)));
  return poolPreset(s, convention, 'avgpool', thop, null);
}

function lpPoolCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null; // nn.LPPool is hooked by none of the tools
  const s = poolSize(ctx);
  const outputs = s.N * s.C * prod(s.outSp);
  // per window: |x|^p per tap, ∏K − 1 adds, one p-th root = 2·∏K
  return { macs: 0, flops: outputs * 2 * prod(s.kernel), formula: formula('lppool', vars(s), `2·∏K·${outSym(s)}`, `2×${productText(s.kernel)}×${outText(s)}`) };
}

// ---------------------------------------------------------------------------------------------
// Global pools

function inferGlobal(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
}

function globalCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input X');
  const channels = x[0]! * x[1]!;
  const spatial = prod(x.slice(2));
  const numel = channels * spatial;
  const op = ctx.node.opType;
  const template = op === 'GlobalAveragePool' ? 'globalavgpool' : op === 'GlobalMaxPool' ? 'globalmaxpool' : 'globallppool';
  const v = { N: x[0]!, C: x[1]!, spatial, inputs: numel };
  const nc = x[0] === 1 ? 'C' : 'N·C';
  const ncSub = x[0] === 1 ? String(x[1]) : `${x[0]}×${x[1]}`;
  if (convention === 'exact') {
    if (op === 'GlobalAveragePool') {
      // ∏spatial − 1 adds + 1 divide per output channel
      return { macs: 0, flops: channels * spatial, formula: formula(template, v, `${nc}·∏spatial`, `${ncSub}×${productText(x.slice(2))}`) };
    }
    if (op === 'GlobalMaxPool') {
      return { macs: 0, flops: channels * (spatial - 1), formula: formula(template, v, `${nc}·(∏spatial ${MINUS} 1)`, `${ncSub}×(${productText(x.slice(2))}${MINUS}1)`) };
    }
    return { macs: 0, flops: channels * 2 * spatial, formula: formula(template, v, `${nc}·2·∏spatial`, `${ncSub}×2×${productText(x.slice(2))}`) };
  }
  if (op === 'GlobalLpPool') return null;
  const t = presetTemplate(template, convention);
  switch (convention) {
    case 'ptflops': // adaptive pools: numel of the input
      return macsEntry(numel, formula(t, v, 'numel(X)', String(numel)));
    case 'deepspeed':
      return { macs: 0, flops: numel, formula: formula(t, v, 'numel(X)', String(numel)) };
    case 'fvcore':
      // aten::adaptive_avg_pool2d is the only pool fvcore counts: numel of the input
      return op === 'GlobalAveragePool' && x.length === 4 ? macsEntry(numel, formula(t, v, 'numel(X)', String(numel))) : null;
    case 'thop':
      // count_adap_avgpool: (∏(in/out) + 1)·numel(Y); adaptive max pools are zero_ops
      return op === 'GlobalAveragePool'
        ? macsEntry((spatial + 1) * channels, formula(t, v, `(∏spatial + 1)·${nc}`, `(${spatial}+1)×${ncSub}`))
        : { macs: 0, flops: 0, formula: formula(t, v, '0', '0') };
    case 'torch':
      return null;
  }
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

function maxUnpoolCost(_ctx: CostContext, convention: Convention): CostEntry | null {
  // a scatter of values to their indices: no arithmetic
  return convention === 'exact' ? { macs: 0, flops: 0, formula: formula('maxunpool', {}, '0', '0') } : null;
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
function roiAlignCost(ctx: CostContext, convention: Convention): CostEntry | null {
  if (convention !== 'exact') return null;
  const y = knownShape(ctx, ctx.outputs[0]?.shape, 'output Y');
  const ratio = ctx.attr.int('sampling_ratio', 0);
  if (ratio <= 0) {
    throw new AnalysisError('RoiAlign with sampling_ratio 0 samples ceil(roi size / output size) points per bin, which depends on the ROI values', where(ctx));
  }
  const samples = ratio * ratio;
  const outputs = prod(y);
  // bilinear per sample, then samples − 1 adds/compares and (avg) one divide
  const avg = ctx.attr.string('mode', 'avg') === 'avg';
  const per = samples * 9 + (samples - 1) + (avg ? 1 : 0);
  return { macs: 0, flops: outputs * per, formula: formula('roialign', { outputs, samples }, `numel(Y)·(9·s² + s² ${MINUS} 1${avg ? ' + 1' : ''})`, `${outputs}×${per}`) };
}

export const rules: OpRule[] = [
  { ops: ['MaxPool'], infer: inferWindowPool, cost: maxPoolCost },
  { ops: ['AveragePool'], infer: inferWindowPool, cost: avgPoolCost },
  { ops: ['LpPool'], infer: inferWindowPool, cost: lpPoolCost },
  { ops: ['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], infer: inferGlobal, cost: globalCost },
  { ops: ['MaxUnpool'], infer: inferMaxUnpool, cost: maxUnpoolCost, nonParamInputs: [1, 2] },
  { ops: ['RoiAlign'], infer: inferRoiAlign, cost: roiAlignCost, nonParamInputs: [1, 2] },
];
