/**
 * Op family 'gemm': Gemm, MatMul (numpy semantics: batched, broadcasting, 1-D operands), MatMulInteger,
 * QLinearMatMul and Einsum. Shape rules per the ONNX spec and cost under every convention; the rules
 * are written out in docs/counting/gemm.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { broadcastShapes } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  costRule,
  type Counted,
  hasInput,
  inputShape,
  knownShape,
  maybeShape,
  type Preset,
  prod,
  reporting,
  sameDim,
  toolEntry,
  where,
} from './compute-common.js';
import { exactEntry, type Expr, floorOf, flopsEntry, folded, minus, n, overSpaced, plus, plusIf, q, q1, series, times } from './expr.js';

// ---------------------------------------------------------------------------------------------
// Gemm

interface GemmSize {
  M: number;
  K: number;
  N: number;
  /** Elements of C, 0 when C is absent. */
  cCount: number;
  alpha: number;
  beta: number;
  /** PyTorch exports nn.Linear as Gemm(transB=1) with a weight B; other Gemms come from torch.addmm. */
  linear: boolean;
}

function gemmDims(ctx: NodeContext, a: Dim[], b: Dim[]): { M: Dim; K: Dim; N: Dim } {
  if (a.length !== 2 || b.length !== 2) {
    throw new AnalysisError(`Gemm needs 2-D A and B, got ranks ${a.length} and ${b.length}`, where(ctx));
  }
  const transA = ctx.attr.int('transA', 0) !== 0;
  const transB = ctx.attr.int('transB', 0) !== 0;
  const M = transA ? a[1]! : a[0]!;
  const kA = transA ? a[0]! : a[1]!;
  const kB = transB ? b[1]! : b[0]!;
  const N = transB ? b[0]! : b[1]!;
  const K = sameDim(ctx, kA, kB, `inner dimensions of A (transA=${transA ? 1 : 0}) and B (transB=${transB ? 1 : 0})`);
  return { M, K, N };
}

function inferGemm(ctx: NodeContext): ValueFacts[] {
  const { M, N } = gemmDims(ctx, inputShape(ctx, 0, 'A'), inputShape(ctx, 1, 'B'));
  const c = hasInput(ctx, 2) ? maybeShape(ctx, 2) : undefined;
  if (c !== undefined) {
    // C broadcasts unidirectionally to [M, N].
    if (c.length > 2) throw new AnalysisError(`C must have rank ≤ 2, got ${c.length}`, where(ctx));
    const target = [M, N];
    c.forEach((d, i) => {
      const full = target[target.length - c.length + i]!;
      if (typeof d === 'number' && d !== 1 && typeof full === 'number' && d !== full) {
        throw new AnalysisError(`C of shape [${c.join(', ')}] does not broadcast to [${M}, ${N}]`, where(ctx));
      }
    });
  }
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [M, N] }];
}

function gemmSize(ctx: CostContext): GemmSize {
  const a = knownShape(ctx, ctx.inputs[0]?.shape, 'A');
  const b = knownShape(ctx, ctx.inputs[1]?.shape, 'B');
  const { M, K, N } = gemmDims(ctx, a, b) as { M: number; K: number; N: number };
  const cCount = hasInput(ctx, 2) ? prod(knownShape(ctx, ctx.inputs[2]?.shape, 'C')) : 0;
  const linear = ctx.isWeight(1) && ctx.attr.int('transB', 0) === 1;
  return { M, K, N, cCount, alpha: ctx.attr.float('alpha', 1), beta: ctx.attr.float('beta', 1), linear };
}

/** The quantities of a matrix product: a batch b (left out when 1) of M×K by K×N. */
function matTerms(s: { b: number; M: number; K: number; N: number }) {
  return { b: q1('b', s.b), M: q('M', s.M), K: q('K', s.K), N: q('N', s.N) };
}
type MatTerms = ReturnType<typeof matTerms>;

/** MACs of a matrix product: b·M·K·N. */
function matmulMacs(t: MatTerms): Expr {
  return times(t.b, t.M, t.K, t.N);
}

/** Work beyond the dot products: a bias (C) added, outputs scaled by alpha ≠ 1, C scaled by beta ≠ 1. */
interface Extras {
  bias?: boolean;
  alpha?: boolean;
  beta?: boolean;
}

/**
 * The seed's fully-connected count: K multiplies and K − 1 adds per output, b·(2·K − 1)·M·N; with a
 * bias the add completes the dot product, b·2·K·M·N; alpha ≠ 1 and beta ≠ 1 scale each output once more (b·M·N).
 */
function matmulFlops(t: MatTerms, extras: Extras = {}): Expr {
  const products = extras.bias ? times(t.b, n(2), t.K, t.M, t.N) : times(t.b, minus(times(n(2), t.K), n(1)), t.M, t.N);
  const scalings = [extras.alpha, extras.beta].filter((x) => x === true).map(() => times(t.b, t.M, t.N));
  return plus(products, ...scalings);
}

function matmulExact(template: string, s: { b: number; M: number; K: number; N: number }, extras: Extras = {}): CostEntry {
  const t = matTerms(s);
  const vars = { b: s.b, M: s.M, K: s.K, N: s.N, bias: extras.bias ? 1 : 0, alphaScaled: extras.alpha ? 1 : 0, betaScaled: extras.beta ? 1 : 0 };
  return flopsEntry(matmulMacs(t).value, template, vars, matmulFlops(t, extras));
}

function gemmExact(s: GemmSize): CostEntry {
  return matmulExact('gemm', { b: 1, M: s.M, K: s.K, N: s.N }, { bias: s.cCount > 0, alpha: s.alpha !== 1, beta: s.cCount > 0 && s.beta !== 1 });
}

const gemmCost = costRule(
  (ctx) => gemmExact(gemmSize(ctx)),
  (ctx, preset) => {
    const s = gemmSize(ctx);
    return toolEntry(preset, PRESETS[preset].Gemm?.(s), 'gemm', { M: s.M, K: s.K, N: s.N, C: s.cCount }, mkn(s).value);
  },
);

// ---------------------------------------------------------------------------------------------
// MatMul (numpy.matmul semantics)

interface MatMulDims {
  batch: Dim[] | undefined;
  M: Dim;
  K: Dim;
  N: Dim;
  out: Dim[] | undefined;
}

function matmulDims(ctx: NodeContext, a: Dim[], b: Dim[]): MatMulDims {
  if (a.length === 0 || b.length === 0) throw new AnalysisError('MatMul operands must have rank ≥ 1', where(ctx));
  // numpy: a 1-D A gains a leading 1, a 1-D B a trailing 1; both are removed from the result.
  const am = a.length === 1 ? [1, a[0]!] : a;
  const bm = b.length === 1 ? [b[0]!, 1] : b;
  const K = sameDim(ctx, am[am.length - 1]!, bm[bm.length - 2]!, 'inner dimensions of A and B');
  const M = am[am.length - 2]!;
  const N = bm[bm.length - 1]!;
  const batch = broadcastShapes([am.slice(0, -2), bm.slice(0, -2)], where(ctx));
  const out = batch === undefined ? undefined : [...batch, ...(a.length === 1 ? [] : [M]), ...(b.length === 1 ? [] : [N])];
  return { batch, M, K, N, out };
}

function inferMatMul(ctx: NodeContext, ai: number, bi: number, dtype: number): ValueFacts[] {
  const { out } = matmulDims(ctx, inputShape(ctx, ai, 'A'), inputShape(ctx, bi, 'B'));
  return [{ dtype, shape: out }];
}

interface MatMulSize {
  b: number;
  M: number;
  K: number;
  N: number;
  aShape: number[];
  bShape: number[];
  /** B is a weight: the node is an nn.Linear (thop sees only modules). */
  weightB: boolean;
}

function matmulSize(ctx: CostContext, ai: number, bi: number): MatMulSize {
  const aShape = knownShape(ctx, ctx.inputs[ai]?.shape, 'A');
  const bShape = knownShape(ctx, ctx.inputs[bi]?.shape, 'B');
  const d = matmulDims(ctx, aShape, bShape);
  return { b: prod(d.batch as number[]), M: d.M as number, K: d.K as number, N: d.N as number, aShape, bShape, weightB: ctx.isWeight(bi) };
}

/** MatMul (and the float counterpart of the quantized ones) under a preset. */
function matmulPreset(s: MatMulSize, preset: Preset): CostEntry | null {
  const vars = { b: s.b, M: s.M, K: s.K, N: s.N };
  return toolEntry(preset, PRESETS[preset].MatMul?.(s), 'matmul', vars, matmulMacs(matTerms(s)).value);
}

/** How ptflops, fvcore and DeepSpeed count torch.matmul: prod(A.shape)·B.shape[-1]. */
function torchMatmulMacs(s: MatMulSize): Expr {
  return times(q('numel(A)', prod(s.aShape)), q('B[-1]', s.bShape[s.bShape.length - 1]!));
}

/**
 * Exact MatMul entries by the two input shapes. The exact count is a function of the shapes alone
 * (the context only names the node in errors, which are thrown, never kept), and shapes are shared
 * arrays never edited in place (src/analysis/shape-table.ts): the MatMuls of a model's repeated
 * blocks share one entry instead of each printing its expression, texts and vars again. Weak: an
 * entry lives as long as its shapes.
 */
const exactMatmulByShapes = new WeakMap<readonly Dim[], WeakMap<readonly Dim[], CostEntry>>();

function matmulExactCost(ctx: CostContext): CostEntry {
  const a = ctx.inputs[0]?.shape;
  const b = ctx.inputs[1]?.shape;
  if (a === undefined || b === undefined) return matmulExact('matmul', matmulSize(ctx, 0, 1));
  let byB = exactMatmulByShapes.get(a);
  let entry = byB?.get(b);
  if (entry === undefined) {
    entry = matmulExact('matmul', matmulSize(ctx, 0, 1));
    if (byB === undefined) exactMatmulByShapes.set(a, (byB = new WeakMap()));
    byB.set(b, entry);
  }
  return entry;
}

const matmulCost = costRule(
  (ctx) => matmulExactCost(ctx),
  (ctx, preset) => matmulPreset(matmulSize(ctx, 0, 1), preset),
);

/**
 * MatMulInteger / QLinearMatMul under `exact`: the integer products counted like MatMul, plus one
 * subtraction per operand element for each zero point given, plus (QLinearMatMul) two requantisation
 * ops per output element. Presets count them as the float MatMul they replace.
 */
function quantizedMatMulCost(qlinear: boolean) {
  const b = qlinear ? 3 : 1;
  return costRule(
    (ctx) => quantizedMatMulExact(ctx, matmulSize(ctx, 0, b), qlinear),
    (ctx, preset) => matmulPreset(matmulSize(ctx, 0, b), preset),
  );
}

function quantizedMatMulExact(ctx: CostContext, s: MatMulSize, qlinear: boolean): CostEntry {
  const t = matTerms(s);
  const aZero = qlinear || hasInput(ctx, 2);
  const bZero = qlinear || hasInput(ctx, 3);
  const shifts = (aZero ? prod(s.aShape) : 0) + (bZero ? prod(s.bShape) : 0);
  const requant = folded(times(n(2), t.b, t.M, t.N));
  const flops = plus(matmulFlops(t), ...(shifts > 0 ? [q('zero-point shifts', shifts)] : []), ...(qlinear ? [requant] : []));
  const vars = { b: s.b, M: s.M, K: s.K, N: s.N, bias: 0, alphaScaled: 0, betaScaled: 0, zeroPointShifts: shifts, requantize: qlinear ? requant.value : 0 };
  return flopsEntry(matmulMacs(t).value, qlinear ? 'qlinear-matmul' : 'matmul-integer', vars, flops);
}

// ---------------------------------------------------------------------------------------------
// Einsum

interface EinsumSpec {
  /** Index labels of each operand (ellipsis dims become labels '…0', '…1', … right-aligned). */
  terms: string[][];
  output: string[];
  /** The equation with letters renamed a, b, c… in order of first appearance (fvcore/DeepSpeed do this). */
  canonical: string;
}

function parseEinsum(ctx: NodeContext, equation: string, ranks: (number | undefined)[]): EinsumSpec {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs, extra] = eq.split('->');
  if (lhs === undefined || extra !== undefined) throw new AnalysisError(`einsum equation '${equation}' is malformed`, where(ctx));
  const rawTerms = lhs.split(',');
  if (rawTerms.length !== ranks.length) {
    throw new AnalysisError(`einsum equation '${equation}' has ${rawTerms.length} operands but the node has ${ranks.length} inputs`, where(ctx));
  }
  const letters = (s: string) => s.replace('...', '').split('');
  for (const term of [...rawTerms, rhs ?? '']) {
    if (!/^[A-Za-z]*(\.\.\.)?[A-Za-z]*$/.test(term)) throw new AnalysisError(`einsum term '${term}' of '${equation}' is malformed`, where(ctx));
  }
  // Ellipsis rank per operand, right-aligned against the widest one.
  const ellRanks = rawTerms.map((term, i) => {
    if (!term.includes('...')) return 0;
    const r = ranks[i];
    if (r === undefined) throw new AnalysisError(`the rank of einsum operand ${i} is unknown, so its '...' cannot be resolved`, where(ctx));
    const e = r - letters(term).length;
    if (e < 0) throw new AnalysisError(`einsum operand ${i} has rank ${r}, fewer than the labels of '${term}'`, where(ctx));
    return e;
  });
  const maxEll = Math.max(0, ...ellRanks);
  const ellLabels = (e: number) => Array.from({ length: e }, (_, j) => `…${maxEll - e + j}`);
  const expand = (term: string, e: number): string[] => {
    const [before, after] = term.includes('...') ? term.split('...') : [term, undefined];
    return after === undefined ? before!.split('') : [...before!.split(''), ...ellLabels(e), ...after.split('')];
  };
  const terms = rawTerms.map((term, i) => {
    const labels = expand(term, ellRanks[i]!);
    const r = ranks[i];
    if (r !== undefined && labels.length !== r) {
      throw new AnalysisError(`einsum term '${term}' has ${labels.length} labels but operand ${i} has rank ${r}`, where(ctx));
    }
    return labels;
  });
  let output: string[];
  if (rhs !== undefined) {
    output = expand(rhs, maxEll);
    for (const l of output) {
      if (!terms.some((t) => t.includes(l))) throw new AnalysisError(`output label '${l}' of '${equation}' is not in any operand`, where(ctx));
    }
  } else {
    // Implicit output: ellipsis dims, then the letters used exactly once, alphabetically.
    const counts = new Map<string, number>();
    for (const t of rawTerms) for (const l of letters(t)) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts]
      .filter(([, n]) => n === 1)
      .map(([l]) => l)
      .sort();
    output = [...ellLabels(maxEll), ...once];
  }
  const order = new Map<string, string>();
  for (const ch of eq) if (/[A-Za-z]/.test(ch) && !order.has(ch)) order.set(ch, String.fromCharCode(97 + order.size));
  const canonical = eq.replace(/[A-Za-z]/g, (ch) => order.get(ch)!);
  return { terms, output, canonical };
}

/** Sizes of every label; ellipsis dims broadcast (1 stretches), letters must agree. */
function labelSizes(ctx: NodeContext, spec: EinsumSpec, shapes: (Dim[] | undefined)[]): Map<string, Dim> {
  const sizes = new Map<string, Dim>();
  spec.terms.forEach((labels, i) => {
    const shape = shapes[i];
    labels.forEach((l, j) => {
      const d = shape === undefined ? null : shape[j]!;
      const prev = sizes.get(l);
      if (prev === undefined) {
        sizes.set(l, d);
      } else if (l.startsWith('…') && (prev === 1 || d === 1)) {
        sizes.set(l, prev === 1 ? d : prev);
      } else {
        sizes.set(l, sameDim(ctx, prev, d, `einsum label '${l}' of operand ${i}`));
      }
    });
  });
  return sizes;
}

function inferEinsum(ctx: NodeContext): ValueFacts[] {
  const shapes = ctx.node.inputs.map((_, i) => ctx.inputs[i]?.shape);
  const spec = parseEinsum(
    ctx,
    ctx.attr.string('equation', ''),
    shapes.map((s) => s?.length),
  );
  const sizes = labelSizes(ctx, spec, shapes);
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: spec.output.map((l) => sizes.get(l) ?? null) }];
}

/** One contraction step of an einsum path. */
interface Step {
  /** Operands contracted together in this step. */
  operands: number;
  /** Size of all labels involved (numpy's idx_contract). */
  all: number;
  /** Size of the labels summed away (1 when none). */
  summed: number;
  /** Whether any label is summed away (numpy's `inner`). */
  inner: boolean;
  /** Size of the result. */
  result: number;
}

/** numpy's `_flop_count`: size of all labels × (max(1, terms − 1) + inner). */
function numpyFlops(step: Step): number {
  return step.all * (Math.max(1, step.operands - 1) + (step.inner ? 1 : 0));
}

function sizeOf(labels: Iterable<string>, sizes: Map<string, number>): number {
  let n = 1;
  for (const l of labels) n *= sizes.get(l)!;
  return n;
}

interface Contraction {
  step: Step;
  remaining: Set<string>[];
}

function contract(positions: number[], remaining: Set<string>[], output: Set<string>, sizes: Map<string, number>): Contraction {
  const involved = new Set<string>();
  for (const p of positions) for (const l of remaining[p]!) involved.add(l);
  const others = remaining.filter((_, i) => !positions.includes(i));
  const keep = new Set<string>();
  for (const l of involved) if (output.has(l) || others.some((o) => o.has(l))) keep.add(l);
  const removed = [...involved].filter((l) => !keep.has(l));
  return {
    step: {
      operands: positions.length,
      all: sizeOf(involved, sizes),
      summed: sizeOf(removed, sizes),
      inner: removed.length > 0,
      result: sizeOf(keep, sizes),
    },
    remaining: [...others, keep],
  };
}

/** Every remaining operand contracted in one step. */
function contractAll(remaining: Set<string>[], output: Set<string>, sizes: Map<string, number>): Step {
  return contract(
    remaining.map((_, i) => i),
    remaining,
    output,
    sizes,
  ).step;
}

/**
 * The contraction path numpy.einsum_path(optimize='optimal') picks (fvcore and DeepSpeed read their
 * counts from it): an exhaustive search over pairwise contractions, intermediates no larger than the
 * largest input or output, one final contraction of whatever is left when nothing fits.
 */
function einsumPath(terms: Set<string>[], output: Set<string>, sizes: Map<string, number>): Step[] {
  const allLabels = new Set(terms.flatMap((t) => [...t]));
  const noContraction = [...allLabels].every((l) => output.has(l));
  if (terms.length <= 2 || noContraction || terms.length > 8) {
    if (terms.length > 8) {
      // Beyond eight operands the exhaustive search is too large: contract left to right.
      let remaining = terms;
      const steps: Step[] = [];
      while (remaining.length > 1) {
        const c = contract([0, 1], remaining, output, sizes);
        steps.push(c.step);
        remaining = [...c.remaining];
      }
      return steps;
    }
    return [contractAll(terms, output, sizes)];
  }
  const limit = Math.max(...terms.map((t) => sizeOf(t, sizes)), sizeOf(output, sizes));
  type Partial = { cost: number; steps: Step[]; remaining: Set<string>[] };
  let full: Partial[] = [{ cost: 0, steps: [], remaining: terms }];
  for (let iteration = 0; iteration < terms.length - 1; iteration++) {
    const next: Partial[] = [];
    for (const cur of full) {
      const n = cur.remaining.length;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const c = contract([i, j], cur.remaining, output, sizes);
          if (c.step.result > limit) continue;
          next.push({ cost: cur.cost + numpyFlops(c.step), steps: [...cur.steps, c.step], remaining: c.remaining });
        }
      }
    }
    if (next.length === 0) {
      const best = full.reduce((a, b) => (b.cost < a.cost ? b : a));
      return [...best.steps, contractAll(best.remaining, output, sizes)];
    }
    full = next;
  }
  return full.reduce((a, b) => (b.cost < a.cost ? b : a)).steps;
}

/**
 * The order onnxruntime and PyTorch execute an einsum in: operands contracted pairwise, left to right
 * (((A·B)·C)·D), each intermediate keeping the labels a later operand or the output still needs.
 */
function leftToRightPath(terms: Set<string>[], output: Set<string>, sizes: Map<string, number>): Step[] {
  if (terms.length <= 2) return [contractAll(terms, output, sizes)];
  const steps: Step[] = [];
  let remaining = terms;
  while (remaining.length > 1) {
    const c = contract([0, 1], remaining, output, sizes);
    steps.push(c.step);
    // contract() appends the intermediate; the next step pairs it with the next operand.
    const intermediate = c.remaining[c.remaining.length - 1]!;
    remaining = [intermediate, ...c.remaining.slice(0, -1)];
  }
  return steps;
}

/** Python's `'%.3e' % x` read back as a number: einsum_path prints its FLOP count to 4 significant digits. */
function threeDigitExponent(x: number): number {
  // Python rounds an exact tie to even ('%.3e' % 16385 is '1.638e+04'); toExponential rounds it up.
  if (Number.isSafeInteger(x) && x > 0) {
    const unit = 10 ** Math.max(0, String(x).length - 4);
    const rest = x % unit;
    if (unit > 1 && rest * 2 === unit) {
      const q = (x - rest) / unit;
      return (q % 2 === 0 ? q : q + 1) * unit;
    }
  }
  return Number(x.toExponential(3));
}

/** fvcore and DeepSpeed read numpy's optimal path (einsum_path); exact and torch count what the runtimes execute. */
const NUMPY_PATH: ReadonlySet<Preset> = new Set<Preset>(['fvcore', 'deepspeed']);

/** An einsum along its contraction path, with the quantities its formulas name. */
interface EinsumSize {
  steps: Step[];
  /** The equation with its letters renamed a, b, c… (fvcore matches bmm-shaped ones). */
  canonical: string;
  /** The product of every label's size (`i·j·k`, `2×3×4`): the MACs of a two-operand einsum. */
  all: Expr;
  /** MACs: (k − 1) multiplies per combination of a step's labels, over the steps. */
  macs: Expr;
  /** numpy's optimized FLOP count of the path (einsum_path's opt_cost: Σ steps + 1). */
  numpy: number;
  vars: Record<string, number>;
}

function einsumSize(ctx: CostContext, numpyPath: boolean): EinsumSize {
  const shapes = ctx.node.inputs.map((_, i) => knownShape(ctx, ctx.inputs[i]?.shape, `einsum operand ${i}`));
  const spec = parseEinsum(
    ctx,
    ctx.attr.string('equation', ''),
    shapes.map((s) => s.length),
  );
  const sizes = labelSizes(ctx, spec, shapes) as Map<string, number>;
  const termSets = spec.terms.map((t) => new Set(t));
  const path = numpyPath ? einsumPath : leftToRightPath;
  const steps = path(termSets, new Set(spec.output), sizes);
  const all = times(...[...sizes].map(([l, size]) => q(l.startsWith('…') ? `e${l.slice(1)}` : l, size)));
  const stepMacs = steps.reduce((m, s) => m + (s.operands >= 2 ? s.all * (s.operands - 1) : 0), 0);
  const twoOperands = steps.length === 1 && steps[0]!.operands === 2;
  const numpy = steps.reduce((f, s) => f + numpyFlops(s), 0) + 1;
  const vars: Record<string, number> = { steps: steps.length, numpyFlops: numpy };
  for (const [l, size] of sizes) if (!l.startsWith('…')) vars[l] = size;
  return { steps, canonical: spec.canonical, all, macs: twoOperands ? all : q('Σ steps', stepMacs), numpy, vars };
}

/**
 * Exact FLOPs of an einsum: per step (k − 1) multiplies per combination of all its labels, then
 * (summed − 1) adds per result element: `result·(2·summed − 1)` for one two-operand contraction.
 */
function einsumFlops(e: EinsumSize): Expr {
  const s = e.steps[0]!;
  const result = q('result', s.result);
  const summed = q('summed', s.summed);
  if (e.steps.length === 1 && s.operands === 2 && s.inner) return times(result, minus(times(n(2), summed), n(1)));
  if (e.steps.length === 1 && s.operands === 1) return s.inner ? times(result, minus(summed, n(1))) : n(0);
  const perStep = (x: Step) => x.all * Math.max(0, x.operands - 1) + (x.inner ? x.result * (x.summed - 1) : 0);
  return series('Σ steps', e.steps.map(perStep));
}

const einsumCost = costRule(
  (ctx) => {
    const e = einsumSize(ctx, false);
    return exactEntry('einsum', { ...e.vars, macs: e.macs.value }, einsumFlops(e), e.macs);
  },
  (ctx, preset) => {
    const e = einsumSize(ctx, NUMPY_PATH.has(preset));
    return toolEntry(preset, PRESETS[preset].Einsum?.(e), 'einsum', e.vars, e.macs.value);
  },
);

// ---------------------------------------------------------------------------------------------
// Presets: what each tool counts differently from the exact rules (COUNTING.md "Presets"). An op a
// preset does not list is one the tool does not count.

interface Deviations {
  Gemm?: (s: GemmSize) => Counted;
  MatMul?: (s: MatMulSize) => Counted;
  Einsum?: (e: EinsumSize) => Counted;
}

/** The bias a tool adds to a Gemm: C is counted only when given and scaled by a non-zero beta. */
function numelC(s: GemmSize): Expr {
  return q('numel(C)', s.cCount);
}
const biasCounted = (s: GemmSize) => s.cCount > 0 && s.beta !== 0;
/** A Gemm's MACs, M·K·N. */
const mkn = (s: GemmSize) => matmulMacs(matTerms({ b: 1, ...s }));

const PRESETS: Record<Preset, Deviations> = {
  ptflops: {
    // ptflops 0.7.5: the nn.Linear hook adds the bias once per row, (K·N + N)·M; the torch.addmm hook
    // (other Gemms) adds numel(C) once
    Gemm: (s) => (s.linear && biasCounted(s) ? plus(mkn(s), times(q('M', s.M), q('N', s.N))) : plusIf(biasCounted(s), mkn(s), numelC(s))),
    MatMul: torchMatmulMacs,
    // torch.einsum is not among ptflops's hooked tensor ops
  },
  fvcore: {
    Gemm: mkn, // linear_flop_jit / addmm_flop_jit: bias ignored
    MatMul: torchMatmulMacs,
    // einsum_flop_jit: two bmm-shaped equations counted exactly, others floor(optimized FLOP count / 2),
    // the count read back from numpy's '%.3e' print
    Einsum: (e) =>
      e.canonical === 'abc,abd->acd' || e.canonical === 'abc,adc->adb' ? e.all : floorOf(overSpaced(q('numpy FLOP count', threeDigitExponent(e.numpy)), n(2))),
  },
  thop: {
    // count_linear: in_features·numel(Y); torch.addmm and torch.matmul are not modules, thop does not see them
    Gemm: (s) => (s.linear ? times(q('K', s.K), q('M', s.M), q('N', s.N)) : null),
    MatMul: (s) => (s.weightB ? matmulMacs(matTerms(s)) : null),
  },
  deepspeed: {
    // F.linear: 2·macs (bias ignored); torch.addmm: 2·macs + numel(C)
    Gemm: (s) => plusIf(!s.linear && s.cCount > 0, times(n(2), mkn(s)), numelC(s)),
    MatMul: (s) => reporting(times(n(2), torchMatmulMacs(s)), torchMatmulMacs(s).value),
    // _einsum_flops_compute: the optimized FLOP count as printed, no MACs
    Einsum: (e) => reporting(q('numpy optimized FLOP count', threeDigitExponent(e.numpy)), 0),
  },
  torch: {
    Gemm: (s) => times(n(2), mkn(s)), // aten.mm / aten.addmm: 2·M·K·N
    MatMul: (s) => times(n(2), matmulMacs(matTerms(s))),
    Einsum: (e) => times(n(2), e.macs), // torch.einsum runs as bmm: 2·MACs
  },
};

export const rules: OpRule[] = [
  { ops: ['Gemm'], infer: inferGemm, cost: gemmCost, weightInputs: [0, 1, 2] },
  { ops: ['MatMul'], infer: (ctx) => inferMatMul(ctx, 0, 1, ctx.inputs[0]?.dtype ?? 0), cost: matmulCost, weightInputs: [0, 1] },
  {
    ops: ['MatMulInteger'],
    infer: (ctx) => inferMatMul(ctx, 0, 1, DataType.INT32),
    cost: quantizedMatMulCost(false),
    nonParamInputs: [2, 3],
    weightInputs: [0, 1],
    quantized: () => ({ zeroPoints: [2, 3] }),
  },
  {
    ops: ['QLinearMatMul'],
    infer: (ctx) => inferMatMul(ctx, 0, 3, ctx.inputs[7]?.dtype || ctx.inputs[0]?.dtype || 0),
    cost: quantizedMatMulCost(true),
    nonParamInputs: [1, 2, 4, 5, 6, 7],
    weightInputs: [0, 3],
    quantized: () => ({ scales: [1, 4, 6], zeroPoints: [2, 5, 7] }),
  },
  // every operand of an einsum is a contraction operand: a constant one is a weight
  { ops: ['Einsum'], infer: inferEinsum, cost: einsumCost, weightInputs: (ctx) => ctx.node.inputs.map((_, i) => i) },
];
