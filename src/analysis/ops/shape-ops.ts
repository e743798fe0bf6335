/**
 * Op family 'shape-ops': ops that only move, copy or describe data (Reshape, Transpose, Concat, Slice,
 * Shape, Cast, Pad, Expand, Constant, Range…). They cost 0 FLOPs and 0 MACs in every convention
 * (COUNTING.md "shape-only ops"): they are counted, at zero, never listed as uncounted.
 *
 * Their main job is value propagation. PyTorch exports compute Reshape/Expand targets at run time
 * (Shape → Gather → Unsqueeze → Concat → Reshape); each rule here computes its output's `value` when
 * its inputs carry values, and every op that takes a shape, axes, pads or repeats as an input reads
 * them from that input's `value` (attributes in the older opsets, as the spec changed).
 */
import type { Dim } from '../../onnx/model.js';
import { DataType, dtypeFromName } from '../../onnx/dtypes.js';
import { broadcastShapes, isConcrete, normalizeAxis, product, unifyDim } from '../shapes.js';
import { AnalysisError, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import {
  broadcastValues,
  castValues,
  cloneFacts,
  concatValues,
  dimProduct,
  forEachIndex,
  given,
  holdsValue,
  keepValue,
  knownLength,
  need,
  nodeLabel,
  scalarOf,
  sliceValues,
  stridesOf,
  transposeValues,
  valueOf,
  zeroCost,
} from './tensor-values.js';

const INT64 = DataType.INT64;

/** Every rule of this family costs zero; inputs listed are shapes/axes, never parameters. */
function shapeOnly(ops: string[], infer: (ctx: NodeContext) => ValueFacts[], nonParamInputs?: readonly number[]): OpRule {
  return { ops, infer, cost: () => zeroCost(), ...(nonParamInputs ? { nonParamInputs } : {}) };
}

function fail(ctx: NodeContext, message: string): never {
  throw new AnalysisError(message, nodeLabel(ctx));
}

/** Axes from an attribute (older opsets) or an input (newer): undefined when not knowable yet. */
function axesFrom(ctx: NodeContext, inputSince: number, inputIndex: number): { axes?: number[]; given: boolean } {
  if (ctx.opset < inputSince) {
    const a = ctx.attr.intsOpt('axes');
    return a === undefined ? { given: false } : { axes: a, given: true };
  }
  if (!given(ctx, inputIndex)) return { given: false };
  const v = valueOf(ctx, inputIndex);
  return v === undefined ? { given: true } : { axes: v, given: true };
}

function checkUnique(ctx: NodeContext, axes: number[]): void {
  if (new Set(axes).size !== axes.length) fail(ctx, `axes [${axes.join(', ')}] repeat an axis`);
}

// ---------------------------------------------------------------------------------------------- Reshape

/**
 * The dim a −1 in a Reshape target stands for: input element count divided by the other target dims,
 * cancelling symbolic dims that appear on both sides (so [batch, seq, 768] → [0, −1, 12, 64] keeps `seq`).
 */
function inferredDim(ctx: NodeContext, input: readonly Dim[], others: readonly Dim[]): Dim {
  if (input.includes(null) || others.includes(null)) return null;
  const symbols = new Map<string, number>();
  let num = 1;
  for (const d of input) {
    if (typeof d === 'number') num *= d;
    else symbols.set(d as string, (symbols.get(d as string) ?? 0) + 1);
  }
  let den = 1;
  for (const d of others) {
    if (typeof d === 'number') den *= d;
    else {
      const n = symbols.get(d as string) ?? 0;
      if (n === 0) return null;
      symbols.set(d as string, n - 1);
    }
  }
  const left = [...symbols].flatMap(([s, n]) => Array<string>(n).fill(s));
  if (den === 0) return null;
  if (left.length === 0) {
    if (num % den !== 0) fail(ctx, `cannot reshape ${input.join('×')} elements into a shape with other dims ${others.join('×')}`);
    return num / den;
  }
  return left.length === 1 && num === den ? left[0]! : null;
}

function reshapeShape(ctx: NodeContext, input: Dim[] | undefined, target: number[], allowzero: boolean): Dim[] {
  const out: Dim[] = [];
  let inferAt = -1;
  if (allowzero && target.includes(0) && target.includes(-1)) fail(ctx, 'a Reshape target with allowzero=1 cannot hold both 0 and −1');
  target.forEach((t, i) => {
    if (t === 0 && !allowzero) {
      if (input === undefined) out.push(null);
      else if (i >= input.length) fail(ctx, `target dim ${i} is 0 (copy) but the input has rank ${input.length}`);
      else out.push(input[i]!);
    } else if (t === -1) {
      if (inferAt >= 0) fail(ctx, `the Reshape target [${target.join(', ')}] has more than one −1`);
      inferAt = i;
      out.push(null);
    } else if (t < -1) {
      fail(ctx, `the Reshape target [${target.join(', ')}] holds an invalid dim ${t}`);
    } else {
      out.push(t);
    }
  });
  if (input === undefined) return out;
  if (inferAt >= 0) {
    out[inferAt] = inferredDim(
      ctx,
      input,
      out.filter((_, i) => i !== inferAt),
    );
  } else {
    const a = product(input);
    const b = product(out);
    if (a !== undefined && b !== undefined && a !== b) {
      fail(ctx, `cannot reshape ${input.join('×')} (${a} elements) into ${out.join('×')} (${b} elements)`);
    }
  }
  return out;
}

const reshape = shapeOnly(
  ['Reshape'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    let target: number[] | undefined;
    let rank: number | undefined;
    if (ctx.opset < 5) {
      target = ctx.attr.intsOpt('shape');
      if (target === undefined) fail(ctx, 'Reshape (opset < 5) needs the shape attribute');
    } else {
      const s = need(ctx, 1, 'shape');
      target = s.value;
      rank = knownLength(s);
    }
    const allowzero = ctx.opset >= 14 && ctx.attr.int('allowzero', 0) === 1;
    let shape: Dim[] | undefined;
    if (target !== undefined) shape = reshapeShape(ctx, x.shape, target, allowzero);
    else if (rank !== undefined) shape = new Array<Dim>(rank).fill(null);
    return [{ dtype: x.dtype, shape, value: keepValue(shape, x.value) }];
  },
  [1],
);

// -------------------------------------------------------------------------- Transpose, Flatten, (Un)Squeeze

/** True when `perm` holds each of 0 … length − 1 once. */
function isPermutation(perm: readonly number[]): boolean {
  const seen = new Uint8Array(perm.length);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= perm.length || seen[p] === 1) return false;
    seen[p] = 1;
  }
  return true;
}

const transpose = shapeOnly(['Transpose'], (ctx) => {
  const x = need(ctx, 0, 'data');
  if (x.shape === undefined) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  const perm = ctx.attr.ints(
    'perm',
    Array.from({ length: rank }, (_, i) => rank - 1 - i),
  );
  if (perm.length !== rank || !isPermutation(perm)) {
    fail(ctx, `perm [${perm.join(', ')}] is not a permutation of the ${rank} input axes`);
  }
  // A loop, not `map`: always one kind of list for the shape table (see knownShape in compute-common.ts).
  const shape: Dim[] = new Array(rank);
  for (let i = 0; i < rank; i++) shape[i] = x.shape[perm[i]!]!;
  const value = x.value && isConcrete(x.shape) ? transposeValues(x.value, x.shape, perm) : undefined;
  return [{ dtype: x.dtype, shape, value }];
});

const flatten = shapeOnly(['Flatten'], (ctx) => {
  const x = need(ctx, 0, 'input');
  if (x.shape === undefined) return [{ dtype: x.dtype, shape: [null, null] }];
  const rank = x.shape.length;
  let axis = ctx.attr.int('axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) fail(ctx, `Flatten axis ${ctx.attr.int('axis', 1)} is out of range for rank ${rank}`);
  const shape = [dimProduct(x.shape.slice(0, axis)), dimProduct(x.shape.slice(axis))];
  return [{ dtype: x.dtype, shape, value: keepValue(shape, x.value) }];
});

const squeeze = shapeOnly(
  ['Squeeze'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    const { axes, given: axesGiven } = axesFrom(ctx, 13, 1);
    if (x.shape === undefined || (axesGiven && axes === undefined)) return [{ dtype: x.dtype }];
    const rank = x.shape.length;
    let drop: number[];
    if (axes === undefined) {
      // Without axes every dim of size 1 goes: a symbolic dim might be 1, so the rank is then unknown.
      if (!isConcrete(x.shape)) return [{ dtype: x.dtype }];
      drop = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    } else {
      drop = axes.map((a) => normalizeAxis(a, rank, nodeLabel(ctx)));
      checkUnique(ctx, drop);
      for (const a of drop) {
        const d = x.shape[a];
        if (typeof d === 'number' && d !== 1) fail(ctx, `cannot squeeze axis ${a} of size ${d} (shape ${x.shape.join('×')})`);
      }
    }
    const shape = x.shape.filter((_, i) => !drop.includes(i));
    return [{ dtype: x.dtype, shape, value: keepValue(shape, x.value) }];
  },
  [1],
);

const unsqueeze = shapeOnly(
  ['Unsqueeze'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    const { axes } = axesFrom(ctx, 13, 1);
    if (axes === undefined) {
      if (ctx.opset < 13 || !given(ctx, 1)) fail(ctx, 'Unsqueeze needs axes');
      const n = knownLength(ctx.inputs[1]);
      return [{ dtype: x.dtype, shape: x.shape && n !== undefined ? new Array<Dim>(x.shape.length + n).fill(null) : undefined }];
    }
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    const outRank = x.shape.length + axes.length;
    const inserted = axes.map((a) => normalizeAxis(a, outRank, nodeLabel(ctx)));
    checkUnique(ctx, inserted);
    const shape: Dim[] = [];
    let k = 0;
    for (let i = 0; i < outRank; i++) shape.push(inserted.includes(i) ? 1 : x.shape[k++]!);
    return [{ dtype: x.dtype, shape, value: keepValue(shape, x.value) }];
  },
  [1],
);

// ---------------------------------------------------------------------------------------- Concat, Split

/** Size of the joined axis: a sum of numbers; a lone symbol beside empty parts stays that symbol. */
function concatDim(sizes: Dim[]): Dim {
  if (sizes.every((d) => typeof d === 'number')) return (sizes as number[]).reduce((a, b) => a + b, 0);
  const nonEmpty = sizes.filter((d) => d !== 0);
  return nonEmpty.length === 1 ? nonEmpty[0]! : null;
}

const concat = shapeOnly(['Concat'], (ctx) => {
  const parts = ctx.node.inputs.map((_, i) => need(ctx, i, `input ${i}`));
  if (parts.length === 0) fail(ctx, 'Concat needs at least one input');
  const dtype = parts.find((p) => p.dtype !== 0)?.dtype ?? 0;
  const known = parts.filter((p) => p.shape !== undefined);
  if (known.length === 0) return [{ dtype }];
  const rank = known[0]!.shape!.length;
  if (known.some((p) => p.shape!.length !== rank)) {
    fail(ctx, `Concat inputs have different ranks: ${known.map((p) => `[${p.shape!.join('×')}]`).join(', ')}`);
  }
  if (!ctx.attr.has('axis') && ctx.opset >= 4) fail(ctx, 'Concat needs the axis attribute');
  const axis = normalizeAxis(ctx.attr.int('axis', 1), rank, nodeLabel(ctx));
  const shape: Dim[] = [];
  for (let a = 0; a < rank; a++) {
    if (a === axis) {
      const sizes = parts.map((p) => (p.shape === undefined ? null : p.shape[a]!));
      shape.push(concatDim(sizes));
    } else {
      let d: Dim = null;
      for (const p of known) d = d === null ? p.shape![a]! : unifyDim(d, p.shape![a]!, nodeLabel(ctx));
      shape.push(d);
    }
  }
  let value: number[] | undefined;
  if (parts.every((p) => p.value !== undefined && isConcrete(p.shape))) {
    value = concatValues(
      parts.map((p) => ({ value: p.value!, shape: p.shape as number[] })),
      axis,
    );
  }
  return [{ dtype, shape, value: keepValue(shape, value) }];
});

/** Sizes of a Split's outputs along its axis, or undefined when they cannot be known. */
function splitSizes(ctx: NodeContext, dim: Dim, outputs: number): number[] | undefined {
  const explicit = ctx.opset < 13 ? ctx.attr.intsOpt('split') : given(ctx, 1) ? valueOf(ctx, 1) : undefined;
  if (ctx.opset >= 13 && given(ctx, 1) && explicit === undefined) return undefined;
  if (explicit !== undefined) {
    if (explicit.length !== outputs) fail(ctx, `split [${explicit.join(', ')}] has ${explicit.length} parts for ${outputs} outputs`);
    if (typeof dim === 'number' && explicit.reduce((a, b) => a + b, 0) !== dim) {
      fail(ctx, `split [${explicit.join(', ')}] does not add up to the axis size ${dim}`);
    }
    return explicit;
  }
  if (typeof dim !== 'number') return undefined;
  if (ctx.opset >= 18 && ctx.attr.has('num_outputs')) {
    const n = ctx.attr.int('num_outputs', outputs);
    if (n !== outputs) fail(ctx, `num_outputs is ${n} but the node has ${outputs} outputs`);
    // Opset 18: chunks of ceil(dim / n), the last one smaller.
    const chunk = Math.ceil(dim / n);
    return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - chunk * i)));
  }
  if (dim % outputs !== 0) fail(ctx, `cannot split an axis of size ${dim} into ${outputs} equal parts`);
  return new Array<number>(outputs).fill(dim / outputs);
}

const split = shapeOnly(
  ['Split'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    const n = ctx.node.outputs.length;
    if (x.shape === undefined) return ctx.node.outputs.map(() => ({ dtype: x.dtype }));
    const axis = normalizeAxis(ctx.attr.int('axis', 0), x.shape.length, nodeLabel(ctx));
    const sizes = splitSizes(ctx, x.shape[axis]!, n);
    let start = 0;
    return ctx.node.outputs.map((_, i) => {
      const shape = [...x.shape!];
      shape[axis] = sizes ? sizes[i]! : null;
      let value: number[] | undefined;
      if (sizes && x.value && isConcrete(x.shape) && isConcrete(shape)) {
        const starts = x.shape.map((_, a) => (a === axis ? start : 0));
        value = sliceValues(
          x.value,
          x.shape,
          starts,
          x.shape.map(() => 1),
          shape,
        );
      }
      if (sizes) start += sizes[i]!;
      return { dtype: x.dtype, shape, value: keepValue(shape, value) };
    });
  },
  [1],
);

// ------------------------------------------------------------------------------------------------ Slice

/** Normalised start and output length along one axis of size dim (ONNX Slice-10+ clamping rules). */
function sliceAxis(dim: number, start: number, end: number, step: number): { start: number; count: number } {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    return { start, count: Math.max(0, Math.ceil((end - start) / step)) };
  }
  start = Math.min(Math.max(start, 0), dim - 1);
  end = Math.min(Math.max(end, -1), dim - 1);
  return { start, count: Math.max(0, Math.ceil((start - end) / -step)) };
}

/** Ends at or beyond this mean "to the end" (PyTorch writes INT64_MAX, older exporters INT32_MAX). */
const TO_THE_END = 2 ** 31 - 1;

const slice = shapeOnly(
  ['Slice'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    const rank = x.shape.length;
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    let axesKnown = true;
    if (ctx.opset < 10) {
      starts = ctx.attr.intsOpt('starts');
      ends = ctx.attr.intsOpt('ends');
      if (starts === undefined || ends === undefined) fail(ctx, 'Slice (opset < 10) needs starts and ends attributes');
      axes = ctx.attr.intsOpt('axes');
    } else {
      need(ctx, 1, 'starts');
      need(ctx, 2, 'ends');
      starts = valueOf(ctx, 1);
      ends = valueOf(ctx, 2);
      if (given(ctx, 3)) {
        axes = valueOf(ctx, 3);
        axesKnown = axes !== undefined;
      }
      if (given(ctx, 4)) steps = valueOf(ctx, 4) ?? [];
    }
    const count = starts?.length ?? ends?.length ?? knownLength(ctx.inputs[1]);
    if (!axesKnown) return [{ dtype: x.dtype, shape: new Array<Dim>(rank).fill(null) }];
    const sliced = (axes ?? Array.from({ length: count ?? rank }, (_, i) => i)).map((a) => normalizeAxis(a, rank, nodeLabel(ctx)));
    checkUnique(ctx, sliced);
    const shape = [...x.shape];
    const begin = new Array<number>(rank).fill(0);
    const stride = new Array<number>(rank).fill(1);
    if (starts === undefined || ends === undefined || (steps !== undefined && steps.length !== sliced.length)) {
      for (const a of sliced) shape[a] = null;
      return [{ dtype: x.dtype, shape }];
    }
    if (starts.length !== sliced.length || ends.length !== sliced.length) {
      fail(ctx, `Slice has ${starts.length} starts, ${ends.length} ends for ${sliced.length} axes`);
    }
    sliced.forEach((a, i) => {
      const step = steps?.[i] ?? 1;
      if (step === 0) fail(ctx, `Slice step on axis ${a} is 0`);
      const dim = x.shape![a]!;
      if (typeof dim === 'number') {
        const r = sliceAxis(dim, starts![i]!, ends![i]!, step);
        shape[a] = r.count;
        begin[a] = r.start;
        stride[a] = step;
      } else {
        // A symbolic dim survives only a full forward slice ([0:end] with step 1).
        shape[a] = starts![i] === 0 && ends![i]! >= TO_THE_END && step === 1 ? dim : null;
      }
    });
    let value: number[] | undefined;
    if (x.value && isConcrete(x.shape) && isConcrete(shape)) value = sliceValues(x.value, x.shape, begin, stride, shape);
    return [{ dtype: x.dtype, shape, value: keepValue(shape, value) }];
  },
  [1, 2, 3, 4],
);

// ------------------------------------------------------------------------ Identity, Shape, Size, Cast

const identity = shapeOnly(['Identity'], (ctx) => [cloneFacts(need(ctx, 0, 'input'))]);

const shapeOp = shapeOnly(
  ['Shape'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    if (x.shape === undefined) return [{ dtype: INT64, shape: [null] }];
    const rank = x.shape.length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = ctx.opset >= 15 ? clamp(ctx.attr.int('start', 0)) : 0;
    const end = ctx.opset >= 15 && ctx.attr.has('end') ? clamp(ctx.attr.int('end', rank)) : rank;
    const dims = x.shape.slice(start, Math.max(start, end));
    return [{ dtype: INT64, shape: [dims.length], value: isConcrete(dims) ? dims : undefined }];
  },
  [0],
);

const size = shapeOnly(
  ['Size'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    const n = product(x.shape);
    return [{ dtype: INT64, shape: [], value: n === undefined ? undefined : [n] }];
  },
  [0],
);

/** Cast's target type: an int from opset 6, a type name string ("FLOAT") in opsets 1–5. */
function castTarget(ctx: NodeContext): number {
  const a = ctx.node.attributes.find((x) => x.name === 'to');
  if (a === undefined) fail(ctx, 'Cast needs the to attribute');
  if (a.type === 'int') return a.value;
  if (a.type === 'string') {
    const name = new TextDecoder().decode(a.value).toLowerCase();
    const code = dtypeFromName(name === 'float' ? 'float32' : name === 'double' ? 'float64' : name);
    if (code === undefined) fail(ctx, `Cast to unknown type '${name}'`);
    return code;
  }
  return fail(ctx, `Cast attribute to has type ${a.type}, expected int`);
}

const cast = shapeOnly(['Cast'], (ctx) => {
  const x = need(ctx, 0, 'input');
  const to = castTarget(ctx);
  return [{ dtype: to, shape: x.shape ? [...x.shape] : undefined, value: x.value ? castValues(x.value, to) : undefined }];
});

const castLike = shapeOnly(
  ['CastLike'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    const to = need(ctx, 1, 'target_type').dtype;
    return [{ dtype: to, shape: x.shape ? [...x.shape] : undefined, value: x.value && to !== 0 ? castValues(x.value, to) : undefined }];
  },
  [1],
);

// ---------------------------------------------------------------------------------- Pad, Expand, Tile

const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'];

const pad = shapeOnly(
  ['Pad'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    const mode = ctx.attr.string('mode', 'constant');
    if (!PAD_MODES.includes(mode)) fail(ctx, `Pad mode '${mode}' is not one of ${PAD_MODES.join(', ')}`);
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    const rank = x.shape.length;
    let pads: number[] | undefined;
    if (ctx.opset < 2) pads = ctx.attr.intsOpt('paddings');
    else if (ctx.opset < 11) pads = ctx.attr.intsOpt('pads');
    else {
      need(ctx, 1, 'pads');
      pads = valueOf(ctx, 1);
    }
    if (ctx.opset < 11 && pads === undefined) fail(ctx, `Pad (opset ${ctx.opset}) needs the ${ctx.opset < 2 ? 'paddings' : 'pads'} attribute`);
    let axes = Array.from({ length: rank }, (_, i) => i);
    if (ctx.opset >= 18 && given(ctx, 3)) {
      const a = valueOf(ctx, 3);
      if (a === undefined) return [{ dtype: x.dtype, shape: new Array<Dim>(rank).fill(null) }];
      axes = a.map((v) => normalizeAxis(v, rank, nodeLabel(ctx)));
      checkUnique(ctx, axes);
    }
    if (pads === undefined) {
      const shape = [...x.shape];
      for (const a of axes) shape[a] = null;
      return [{ dtype: x.dtype, shape }];
    }
    if (pads.length !== 2 * axes.length) fail(ctx, `Pad has ${pads.length} pads for ${axes.length} axes (needs ${2 * axes.length})`);
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const before = pads![i]!;
      const after = pads![i + axes.length]!;
      const d = shape[a]!;
      if (typeof d === 'number') {
        const out = d + before + after;
        if (out < 0) fail(ctx, `pads ${before}, ${after} remove more than the ${d} elements of axis ${a}`);
        shape[a] = out;
      } else if (before !== 0 || after !== 0) {
        shape[a] = null;
      }
    });
    return [{ dtype: x.dtype, shape }];
  },
  [1, 2, 3],
);

const expand = shapeOnly(
  ['Expand'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    const s = need(ctx, 1, 'shape');
    if (s.value === undefined) {
      const n = knownLength(s);
      if (n === undefined || x.shape === undefined) return [{ dtype: x.dtype }];
      // The target is unknown, but an input dim other than 1 can only be kept (the target must be 1 or equal).
      const rank = Math.max(n, x.shape.length);
      const shape: Dim[] = new Array<Dim>(rank).fill(null);
      x.shape.forEach((d, i) => {
        if (typeof d === 'number' && d !== 1) shape[rank - x.shape!.length + i] = d;
      });
      return [{ dtype: x.dtype, shape }];
    }
    const shape = broadcastShapes([x.shape, s.value], nodeLabel(ctx));
    let value: number[] | undefined;
    if (x.value && isConcrete(x.shape) && holdsValue(shape)) {
      value = broadcastValues(x.value, x.shape, shape);
    }
    return [{ dtype: x.dtype, shape, value: keepValue(shape, value) }];
  },
  [1],
);

/** Tile values: output index i along axis a reads input index i mod dim. */
function tileValues(data: number[], shape: number[], outShape: number[]): number[] {
  const strides = stridesOf(shape);
  const out: number[] = [];
  forEachIndex(outShape, (index) => {
    let src = 0;
    for (let a = 0; a < index.length; a++) src += (index[a]! % shape[a]!) * strides[a]!;
    out.push(data[src]!);
  });
  return out;
}

const tile = shapeOnly(
  ['Tile'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    const rank = x.shape.length;
    let repeats: number[] | undefined;
    if (ctx.opset < 6) {
      // Tile-1: a scalar `tiles` count along a scalar `axis`.
      const tiles = scalarOf(ctx, 1);
      const axis = scalarOf(ctx, 2);
      if (tiles !== undefined && axis !== undefined) {
        repeats = new Array<number>(rank).fill(1);
        repeats[normalizeAxis(axis, rank, nodeLabel(ctx))] = tiles;
      }
    } else {
      need(ctx, 1, 'repeats');
      repeats = valueOf(ctx, 1);
    }
    if (repeats === undefined) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
    if (repeats.length !== rank) fail(ctx, `Tile has ${repeats.length} repeats for an input of rank ${rank}`);
    if (repeats.some((r) => r < 0)) fail(ctx, `Tile repeats [${repeats.join(', ')}] must not be negative`);
    const shape = x.shape.map((d, i) => (typeof d === 'number' ? d * repeats![i]! : repeats![i] === 1 ? d : null));
    let value: number[] | undefined;
    if (x.value && isConcrete(x.shape) && holdsValue(shape)) value = tileValues(x.value, x.shape, shape);
    return [{ dtype: x.dtype, shape, value: keepValue(shape, value) }];
  },
  [1, 2],
);

// ------------------------------------------------------------------------------------------- Dropout

const dropout = shapeOnly(
  ['Dropout'],
  (ctx) => {
    const x = need(ctx, 0, 'data');
    // At inference Dropout is the identity; its optional mask is bool from opset 10 (the input type before).
    // Nothing is dropped at inference, so a small mask is known to be all ones (true).
    const mask: ValueFacts = { dtype: ctx.opset >= 10 ? DataType.BOOL : x.dtype, shape: x.shape ? [...x.shape] : undefined };
    if (holdsValue(x.shape)) mask.value = new Array<number>(product(x.shape)!).fill(1);
    return ctx.node.outputs.map((_, i) => (i === 0 ? cloneFacts(x) : mask));
  },
  [1, 2],
);

// -------------------------------------------------------------------------- Constant, ConstantOfShape

const constant = shapeOnly(['Constant'], (ctx) => {
  const a = ctx.node.attributes.find((x) => x.name.startsWith('value') || x.name === 'sparse_value');
  if (a === undefined) fail(ctx, 'Constant needs one of value, value_float(s), value_int(s), value_string(s), sparse_value');
  switch (a.type) {
    case 'tensor': {
      const t = a.value;
      const dims = [...t.dims];
      const value = holdsValue(dims) ? ctx.tensorValues(t) : undefined;
      return [{ dtype: t.dataType, shape: dims, value: keepValue(dims, value) }];
    }
    case 'sparse_tensor':
      return [{ dtype: a.value.values.dataType, shape: [...a.value.dims] }];
    case 'float':
      return [{ dtype: DataType.FLOAT, shape: [], value: [Math.fround(a.value)] }];
    case 'floats':
      return [{ dtype: DataType.FLOAT, shape: [a.value.length], value: keepValue([a.value.length], a.value.map(Math.fround)) }];
    case 'int':
      return [{ dtype: INT64, shape: [], value: [a.value] }];
    case 'ints':
      return [{ dtype: INT64, shape: [a.value.length], value: keepValue([a.value.length], [...a.value]) }];
    case 'string':
      return [{ dtype: DataType.STRING, shape: [] }];
    case 'strings':
      return [{ dtype: DataType.STRING, shape: [a.value.length] }];
    default:
      return fail(ctx, `Constant attribute ${a.name} has unsupported type ${a.type}`);
  }
});

const constantOfShape = shapeOnly(
  ['ConstantOfShape'],
  (ctx) => {
    const s = need(ctx, 0, 'input');
    const t = ctx.attr.tensor('value');
    const dtype = t?.dataType ?? DataType.FLOAT;
    const fill = t ? ctx.tensorValues(t)?.[0] : 0;
    if (s.value === undefined) {
      const n = knownLength(s);
      return [{ dtype, shape: n === undefined ? undefined : new Array<Dim>(n).fill(null) }];
    }
    if (s.value.some((d) => d < 0)) fail(ctx, `ConstantOfShape shape [${s.value.join(', ')}] has a negative dim`);
    const shape = [...s.value];
    const n = product(shape)!;
    const value = fill !== undefined && holdsValue(shape) ? new Array<number>(n).fill(fill) : undefined;
    return [{ dtype, shape, value: keepValue(shape, value) }];
  },
  [0],
);

// ------------------------------------------------------------------------------------------------ Range

const range = shapeOnly(
  ['Range'],
  (ctx) => {
    const dtype = need(ctx, 0, 'start').dtype;
    need(ctx, 1, 'limit');
    need(ctx, 2, 'delta');
    const start = scalarOf(ctx, 0);
    const limit = scalarOf(ctx, 1);
    const delta = scalarOf(ctx, 2);
    if (start === undefined || limit === undefined || delta === undefined) return [{ dtype, shape: [null] }];
    if (delta === 0) fail(ctx, 'Range delta is 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const value = holdsValue([n]) ? Array.from({ length: n }, (_, i) => start + i * delta) : undefined;
    return [{ dtype, shape: [n], value: keepValue([n], value) }];
  },
  [0, 1, 2],
);

// -------------------------------------------------------------------------- EyeLike, Trilu, ReverseSequence

const eyeLike = shapeOnly(
  ['EyeLike'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    const dtype = ctx.attr.int('dtype', x.dtype);
    if (x.shape !== undefined && x.shape.length !== 2) fail(ctx, `EyeLike needs a 2-D input, got rank ${x.shape.length}`);
    const shape = x.shape ? [...x.shape] : [null, null];
    const k = ctx.attr.int('k', 0);
    let value: number[] | undefined;
    if (holdsValue(shape)) {
      value = [];
      forEachIndex(shape, ([i, j]) => value!.push(j! - i! === k ? 1 : 0));
    }
    return [{ dtype, shape, value: keepValue(shape, value) }];
  },
  [0],
);

const trilu = shapeOnly(
  ['Trilu'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    if (x.shape !== undefined && x.shape.length < 2) fail(ctx, `Trilu needs an input of rank ≥ 2, got rank ${x.shape.length}`);
    const upper = ctx.attr.int('upper', 1) === 1;
    const k = given(ctx, 1) ? scalarOf(ctx, 1) : 0;
    let value: number[] | undefined;
    if (x.value && isConcrete(x.shape) && k !== undefined) {
      const r = x.shape.length;
      value = [];
      forEachIndex(x.shape, (idx, flat) => {
        const diag = idx[r - 1]! - idx[r - 2]!;
        value!.push((upper ? diag >= k : diag <= k) ? x.value![flat]! : 0);
      });
    }
    return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined, value: keepValue(x.shape, value) }];
  },
  [1],
);

const reverseSequence = shapeOnly(
  ['ReverseSequence'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    need(ctx, 1, 'sequence_lens');
    if (x.shape !== undefined && x.shape.length < 2) fail(ctx, `ReverseSequence needs an input of rank ≥ 2, got rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined }];
  },
  [1],
);

export const rules: OpRule[] = [
  reshape,
  transpose,
  flatten,
  squeeze,
  unsqueeze,
  concat,
  split,
  slice,
  identity,
  shapeOp,
  size,
  cast,
  castLike,
  pad,
  expand,
  tile,
  dropout,
  constant,
  constantOfShape,
  range,
  eyeLike,
  trilu,
  reverseSequence,
];
