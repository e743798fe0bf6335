/**
 * Op family 'conv': Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv. Shape rules per the ONNX
 * spec (auto_pad, dilations, groups, output_shape/output_padding) and cost under every convention.
 * The counting rules are written out in docs/counting/conv.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  hasInput,
  inputShape,
  kernelFromWeight,
  kernelNames,
  MAC_TOOLS,
  type Preset,
  knownShape,
  maybeShape,
  perAxis,
  presetTemplate,
  prod,
  readAutoPad,
  explicitPads,
  sameDim,
  slideWindow,
  spatialNames,
  where,
} from './compute-common.js';
import { dims, type Expr, flopsEntry, folded, macsOnly, minus, n, paren, perGroup, plus, plusIf, pow, q, q1, times } from './expr.js';

/** Where the operands of a Conv-like op sit among its inputs. */
interface ConvInputs {
  x: number;
  w: number;
  /** Bias input index, if the op has one. */
  b?: number;
}

const CONV: ConvInputs = { x: 0, w: 1, b: 2 };
const CONV_INTEGER: ConvInputs = { x: 0, w: 1 };
const QLINEAR_CONV: ConvInputs = { x: 0, w: 3, b: 8 };
const DEFORM_CONV: ConvInputs = { x: 0, w: 1, b: 3 };

// ---------------------------------------------------------------------------------------------
// Shapes

/** Check the channel and bias dims of a forward convolution; returns C_out (W[0]). */
function checkConvOperands(ctx: NodeContext, io: ConvInputs, x: Dim[], w: Dim[] | undefined): Dim {
  const group = ctx.attr.int('group', 1);
  if (group <= 0) throw new AnalysisError(`group must be positive, got ${group}`, where(ctx));
  if (w === undefined) return null;
  if (w.length !== x.length) {
    throw new AnalysisError(`weight W has rank ${w.length} but input X has rank ${x.length}`, where(ctx));
  }
  const perGroup = w[1]!;
  if (typeof perGroup === 'number') sameDim(ctx, x[1]!, perGroup * group, `input channels of X vs W[1]×group (${perGroup}×${group})`);
  const cout = w[0]!;
  if (typeof cout === 'number' && cout % group !== 0) {
    throw new AnalysisError(`output channels ${cout} are not divisible by group ${group}`, where(ctx));
  }
  if (io.b !== undefined && hasInput(ctx, io.b)) {
    const b = maybeShape(ctx, io.b);
    if (b !== undefined) {
      if (b.length !== 1) throw new AnalysisError(`bias B must be 1-D, got rank ${b.length}`, where(ctx));
      sameDim(ctx, b[0]!, cout, 'bias length vs output channels');
    }
  }
  return cout;
}

function inferForward(ctx: NodeContext, io: ConvInputs, dtype: number): ValueFacts[] {
  const x = inputShape(ctx, io.x, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  const w = maybeShape(ctx, io.w);
  const cout = checkConvOperands(ctx, io, x, w);
  const rank = x.length - 2;
  const kernel = kernelFromWeight(ctx, w, rank);
  const spatial: Dim[] = kernel === undefined ? x.slice(2).map(() => null) : slideWindow(ctx, x.slice(2), kernel).out;
  return [{ dtype, shape: [x[0]!, cout, ...spatial] }];
}

/** Output spatial dims of ConvTranspose (ONNX: output_shape wins; else stride·(in−1) + output_padding + eff − pads). */
function transposeSpatial(ctx: NodeContext, inSpatial: Dim[], kernel: number[]): Dim[] {
  const rank = inSpatial.length;
  const strides = perAxis(ctx, 'strides', rank, 1);
  const dilations = perAxis(ctx, 'dilations', rank, 1);
  const outputPadding = perAxis(ctx, 'output_padding', rank, 0);
  const outputShape = ctx.attr.intsOpt('output_shape');
  if (outputShape !== undefined) {
    if (outputShape.length < rank) {
      throw new AnalysisError(`output_shape has ${outputShape.length} values for ${rank} spatial axes`, where(ctx));
    }
    return outputShape.slice(outputShape.length - rank);
  }
  const autoPad = readAutoPad(ctx);
  const pads = explicitPads(ctx, rank);
  return inSpatial.map((x, i) => {
    const s = strides[i]!;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      return typeof x === 'number' ? x * s : s === 1 ? x : null;
    }
    const effective = (kernel[i]! - 1) * dilations[i]! + 1;
    const padTotal = autoPad === 'VALID' ? 0 : pads[i]! + pads[i + rank]!;
    const growth = outputPadding[i]! + effective - padTotal;
    if (typeof x !== 'number') return s === 1 && growth === 1 ? x : null;
    const o = s * (x - 1) + growth;
    if (o <= 0) throw new AnalysisError(`axis ${i}: output size ${o} is not positive`, where(ctx));
    return o;
  });
}

function inferTranspose(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input X');
  if (x.length < 3) throw new AnalysisError(`input X must have rank ≥ 3 (N, C, spatial…), got ${x.length}`, where(ctx));
  const w = maybeShape(ctx, 1);
  const group = ctx.attr.int('group', 1);
  if (group <= 0) throw new AnalysisError(`group must be positive, got ${group}`, where(ctx));
  let cout: Dim = null;
  if (w !== undefined) {
    if (w.length !== x.length) throw new AnalysisError(`weight W has rank ${w.length} but input X has rank ${x.length}`, where(ctx));
    sameDim(ctx, x[1]!, w[0]!, 'input channels of X vs W[0]');
    const perGroup = w[1]!;
    cout = typeof perGroup === 'number' ? perGroup * group : null;
    if (hasInput(ctx, 2)) {
      const b = maybeShape(ctx, 2);
      if (b !== undefined) sameDim(ctx, b[0]!, cout, 'bias length vs output channels');
    }
  }
  const rank = x.length - 2;
  const kernel = kernelFromWeight(ctx, w, rank);
  const spatial = kernel === undefined ? x.slice(2).map(() => null) : transposeSpatial(ctx, x.slice(2), kernel);
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [x[0]!, cout, ...spatial] }];
}

// ---------------------------------------------------------------------------------------------
// Cost

/** Everything a conv count needs, as numbers. */
interface ConvSize {
  N: number;
  Cin: number;
  Cout: number;
  group: number;
  kernel: number[];
  inSp: number[];
  outSp: number[];
  bias: boolean;
}

function convSize(ctx: CostContext, io: ConvInputs): ConvSize {
  const x = knownShape(ctx, ctx.inputs[io.x]?.shape, 'input X');
  const w = knownShape(ctx, ctx.inputs[io.w]?.shape, 'weight W');
  const y = knownShape(ctx, ctx.outputs[0]?.shape, 'output Y');
  const group = ctx.attr.int('group', 1);
  return {
    N: x[0]!,
    Cin: x[1]!,
    Cout: y[1]!,
    group,
    kernel: kernelFromWeight(ctx, w, x.length - 2) ?? w.slice(2),
    inSp: x.slice(2),
    outSp: y.slice(2),
    bias: io.b !== undefined && hasInput(ctx, io.b),
  };
}

/** The quantities of a conv formula, named as the seed names them. */
function terms(s: ConvSize) {
  const names = spatialNames(s.outSp.length);
  const g = q('g', s.group);
  const N = q1('N', s.N);
  const Cout = q('C_out', s.Cout);
  const out = dims(
    names.map((d) => `${d}_out`),
    s.outSp,
  );
  return {
    N,
    Cin: q('C_in', s.Cin),
    Cout,
    /** Input channels one output sees: `C_in`, or `(C_in/g)` when grouped. */
    CinPerGroup: perGroup(q('C_in', s.Cin), g),
    CoutPerGroup: perGroup(Cout, g),
    K: dims(kernelNames(s.kernel.length).sym, s.kernel),
    inSp: dims(
      names.map((d) => `${d}_in`),
      s.inSp,
    ),
    /** Output elements: one bias add each. */
    outputs: times(N, Cout, out),
    out,
  };
}

function convVars(s: ConvSize): Record<string, number> {
  const rank = s.outSp.length;
  const vars: Record<string, number> = { N: s.N, Cin: s.Cin, Cout: s.Cout, groups: s.group, bias: s.bias ? 1 : 0 };
  kernelNames(rank).vars.forEach((v, i) => (vars[v] = s.kernel[i]!));
  spatialNames(rank).forEach((n, i) => {
    vars[`${n}out`] = s.outSp[i]!;
    vars[`${n}in`] = s.inSp[i]!;
  });
  return vars;
}

/** MACs of a forward convolution: N·C_out·∏out·(C_in/g)·∏K. */
function forwardMacs(s: ConvSize): Expr {
  const t = terms(s);
  return times(t.outputs, t.CinPerGroup, t.K);
}

/** MACs of a transposed convolution: every input element scattered through the kernel, N·C_in·∏in·(C_out/g)·∏K. */
function transposeMacs(s: ConvSize): Expr {
  const t = terms(s);
  return times(t.N, t.Cin, t.inSp, t.CoutPerGroup, t.K);
}

/**
 * Exact count of a forward convolution (the seed's formula, generalised): per output element
 * 2·(C_in/g)·∏K − 1 (the − 1 disappears with a bias), times N·C_out·∏out.
 */
function forwardExact(s: ConvSize, template: string): CostEntry {
  const t = terms(s);
  const perOutput = times(n(2), t.CinPerGroup, t.K);
  const flops = times(s.bias ? perOutput : minus(perOutput, n(1)), t.outputs);
  return flopsEntry(forwardMacs(s).value, template, convVars(s), flops);
}

/** Exact count of a transposed convolution: one multiply and one accumulate per MAC, one add per output for a bias. */
function transposeExact(s: ConvSize): CostEntry {
  const flops = plusIf(s.bias, times(n(2), transposeMacs(s)), terms(s).outputs);
  return flopsEntry(transposeMacs(s).value, 'conv-transpose', convVars(s), flops);
}

// ---- Presets: what each tool counts differently from the exact rule (COUNTING.md "Presets")

type ConvOp = 'Conv' | 'ConvTranspose' | 'DeformConv';
/** A preset's count of one op; a tool that does not count the op has no entry (it counts 0, not uncounted). */
type PresetRule = (s: ConvSize, t: ReturnType<typeof terms>, ctx: CostContext) => Expr;

/** MACs-reporting tools: the formula gives MACs, FLOPs are 2·MACs. */

const PRESETS: Record<Preset, Partial<Record<ConvOp, PresetRule>>> = {
  ptflops: {
    // conv_flops_counter_hook: MACs + one add per output element for the bias
    Conv: (s, t) => plusIf(s.bias, forwardMacs(s), t.outputs),
    // conv_flops_counter_hook(transpose=True), ptflops 0.7.5: per *input* position ∏K·C_in·(C_out/g), plus the
    // bias adds per output element (releases before 0.7.5 used the output volume)
    ConvTranspose: (s, t) => plusIf(s.bias, times(t.N, t.inSp, t.K, t.Cin, t.CoutPerGroup), t.outputs),
    // deformable_conv_flops_counter_hook: per position ∏K·(C_in·C_out/g + 24, 25 with a mask), plus bias
    DeformConv: (s, t, ctx) =>
      plusIf(s.bias, times(t.N, t.out, t.K, plus(times(t.Cin, q('C_out/g', s.Cout / s.group)), n(24 + (hasInput(ctx, 4) ? 1 : 0)))), t.outputs),
  },
  fvcore: {
    Conv: (s) => forwardMacs(s), // conv_flop_count: bias ignored
    ConvTranspose: (s) => transposeMacs(s), // conv_flop_count(transposed): batch·prod(w)·prod(x spatial)
  },
  thop: {
    Conv: (s) => forwardMacs(s), // calculate_conv2d_flops: l_prod(output)·(C_in/g)·∏K, bias ignored
    ConvTranspose: (s) => forwardMacs(s), // the same formula: the output volume, as for a forward conv
  },
  deepspeed: {
    Conv: (s, t) => plusIf(s.bias, times(n(2), forwardMacs(s)), t.outputs), // _conv_flops_compute: 2·macs + bias
    // _conv_trans_flops_compute sizes the bias term with the forward-conv output formula applied to the
    // transposed conv's input, (in + 2p − eff)/stride + 1; reproduced as the tool counts
    ConvTranspose: (s, _t, ctx) => plusIf(s.bias, times(n(2), transposeMacs(s)), q('bias', deepspeedTransposeBias(ctx, s))),
  },
  torch: {
    Conv: (s) => times(n(2), forwardMacs(s)), // FlopCounterMode conv_flop_count: 2·MACs, bias ignored
    ConvTranspose: (s) => times(n(2), transposeMacs(s)),
  },
};

const TEMPLATES: Record<ConvOp, string> = { Conv: 'conv', ConvTranspose: 'conv-transpose', DeformConv: 'deform-conv' };

/** An op under a preset, from the preset's table; the MACs column of the FLOPs-reporting tools is the exact MACs. */
function presetCost(ctx: CostContext, op: ConvOp, s: ConvSize, preset: Preset): CostEntry | null {
  const rule = PRESETS[preset][op];
  if (rule === undefined) return null;
  const e = rule(s, terms(s), ctx);
  const template = presetTemplate(TEMPLATES[op], preset);
  let vars = convVars(s);
  if (op === 'DeformConv') vars = { ...vars, extraPerPosition: 24 + (hasInput(ctx, 4) ? 1 : 0) };
  if (op === 'ConvTranspose' && preset === 'deepspeed') vars = { ...vars, deepspeedBias: deepspeedTransposeBias(ctx, s) };
  if (MAC_TOOLS.has(preset)) return macsOnly(template, vars, e);
  const macs = op === 'ConvTranspose' ? transposeMacs(s) : forwardMacs(s);
  return flopsEntry(macs.value, template, vars, e);
}

/** The bias adds DeepSpeed counts for a ConvTranspose: N·C_out times the forward-conv size of its input. */
function deepspeedTransposeBias(ctx: CostContext, s: ConvSize): number {
  if (!s.bias) return 0;
  const rank = s.inSp.length;
  const strides = perAxis(ctx, 'strides', rank, 1);
  const dilations = perAxis(ctx, 'dilations', rank, 1);
  const pads = explicitPads(ctx, rank);
  const spatial = s.inSp.map((x, i) => {
    const eff = dilations[i]! * (s.kernel[i]! - 1) + 1;
    return Math.max(0, Math.floor((x + pads[i]! + pads[i + rank]! - eff) / strides[i]!) + 1);
  });
  return s.N * s.Cout * prod(spatial);
}

function convCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = convSize(ctx, CONV);
  return convention === 'exact' ? forwardExact(s, 'conv') : presetCost(ctx, 'Conv', s, convention);
}

function transposeCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = convSize(ctx, CONV);
  return convention === 'exact' ? transposeExact(s) : presetCost(ctx, 'ConvTranspose', s, convention);
}

// ---- Quantized convolutions

/**
 * ConvInteger / QLinearConv under `exact`: the integer dot products counted like Conv, plus one
 * subtraction per operand element for each zero point given (operands are shifted once), plus, for
 * QLinearConv, the int32 bias add and a requantisation of two ops per output (scale multiply, add y_zero_point).
 * The tools profile the float model: under a preset they count a Conv.
 */
function quantizedCost(ctx: CostContext, convention: Convention, io: ConvInputs, qlinear: boolean): CostEntry | null {
  const s = convSize(ctx, io);
  if (convention !== 'exact') return presetCost(ctx, 'Conv', s, convention);
  const t = terms(s);
  const perOutput = times(n(2), t.CinPerGroup, t.K);
  const conv = times(s.bias ? perOutput : minus(perOutput, n(1)), t.outputs);
  const xZero = qlinear || hasInput(ctx, 2);
  const wZero = qlinear || hasInput(ctx, 3);
  const shifts = (xZero ? s.N * s.Cin * prod(s.inSp) : 0) + (wZero ? s.Cout * (s.Cin / s.group) * prod(s.kernel) : 0);
  const requant = folded(times(n(2), t.outputs));
  const flops = plus(conv, ...(shifts > 0 ? [q('zero-point shifts', shifts)] : []), ...(qlinear ? [requant] : []));
  const vars = { ...convVars(s), zeroPointShifts: shifts, requantize: qlinear ? requant.value : 0 };
  return flopsEntry(forwardMacs(s).value, qlinear ? 'qlinear-conv' : 'conv-integer', vars, flops);
}

// ---- DeformConv

/**
 * DeformConv under `exact`: the convolution itself, plus for every sampled input value (N·C_in·∏K·∏out)
 * a bilinear interpolation of 3·(2^d − 1) ops (COUNTING.md's linear-resize cost) and a mask multiply
 * when a mask is given, plus d adds per tap and output position per offset group for the sample
 * coordinates. ptflops uses its own approximation (24 extra per position, 25 with a mask); the other
 * tools do not count torchvision's deform_conv2d.
 */
function deformCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = convSize(ctx, DEFORM_CONV);
  if (convention !== 'exact') return presetCost(ctx, 'DeformConv', s, convention);
  const t = terms(s);
  const mask = hasInput(ctx, 4);
  const d = q('d', s.outSp.length);
  const perOutput = times(n(2), t.CinPerGroup, t.K);
  const conv = times(s.bias ? perOutput : minus(perOutput, n(1)), t.outputs);
  const ones = q('∏K·∏out', prod(s.kernel) * prod(s.outSp));
  const samples = q('samples', s.N * s.Cin * prod(s.kernel) * prod(s.outSp));
  const bilinear = times(n(3), minus(pow(n(2), d), n(1)));
  const perSample = folded(paren(mask ? plus(bilinear, n(1)) : bilinear));
  const offsetGroups = ctx.attr.int('offset_group', 1);
  const coords = folded(times(t.N, q('offset_group', offsetGroups), ones, d));
  const flops = plus(conv, times(samples, perSample), coords);
  const vars = { ...convVars(s), samples: samples.value, perSample: perSample.value, offsetGroups, coordinateAdds: coords.value };
  return flopsEntry(forwardMacs(s).value, 'deform-conv', vars, flops);
}

function inferDeform(ctx: NodeContext): ValueFacts[] {
  // DeformConv has explicit pads only (no auto_pad); the conv shape rule covers it.
  const facts = inferForward(ctx, DEFORM_CONV, ctx.inputs[0]?.dtype ?? 0);
  const offset = maybeShape(ctx, 2);
  const y = facts[0]!.shape!;
  if (offset !== undefined && offset.length === y.length) {
    y.slice(2).forEach((d, i) => sameDim(ctx, offset[2 + i]!, d, `offset spatial dim ${i} vs output`));
  }
  return facts;
}

function qlinearDtype(ctx: NodeContext): number {
  return ctx.inputs[7]?.dtype || ctx.inputs[0]?.dtype || 0;
}

export const rules: OpRule[] = [
  {
    ops: ['Conv'],
    infer: (ctx) => inferForward(ctx, CONV, ctx.inputs[0]?.dtype ?? 0),
    cost: convCost,
    weightInputs: [1, 2],
  },
  {
    ops: ['ConvTranspose'],
    infer: inferTranspose,
    cost: transposeCost,
    weightInputs: [1, 2],
  },
  {
    ops: ['ConvInteger'],
    infer: (ctx) => inferForward(ctx, CONV_INTEGER, DataType.INT32),
    cost: (ctx, c) => quantizedCost(ctx, c, CONV_INTEGER, false),
    // zero points are quantisation buffers, as in PyTorch's quantized modules: stored bytes, not parameters
    nonParamInputs: [2, 3],
    weightInputs: [1],
    quantized: () => ({ zeroPoints: [2, 3] }),
  },
  {
    ops: ['QLinearConv'],
    infer: (ctx) => inferForward(ctx, QLINEAR_CONV, qlinearDtype(ctx)),
    cost: (ctx, c) => quantizedCost(ctx, c, QLINEAR_CONV, true),
    nonParamInputs: [1, 2, 4, 5, 6, 7],
    weightInputs: [3, 8],
    quantized: () => ({ scales: [1, 4, 6], zeroPoints: [2, 5, 7] }),
  },
  {
    ops: ['DeformConv'],
    infer: inferDeform,
    cost: deformCost,
    weightInputs: [1, 3],
  },
];
