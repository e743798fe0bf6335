/**
 * Op family 'conv': Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv. Shape rules per the ONNX
 * spec (auto_pad, dilations, groups, output_shape/output_padding) and cost under every convention.
 * The counting rules are written out in docs/counting/conv.md.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  MINUS,
  formula,
  hasInput,
  inputShape,
  kernelFromWeight,
  kernelNames,
  knownShape,
  macsEntry,
  maybeShape,
  perAxis,
  presetTemplate,
  prod,
  productText,
  readAutoPad,
  explicitPads,
  sameDim,
  slideWindow,
  spatialNames,
  sub,
  sym,
  where,
} from './compute-common.js';

const INT32 = 6;

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

/** Symbolic and substituted pieces of a conv formula. */
function pieces(s: ConvSize) {
  const rank = s.outSp.length;
  const names = spatialNames(rank);
  const k = kernelNames(rank);
  const grouped = s.group !== 1;
  return {
    nSym: s.N === 1 ? '' : 'N',
    nSub: s.N === 1 ? '' : String(s.N),
    cinSym: grouped ? '(C_in/g)' : 'C_in',
    cinSub: grouped ? `(${s.Cin}/${s.group})` : String(s.Cin),
    kSym: sym(...k.sym),
    kSub: productText(s.kernel),
    outSym: sym(...names.map((n) => `${n}_out`)),
    outSub: productText(s.outSp),
    inSym: sym(...names.map((n) => `${n}_in`)),
    inSub: productText(s.inSp),
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
function forwardMacs(s: ConvSize): number {
  return s.N * s.Cout * prod(s.outSp) * (s.Cin / s.group) * prod(s.kernel);
}

/** Exact count of a forward convolution (the seed's formula, generalised). */
function forwardExact(s: ConvSize, template: string): CostEntry {
  const p = pieces(s);
  const perOutput = 2 * (s.Cin / s.group) * prod(s.kernel);
  const outputs = s.N * s.Cout * prod(s.outSp);
  const flops = (s.bias ? perOutput : perOutput - 1) * outputs;
  const head = sym('2', p.cinSym, p.kSym);
  const headSub = sub('2', p.cinSub, p.kSub);
  const tailSym = sym(p.nSym, 'C_out', p.outSym);
  const tailSub = sub(p.nSub, String(s.Cout), p.outSub);
  const symbolic = s.bias ? sym(head, tailSym) : `(${head} ${MINUS} 1)·${tailSym}`;
  const substituted = s.bias ? sub(headSub, tailSub) : `(${headSub}${MINUS}1)×${tailSub}`;
  return { macs: forwardMacs(s), flops, formula: formula(template, convVars(s), symbolic, substituted) };
}

function macsFormula(s: ConvSize, template: string, withBias: boolean) {
  const p = pieces(s);
  let symbolic = sym(p.nSym, 'C_out', p.outSym, p.cinSym, p.kSym);
  let substituted = sub(p.nSub, String(s.Cout), p.outSub, p.cinSub, p.kSub);
  if (withBias) {
    symbolic += ` + ${sym(p.nSym, 'C_out', p.outSym)}`;
    substituted += ` + ${sub(p.nSub, String(s.Cout), p.outSub)}`;
  }
  return formula(template, convVars(s), symbolic, substituted);
}

/** Forward convolution under a preset (Conv, and the float counterpart of quantized convs). */
function forwardPreset(s: ConvSize, convention: Exclude<Convention, 'exact'>): CostEntry {
  const macs = forwardMacs(s);
  const biasOps = s.bias ? s.N * s.Cout * prod(s.outSp) : 0;
  const t = presetTemplate('conv', convention);
  switch (convention) {
    case 'ptflops': // conv_flops_counter_hook: MACs + one add per output element for the bias
      return macsEntry(macs + biasOps, macsFormula(s, t, s.bias));
    case 'fvcore': // conv_flop_count: bias ignored
    case 'thop': // calculate_conv2d_flops: l_prod(output)·(C_in/g)·∏K, bias ignored
      return macsEntry(macs, macsFormula(s, t, false));
    case 'deepspeed': { // _conv_flops_compute: flops = 2·macs + bias
      const f = macsFormula(s, t, false);
      const p = pieces(s);
      return {
        macs,
        flops: 2 * macs + biasOps,
        formula: formula(
          t,
          convVars(s),
          `2·${f.symbolic}${s.bias ? ` + ${sym(p.nSym, 'C_out', p.outSym)}` : ''}`,
          `2×${f.substituted}${s.bias ? ` + ${sub(p.nSub, String(s.Cout), p.outSub)}` : ''}`,
        ),
      };
    }
    case 'torch': { // FlopCounterMode conv_flop_count: 2·MACs, bias ignored
      const f = macsFormula(s, t, false);
      return { macs, flops: 2 * macs, formula: formula(t, f.vars, `2·${f.symbolic}`, `2×${f.substituted}`) };
    }
  }
}

function convCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = convSize(ctx, CONV);
  return convention === 'exact' ? forwardExact(s, 'conv') : forwardPreset(s, convention);
}

// ---- ConvTranspose

function transposeMacs(s: ConvSize): number {
  return s.N * s.Cin * prod(s.inSp) * (s.Cout / s.group) * prod(s.kernel);
}

function transposeFormula(s: ConvSize, template: string, prefix: string, biasTerm: boolean) {
  const p = pieces(s);
  const coutSym = s.group !== 1 ? '(C_out/g)' : 'C_out';
  const coutSub = s.group !== 1 ? `(${s.Cout}/${s.group})` : String(s.Cout);
  let symbolic = sym(prefix, p.nSym, 'C_in', p.inSym, coutSym, p.kSym);
  let substituted = sub(prefix, p.nSub, String(s.Cin), p.inSub, coutSub, p.kSub);
  if (biasTerm) {
    symbolic += ` + ${sym(p.nSym, 'C_out', p.outSym)}`;
    substituted += ` + ${sub(p.nSub, String(s.Cout), p.outSub)}`;
  }
  return formula(template, convVars(s), symbolic, substituted);
}

/**
 * DeepSpeed's `_conv_trans_flops_compute` sizes the bias term with the forward-conv output formula
 * applied to the transposed conv's input, (in + 2p − eff)/stride + 1; reproduced as the tool counts.
 */
function deepspeedTransposeBiasDims(ctx: CostContext, s: ConvSize): number[] {
  const rank = s.inSp.length;
  const strides = perAxis(ctx, 'strides', rank, 1);
  const dilations = perAxis(ctx, 'dilations', rank, 1);
  const pads = explicitPads(ctx, rank);
  return s.inSp.map((x, i) => {
    const eff = dilations[i]! * (s.kernel[i]! - 1) + 1;
    return Math.max(0, Math.floor((x + pads[i]! + pads[i + rank]! - eff) / strides[i]!) + 1);
  });
}

function transposeCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = convSize(ctx, CONV);
  const macs = transposeMacs(s);
  const outputs = s.N * s.Cout * prod(s.outSp);
  const biasOps = s.bias ? outputs : 0;
  const t = convention === 'exact' ? 'conv-transpose' : presetTemplate('conv-transpose', convention);
  switch (convention) {
    case 'exact': {
      // Each input element is scattered through the kernel: one multiply and one accumulate per MAC.
      const f = transposeFormula(s, t, '2', s.bias);
      return { macs, flops: 2 * macs + biasOps, formula: f };
    }
    case 'ptflops': {
      // ptflops 0.7.5 conv_flops_counter_hook(transpose=True): per *input* position ∏K·C_in·(C_out/g),
      // plus one add per output element for the bias (releases before 0.7.5 used the output volume).
      const m = s.N * prod(s.inSp) * prod(s.kernel) * s.Cin * (s.Cout / s.group) + biasOps;
      const p = pieces(s);
      const coutSym = s.group !== 1 ? '(C_out/g)' : 'C_out';
      const coutSub = s.group !== 1 ? `(${s.Cout}/${s.group})` : String(s.Cout);
      let symbolic = sym(p.nSym, p.inSym, p.kSym, 'C_in', coutSym);
      let substituted = sub(p.nSub, p.inSub, p.kSub, String(s.Cin), coutSub);
      if (s.bias) {
        symbolic += ` + ${sym(p.nSym, 'C_out', p.outSym)}`;
        substituted += ` + ${sub(p.nSub, String(s.Cout), p.outSub)}`;
      }
      return macsEntry(m, formula(t, convVars(s), symbolic, substituted));
    }
    case 'fvcore': // conv_flop_count(transposed): batch·prod(w)·prod(x spatial)
      return macsEntry(macs, transposeFormula(s, t, '', false));
    case 'thop': {
      // calculate_conv2d_flops: l_prod(output)·(C_in/g)·∏K (the output volume, as for a forward conv)
      const m = s.N * s.Cout * prod(s.outSp) * (s.Cin / s.group) * prod(s.kernel);
      return macsEntry(m, macsFormula(s, t, false));
    }
    case 'deepspeed': {
      const dsBias = s.bias ? s.N * s.Cout * prod(deepspeedTransposeBiasDims(ctx, s)) : 0;
      const f = transposeFormula(s, t, '2', false);
      return {
        macs,
        flops: 2 * macs + dsBias,
        formula: formula(t, { ...f.vars, deepspeedBias: dsBias }, `${f.symbolic}${s.bias ? ' + bias' : ''}`, `${f.substituted}${s.bias ? ` + ${dsBias}` : ''}`),
      };
    }
    case 'torch':
      return { macs, flops: 2 * macs, formula: transposeFormula(s, t, '2', false) };
  }
}

// ---- Quantized convolutions

/**
 * ConvInteger / QLinearConv under `exact`: the integer dot products counted like Conv, plus one
 * subtraction per operand element for each zero point given (operands are shifted once), plus, for
 * QLinearConv, the int32 bias add and a requantisation of two ops per output (scale multiply, add y_zero_point).
 */
function quantizedCost(ctx: CostContext, convention: Convention, io: ConvInputs, qlinear: boolean): CostEntry | null {
  const s = convSize(ctx, io);
  if (convention !== 'exact') return forwardPreset(s, convention); // tools profile the float model
  const base = forwardExact(s, qlinear ? 'qlinear-conv' : 'conv-integer');
  const xZero = qlinear || hasInput(ctx, 2);
  const wZero = qlinear || hasInput(ctx, 3);
  const xCount = s.N * s.Cin * prod(s.inSp);
  const wCount = s.Cout * (s.Cin / s.group) * prod(s.kernel);
  const shifts = (xZero ? xCount : 0) + (wZero ? wCount : 0);
  const requant = qlinear ? 2 * s.N * s.Cout * prod(s.outSp) : 0;
  const f = base.formula!;
  const extras: string[] = [];
  const extrasSub: string[] = [];
  if (shifts > 0) {
    extras.push('zero-point shifts');
    extrasSub.push(String(shifts));
  }
  if (requant > 0) {
    extras.push(`2·${sym(s.N === 1 ? '' : 'N', 'C_out', pieces(s).outSym)}`);
    extrasSub.push(String(requant));
  }
  return {
    macs: base.macs,
    flops: base.flops + shifts + requant,
    formula: formula(
      f.template,
      { ...f.vars, zeroPointShifts: shifts, requantize: requant },
      [f.symbolic, ...extras].join(' + '),
      [f.substituted, ...extrasSub].join(' + '),
    ),
  };
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
  const mask = hasInput(ctx, 4);
  const d = s.outSp.length;
  if (convention === 'exact') {
    const base = forwardExact(s, 'deform-conv');
    const offsetGroups = ctx.attr.int('offset_group', 1);
    const samples = s.N * s.Cin * prod(s.kernel) * prod(s.outSp);
    const perSample = 3 * (2 ** d - 1) + (mask ? 1 : 0);
    const coords = s.N * offsetGroups * prod(s.kernel) * prod(s.outSp) * d;
    const extra = samples * perSample + coords;
    const f = base.formula!;
    return {
      macs: base.macs,
      flops: base.flops + extra,
      formula: formula(
        f.template,
        { ...f.vars, samples, perSample, offsetGroups, coordinateAdds: coords },
        `${f.symbolic} + samples·(3·(2^d − 1)${mask ? ' + 1' : ''}) + offset_group·∏K·∏out·d`,
        `${f.substituted} + ${samples}×${perSample} + ${coords}`,
      ),
    };
  }
  if (convention === 'ptflops') {
    // deformable_conv_flops_counter_hook: per position ∏K·(C_in·C_out/g + 24 (+1 with a mask)), plus bias
    const extraPerPosition = 24 + (mask ? 1 : 0);
    const positions = s.N * prod(s.outSp);
    const macs = positions * prod(s.kernel) * (s.Cin * (s.Cout / s.group) + extraPerPosition) + (s.bias ? s.Cout * positions : 0);
    const p = pieces(s);
    return macsEntry(
      macs,
      formula(
        presetTemplate('deform-conv', convention),
        { ...convVars(s), extraPerPosition },
        `${sym(p.nSym, p.outSym, p.kSym)}·(C_in·C_out/g + ${extraPerPosition})${s.bias ? ` + ${sym(p.nSym, 'C_out', p.outSym)}` : ''}`,
        `${sub(p.nSub, p.outSub, p.kSub)}×(${s.Cin}×${s.Cout / s.group} + ${extraPerPosition})${s.bias ? ` + ${sub(p.nSub, String(s.Cout), p.outSub)}` : ''}`,
      ),
    );
  }
  return null;
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
    infer: (ctx) => inferForward(ctx, CONV_INTEGER, INT32),
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
