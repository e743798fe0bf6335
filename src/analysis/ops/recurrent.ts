/**
 * Op family 'recurrent': RNN, GRU, LSTM (ONNX layout 0 = [seq, batch, …], layout 1 = [batch, seq, …]).
 * MACs are the gate matmuls, G·H·(I + H) per step, batch element and direction (G = 1, 3, 4 gates);
 * FLOPs add biases, gate arithmetic and activations. Rules written out in docs/counting/recurrent.md.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, hasInput, inputShape, knownShape, maybeShape, type Preset, reporting, sameDim, toolEntry, where } from './compute-common.js';
import { exactEntry, type Expr, folded, minus, n, plus, plusTight, q, q1, times } from './expr.js';

const GATES: Record<string, number> = { RNN: 1, GRU: 3, LSTM: 4 };

/** FLOPs per element of each activation ONNX recurrent ops accept (composites spelled out in the docs). */
const ACTIVATION_FLOPS: Record<string, number> = {
  Relu: 1,
  Tanh: 1,
  Sigmoid: 4, // neg, exp, add, div (COUNTING.md)
  Affine: 2, // α·x + β
  LeakyRelu: 2, // compare, multiply
  ThresholdedRelu: 1, // compare
  ScaledTanh: 3, // multiply, tanh, multiply
  HardSigmoid: 4, // multiply, add, max, min
  Elu: 4, // compare, exp, subtract, multiply
  Softsign: 3, // abs, add, divide
  Softplus: 3, // exp, add, log
};

const DEFAULT_ACTIVATIONS: Record<string, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

function directions(ctx: NodeContext): number {
  const d = ctx.attr.string('direction', 'forward');
  if (d === 'forward' || d === 'reverse') return 1;
  if (d === 'bidirectional') return 2;
  throw new AnalysisError(`direction '${d}' is not forward, reverse or bidirectional`, where(ctx));
}

interface RecurrentDims {
  seq: Dim;
  batch: Dim;
  input: Dim;
  hidden: Dim;
  dirs: number;
  layout: number;
}

function recurrentDims(ctx: NodeContext): RecurrentDims {
  const x = inputShape(ctx, 0, 'X');
  if (x.length !== 3) throw new AnalysisError(`X must be 3-D, got rank ${x.length}`, where(ctx));
  const layout = ctx.opset >= 14 ? ctx.attr.int('layout', 0) : 0;
  const [seq, batch] = layout === 0 ? [x[0]!, x[1]!] : [x[1]!, x[0]!];
  const dirs = directions(ctx);
  const g = GATES[ctx.node.opType]!;
  const w = maybeShape(ctx, 1);
  const r = maybeShape(ctx, 2);
  let hidden: Dim = ctx.attr.intOpt('hidden_size') ?? null;
  if (w !== undefined) {
    if (w.length !== 3) throw new AnalysisError(`W must be 3-D, got rank ${w.length}`, where(ctx));
    sameDim(ctx, w[0]!, dirs, 'W directions vs direction attribute');
    sameDim(ctx, w[2]!, x[2]!, 'W input size vs X');
    if (typeof w[1] === 'number') hidden = sameDim(ctx, hidden, w[1] / g, `hidden_size vs W rows / ${g} gates`);
  }
  if (r !== undefined && r.length === 3) hidden = sameDim(ctx, hidden, r[2]!, 'hidden_size vs R');
  return { seq, batch, input: x[2]!, hidden, dirs, layout };
}

function inferRecurrent(ctx: NodeContext): ValueFacts[] {
  const s = recurrentDims(ctx);
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  const y: Dim[] = s.layout === 0 ? [s.seq, s.dirs, s.batch, s.hidden] : [s.batch, s.seq, s.dirs, s.hidden];
  const state: Dim[] = s.layout === 0 ? [s.dirs, s.batch, s.hidden] : [s.batch, s.dirs, s.hidden];
  return ctx.node.outputs.map((_, i) => ({ dtype, shape: i === 0 ? y : [...state] }));
}

interface CellSize {
  T: number;
  B: number;
  I: number;
  H: number;
  dirs: number;
  G: number;
  bias: boolean;
}

function cellSize(ctx: CostContext): CellSize {
  const s = recurrentDims(ctx);
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'X');
  const known = (d: Dim, what: string) => {
    if (typeof d !== 'number') throw new AnalysisError(`cannot count: ${what} is unknown`, where(ctx));
    return d;
  };
  return {
    T: s.layout === 0 ? x[0]! : x[1]!,
    B: s.layout === 0 ? x[1]! : x[0]!,
    I: x[2]!,
    H: known(s.hidden, 'hidden_size'),
    dirs: s.dirs,
    G: GATES[ctx.node.opType]!,
    bias: hasInput(ctx, 3),
  };
}

/** Activation costs of one direction: f, g(, h), from the `activations` attribute or the defaults. */
function activationCosts(ctx: CostContext): number[] {
  const op = ctx.node.opType;
  const defaults = DEFAULT_ACTIVATIONS[op]!;
  const given = ctx.attr.strings('activations', []);
  const names = given.length >= defaults.length ? given.slice(0, defaults.length) : defaults;
  return names.map((n) => {
    const c = ACTIVATION_FLOPS[n];
    if (c === undefined) throw new AnalysisError(`activation '${n}' is not one ONNX recurrent ops accept`, where(ctx));
    return c;
  });
}

/** Exact FLOPs of one step of one batch element in one direction. */
function stepFlops(ctx: CostContext, s: CellSize): number {
  const { I, H, G } = s;
  const act = activationCosts(ctx);
  // gate pre-activations: X·Wᵀ (G·H·(2I−1)) + H·Rᵀ (G·H·(2H−1)) + their sum (G·H) + Wb, Rb (2·G·H)
  let f = G * H * (2 * I - 1) + G * H * (2 * H - 1) + G * H + (s.bias ? 2 * G * H : 0);
  if (ctx.attr.has('clip')) f += 2 * G * H; // clip: min and max on every pre-activation
  switch (ctx.node.opType) {
    case 'RNN':
      f += H * act[0]!;
      break;
    case 'GRU':
      // z, r through f; r ⊙ (…) H; h̃ through g; Ht = (1 − z) ⊙ h̃ + z ⊙ Ht−1: 4H
      f += 2 * H * act[0]! + H + H * act[1]! + 4 * H;
      break;
    case 'LSTM':
      // i, f, o through f; c̃ through g; Ct = f ⊙ Ct−1 + i ⊙ c̃: 3H; Ht = o ⊙ h(Ct): H·h + H
      f += 3 * H * act[0]! + H * act[1]! + 3 * H + H * act[2]! + H;
      if (hasInput(ctx, 7)) f += 6 * H; // peepholes: P ⊙ C for i, f, o, each multiply + add
      break;
  }
  return f;
}

/** The quantities of a recurrent count: T·B(·dirs) steps of G gates of H units over I inputs. */
function cellTerms(s: CellSize) {
  const H = q('H', s.H);
  const G = q('G', s.G);
  return {
    steps: times(q('T', s.T), q('B', s.B), q1('dirs', s.dirs)),
    G,
    H,
    I: q('I', s.I),
    /** Weight elements a step reads, G·H·(I + H): its MACs. */
    gateMacs: times(G, H, plusTight(q('I', s.I), H)),
    /** The per-step extra of ptflops and DeepSpeed's rnn_flops: H for RNN, 7·H for GRU, 10·H for LSTM. */
    toolExtra: q('extra', s.G === 1 ? s.H : s.G === 3 ? 7 * s.H : 10 * s.H),
    biases: s.bias ? [times(n(2), G, H)] : [],
  };
}
type CellTerms = ReturnType<typeof cellTerms>;

/** thop's _count_rnn_cell / _count_gru_cell / _count_lstm_cell per step. */
function thopCell(s: CellSize): number {
  const { I, H } = s;
  const cell = (I + H) * H + H + (s.bias ? 2 * H : 0);
  if (s.G === 1) return cell;
  if (s.G === 3) return 2 * cell + cell + H + 3 * H;
  return 4 * cell + 3 * H + H;
}

/** A tool's count: per step (then × T·B·dirs, the step count named in the vars), or as a whole. */
interface ToolRule {
  perStep?: (s: CellSize, t: CellTerms) => Expr;
  whole?: (t: CellTerms) => Expr;
  /** The count is FLOPs with no MACs beside it (DeepSpeed's _rnn_flops). */
  noMacs?: boolean;
}

/** What each tool counts differently (COUNTING.md "Presets"); fvcore has no handle for aten::rnn_* / lstm. */
const PRESETS: Record<Preset, ToolRule | null> = {
  // rnn_flops: w_ih + w_hh elements + per-op extra (+ b_ih + b_hh), × batch × seq (× 2 bidirectional)
  ptflops: { perStep: (_s, t) => folded(plus(times(t.G, t.H, t.I), times(t.G, t.H, t.H), t.toolExtra, ...t.biases)) },
  fvcore: null,
  thop: { perStep: (s) => q('cell', thopCell(s)) },
  // _rnn_flops: 2·G·H·I − G·H + 2·G·H·H − G·H + extra (+ biases)
  deepspeed: {
    perStep: (_s, t) => folded(plus(minus(times(n(2), t.G, t.H, plus(t.I, t.H)), times(n(2), t.G, t.H)), t.toolExtra, ...t.biases)),
    noMacs: true,
  },
  // the gate matmuls run as addmm/mm: 2·MACs
  torch: { whole: (t) => times(n(2), t.steps, t.gateMacs) },
};

/** A node's sizes, quantities, vars, MACs (T·B·G·H·(I + H)) and template. */
function recurrentSize(ctx: CostContext) {
  const s = cellSize(ctx);
  const t = cellTerms(s);
  const vars = { T: s.T, B: s.B, I: s.I, H: s.H, G: s.G, dirs: s.dirs, bias: s.bias ? 1 : 0 };
  return { s, t, vars, macs: times(t.steps, t.gateMacs), template: ctx.node.opType.toLowerCase() };
}

const recurrentCost = costRule(
  (ctx) => {
    const { s, t, vars, macs, template } = recurrentSize(ctx);
    const perStep = q('perStep', stepFlops(ctx, s));
    return exactEntry(template, { ...vars, perStep: perStep.value }, times(t.steps, perStep), macs);
  },
  (ctx, preset) => {
    const { s, t, vars, macs, template } = recurrentSize(ctx);
    const rule = PRESETS[preset];
    if (rule === null) return null;
    if (rule.perStep === undefined) return toolEntry(preset, rule.whole!(t), template, vars, macs.value);
    const perStep = rule.perStep(s, t);
    const count = times(t.steps, perStep);
    return toolEntry(preset, rule.noMacs ? reporting(count, 0) : count, template, { ...vars, perStep: perStep.value }, macs.value);
  },
);

export const rules: OpRule[] = [
  {
    ops: ['RNN', 'GRU', 'LSTM'],
    infer: inferRecurrent,
    cost: recurrentCost,
    // W, R, B and the LSTM peepholes P are weights; sequence_lens is an index input and the initial
    // states initial_h / initial_c are state (the exporter writes zero states as constants)
    weightInputs: [1, 2, 3, 7],
    nonParamInputs: [4, 5, 6],
  },
];
