/**
 * Op family 'elementwise': binary arithmetic, logic and comparisons, Where, the variadic Sum/Mean/Max/Min,
 * unary math, Clip and Det. Shape rule (numpy broadcasting, or the legacy `broadcast`/`axis` attributes
 * before opset 7), value propagation (PyTorch exports compute Reshape/Expand targets with integer
 * arithmetic on shapes), and cost under every convention. Counting rules: docs/counting/elementwise.md.
 *
 * The per-element cost helpers at the top are shared with the activation family.
 */
import { type Dim, elementCount } from '../../onnx/model.js';
import { DataType, isIntegerType } from '../../onnx/dtypes.js';
import { MAX_VALUE_ELEMENTS } from '../context.js';
import { broadcastShapes, formatShape, product, unifyDim } from '../shapes.js';
import { AnalysisError, type Convention, type CostContext, type CostEntry, type FormulaUse, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, type Preset, presetEntry } from './compute-common.js';
import { each, type Expr, flopsEntry, juxt, minus, n, numel, numelFactor, over, plusTight, q, scaled, sup, times } from './expr.js';
import { castValues, forEachIndex, given, nodeLabel, stridesOf } from './tensor-values.js';

// ---------------------------------------------------------------------------------------------------
// Counting helpers (shared with activation.ts, reduce.ts, resize.ts)
// ---------------------------------------------------------------------------------------------------

/** The concrete dims of a value, for counting; throws naming each dim that is not a number. */
export function countDims(v: ValueFacts | undefined, what: string, ctx: NodeContext): number[] {
  const shape = v?.shape;
  if (shape === undefined) throw new AnalysisError(`cannot count: the rank of ${what} is unknown`, nodeLabel(ctx));
  // The common case, all dims known, without a list of the unknown ones (a closure and a list per node).
  let known = true;
  for (let i = 0; i < shape.length && known; i++) known = typeof shape[i] === 'number';
  if (known) return shape as number[];
  const unknown: string[] = [];
  shape.forEach((d, i) => {
    if (typeof d !== 'number') unknown.push(`dim ${i} (${d === null ? '?' : `'${d}'`})`);
  });
  if (unknown.length > 0) {
    throw new AnalysisError(
      `cannot count: ${what} has shape ${formatShape(shape)} and ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} unknown`,
      nodeLabel(ctx),
    );
  }
  return shape as number[];
}

/**
 * A product of dims written the seed's way: factors of 1 dropped, equal neighbours as a power
 * (`[1, 4, 6, 6]` → `4×6²`); `1` when nothing is left.
 */
export function dimsText(dims: readonly number[]): string {
  return numel('N', dims).substituted;
}

/**
 * What a preset tool counts for an element-wise op: one per output element ('elements'), or zero
 * though it hooks the op ('zero'). An op a preset's table leaves out is not counted by that tool.
 */
type ElementwiseTool = 'elements' | 'zero';

/** Per preset, the ops of a family the tool counts (COUNTING.md "Presets"). */
export type PresetTable = Record<Preset, Readonly<Record<string, ElementwiseTool>>>;

/** FLOPs per output element under `exact`: a constant, or an expression (`k − 1`), with extra formula vars. */
export interface PerElement {
  c: number | Expr;
  vars?: Record<string, number>;
}

/** c·N: c FLOPs for each of the N output elements (`N`, `2·N`, `(k − 1)·N`; `0` for a constant 0). */
function perElementExpr(dims: readonly number[], c: number | Expr): Expr {
  const elements = numel('N', dims);
  return typeof c === 'number' ? scaled(c, elements) : times(c, elements);
}

/** The exact `elementwise` count: c FLOPs for each of the N output elements. */
function elementwiseEntry(dims: readonly number[], per: PerElement): CostEntry {
  const c = typeof per.c === 'number' ? per.c : per.c.value;
  return flopsEntry(0, 'elementwise', { N: elementCount(dims), c, ...per.vars }, perElementExpr(dims, per.c));
}

/**
 * Exact entries of a constant c per element, by the output's dims array and c. Shapes are shared
 * arrays never edited in place (src/analysis/shape-table.ts), so the element-wise nodes of a large
 * model mostly find the entry their shape's first node made: no expression, texts and vars printed
 * again for each (the cost stage only reads an entry). Weak: an entry lives as long as its shape.
 */
const exactByDims = new WeakMap<readonly number[], Map<number, CostEntry>>();

function exactEntryOf(dims: readonly number[], c: number): CostEntry {
  let byC = exactByDims.get(dims);
  let entry = byC?.get(c);
  if (entry === undefined) {
    entry = elementwiseEntry(dims, { c });
    if (byC === undefined) exactByDims.set(dims, (byC = new Map()));
    byC.set(c, entry);
  }
  return entry;
}

/** The formula of `elementwiseEntry`, for rules that count the same way under their own template. */
export function elementwiseFormula(dims: readonly number[], per: PerElement): FormulaUse {
  return elementwiseEntry(dims, per).formula!;
}

/**
 * Cost of an op that does `per` scalar operations per output element (exact), and what each preset
 * counts for it from the family's table: MAC-reporting tools (ptflops, fvcore, thop) put their count
 * in `macs` and `flops = 2·macs`; DeepSpeed reports element-wise work as FLOPs with zero MACs; torch's
 * FlopCounterMode ignores every element-wise op.
 */
export function perElementCost(per: (ctx: CostContext) => PerElement, presets: PresetTable): (ctx: CostContext, convention: Convention) => CostEntry | null {
  return costRule(
    (ctx) => {
      const p = per(ctx);
      const dims = countDims(ctx.outputs[0], 'the output', ctx);
      return p.vars === undefined && typeof p.c === 'number' ? exactEntryOf(dims, p.c) : elementwiseEntry(dims, p);
    },
    (ctx, preset) => {
      per(ctx); // its attributes are checked under every convention alike
      const out = countDims(ctx.outputs[0], 'the output', ctx);
      const rule = presets[preset][ctx.node.opType];
      if (rule === undefined) return null;
      const c = rule === 'elements' ? 1 : 0;
      return presetEntry(preset, 'elementwise', { N: elementCount(out), c }, perElementExpr(out, c));
    },
  );
}

/**
 * What the tools count of this family: torch.add / torch.mul (and their Tensor methods) are the
 * element-wise ops ptflops and DeepSpeed patch; an ONNX Add/Mul cannot tell them from Python's `+`/`*`,
 * so we count them as those tools would for the function form (docs/counting/elementwise.md). Clip is
 * what they see of ReLU6 / hardtanh.
 */
const PRESETS: PresetTable = {
  ptflops: { Add: 'elements', Mul: 'elements', Clip: 'elements' },
  fvcore: {},
  thop: { Clip: 'zero' }, // nn.ReLU6 is hooked with zero ops
  deepspeed: { Add: 'elements', Mul: 'elements', Clip: 'elements' },
  torch: {},
};

// ---------------------------------------------------------------------------------------------------
// Value propagation helpers
// ---------------------------------------------------------------------------------------------------

/** A value whose shape and elements are both known. */
export interface Known {
  shape: number[];
  value: number[];
}

/** The known shape and elements of a value, when both are known and consistent. */
export function known(v: ValueFacts | undefined): Known | undefined {
  if (v?.value === undefined || v.shape === undefined) return undefined;
  const n = product(v.shape);
  if (n === undefined || n !== v.value.length) return undefined;
  return { shape: v.shape as number[], value: v.value };
}

/** Apply fn element-wise over inputs broadcast to outShape (numpy rules, already validated). */
export function broadcastMap(inputs: Known[], outShape: number[], fn: (args: number[]) => number): number[] | undefined {
  const total = elementCount(outShape);
  if (total > MAX_VALUE_ELEMENTS) return undefined;
  const rank = outShape.length;
  const strides = inputs.map((inp) => {
    const own = stridesOf(inp.shape);
    const offset = rank - inp.shape.length;
    return outShape.map((_, a) => (a < offset || inp.shape[a - offset] === 1 ? 0 : own[a - offset]!));
  });
  const out = new Array<number>(total);
  const args = new Array<number>(inputs.length);
  forEachIndex(outShape, (index, flat) => {
    for (let k = 0; k < inputs.length; k++) {
      let src = 0;
      for (let a = 0; a < rank; a++) src += index[a]! * strides[k]![a]!;
      args[k] = inputs[k]!.value[src]!;
    }
    out[flat] = fn(args);
  });
  return out;
}

/**
 * Fit raw results to the output's element type (float32 rounding, integer truncation and wrap-around,
 * booleans as 0/1). Results that an integer type cannot hold (division by zero) drop the value.
 */
export function fitValues(raw: number[] | undefined, dtype: number): number[] | undefined {
  if (raw === undefined) return undefined;
  if ((isIntegerType(dtype) || dtype === DataType.BOOL) && raw.some((x) => !Number.isFinite(x))) return undefined;
  if (dtype === 0) return raw;
  return castValues(raw, dtype);
}

/** The element type of the first input whose type is known. */
function firstDtype(ctx: NodeContext, indices: number[]): number {
  for (const i of indices) {
    const d = ctx.inputs[i]?.dtype;
    if (d !== undefined && d !== 0) return d;
  }
  return 0;
}

/** Facts of a required input; an omitted one is a malformed node. */
export function needInput(ctx: NodeContext, i: number, what: string): ValueFacts {
  const v = ctx.inputs[i];
  if (!given(ctx, i) || v === undefined) throw new AnalysisError(`${ctx.node.opType} needs input ${i} (${what})`, nodeLabel(ctx));
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Broadcasting, including the legacy form (opset < 7)
// ---------------------------------------------------------------------------------------------------

/**
 * The shapes to broadcast for a binary op. Before opset 7, with `broadcast=1`, B is aligned with A
 * starting at `axis` (default: B's dims are A's trailing dims) and the result has A's shape; we pad B
 * with ones so ordinary broadcasting computes both the shape and the values. With `broadcast=0`
 * (the default then) both shapes must be equal.
 */
function binaryOperandShapes(ctx: NodeContext, legacyBelow: number): { shapes: (Dim[] | undefined)[]; legacyEqual: boolean } {
  const a = needInput(ctx, 0, 'A').shape;
  const b = needInput(ctx, 1, 'B').shape;
  if (ctx.opset >= legacyBelow) return { shapes: [a, b], legacyEqual: false };
  if (ctx.attr.int('broadcast', 0) === 0) return { shapes: [a, b], legacyEqual: true };
  if (a === undefined || b === undefined) return { shapes: [a, b], legacyEqual: false };
  if (b.length > a.length) {
    throw new AnalysisError(`legacy broadcast: B ${formatShape(b)} has a higher rank than A ${formatShape(a)}`, nodeLabel(ctx));
  }
  if (product(b) === 1) return { shapes: [a, a.map(() => 1)], legacyEqual: false };
  const axisAttr = ctx.attr.intOpt('axis');
  const start = axisAttr === undefined ? a.length - b.length : axisAttr < 0 ? axisAttr + a.length : axisAttr;
  if (start < 0 || start + b.length > a.length) {
    throw new AnalysisError(`legacy broadcast: B ${formatShape(b)} does not fit A ${formatShape(a)} at axis ${start}`, nodeLabel(ctx));
  }
  const aligned: Dim[] = a.map(() => 1);
  // Size-1 dims of B broadcast too (the PyTorch exporter of that era relied on it:
  // backend test test_operator_add_size1_broadcast adds [2,1] to [2,3] with axis=0).
  b.forEach((d, i) => {
    if (d !== 1) unifyDim(a[start + i]!, d, nodeLabel(ctx));
    aligned[start + i] = d;
  });
  return { shapes: [a, aligned], legacyEqual: false };
}

/** Equal shapes (legacy ops without broadcasting): unify dim by dim. */
function sameShapes(shapes: (Dim[] | undefined)[], ctx: NodeContext): Dim[] | undefined {
  const knownShapes = shapes.filter((s): s is Dim[] => s !== undefined);
  if (knownShapes.length === 0) return undefined;
  const first = knownShapes[0]!;
  for (const s of knownShapes) {
    if (s.length !== first.length) {
      throw new AnalysisError(
        `inputs must have the same shape here (no broadcasting at opset ${ctx.opset}): ${knownShapes.map(formatShape).join(' vs ')}`,
        nodeLabel(ctx),
      );
    }
  }
  return first.map((_, i) => knownShapes.reduce<Dim>((acc, s) => unifyDim(acc, s[i]!, nodeLabel(ctx)), first[i]!));
}

/** Output facts of a broadcasting op, computing `value` from fn when every operand is known. */
function broadcastFacts(
  ctx: NodeContext,
  shapes: (Dim[] | undefined)[],
  dtype: number,
  fn: ((args: number[]) => number) | undefined,
  legacyEqual = false,
): ValueFacts {
  const shape = legacyEqual ? sameShapes(shapes, ctx) : broadcastShapes(shapes, nodeLabel(ctx));
  let value: number[] | undefined;
  if (fn && shape?.every((d) => typeof d === 'number')) {
    const operands: Known[] = [];
    for (let i = 0; i < shapes.length; i++) {
      const k = known(ctx.inputs[i]);
      const s = shapes[i];
      if (k === undefined || s === undefined || !s.every((d) => typeof d === 'number')) break;
      operands.push({ shape: s as number[], value: k.value });
    }
    if (operands.length === shapes.length) value = fitValues(broadcastMap(operands, shape as number[], fn), dtype);
  }
  return { dtype, shape, value };
}

// ---------------------------------------------------------------------------------------------------
// Binary ops
// ---------------------------------------------------------------------------------------------------

/** Python-style modulus (sign of the divisor), ONNX Mod with fmod=0. */
function floorMod(a: number, b: number): number {
  return b === 0 ? NaN : ((a % b) + b) % b;
}

function shiftDirection(ctx: NodeContext): 'LEFT' | 'RIGHT' {
  const dir = ctx.attr.string('direction', '');
  if (dir !== 'LEFT' && dir !== 'RIGHT') throw new AnalysisError(`BitShift needs direction 'LEFT' or 'RIGHT', got '${dir}'`, nodeLabel(ctx));
  return dir;
}

function bitwise(op: 'and' | 'or' | 'xor', a: number, b: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(b)) return NaN;
  const x = BigInt(a);
  const y = BigInt(b);
  return Number(op === 'and' ? x & y : op === 'or' ? x | y : x ^ y);
}

interface BinarySpec {
  /** Output is boolean (logic, comparisons) rather than A's type. */
  bool?: boolean;
  /** Opset from which numpy broadcasting applies; below it the legacy attributes do. */
  legacyBelow?: number;
  value: (a: number, b: number, ctx: NodeContext) => number;
}

const BINARY: Record<string, BinarySpec> = {
  Add: { legacyBelow: 7, value: (a, b) => a + b },
  Sub: { legacyBelow: 7, value: (a, b) => a - b },
  Mul: { legacyBelow: 7, value: (a, b) => a * b },
  // Integer division truncates toward zero (the reference implementation casts the quotient back).
  Div: { legacyBelow: 7, value: (a, b) => a / b },
  Pow: { legacyBelow: 7, value: (a, b) => a ** b },
  Mod: { value: (a, b, ctx) => (ctx.attr.int('fmod', 0) === 1 ? a % b : floorMod(a, b)) },
  BitShift: { value: (a, b, ctx) => (shiftDirection(ctx) === 'LEFT' ? a * 2 ** b : Math.floor(a / 2 ** b)) },
  BitwiseAnd: { value: (a, b) => bitwise('and', a, b) },
  BitwiseOr: { value: (a, b) => bitwise('or', a, b) },
  BitwiseXor: { value: (a, b) => bitwise('xor', a, b) },
  And: { bool: true, legacyBelow: 7, value: (a, b) => (a !== 0 && b !== 0 ? 1 : 0) },
  Or: { bool: true, legacyBelow: 7, value: (a, b) => (a !== 0 || b !== 0 ? 1 : 0) },
  Xor: { bool: true, legacyBelow: 7, value: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0) },
  Equal: { bool: true, legacyBelow: 7, value: (a, b) => (a === b ? 1 : 0) },
  Greater: { bool: true, legacyBelow: 7, value: (a, b) => (a > b ? 1 : 0) },
  GreaterOrEqual: { bool: true, value: (a, b) => (a >= b ? 1 : 0) },
  Less: { bool: true, legacyBelow: 7, value: (a, b) => (a < b ? 1 : 0) },
  LessOrEqual: { bool: true, value: (a, b) => (a <= b ? 1 : 0) },
};

function binaryRule(op: string, spec: BinarySpec): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      if (op === 'BitShift') shiftDirection(ctx); // a bad direction is an error even when no value is known
      const { shapes, legacyEqual } = binaryOperandShapes(ctx, spec.legacyBelow ?? 0);
      const dtype = spec.bool ? DataType.BOOL : firstDtype(ctx, [0, 1]);
      return [broadcastFacts(ctx, shapes, dtype, (args) => spec.value(args[0]!, args[1]!, ctx), legacyEqual)];
    },
    cost: perElementCost(() => ({ c: 1 }), PRESETS),
    // Pow's exponent is a constant of the formula (x², √x), never a learned weight.
    ...(op === 'Pow' ? { nonParamInputs: [1] } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Where and the variadic Sum / Mean / Max / Min
// ---------------------------------------------------------------------------------------------------

const whereRule: OpRule = {
  ops: ['Where'],
  infer(ctx) {
    const shapes = [0, 1, 2].map((i) => needInput(ctx, i, ['condition', 'X', 'Y'][i]!).shape);
    return [broadcastFacts(ctx, shapes, firstDtype(ctx, [1, 2]), (args) => (args[0] !== 0 ? args[1]! : args[2]!))];
  },
  // One select per output element.
  cost: perElementCost(() => ({ c: 1 }), PRESETS),
};

interface VariadicSpec {
  value: (args: number[]) => number;
  /** FLOPs per output element for k inputs, and how to write it. */
  per: (k: number) => PerElement;
}

const minusOne = (k: number): PerElement => ({ c: minus(q('k', k), n(1)), vars: { k } });

const VARIADIC: Record<string, VariadicSpec> = {
  Sum: { value: (xs) => xs.reduce((a, b) => a + b, 0), per: minusOne },
  // k − 1 adds and one divide per element.
  Mean: { value: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length, per: (k) => ({ c: q('k', k), vars: { k } }) },
  Max: { value: (xs) => Math.max(...xs), per: minusOne },
  Min: { value: (xs) => Math.min(...xs), per: minusOne },
};

function variadicRule(op: string, spec: VariadicSpec): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const k = ctx.node.inputs.length;
      if (k === 0) throw new AnalysisError(`${op} needs at least one input`, nodeLabel(ctx));
      const shapes = ctx.node.inputs.map((_, i) => needInput(ctx, i, `data_${i}`).shape);
      // Multidirectional broadcasting from opset 8; before, all inputs have one shape.
      return [
        broadcastFacts(
          ctx,
          shapes,
          firstDtype(
            ctx,
            shapes.map((_, i) => i),
          ),
          spec.value,
          ctx.opset < 8,
        ),
      ];
    },
    cost: perElementCost((ctx) => spec.per(ctx.node.inputs.length), PRESETS),
  };
}

// ---------------------------------------------------------------------------------------------------
// Unary math
// ---------------------------------------------------------------------------------------------------

/** Round half to even, as ONNX Round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface UnarySpec {
  /** Element function for value propagation; undefined where no shape computation uses the op. */
  value?: (x: number, ctx: NodeContext) => number;
  bool?: boolean;
}

const UNARY: Record<string, UnarySpec> = {
  Abs: { value: Math.abs },
  Neg: { value: (x) => -x },
  Reciprocal: { value: (x) => 1 / x },
  Floor: { value: Math.floor },
  Ceil: { value: Math.ceil },
  Round: { value: roundHalfEven },
  Sqrt: { value: Math.sqrt },
  Exp: { value: Math.exp },
  Log: { value: Math.log },
  Sin: { value: Math.sin },
  Cos: { value: Math.cos },
  Tan: { value: Math.tan },
  Asin: { value: Math.asin },
  Acos: { value: Math.acos },
  Atan: { value: Math.atan },
  Sinh: { value: Math.sinh },
  Cosh: { value: Math.cosh },
  Asinh: { value: Math.asinh },
  Acosh: { value: Math.acosh },
  Atanh: { value: Math.atanh },
  Erf: {},
  Sign: { value: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  IsNaN: { bool: true, value: (x) => (Number.isNaN(x) ? 1 : 0) },
  IsInf: {
    bool: true,
    value: (x, ctx) => ((x === Infinity && ctx.attr.int('detect_positive', 1) === 1) || (x === -Infinity && ctx.attr.int('detect_negative', 1) === 1) ? 1 : 0),
  },
  Not: { bool: true, value: (x) => (x === 0 ? 1 : 0) },
  BitwiseNot: { value: (x) => (Number.isInteger(x) ? Number(~BigInt(x)) : NaN) },
};

function unaryRule(op: string, spec: UnarySpec): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const x = needInput(ctx, 0, 'X');
      const dtype = spec.bool ? DataType.BOOL : x.dtype;
      const k = known(x);
      const fn = spec.value;
      const value =
        k !== undefined && fn !== undefined
          ? fitValues(
              k.value.map((v) => fn(v, ctx)),
              dtype,
            )
          : undefined;
      return [{ dtype, shape: x.shape ? [...x.shape] : undefined, value }];
    },
    cost: perElementCost(() => ({ c: 1 }), PRESETS),
  };
}

// ---------------------------------------------------------------------------------------------------
// Clip
// ---------------------------------------------------------------------------------------------------

/** Clip's bounds: attributes before opset 11, optional scalar inputs from 11. */
function clipBounds(ctx: NodeContext): { lower: { given: boolean; value?: number }; upper: { given: boolean; value?: number } } {
  if (ctx.opset < 11) {
    return {
      lower: { given: ctx.attr.has('min'), value: ctx.attr.float('min', -Infinity) },
      upper: { given: ctx.attr.has('max'), value: ctx.attr.float('max', Infinity) },
    };
  }
  const bound = (i: number): { given: boolean; value?: number } => {
    if (!given(ctx, i)) return { given: false, value: i === 1 ? -Infinity : Infinity };
    const v = ctx.inputs[i];
    if (v?.shape !== undefined && product(v.shape) !== undefined && product(v.shape) !== 1) {
      throw new AnalysisError(`Clip's ${i === 1 ? 'min' : 'max'} must be a scalar, got shape ${formatShape(v.shape)}`, nodeLabel(ctx));
    }
    return v?.value?.length === 1 ? { given: true, value: v.value[0]! } : { given: true };
  };
  return { lower: bound(1), upper: bound(2) };
}

const clipRule: OpRule = {
  ops: ['Clip'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'input');
    const { lower, upper } = clipBounds(ctx);
    const k = known(x);
    let value: number[] | undefined;
    if (k !== undefined && lower.value !== undefined && upper.value !== undefined) {
      const lo = lower.value;
      const hi = upper.value;
      value = fitValues(
        k.value.map((v) => Math.min(Math.max(v, lo), hi)),
        x.dtype,
      );
    }
    return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined, value }];
  },
  // One compare per bound given (ReLU6 = Clip(0, 6): 2). The tools see Clip as ReLU6 / hardtanh:
  // ptflops and DeepSpeed count one per element, thop hooks ReLU6 with zero ops.
  cost: perElementCost((ctx) => {
    const { lower, upper } = clipBounds(ctx);
    return { c: (lower.given ? 1 : 0) + (upper.given ? 1 : 0) };
  }, PRESETS),
  nonParamInputs: [1, 2],
};

// ---------------------------------------------------------------------------------------------------
// Det
// ---------------------------------------------------------------------------------------------------

/**
 * FLOPs of one M×M determinant by Gaussian elimination: step j (j = M−1 … 1 rows below the pivot)
 * does j divides and 2j² multiply/subtracts, then M − 1 multiplies of the diagonal:
 * M(M−1)/2 + (M−1)M(2M−1)/3 + (M−1) = (M − 1)(4M² + M + 6)/6.
 */
export function detFlops(m: number): number {
  return determinant(m).value;
}

/** `(M − 1)·(4M² + M + 6)/6` for one M×M determinant (nothing to do for an empty matrix). */
function determinant(m: number): Expr {
  if (m === 0) return n(0);
  const M = q('M', m);
  return over(times(minus(M, n(1)), plusTight(juxt(n(4), sup(M, n(2))), M, n(6))), n(6));
}

const detRule: OpRule = {
  ops: ['Det'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    if (x.shape.length < 2) throw new AnalysisError(`Det needs a tensor of rank ≥ 2, got ${formatShape(x.shape)}`, nodeLabel(ctx));
    unifyDim(x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!, nodeLabel(ctx));
    return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
  },
  // B determinants of M×M
  cost: costRule((ctx) => {
    const dims = countDims(ctx.inputs[0], 'the input', ctx);
    const m = dims[dims.length - 1]!;
    const batch = numelFactor('B', dims.slice(0, -2));
    return flopsEntry(0, 'det', { B: batch.value, M: m }, each(batch, determinant(m)));
  }),
};

export const rules: OpRule[] = [
  ...Object.entries(BINARY).map(([op, spec]) => binaryRule(op, spec)),
  whereRule,
  ...Object.entries(VARIADIC).map(([op, spec]) => variadicRule(op, spec)),
  ...Object.entries(UNARY).map(([op, spec]) => unaryRule(op, spec)),
  clipRule,
  detRule,
];
