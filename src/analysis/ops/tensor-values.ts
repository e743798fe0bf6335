/**
 * Helpers shared by the data-movement families (shape-ops, indexing, control-flow, sequence, misc):
 * reading inputs and their known values, symbolic dim products, the zero cost entry, and row-major
 * element shuffles (gather, slice, transpose, concat, broadcast) used for value propagation.
 */
import type { Dim } from '../../onnx/model.js';
import { MAX_VALUE_ELEMENTS } from '../context.js';
import { product } from '../shapes.js';
import { AnalysisError, type CostEntry, type NodeContext, type ValueFacts } from '../types.js';
import { flopsEntry, n } from './expr.js';

/** The node's name for messages (its op type when unnamed). */
export function nodeLabel(ctx: NodeContext): string {
  return ctx.node.name || ctx.node.outputs[0] || ctx.node.opType;
}

/** Facts of a required input; a missing one is a malformed node. */
export function need(ctx: NodeContext, i: number, what: string): ValueFacts {
  const v = ctx.inputs[i];
  if (ctx.node.inputs[i] === undefined || ctx.node.inputs[i] === '' || v === undefined) {
    throw new AnalysisError(`${ctx.node.opType} needs input ${i} (${what})`, nodeLabel(ctx));
  }
  return v;
}

/** True when input i is given (not omitted as ''). */
export function given(ctx: NodeContext, i: number): boolean {
  return ctx.node.inputs[i] !== undefined && ctx.node.inputs[i] !== '';
}

/** Known values of input i, if any. */
export function valueOf(ctx: NodeContext, i: number): number[] | undefined {
  return given(ctx, i) ? ctx.inputs[i]?.value : undefined;
}

/**
 * The highest rank a shape operand may give an output. ONNX sets no limit, real models stay below 10;
 * a file declaring a shape tensor of 2^31 elements must not make the analysis allocate 2^31 dims.
 */
export const MAX_RANK = 1024;

/**
 * Length of a 1-D input whose shape is known (e.g. a shape tensor whose values are not). Used as an
 * output rank, so a length above MAX_RANK (or not a whole number ≥ 0) is refused with a message.
 */
export function knownLength(v: ValueFacts | undefined): number | undefined {
  const s = v?.shape;
  if (s === undefined) return undefined;
  if (s.length === 0) return 1;
  if (s.length !== 1 || typeof s[0] !== 'number') return undefined;
  const n = s[0];
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RANK) {
    throw new AnalysisError(
      `its shape operand declares ${n} elements, so the output would have rank ${n}; modelpress analyses tensors of rank at most ${MAX_RANK}`,
    );
  }
  return n;
}

/** A single known scalar value of input i (a scalar or a one-element tensor). */
export function scalarOf(ctx: NodeContext, i: number): number | undefined {
  const v = valueOf(ctx, i);
  return v !== undefined && v.length === 1 ? v[0] : undefined;
}

/** Whether a tensor of this shape is small enough to carry its values. */
export function holdsValue(shape: readonly Dim[] | undefined): shape is number[] {
  const n = product(shape);
  return n !== undefined && n <= MAX_VALUE_ELEMENTS;
}

/** Values to attach to an output: only when its shape is concrete and small. */
export function keepValue(shape: readonly Dim[] | undefined, value: number[] | undefined): number[] | undefined {
  return value !== undefined && holdsValue(shape) && product(shape) === value.length ? value : undefined;
}

/**
 * Product of dims where some may be symbolic: numbers multiply; a single symbol times 1 stays that
 * symbol; anything else (two symbols, a symbol times a number ≠ 1, an unknown dim) is unknown.
 */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  let symbol: string | undefined;
  for (const d of dims) {
    if (d === null) return null;
    if (typeof d === 'number') n *= d;
    else if (symbol === undefined) symbol = d;
    else return null;
  }
  if (symbol === undefined) return n;
  if (n === 0) return 0;
  return n === 1 ? symbol : null;
}

/** A fresh symbolic dim for a data-dependent size, named after the op and the node. */
export function freshDim(prefix: string, ctx: NodeContext): string {
  return `${prefix}_${nodeLabel(ctx)}`;
}

/** The one zero-cost entry (its formula printed once): node rows share it, as they share equal formulas. */
let ZERO_COST: CostEntry | undefined;

/** The zero cost of pure data movement: counted (at zero), never listed as uncounted. */
export function zeroCost(): CostEntry {
  ZERO_COST ??= Object.freeze(flopsEntry(0, 'shape-only', Object.freeze({}), n(0)));
  return ZERO_COST;
}

/** Row-major strides of a concrete shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Call fn for every multi-index of a concrete shape, in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (index: number[], flat: number) => void): void {
  const total = product(shape) ?? 0;
  if (total === 0) return;
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    fn(index, flat);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a]! < shape[a]!) break;
      index[a] = 0;
    }
  }
}

/** Gather along one axis (indices already normalised to be non-negative). */
export function gatherValues(data: number[], shape: number[], indices: number[], axis: number): number[] {
  const outer = product(shape.slice(0, axis)) ?? 1;
  const inner = product(shape.slice(axis + 1)) ?? 1;
  const dim = shape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const idx of indices) {
      const base = (o * dim + idx) * inner;
      for (let k = 0; k < inner; k++) out.push(data[base + k]!);
    }
  }
  return out;
}

/** Strided slice: per axis a start and a step, producing outShape. */
export function sliceValues(data: number[], shape: number[], starts: number[], steps: number[], outShape: number[]): number[] {
  const strides = stridesOf(shape);
  const out = new Array<number>(product(outShape) ?? 0);
  forEachIndex(outShape, (index, flat) => {
    let src = 0;
    for (let a = 0; a < index.length; a++) src += (starts[a]! + index[a]! * steps[a]!) * strides[a]!;
    out[flat] = data[src]!;
  });
  return out;
}

/** Permute axes: output axis i is input axis perm[i]. */
export function transposeValues(data: number[], shape: number[], perm: number[]): number[] {
  const strides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const out = new Array<number>(data.length);
  forEachIndex(outShape, (index, flat) => {
    let src = 0;
    for (let a = 0; a < index.length; a++) src += index[a]! * strides[perm[a]!]!;
    out[flat] = data[src]!;
  });
  return out;
}

/** Concatenate along an axis (all parts of the same rank, concrete shapes). */
export function concatValues(parts: { value: number[]; shape: number[] }[], axis: number): number[] {
  const outer = product(parts[0]!.shape.slice(0, axis)) ?? 1;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = product(p.shape.slice(axis)) ?? 1;
      for (let k = 0; k < chunk; k++) out.push(p.value[o * chunk + k]!);
    }
  }
  return out;
}

/** Broadcast values of `shape` to `outShape` (numpy rules; outShape already validated). */
export function broadcastValues(data: number[], shape: number[], outShape: number[]): number[] {
  const offset = outShape.length - shape.length;
  const strides = stridesOf(shape);
  const out = new Array<number>(product(outShape) ?? 0);
  forEachIndex(outShape, (index, flat) => {
    let src = 0;
    for (let a = 0; a < shape.length; a++) {
      if (shape[a] !== 1) src += index[a + offset]! * strides[a]!;
    }
    out[flat] = data[src]!;
  });
  return out;
}

/** Convert known values to another ONNX element type (C-style truncation and wrap-around for integers). */
export function castValues(values: number[], to: number): number[] | undefined {
  const wrap =
    (bits: number, signed: boolean) =>
    (x: number): number => {
      const m = 2 ** bits;
      let r = ((Math.trunc(x) % m) + m) % m;
      if (signed && r >= m / 2) r -= m;
      return r;
    };
  let f: ((x: number) => number) | undefined;
  switch (to) {
    case 1:
      f = Math.fround;
      break;
    case 10:
    case 11:
    case 16:
      f = (x) => x;
      break;
    case 9:
      f = (x) => (x !== 0 ? 1 : 0);
      break;
    case 2:
      f = wrap(8, false);
      break;
    case 3:
      f = wrap(8, true);
      break;
    case 4:
      f = wrap(16, false);
      break;
    case 5:
      f = wrap(16, true);
      break;
    case 6:
      f = wrap(32, true);
      break;
    case 12:
      f = wrap(32, false);
      break;
    // int64 values beyond 2^53 are sentinels only; truncation is exact below that.
    case 7:
    case 13:
      f = Math.trunc;
      break;
    default:
      f = undefined;
  }
  if (f === undefined || values.some((x) => Number.isNaN(x) && to !== 1 && to !== 10 && to !== 11 && to !== 16)) return undefined;
  return values.map(f);
}

/** Deep copy of facts, so rules never hand the same object to two outputs. */
export function cloneFacts(v: ValueFacts): ValueFacts {
  return {
    dtype: v.dtype,
    shape: v.shape ? [...v.shape] : undefined,
    value: v.value ? [...v.value] : undefined,
    kind: v.kind,
    elem: v.elem ? cloneFacts(v.elem) : undefined,
    items: v.items ? v.items.map(cloneFacts) : undefined,
  };
}

/**
 * The most specific facts true of both a and b (the two branches of an If, a loop-carried value before
 * and after an iteration): equal dims are kept, differing dims become unknown, differing ranks make
 * the rank unknown; values survive only when equal.
 */
export function mergeFacts(a: ValueFacts, b: ValueFacts): ValueFacts {
  const dtype = a.dtype === b.dtype ? a.dtype : a.dtype === 0 ? b.dtype : b.dtype === 0 ? a.dtype : 0;
  let shape: Dim[] | undefined;
  if (a.shape !== undefined && b.shape !== undefined && a.shape.length === b.shape.length) {
    shape = a.shape.map((d, i) => (d === b.shape![i] ? d : null));
  }
  const sameValue = a.value !== undefined && b.value !== undefined && a.value.length === b.value.length && a.value.every((x, i) => x === b.value![i]);
  const out: ValueFacts = { dtype, shape, value: sameValue ? [...a.value!] : undefined };
  if (a.kind !== undefined || b.kind !== undefined) {
    out.kind = a.kind === b.kind ? a.kind : undefined;
    out.elem = a.elem && b.elem ? mergeFacts(a.elem, b.elem) : undefined;
    if (a.items && b.items && a.items.length === b.items.length) out.items = a.items.map((x, i) => mergeFacts(x, b.items![i]!));
  }
  return out;
}

/** True when two facts say the same thing (used to detect a loop's fixed point). */
export function sameFacts(a: ValueFacts | undefined, b: ValueFacts | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const eqArr = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined): boolean =>
    x === undefined || y === undefined ? x === y : x.length === y.length && x.every((e, i) => e === y[i]);
  if (a.dtype !== b.dtype || a.kind !== b.kind || !eqArr(a.shape, b.shape) || !eqArr(a.value, b.value)) return false;
  if (!sameFacts(a.elem, b.elem)) return false;
  if (a.items === undefined || b.items === undefined) return a.items === b.items;
  return a.items.length === b.items.length && a.items.every((x, i) => sameFacts(x, b.items![i]));
}
