/**
 * Op family 'indexing': ops that pick or place elements by index (Gather*, Scatter*, NonZero, OneHot,
 * Compress, Unique, NonMaxSuppression).
 *
 * Picking and placing is data movement: 0 FLOPs in every convention. Exceptions, under `exact` only:
 * a scatter with a reduction (add/mul/max/min) does one op per update element, NonZero does one
 * compare per input element; Unique and NonMaxSuppression do data-dependent work (sorting, IoU of the
 * boxes that survive) that a static count cannot know, so they are reported as uncounted with that
 * reason. No preset tool counts any of these (their rule is null there).
 *
 * Parameters: a Gather whose data input is an initializer reads an embedding table, which is a
 * parameter; indices are never parameters.
 */
import type { Dim } from '../../onnx/model.js';
import { DataType } from '../../onnx/dtypes.js';
import { normalizeAxis, isConcrete, product, unifyDim } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule } from './compute-common.js';
import { flopsEntry, q } from './expr.js';
import { forEachIndex, freshDim, gatherValues, keepValue, need, nodeLabel, scalarOf, stridesOf, valueOf, zeroCost } from './tensor-values.js';

const INT64 = DataType.INT64;

function fail(ctx: NodeContext, message: string): never {
  throw new AnalysisError(message, nodeLabel(ctx));
}

/** Indices as non-negative positions along a dim of size `dim` (checked when dim is known). */
function normalizeIndices(ctx: NodeContext, indices: number[], dim: Dim): number[] | undefined {
  if (typeof dim !== 'number') return indices.every((i) => i >= 0) ? indices : undefined;
  return indices.map((i) => {
    if (i < -dim || i >= dim) fail(ctx, `index ${i} is out of range for an axis of size ${dim}`);
    return i < 0 ? i + dim : i;
  });
}

// ----------------------------------------------------------------------------------------------- Gather

const gather: OpRule = {
  ops: ['Gather'],
  infer(ctx) {
    const data = need(ctx, 0, 'data');
    const indices = need(ctx, 1, 'indices');
    if (data.shape === undefined || indices.shape === undefined) return [{ dtype: data.dtype }];
    const axis = normalizeAxis(ctx.attr.int('axis', 0), data.shape.length, nodeLabel(ctx));
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    let value: number[] | undefined;
    if (indices.value !== undefined) {
      const idx = normalizeIndices(ctx, indices.value, data.shape[axis]!);
      if (idx && data.value && isConcrete(data.shape)) value = gatherValues(data.value, data.shape, idx, axis);
    }
    return [{ dtype: data.dtype, shape, value: keepValue(shape, value) }];
  },
  cost: () => zeroCost(),
  // a constant data table is an embedding
  weightInputs: [0],
  nonParamInputs: [1],
};

const gatherElements: OpRule = {
  ops: ['GatherElements'],
  infer(ctx) {
    const data = need(ctx, 0, 'data');
    const indices = need(ctx, 1, 'indices');
    if (indices.shape === undefined) return [{ dtype: data.dtype }];
    const rank = indices.shape.length;
    if (data.shape !== undefined && data.shape.length !== rank) {
      fail(ctx, `GatherElements needs data and indices of the same rank, got ${data.shape.length} and ${rank}`);
    }
    const shape = [...indices.shape];
    let value: number[] | undefined;
    if (data.value && indices.value && isConcrete(data.shape) && isConcrete(shape)) {
      const axis = normalizeAxis(ctx.attr.int('axis', 0), rank, nodeLabel(ctx));
      const strides = stridesOf(data.shape);
      const idx = normalizeIndices(ctx, indices.value, data.shape[axis]!)!;
      value = [];
      forEachIndex(shape, (index, flat) => {
        let src = 0;
        for (let a = 0; a < rank; a++) src += (a === axis ? idx[flat]! : index[a]!) * strides[a]!;
        value!.push(data.value![src]!);
      });
    }
    return [{ dtype: data.dtype, shape, value: keepValue(shape, value) }];
  },
  cost: () => zeroCost(),
  nonParamInputs: [1],
};

const gatherND: OpRule = {
  ops: ['GatherND'],
  infer(ctx) {
    const data = need(ctx, 0, 'data');
    const indices = need(ctx, 1, 'indices');
    const b = ctx.opset >= 12 ? ctx.attr.int('batch_dims', 0) : 0;
    if (data.shape === undefined || indices.shape === undefined) return [{ dtype: data.dtype }];
    const q = indices.shape.length;
    if (q < 1) fail(ctx, 'GatherND needs indices of rank ≥ 1');
    const k = indices.shape[q - 1]!;
    if (typeof k !== 'number') return [{ dtype: data.dtype }];
    if (b + k > data.shape.length) fail(ctx, `GatherND indices address ${k} dims after ${b} batch dims of a rank-${data.shape.length} input`);
    const shape = [...indices.shape.slice(0, q - 1), ...data.shape.slice(b + k)];
    return [{ dtype: data.dtype, shape }];
  },
  cost: () => zeroCost(),
  nonParamInputs: [1],
};

// ---------------------------------------------------------------------------------------------- Scatter

function reduces(ctx: CostContext): boolean {
  return ctx.node.opType !== 'Scatter' && ctx.attr.string('reduction', 'none') !== 'none';
}

/**
 * Scatter cost: placing is free (0 in every convention); with a reduction each update element is
 * combined with one op, which no tool counts.
 */
const scatterCost = costRule(scatterExact, (ctx) => (reduces(ctx) ? null : zeroCost()));

function scatterExact(ctx: CostContext): CostEntry {
  if (!reduces(ctx)) return zeroCost();
  const updates = ctx.inputs[2]?.shape;
  const n = product(updates);
  if (n === undefined) throw new AnalysisError(`the shape of the updates (${updates?.join('×') ?? 'unknown'}) is not known`, nodeLabel(ctx));
  return flopsEntry(0, 'scatter-reduce', { updates: n }, q('n_updates', n));
}

function scatterRule(op: string): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const data = need(ctx, 0, 'data');
      need(ctx, 1, 'indices');
      const updates = need(ctx, 2, 'updates');
      if (op !== 'ScatterND' && data.shape && updates.shape && data.shape.length !== updates.shape.length) {
        fail(ctx, `${op} needs data and updates of the same rank, got ${data.shape.length} and ${updates.shape.length}`);
      }
      const reduction = ctx.attr.string('reduction', 'none');
      if (!['none', 'add', 'mul', 'max', 'min'].includes(reduction)) fail(ctx, `unknown reduction '${reduction}'`);
      return [{ dtype: data.dtype, shape: data.shape ? [...data.shape] : undefined }];
    },
    cost: scatterCost,
    nonParamInputs: [1],
  };
}

// ---------------------------------------------------------------------------------------------- NonZero

const nonZero: OpRule = {
  ops: ['NonZero'],
  infer(ctx) {
    const x = need(ctx, 0, 'X');
    if (x.shape === undefined) return [{ dtype: INT64, shape: [null, freshDim('nonzero', ctx)] }];
    const rank = x.shape.length;
    if (x.value && isConcrete(x.shape)) {
      // With known values the count and the coordinates are known (one row per axis).
      const rows: number[][] = Array.from({ length: Math.max(rank, 1) }, () => []);
      forEachIndex(x.shape, (index, flat) => {
        if (x.value![flat] !== 0) (rank === 0 ? [0] : index).forEach((v, a) => rows[a]!.push(v));
      });
      const n = rows[0]!.length;
      const shape = [rank, n];
      return [{ dtype: INT64, shape, value: keepValue(shape, rank === 0 ? [] : rows.flat()) }];
    }
    return [{ dtype: INT64, shape: [rank, freshDim('nonzero', ctx)] }];
  },
  cost: costRule((ctx) => {
    const n = product(ctx.inputs[0]?.shape);
    if (n === undefined) throw new AnalysisError('the input shape is not known', nodeLabel(ctx));
    return flopsEntry(0, 'compare', { n }, q('n', n));
  }),
};

// ------------------------------------------------------------------------------------- OneHot, Compress

const oneHot: OpRule = {
  ops: ['OneHot'],
  infer(ctx) {
    const indices = need(ctx, 0, 'indices');
    need(ctx, 1, 'depth');
    const values = need(ctx, 2, 'values');
    if (indices.shape === undefined) return [{ dtype: values.dtype }];
    const outRank = indices.shape.length + 1;
    const axis = normalizeAxis(ctx.attr.int('axis', -1), outRank, nodeLabel(ctx));
    const depth = scalarOf(ctx, 1);
    if (depth !== undefined && depth < 1) fail(ctx, `OneHot depth ${depth} must be positive`);
    const shape: Dim[] = [...indices.shape];
    shape.splice(axis, 0, depth === undefined ? null : Math.trunc(depth));
    return [{ dtype: values.dtype, shape }];
  },
  cost: () => zeroCost(),
  nonParamInputs: [0, 1, 2],
};

const compress: OpRule = {
  ops: ['Compress'],
  infer(ctx) {
    const x = need(ctx, 0, 'input');
    const cond = need(ctx, 1, 'condition');
    const kept: Dim = cond.value !== undefined ? cond.value.filter((c) => c !== 0).length : freshDim('compress', ctx);
    if (!ctx.attr.has('axis')) return [{ dtype: x.dtype, shape: [kept] }];
    if (x.shape === undefined) return [{ dtype: x.dtype }];
    const axis = normalizeAxis(ctx.attr.int('axis', 0), x.shape.length, nodeLabel(ctx));
    const dim = x.shape[axis]!;
    if (typeof dim === 'number' && cond.value !== undefined && cond.value.length > dim) {
      fail(ctx, `Compress condition has ${cond.value.length} entries for an axis of size ${dim}`);
    }
    const shape = [...x.shape];
    shape[axis] = kept;
    return [{ dtype: x.dtype, shape }];
  },
  cost: () => zeroCost(),
  nonParamInputs: [1],
};

// ----------------------------------------------------------------------------- Unique, NonMaxSuppression

/** Cost of an op whose work depends on the data: not knowable statically (uncounted under exact). */
function dataDependent(why: string) {
  return costRule((ctx) => {
    throw new AnalysisError(`not counted: ${why}`, nodeLabel(ctx));
  });
}

const unique: OpRule = {
  ops: ['Unique'],
  infer(ctx) {
    const x = need(ctx, 0, 'X');
    let u: Dim = freshDim('unique', ctx);
    const outs: ValueFacts[] = [];
    if (!ctx.attr.has('axis')) {
      if (x.value !== undefined) u = new Set(x.value).size;
      const n = x.shape === undefined ? null : (product(x.shape) ?? null);
      outs.push({ dtype: x.dtype, shape: [u] }, { dtype: INT64, shape: [u] }, { dtype: INT64, shape: [n] }, { dtype: INT64, shape: [u] });
    } else if (x.shape === undefined) {
      outs.push({ dtype: x.dtype }, { dtype: INT64, shape: [u] }, { dtype: INT64, shape: [null] }, { dtype: INT64, shape: [u] });
    } else {
      const axis = normalizeAxis(ctx.attr.int('axis', 0), x.shape.length, nodeLabel(ctx));
      const y = [...x.shape];
      y[axis] = u;
      outs.push({ dtype: x.dtype, shape: y }, { dtype: INT64, shape: [u] }, { dtype: INT64, shape: [x.shape[axis]!] }, { dtype: INT64, shape: [u] });
    }
    return ctx.node.outputs.map((_, i) => outs[i]!);
  },
  cost: dataDependent('Unique sorts or hashes its input; the work depends on the values'),
};

const nonMaxSuppression: OpRule = {
  ops: ['NonMaxSuppression'],
  infer(ctx) {
    const boxes = need(ctx, 0, 'boxes');
    const scores = need(ctx, 1, 'scores');
    if (boxes.shape && boxes.shape.length !== 3) fail(ctx, `NonMaxSuppression boxes must be [batch, boxes, 4], got rank ${boxes.shape.length}`);
    if (scores.shape && scores.shape.length !== 3) fail(ctx, `NonMaxSuppression scores must be [batch, classes, boxes], got rank ${scores.shape.length}`);
    if (boxes.shape && scores.shape) {
      unifyDim(boxes.shape[0]!, scores.shape[0]!, nodeLabel(ctx));
      unifyDim(boxes.shape[1]!, scores.shape[2]!, nodeLabel(ctx));
    }
    const maxPerClass = valueOf(ctx, 2)?.[0];
    return [{ dtype: INT64, shape: [maxPerClass === 0 ? 0 : freshDim('nms', ctx), 3] }];
  },
  cost: dataDependent('NonMaxSuppression compares only the boxes that pass the score threshold, which depends on the data'),
  nonParamInputs: [2, 3, 4],
};

export const rules: OpRule[] = [
  gather,
  gatherElements,
  gatherND,
  scatterRule('ScatterND'),
  scatterRule('ScatterElements'),
  scatterRule('Scatter'),
  nonZero,
  oneHot,
  compress,
  unique,
  nonMaxSuppression,
];
