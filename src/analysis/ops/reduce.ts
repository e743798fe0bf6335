/**
 * Op family 'reduce': ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax/ArgMin,
 * CumSum and TopK. Axes come from an attribute in early opsets and from an input later (ReduceSum
 * from 13, the others from 18; TopK's K from 10). Values propagate for small known tensors (PyTorch
 * exports compute flattened sizes with ReduceProd/ReduceSum on shapes). Counting rules:
 * docs/counting/reduce.md.
 */
import { DataType } from '../../onnx/dtypes.js';
import type { Dim } from '../../onnx/model.js';
import { normalizeAxis, product } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule } from '../types.js';
import { costRule } from './compute-common.js';
import { countDims, fitValues, known, needInput } from './elementwise.js';
import { each, type Expr, flopsEntry, juxt, minus, n, numel, numelFactor, over, q, times } from './expr.js';
import { forEachIndex, given, nodeLabel, stridesOf } from './tensor-values.js';

// ---------------------------------------------------------------------------------------------------
// Reduce*
// ---------------------------------------------------------------------------------------------------

/** Which axes a Reduce* node reduces: a known list, all of them, none (noop), or unknown. */
type AxesChoice =
  | { kind: 'axes'; axes: number[] }
  | { kind: 'all' }
  | { kind: 'noop' }
  /** Axes come from an input whose values are unknown; `count` is its length when that is known. */
  | { kind: 'unknown'; count?: number };

function axesFromInput(ctx: NodeContext): boolean {
  return ctx.node.opType === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
}

function reduceAxes(ctx: NodeContext, rank: number | undefined): AxesChoice {
  const normalise = (axes: number[]): AxesChoice => {
    if (rank === undefined) return { kind: 'unknown', count: new Set(axes).size };
    const set = new Set(axes.map((a) => normalizeAxis(a, rank, nodeLabel(ctx))));
    return { kind: 'axes', axes: [...set].sort((a, b) => a - b) };
  };
  if (!axesFromInput(ctx)) {
    const axes = ctx.attr.intsOpt('axes');
    return axes === undefined || axes.length === 0 ? { kind: 'all' } : normalise(axes);
  }
  if (ctx.attr.has('axes')) {
    const since = ctx.node.opType === 'ReduceSum' ? 13 : 18;
    throw new AnalysisError(`${ctx.node.opType} takes its axes as input 1 from opset ${since}, not as an attribute (opset ${ctx.opset})`, nodeLabel(ctx));
  }
  const empty = (): AxesChoice => (ctx.attr.int('noop_with_empty_axes', 0) === 1 ? { kind: 'noop' } : { kind: 'all' });
  if (!given(ctx, 1)) return empty();
  const axesInput = ctx.inputs[1];
  const length = axesInput?.shape === undefined ? undefined : product(axesInput.shape);
  if (length === 0) return empty();
  if (axesInput?.value !== undefined) return axesInput.value.length === 0 ? empty() : normalise(axesInput.value);
  return length === undefined ? { kind: 'unknown' } : { kind: 'unknown', count: length };
}

function reducedShape(shape: Dim[] | undefined, choice: AxesChoice, keepdims: boolean): Dim[] | undefined {
  if (shape === undefined) return undefined;
  switch (choice.kind) {
    case 'noop':
      return [...shape];
    case 'all':
      return keepdims ? shape.map(() => 1) : [];
    case 'axes':
      return keepdims ? shape.map((d, i) => (choice.axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !choice.axes.includes(i));
    case 'unknown':
      // Each dim is either kept or becomes 1; without keepdims only the rank may be known.
      if (keepdims) return shape.map((d) => (d === 1 ? 1 : null));
      return choice.count === undefined ? undefined : Array.from({ length: shape.length - choice.count }, () => null);
  }
}

/** Reduce known values over the given axes (rank-preserving order of the kept axes). */
function reduceValues(k: { shape: number[]; value: number[] }, axes: number[], fold: (xs: number[]) => number): number[] {
  const kept = k.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const total = kept.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: total }, () => []);
  const keptStrides = stridesOf(kept);
  forEachIndex(k.shape, (index, flat) => {
    let g = 0;
    for (let a = 0; a < index.length; a++) if (!axes.includes(a)) g += index[a]! * keptStrides[a]!;
    groups[g]!.push(k.value[flat]!);
  });
  return groups.map(fold);
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

interface ReduceSpec {
  fold: (xs: number[]) => number;
  /** FLOPs per output for the `size` reduced elements (`n`). */
  perOutput: (size: Expr) => Expr;
}

/** n − 1 adds, compares or multiplies. */
const pairwise = (size: Expr): Expr => minus(size, n(1));

const REDUCE: Record<string, ReduceSpec> = {
  ReduceSum: { fold: sum, perOutput: pairwise },
  // n − 1 adds + 1 divide
  ReduceMean: { fold: (xs) => sum(xs) / xs.length, perOutput: (size) => size },
  ReduceMax: { fold: (xs) => (xs.length === 0 ? -Infinity : Math.max(...xs)), perOutput: pairwise },
  ReduceMin: { fold: (xs) => (xs.length === 0 ? Infinity : Math.min(...xs)), perOutput: pairwise },
  ReduceProd: { fold: (xs) => xs.reduce((a, b) => a * b, 1), perOutput: pairwise },
  // n abs + n − 1 adds
  ReduceL1: { fold: (xs) => sum(xs.map(Math.abs)), perOutput: (size) => minus(juxt(n(2), size), n(1)) },
  // n squares + n − 1 adds + 1 sqrt
  ReduceL2: { fold: (xs) => Math.sqrt(sum(xs.map((x) => x * x))), perOutput: (size) => juxt(n(2), size) },
  // n squares + n − 1 adds
  ReduceSumSquare: { fold: (xs) => sum(xs.map((x) => x * x)), perOutput: (size) => minus(juxt(n(2), size), n(1)) },
  // n − 1 adds + 1 log
  ReduceLogSum: { fold: (xs) => Math.log(sum(xs)), perOutput: (size) => size },
  // the definition log(Σ eˣ): n exps + n − 1 adds + 1 log
  ReduceLogSumExp: { fold: (xs) => Math.log(sum(xs.map(Math.exp))), perOutput: (size) => juxt(n(2), size) },
};

/** M outputs of `per` each (`M·(n − 1)`); an empty line costs nothing rather than −1. */
function perLine(template: string, vars: Record<string, number>, outputs: Expr, per: Expr): CostEntry {
  return flopsEntry(0, template, vars, per.value < 0 ? n(0) : each(outputs, per));
}

/** The `reduce` formula: M outputs, each folding n elements at perOutput(n) FLOPs. */
function reduceEntry(outDims: number[], reducedDims: number[], spec: Pick<ReduceSpec, 'perOutput'>): CostEntry {
  const outputs = numelFactor('M', outDims);
  const size = numel('n', reducedDims);
  return perLine('reduce', { M: outputs.value, n: size.value }, outputs, spec.perOutput(size));
}

const NOOP_ENTRY: CostEntry = flopsEntry(0, 'reduce', { M: 0, n: 1 }, n(0));

function reduceRule(op: string, spec: ReduceSpec): OpRule {
  return {
    ops: [op],
    infer(ctx) {
      const x = needInput(ctx, 0, 'data');
      const keepdims = ctx.attr.int('keepdims', 1) === 1;
      const choice = reduceAxes(ctx, x.shape?.length);
      const shape = reducedShape(x.shape, choice, keepdims);
      let value: number[] | undefined;
      const k = known(x);
      if (k !== undefined) {
        if (choice.kind === 'noop') value = [...k.value];
        else if (choice.kind !== 'unknown') {
          const axes = choice.kind === 'all' ? k.shape.map((_, i) => i) : choice.axes;
          value = fitValues(reduceValues(k, axes, spec.fold), x.dtype);
        }
      }
      return [{ dtype: x.dtype, shape, value }];
    },
    // No preset tool counts reductions (ptflops/thop/DeepSpeed hook no torch.sum/mean, fvcore and
    // torch ignore them).
    cost: costRule((ctx: CostContext) => {
      const dims = countDims(ctx.inputs[0], 'the input', ctx);
      const choice = reduceAxes(ctx, dims.length);
      if (choice.kind === 'noop') return NOOP_ENTRY;
      if (choice.kind === 'unknown') throw new AnalysisError('cannot count: the reduced axes are not known', nodeLabel(ctx));
      const axes = choice.kind === 'all' ? dims.map((_, i) => i) : choice.axes;
      return reduceEntry(
        dims.filter((_, i) => !axes.includes(i)),
        axes.map((a) => dims[a]!),
        spec,
      );
    }),
    nonParamInputs: [1],
  };
}

// ---------------------------------------------------------------------------------------------------
// ArgMax / ArgMin
// ---------------------------------------------------------------------------------------------------

function argRule(op: 'ArgMax' | 'ArgMin'): OpRule {
  const better = op === 'ArgMax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  return {
    ops: [op],
    infer(ctx) {
      const x = needInput(ctx, 0, 'data');
      const keepdims = ctx.attr.int('keepdims', 1) === 1;
      if (x.shape === undefined) return [{ dtype: DataType.INT64 }];
      const axis = normalizeAxis(ctx.attr.int('axis', 0), x.shape.length, nodeLabel(ctx));
      const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      let value: number[] | undefined;
      const k = known(x);
      if (k !== undefined) {
        const last = ctx.attr.int('select_last_index', 0) === 1;
        value = reduceValues(k, [axis], (xs) => {
          let best = 0;
          for (let i = 1; i < xs.length; i++) if (better(xs[i]!, xs[best]!) || (last && xs[i] === xs[best])) best = i;
          return best;
        });
      }
      return [{ dtype: DataType.INT64, shape, value }];
    },
    // n − 1 compares per output
    cost: costRule((ctx) => {
      const dims = countDims(ctx.inputs[0], 'the input', ctx);
      const axis = normalizeAxis(ctx.attr.int('axis', 0), dims.length, nodeLabel(ctx));
      return reduceEntry(
        dims.filter((_, i) => i !== axis),
        [dims[axis]!],
        REDUCE.ReduceMax!,
      );
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// CumSum
// ---------------------------------------------------------------------------------------------------

function cumsumAxis(ctx: NodeContext, rank: number): number | undefined {
  const v = ctx.inputs[1]?.value;
  if (v === undefined) return undefined;
  if (v.length !== 1) throw new AnalysisError(`CumSum axis must be a scalar, got ${v.length} values`, nodeLabel(ctx));
  return normalizeAxis(v[0]!, rank, nodeLabel(ctx));
}

const cumsumRule: OpRule = {
  ops: ['CumSum'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'x');
    needInput(ctx, 1, 'axis');
    let value: number[] | undefined;
    const k = known(x);
    const axis = x.shape === undefined ? undefined : cumsumAxis(ctx, x.shape.length);
    if (k !== undefined && axis !== undefined) {
      const exclusive = ctx.attr.int('exclusive', 0) === 1;
      const reverse = ctx.attr.int('reverse', 0) === 1;
      const len = k.shape[axis]!;
      const stride = stridesOf(k.shape)[axis]!;
      const out = new Array<number>(k.value.length).fill(0);
      forEachIndex(k.shape, (index, flat) => {
        if (index[axis] !== 0) return; // start of a line along the axis
        let acc = 0;
        for (let s = 0; s < len; s++) {
          const i = reverse ? len - 1 - s : s;
          const at = flat + i * stride;
          if (exclusive) {
            out[at] = acc;
            acc += k.value[at]!;
          } else {
            acc += k.value[at]!;
            out[at] = acc;
          }
        }
      });
      value = fitValues(out, x.dtype);
    }
    return [{ dtype: x.dtype, shape: x.shape ? [...x.shape] : undefined, value }];
  },
  // L − 1 adds per line of length L (an exclusive scan starts from 0 and skips the last element: L − 2).
  cost: costRule((ctx) => {
    const dims = countDims(ctx.inputs[0], 'the input', ctx);
    const axis = cumsumAxis(ctx, dims.length);
    if (axis === undefined) throw new AnalysisError('cannot count: the CumSum axis is not known', nodeLabel(ctx));
    const exclusive = ctx.attr.int('exclusive', 0) === 1;
    const lines = numelFactor(
      'M',
      dims.filter((_, i) => i !== axis),
    );
    const len = q('n', dims[axis]!);
    return perLine('reduce', { M: lines.value, n: len.value }, lines, minus(len, n(exclusive ? 2 : 1)));
  }),
  nonParamInputs: [1],
};

// ---------------------------------------------------------------------------------------------------
// TopK
// ---------------------------------------------------------------------------------------------------

/** K: the `k` attribute before opset 10, a one-element input from 10; undefined when not known. */
function topK(ctx: NodeContext): number | undefined {
  if (ctx.opset < 10) {
    if (!ctx.attr.has('k')) throw new AnalysisError('TopK needs the k attribute before opset 10', nodeLabel(ctx));
    return ctx.attr.int('k', 0);
  }
  needInput(ctx, 1, 'K');
  const v = ctx.inputs[1]?.value;
  if (v === undefined) return undefined;
  if (v.length !== 1) throw new AnalysisError(`TopK's K must hold one value, got ${v.length}`, nodeLabel(ctx));
  return v[0]!;
}

const topkRule: OpRule = {
  ops: ['TopK'],
  infer(ctx) {
    const x = needInput(ctx, 0, 'X');
    const k = topK(ctx);
    if (x.shape === undefined) return [{ dtype: x.dtype }, { dtype: DataType.INT64 }];
    const axis = normalizeAxis(ctx.attr.int('axis', -1), x.shape.length, nodeLabel(ctx));
    const n = x.shape[axis];
    if (k !== undefined && (k < 0 || (typeof n === 'number' && k > n))) {
      throw new AnalysisError(`TopK's K = ${k} is outside [0, ${n}] for axis ${axis}`, nodeLabel(ctx));
    }
    const shape = x.shape.map((d, i) => (i === axis ? (k ?? null) : d));
    return [
      { dtype: x.dtype, shape },
      { dtype: DataType.INT64, shape: [...shape] },
    ];
  },
  // Selection by K passes of a max search over what is left: K·n − K(K+1)/2 compares per row.
  cost: costRule((ctx) => {
    const dims = countDims(ctx.inputs[0], 'the input', ctx);
    const axis = normalizeAxis(ctx.attr.int('axis', -1), dims.length, nodeLabel(ctx));
    const k = topK(ctx);
    if (k === undefined) throw new AnalysisError("cannot count: TopK's K is not known", nodeLabel(ctx));
    const K = q('K', k);
    const size = q('n', dims[axis]!);
    const rows = numelFactor(
      'M',
      dims.filter((_, i) => i !== axis),
    );
    const perRow = over(times(K, minus(minus(juxt(n(2), size), K), n(1))), n(2));
    return flopsEntry(0, 'topk', { M: rows.value, n: size.value, K: k }, each(rows, perRow));
  }),
  nonParamInputs: [1],
};

export const rules: OpRule[] = [
  ...Object.entries(REDUCE).map(([op, spec]) => reduceRule(op, spec)),
  argRule('ArgMax'),
  argRule('ArgMin'),
  cumsumRule,
  topkRule,
];
