/**
 * Op family 'resize': Resize (opsets 10/11/13/18/19), Upsample (opsets 1, 7, 9), GridSample,
 * DepthToSpace, SpaceToDepth and Col2Im. The output size comes from `sizes` or from `scales`
 * (floor(in × scale), or round(in × scale) with a keep-aspect-ratio policy); the cost is the
 * interpolation arithmetic per output element. Counting rules: docs/counting/resize.md.
 */
import type { Dim } from '../../onnx/model.js';
import { formatShape, normalizeAxis, product, unifyDim, windowOutput } from '../shapes.js';
import { AnalysisError, type Convention, type CostContext, type CostEntry, type FormulaUse, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { countDims, dimsText, factorText, needInput, superscript } from './elementwise.js';
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

/** Per-element FLOPs and the formula text of an interpolation over d axes. */
function interpolation(mode: Mode, taps: number[]): { c: number; symbolic: string; substituted: string } {
  const d = taps.length;
  const c = mode === 'nearest' ? 0 : interpolationFlops(taps);
  const standard = taps.every((t) => t === BASE_TAPS[mode]);
  if (mode === 'nearest') return { c, symbolic: '0', substituted: '0' };
  if (!standard) return { c, symbolic: 'c·N', substituted: String(c) };
  if (mode === 'linear') return { c, symbolic: '3·(2^d − 1)·N', substituted: `3×(2${superscript(d)}−1)` };
  return { c, symbolic: '7·(4^d − 1)/3·N', substituted: `7×(4${superscript(d)}−1)/3` };
}

function resizeCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const inDims = countDims(ctx.inputs[0], 'the input', ctx);
  const outDims = countDims(ctx.outputs[0], 'the output', ctx);
  const n = outDims.reduce((a, b) => a * b, 1);
  const req = resizeRequest(ctx, inDims.length);
  const resized = inDims.map((_, i) => i).filter((i) => inDims[i] !== outDims[i]);
  const d = resized.length;
  const rank = inDims.length;
  const nText = dimsText(outDims);
  const elements = (count: number, factor: number, factorText?: string): CostEntry => ({
    macs: count,
    flops: 2 * count,
    formula: {
      template: 'resize',
      vars: { N: n, d },
      symbolic: factor === 1 ? 'N' : `${factorText ?? factor}·N`,
      substituted: factor === 1 ? nText : `${factor}×${nText}`,
    },
  });
  const zero: CostEntry = { macs: 0, flops: 0, formula: { template: 'resize', vars: { N: n, d }, symbolic: '0', substituted: '0' } };
  switch (convention) {
    case 'exact': {
      // With antialias, a downscaling linear/cubic filter is stretched by 1/scale and reads more taps.
      const taps = resized.map((a) => {
        const base = BASE_TAPS[req.mode];
        const scale = outDims[a]! / inDims[a]!;
        return req.antialias && req.mode !== 'nearest' && scale < 1 ? Math.ceil(base / scale) : base;
      });
      const { c, symbolic, substituted } = interpolation(req.mode, taps);
      const formula: FormulaUse = {
        template: 'resize',
        vars: { N: n, d, c },
        symbolic,
        substituted: c === 0 ? '0' : `${substituted}×${nText}`,
      };
      return { macs: 0, flops: c * n, formula };
    }
    // ptflops' nn.Upsample / F.interpolate hook: output elements, whatever the mode.
    case 'ptflops':
      return elements(n, 1);
    // fvcore handles only upsample_nearest2d (1 per output element) and upsample_bilinear2d (4).
    case 'fvcore':
      if (rank !== 4 || req.mode === 'cubic') return null;
      return req.mode === 'nearest' ? elements(n, 1) : elements(4 * n, 4);
    // thop's count_upsample: nearest 1, linear 5, bilinear 11, bicubic 259 per output element;
    // trilinear (5-D linear) is outside its list and counts zero.
    case 'thop': {
      if (req.mode === 'nearest') return elements(n, 1);
      const perElement = req.mode === 'linear' ? { 3: 5, 4: 11 }[rank] : rank === 4 ? 259 : undefined;
      return perElement === undefined ? zero : elements(perElement * n, perElement);
    }
    // DeepSpeed's F.interpolate patch: output elements as FLOPs, no MACs.
    case 'deepspeed':
      return { macs: 0, flops: n, formula: { template: 'resize', vars: { N: n, d }, symbolic: 'N', substituted: nText } };
    case 'torch':
      return null;
  }
}

const resizeRule: OpRule = {
  ops: ['Resize', 'Upsample'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    return [{ dtype: x.dtype, shape: resizeShape(ctx, x) }];
  },
  cost: resizeCost,
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
      throw new AnalysisError(`GridSample needs X [N, C, D1…Dr] and grid [N, O1…Or, r] (r = 2 before opset 20), got X ${formatShape(x.shape)} and grid ${formatShape(grid.shape)}`, nodeLabel(ctx));
    }
    unifyDim(grid.shape[r + 1]!, r, nodeLabel(ctx));
    const batch = unifyDim(x.shape[0]!, grid.shape[0]!, nodeLabel(ctx));
    return [{ dtype: x.dtype, shape: [batch, x.shape[1]!, ...grid.shape.slice(1, r + 1)] }];
  },
  cost(ctx, convention): CostEntry | null {
    const out = countDims(ctx.outputs[0], 'the output', ctx);
    const [b, c] = [out[0]!, out[1]!];
    const spatial = out.slice(2);
    const p = spatial.reduce((a, e) => a * e, 1);
    const r = spatial.length;
    const elements = b * c * p;
    if (convention === 'fvcore') {
      // fvcore's grid_sampler handle: 4 per output element (it assumes bilinear).
      return { macs: 4 * elements, flops: 8 * elements, formula: { template: 'gridsample', vars: { B: b, C: c, P: p }, symbolic: '4·B·C·P', substituted: `4×${dimsText(out)}` } };
    }
    if (convention !== 'exact') return null;
    const mode = parseMode(ctx, ctx.opset >= 20 ? 'linear' : 'bilinear');
    const interp = mode === 'nearest' ? 0 : interpolationFlops(Array.from({ length: r }, () => BASE_TAPS[mode]));
    // Unnormalising a coordinate: ((g + 1)·size − 1)/2 is 4 ops, (g + 1)/2·(size − 1) with aligned corners 3.
    const a = ctx.attr.int('align_corners', 0) === 1 ? 3 : 4;
    const w = WEIGHT_OPS[mode];
    const locations = b * p;
    return {
      macs: 0,
      flops: elements * interp + locations * r * (a + w),
      formula: {
        template: 'gridsample',
        vars: { B: b, C: c, P: p, r, c: interp, a, w },
        symbolic: 'B·C·P·c + B·P·r·(a + w)',
        substituted: `${dimsText(out)}×${interp} + ${factorText([b, ...spatial])}×${r}×(${a}+${w})`,
      },
    };
  },
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
function times(d: Dim, b: number): Dim {
  return typeof d === 'number' ? d * b : b === 1 ? d : null;
}

function dividedBy(d: Dim, b: number, what: string, ctx: NodeContext): Dim {
  if (typeof d !== 'number') return b === 1 ? d : null;
  if (d % b !== 0) throw new AnalysisError(`${ctx.node.opType}: ${what} ${d} is not divisible by ${b}`, nodeLabel(ctx));
  return d / b;
}

/** Pure data movement: 0 FLOPs. thop hooks nn.PixelShuffle with zero ops; the other tools ignore it. */
function movementCost(thopZero: boolean) {
  return (ctx: CostContext, convention: Convention): CostEntry | null => {
    if (convention !== 'exact' && !(thopZero && convention === 'thop')) return null;
    const out = countDims(ctx.outputs[0], 'the output', ctx);
    return { macs: 0, flops: 0, formula: { template: 'resize', vars: { N: out.reduce((a, e) => a * e, 1), d: 0 }, symbolic: '0', substituted: '0' } };
  };
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
    return [{ dtype: x.dtype, shape: [n, dividedBy(c, b * b, 'channels', ctx), times(h, b), times(w, b)] }];
  },
  cost: movementCost(true),
};

const spaceToDepthRule: OpRule = {
  ops: ['SpaceToDepth'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'input');
    const b = blocksize(ctx);
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    if (x.shape.length !== 4) throw new AnalysisError(`SpaceToDepth needs a 4-D input, got ${formatShape(x.shape)}`, nodeLabel(ctx));
    const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
    return [{ dtype: x.dtype, shape: [n, times(c, b * b), dividedBy(h, b, 'height', ctx), dividedBy(w, b, 'width', ctx)] }];
  },
  cost: movementCost(false),
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
    if (x.shape !== undefined && x.shape.length !== 3) throw new AnalysisError(`Col2Im needs input [N, C·∏block, L], got ${formatShape(x.shape)}`, nodeLabel(ctx));
    if (image && block && image.length !== block.length) {
      throw new AnalysisError(`Col2Im image_shape has ${image.length} dims but block_shape ${block.length}`, nodeLabel(ctx));
    }
    const n: Dim = x.shape?.[0] ?? null;
    let c: Dim = null;
    const kernel = block ? block.reduce((a, e) => a * e, 1) : undefined;
    const cols = x.shape?.[1];
    if (kernel !== undefined && typeof cols === 'number') c = dividedBy(cols, kernel, 'the column channels', ctx);
    if (image && block && r !== undefined) {
      const strides = ctx.attr.ints('strides', Array.from({ length: r }, () => 1));
      const dilations = ctx.attr.ints('dilations', Array.from({ length: r }, () => 1));
      const pads = ctx.attr.ints('pads', Array.from({ length: 2 * r }, () => 0));
      const blocks = image.reduce((acc, size, i) => acc * windowOutput(size, block[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + r]!), 1);
      const length = x.shape?.[2];
      if (typeof length === 'number' && length !== blocks) {
        throw new AnalysisError(`Col2Im input has L = ${length} blocks but image_shape [${image.join(', ')}] and block_shape [${block.join(', ')}] give ${blocks}`, nodeLabel(ctx));
      }
    }
    if (r === undefined) return [{ dtype: x.dtype }];
    return [{ dtype: x.dtype, shape: [n, c, ...(image ?? Array.from({ length: r }, () => null))] }];
  },
  // Every column element is added into the (zero-initialised) image: N·C·∏block·L adds.
  cost(ctx, convention) {
    if (convention !== 'exact') return null;
    const dims = countDims(ctx.inputs[0], 'the input', ctx);
    const out = countDims(ctx.outputs[0], 'the output', ctx);
    const [n, ck, l] = dims as [number, number, number];
    const c = out[1]!;
    const k = ck / c;
    return {
      macs: 0,
      flops: n * ck * l,
      formula: { template: 'col2im', vars: { N: n, C: c, K: k, L: l }, symbolic: 'N·C·K·L', substituted: dimsText([n, c, k, l]) },
    };
  },
  nonParamInputs: [1, 2],
};

export const rules: OpRule[] = [resizeRule, gridSampleRule, depthToSpaceRule, spaceToDepthRule, col2imRule];
