/**
 * Op family 'resize': Resize (opsets 10/11/13/18/19), Upsample (opsets 1, 7, 9), GridSample,
 * DepthToSpace, SpaceToDepth and Col2Im. The output size comes from `sizes` or from `scales`
 * (floor(in × scale), or round(in × scale) with a keep-aspect-ratio policy); the cost is the
 * interpolation arithmetic per output element. Counting rules: docs/counting/resize.md.
 */
import type { Dim } from '../../onnx/model.js';
import { formatShape, normalizeAxis, product, unifyDim, windowOutput } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, type Preset, presetEntry, presetTable } from './compute-common.js';
import { countDims, needInput } from './elementwise.js';
import { type Expr, flopsEntry, folded, minus, n, numel, numelFactor, over, plus, plusTight, q, scaled, sup, times } from './expr.js';
import { given, nodeLabel } from './tensor-values.js';

/** An optional input that is given and not an empty tensor standing in for "absent" (PyTorch passes `[]` scales). */
function present(ctx: NodeContext, i: number): boolean {
  return given(ctx, i) && product(ctx.inputs[i]?.shape) !== 0;
}

type Mode = 'nearest' | 'linear' | 'cubic';

// ---------------------------------------------------------------------------------------------------
// Output size
// ---------------------------------------------------------------------------------------------------

/** What a Resize/Upsample node says about its output size, per resized axis. */
interface ResizeRequest {
  mode: Mode;
  /** Resized axes (all axes unless Resize-18's `axes`). Undefined when the rank is unknown. */
  axes: number[] | undefined;
  /** Scales per entry of `axes`; null when given but not known. */
  scales?: number[] | null;
  /** Sizes per entry of `axes`; null when given but not known. */
  sizes?: number[] | null;
  /** Extent (roi_end − roi_start) per entry of `axes`, for tf_crop_and_resize with scales. */
  roiExtent?: number[];
  policy: 'stretch' | 'not_larger' | 'not_smaller';
  antialias: boolean;
}

function parseMode(ctx: NodeContext, fallback: string): Mode {
  const mode = ctx.attr.string('mode', fallback);
  if (mode === 'nearest' || mode === 'linear' || mode === 'cubic') return mode;
  // Upsample-1 and GridSample-16 name the modes after 2-D interpolation.
  if (mode === 'bilinear') return 'linear';
  if (mode === 'bicubic') return 'cubic';
  throw new AnalysisError(`${ctx.node.opType} mode '${mode}' is not nearest, linear or cubic`, nodeLabel(ctx));
}

function valuesOf(ctx: NodeContext, i: number): number[] | null {
  return ctx.inputs[i]?.value ?? null;
}

function resizeRequest(ctx: NodeContext, rank: number | undefined): ResizeRequest {
  const allAxes = rank === undefined ? undefined : Array.from({ length: rank }, (_, i) => i);
  const base = { policy: 'stretch' as const, antialias: false };
  if (ctx.node.opType === 'Upsample') {
    const mode = parseMode(ctx, 'nearest');
    if (ctx.opset < 7) {
      // Upsample-1: NCHW with height_scale / width_scale attributes.
      if (rank !== undefined && rank !== 4) throw new AnalysisError(`Upsample-1 needs a 4-D input, got rank ${rank}`, nodeLabel(ctx));
      return { ...base, mode, axes: [2, 3], scales: [ctx.attr.float('height_scale', 1), ctx.attr.float('width_scale', 1)] };
    }
    if (ctx.opset < 9) {
      const scales = ctx.attr.floats('scales', []);
      if (!ctx.attr.has('scales')) throw new AnalysisError('Upsample needs the scales attribute before opset 9', nodeLabel(ctx));
      return { ...base, mode, axes: allAxes, scales };
    }
    needInput(ctx, 1, 'scales');
    return { ...base, mode, axes: allAxes, scales: valuesOf(ctx, 1) };
  }
  const mode = parseMode(ctx, 'nearest');
  let axes = allAxes;
  if (ctx.opset >= 18 && ctx.attr.has('axes') && rank !== undefined) {
    axes = ctx.attr.ints('axes', []).map((a) => normalizeAxis(a, rank, nodeLabel(ctx)));
  }
  const policyName = ctx.opset >= 18 ? ctx.attr.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
  if (policyName !== 'stretch' && policyName !== 'not_larger' && policyName !== 'not_smaller') {
    throw new AnalysisError(`Resize keep_aspect_ratio_policy '${policyName}' is not stretch, not_larger or not_smaller`, nodeLabel(ctx));
  }
  const req: ResizeRequest = { mode, axes, policy: policyName, antialias: ctx.opset >= 18 && ctx.attr.int('antialias', 0) === 1 };
  if (ctx.opset < 11) {
    needInput(ctx, 1, 'scales');
    return { ...req, scales: valuesOf(ctx, 1) };
  }
  const hasScales = present(ctx, 2);
  const hasSizes = present(ctx, 3);
  if (hasScales && hasSizes) throw new AnalysisError('Resize takes scales or sizes, not both', nodeLabel(ctx));
  if (hasSizes) return { ...req, sizes: valuesOf(ctx, 3) };
  if (!hasScales) throw new AnalysisError('Resize needs scales or sizes', nodeLabel(ctx));
  const scales = valuesOf(ctx, 2);
  if (ctx.attr.string('coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize' && axes !== undefined) {
    const roi = present(ctx, 1) ? valuesOf(ctx, 1) : null;
    if (roi === null) return { ...req, scales: null }; // the crop box decides the size and is not known
    if (roi.length !== 2 * axes.length) {
      throw new AnalysisError(`Resize roi holds ${roi.length} values, expected 2 × ${axes.length}`, nodeLabel(ctx));
    }
    return { ...req, scales, roiExtent: axes.map((_, i) => roi[axes.length + i]! - roi[i]!) };
  }
  return { ...req, scales };
}

/** Round half up, the `round_int` of the Resize spec. */
function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

function resizeShape(ctx: NodeContext, x: ValueFacts): Dim[] | undefined {
  const shape = x.shape;
  const req = resizeRequest(ctx, shape?.length);
  if (shape === undefined || req.axes === undefined) return undefined;
  const axes = req.axes;
  const out: Dim[] = [...shape];
  const given = req.sizes !== undefined ? req.sizes : req.scales;
  if (given !== null && given !== undefined && given.length !== axes.length) {
    const what = req.sizes !== undefined ? 'sizes' : 'scales';
    throw new AnalysisError(`${ctx.node.opType} ${what} holds ${given.length} values for ${axes.length} axes of input ${formatShape(shape)}`, nodeLabel(ctx));
  }
  if (req.sizes !== undefined) {
    const sizes = req.sizes;
    if (sizes === null) {
      for (const a of axes) out[a] = null;
    } else if (req.policy === 'stretch') {
      axes.forEach((a, i) => (out[a] = sizes[i]!));
    } else {
      const ins = axes.map((a) => shape[a]);
      if (ins.some((d) => typeof d !== 'number')) {
        for (const a of axes) out[a] = null;
      } else {
        const ratios = axes.map((_, i) => sizes[i]! / (ins[i] as number));
        const scale = req.policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
        axes.forEach((a, i) => (out[a] = roundHalfUp(scale * (ins[i] as number))));
      }
    }
    return out;
  }
  const scales = req.scales;
  axes.forEach((a, i) => {
    const d = shape[a]!;
    const s = scales?.[i];
    const extent = req.roiExtent?.[i] ?? 1;
    if (s === undefined) out[a] = null;
    else if (s <= 0) throw new AnalysisError(`${ctx.node.opType} scale ${s} for axis ${a} must be positive`, nodeLabel(ctx));
    else if (typeof d === 'number') out[a] = Math.floor(Math.fround(d * extent * s));
    else out[a] = s === 1 && extent === 1 ? d : null;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Interpolation cost
// ---------------------------------------------------------------------------------------------------

/**
 * FLOPs per output element of separable interpolation with t_i taps on resized axis i: a weighted sum
 * of t values is t multiplies and t − 1 adds, done for every combination of the later axes' taps:
 * Σ_i (2·t_i − 1)·∏_{j>i} t_j. Linear (t = 2) gives 3·(2^d − 1), cubic (t = 4) 7·(4^d − 1)/3.
 */
export function interpolationFlops(taps: number[]): number {
  let total = 0;
  for (let i = 0; i < taps.length; i++) {
    total += (2 * taps[i]! - 1) * taps.slice(i + 1).reduce((a, b) => a * b, 1);
  }
  return total;
}

const BASE_TAPS: Record<Mode, number> = { nearest: 1, linear: 2, cubic: 4 };

/**
 * FLOPs per output element of an interpolation with the given taps per resized axis: 0 for nearest,
 * 3·(2^d − 1) for linear and 7·(4^d − 1)/3 for cubic with their usual taps, else `c` (antialias).
 */
function interpolation(mode: Mode, taps: number[]): Expr {
  if (mode === 'nearest') return n(0);
  const d = q('d', taps.length);
  if (!taps.every((t) => t === BASE_TAPS[mode])) return q('c', interpolationFlops(taps));
  if (mode === 'linear') return times(n(3), minus(sup(n(2), d), n(1)));
  return over(times(n(7), minus(sup(n(4), d), n(1))), n(3));
}

/** What a Resize node's count needs: its input and output dims, its request, and the resized axes. */
function resizeSize(ctx: CostContext) {
  const inDims = countDims(ctx.inputs[0], 'the input', ctx);
  const outDims = countDims(ctx.outputs[0], 'the output', ctx);
  const req = resizeRequest(ctx, inDims.length);
  const resized = inDims.map((_, i) => i).filter((i) => inDims[i] !== outDims[i]);
  return { inDims, outDims, req, resized, vars: { N: product(outDims)!, d: resized.length } };
}

/** c·N: the interpolation per output element (nearest copies: 0); with nothing resized the count is shown as its value, 0. */
function resizeExact(ctx: CostContext): CostEntry {
  const { inDims, outDims, req, resized, vars } = resizeSize(ctx);
  // With antialias, a downscaling linear/cubic filter is stretched by 1/scale and reads more taps.
  const taps = resized.map((a) => {
    const base = BASE_TAPS[req.mode];
    const scale = outDims[a]! / inDims[a]!;
    return req.antialias && req.mode !== 'nearest' && scale < 1 ? Math.ceil(base / scale) : base;
  });
  const c = interpolation(req.mode, taps);
  const perElements = times(c, numel('N', outDims));
  const flops = req.mode === 'nearest' ? n(0) : c.value === 0 ? folded(perElements) : perElements;
  return flopsEntry(0, 'resize', { ...vars, c: c.value }, flops);
}

/** Per output element, what each tool counts for a Resize/Upsample; null: the tool does not count it. */
const RESIZE_PRESETS: Record<Preset, (mode: Mode, rank: number) => number | null> = {
  // the nn.Upsample / F.interpolate hook: output elements, whatever the mode
  ptflops: () => 1,
  // upsample_nearest2d (1 per output element) and upsample_bilinear2d (4) only
  fvcore: (mode, rank) => (rank !== 4 || mode === 'cubic' ? null : mode === 'nearest' ? 1 : 4),
  // count_upsample: nearest 1, linear 5, bilinear 11, bicubic 259; trilinear (5-D linear) is outside its list and counts zero
  thop: (mode, rank) => (mode === 'nearest' ? 1 : ((mode === 'linear' ? { 3: 5, 4: 11 }[rank] : rank === 4 ? 259 : undefined) ?? 0)),
  // the F.interpolate patch: output elements, as FLOPs (no MACs)
  deepspeed: () => 1,
  torch: () => null,
};

function resizePreset(ctx: CostContext, preset: Preset): CostEntry | null {
  const { outDims, req, vars } = resizeSize(ctx);
  const per = RESIZE_PRESETS[preset](req.mode, outDims.length);
  return per === null ? null : presetEntry(preset, 'resize', vars, scaled(per, numel('N', outDims)));
}

const resizeRule: OpRule = {
  ops: ['Resize', 'Upsample'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    return [{ dtype: x.dtype, shape: resizeShape(ctx, x) }];
  },
  cost: costRule(resizeExact, resizePreset),
  nonParamInputs: (ctx) => (ctx.node.opType === 'Upsample' ? [1] : ctx.opset < 11 ? [1] : [1, 2, 3]),
};

// ---------------------------------------------------------------------------------------------------
// GridSample
// ---------------------------------------------------------------------------------------------------

/** Scalar ops per sampling coordinate to compute indices and weights, by mode (see the docs). */
const WEIGHT_OPS: Record<Mode, number> = { nearest: 1, linear: 3, cubic: 26 };

const gridSampleRule: OpRule = {
  ops: ['GridSample'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    const grid = needInput(ctx, 1, 'grid');
    parseMode(ctx, ctx.opset >= 20 ? 'linear' : 'bilinear');
    if (x.shape === undefined || grid.shape === undefined) {
      const rank = x.shape?.length ?? grid.shape?.length;
      return [{ dtype: x.dtype, shape: rank === undefined ? undefined : Array.from({ length: rank }, () => null) }];
    }
    const r = x.shape.length - 2;
    if (r < 1 || grid.shape.length !== r + 2 || (ctx.opset < 20 && r !== 2)) {
      throw new AnalysisError(
        `GridSample needs X [N, C, D1…Dr] and grid [N, O1…Or, r] (r = 2 before opset 20), got X ${formatShape(x.shape)} and grid ${formatShape(grid.shape)}`,
        nodeLabel(ctx),
      );
    }
    unifyDim(grid.shape[r + 1]!, r, nodeLabel(ctx));
    const batch = unifyDim(x.shape[0]!, grid.shape[0]!, nodeLabel(ctx));
    return [{ dtype: x.dtype, shape: [batch, x.shape[1]!, ...grid.shape.slice(1, r + 1)] }];
  },
  // Per output element the interpolation c, per sampling location and axis the coordinate's a + w ops.
  cost: costRule(
    (ctx) => {
      const out = countDims(ctx.outputs[0], 'the output', ctx);
      const spatial = out.slice(2);
      const r = spatial.length;
      const mode = parseMode(ctx, ctx.opset >= 20 ? 'linear' : 'bilinear');
      const interp = q('c', mode === 'nearest' ? 0 : interpolationFlops(Array.from({ length: r }, () => BASE_TAPS[mode])));
      // Unnormalising a coordinate: ((g + 1)·size − 1)/2 is 4 ops, (g + 1)/2·(size − 1) with aligned corners 3.
      const a = q('a', ctx.attr.int('align_corners', 0) === 1 ? 3 : 4);
      const w = q('w', WEIGHT_OPS[mode]);
      const flops = plus(times(numel(['B', 'C', 'P'], out), interp), times(numelFactor(['B', 'P'], [out[0]!, ...spatial]), q('r', r), plusTight(a, w)));
      const vars = { B: out[0]!, C: out[1]!, P: product(spatial)!, r, c: interp.value, a: a.value, w: w.value };
      return flopsEntry(0, 'gridsample', vars, flops);
    },
    presetTable({
      // fvcore's grid_sampler handle: 4 per output element (it assumes bilinear).
      fvcore: (ctx, preset) => {
        const out = countDims(ctx.outputs[0], 'the output', ctx);
        return presetEntry(preset, 'gridsample', { B: out[0]!, C: out[1]!, P: product(out.slice(2))! }, times(n(4), numel(['B', 'C', 'P'], out)));
      },
    }),
  ),
  nonParamInputs: [1],
};

// ---------------------------------------------------------------------------------------------------
// DepthToSpace / SpaceToDepth
// ---------------------------------------------------------------------------------------------------

function blocksize(ctx: NodeContext): number {
  const b = ctx.attr.int('blocksize', 0);
  if (b < 1) throw new AnalysisError(`${ctx.node.opType} needs a positive blocksize attribute`, nodeLabel(ctx));
  return b;
}

/** A dim multiplied by b (symbols survive only b = 1). */
function timesDim(d: Dim, b: number): Dim {
  return typeof d === 'number' ? d * b : b === 1 ? d : null;
}

function dividedBy(d: Dim, b: number, what: string, ctx: NodeContext): Dim {
  if (typeof d !== 'number') return b === 1 ? d : null;
  if (d % b !== 0) throw new AnalysisError(`${ctx.node.opType}: ${what} ${d} is not divisible by ${b}`, nodeLabel(ctx));
  return d / b;
}

/** Pure data movement: 0 FLOPs. */
function movementExact(ctx: CostContext): CostEntry {
  const out = countDims(ctx.outputs[0], 'the output', ctx);
  return flopsEntry(0, 'resize', { N: product(out)!, d: 0 }, n(0));
}

const depthToSpaceRule: OpRule = {
  ops: ['DepthToSpace'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'input');
    const b = blocksize(ctx);
    const mode = ctx.attr.string('mode', 'DCR');
    if (mode !== 'DCR' && mode !== 'CRD') throw new AnalysisError(`DepthToSpace mode '${mode}' is not DCR or CRD`, nodeLabel(ctx));
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    if (x.shape.length !== 4) throw new AnalysisError(`DepthToSpace needs a 4-D input, got ${formatShape(x.shape)}`, nodeLabel(ctx));
    const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
    return [{ dtype: x.dtype, shape: [n, dividedBy(c, b * b, 'channels', ctx), timesDim(h, b), timesDim(w, b)] }];
  },
  // thop hooks nn.PixelShuffle with zero ops; the other tools ignore it
  cost: costRule(movementExact, presetTable({ thop: movementExact })),
};

const spaceToDepthRule: OpRule = {
  ops: ['SpaceToDepth'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'input');
    const b = blocksize(ctx);
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    if (x.shape.length !== 4) throw new AnalysisError(`SpaceToDepth needs a 4-D input, got ${formatShape(x.shape)}`, nodeLabel(ctx));
    const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
    return [{ dtype: x.dtype, shape: [n, timesDim(c, b * b), dividedBy(h, b, 'height', ctx), dividedBy(w, b, 'width', ctx)] }];
  },
  cost: costRule(movementExact),
};

// ---------------------------------------------------------------------------------------------------
// Col2Im
// ---------------------------------------------------------------------------------------------------

const col2imRule: OpRule = {
  ops: ['Col2Im'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'input');
    const image = needInput(ctx, 1, 'image_shape').value;
    const block = needInput(ctx, 2, 'block_shape').value;
    const r = image?.length ?? block?.length ?? (typeof ctx.inputs[1]?.shape?.[0] === 'number' ? (ctx.inputs[1]!.shape![0] as number) : undefined);
    if (x.shape !== undefined && x.shape.length !== 3)
      throw new AnalysisError(`Col2Im needs input [N, C·∏block, L], got ${formatShape(x.shape)}`, nodeLabel(ctx));
    if (image && block && image.length !== block.length) {
      throw new AnalysisError(`Col2Im image_shape has ${image.length} dims but block_shape ${block.length}`, nodeLabel(ctx));
    }
    const n: Dim = x.shape?.[0] ?? null;
    let c: Dim = null;
    const kernel = block ? block.reduce((a, e) => a * e, 1) : undefined;
    const cols = x.shape?.[1];
    if (kernel !== undefined && typeof cols === 'number') c = dividedBy(cols, kernel, 'the column channels', ctx);
    if (image && block && r !== undefined) {
      const strides = ctx.attr.ints(
        'strides',
        Array.from({ length: r }, () => 1),
      );
      const dilations = ctx.attr.ints(
        'dilations',
        Array.from({ length: r }, () => 1),
      );
      const pads = ctx.attr.ints(
        'pads',
        Array.from({ length: 2 * r }, () => 0),
      );
      const blocks = image.reduce((acc, size, i) => acc * windowOutput(size, block[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + r]!), 1);
      const length = x.shape?.[2];
      if (typeof length === 'number' && length !== blocks) {
        throw new AnalysisError(
          `Col2Im input has L = ${length} blocks but image_shape [${image.join(', ')}] and block_shape [${block.join(', ')}] give ${blocks}`,
          nodeLabel(ctx),
        );
      }
    }
    if (r === undefined) return [{ dtype: x.dtype }];
    return [{ dtype: x.dtype, shape: [n, c, ...(image ?? Array.from({ length: r }, () => null))] }];
  },
  // Every column element is added into the (zero-initialised) image: N·C·∏block·L adds.
  cost: costRule((ctx) => {
    const dims = countDims(ctx.inputs[0], 'the input', ctx);
    const out = countDims(ctx.outputs[0], 'the output', ctx);
    const [batch, ck, l] = dims as [number, number, number];
    const c = out[1]!;
    const k = ck / c;
    return flopsEntry(0, 'col2im', { N: batch, C: c, K: k, L: l }, numel(['N', 'C', 'K', 'L'], [batch, c, k, l]));
  }),
  nonParamInputs: [1, 2],
};

export const rules: OpRule[] = [resizeRule, gridSampleRule, depthToSpaceRule, spaceToDepthRule, col2imRule];
