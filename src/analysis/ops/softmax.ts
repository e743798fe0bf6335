/**
 * Op family 'softmax': Softmax, LogSoftmax, Hardmax. The axis rule changed at opset 13: before it the
 * input is coerced to 2-D at `axis` (default 1) and the op runs over the flattened trailing part; from 13
 * it runs over one axis (default −1). Rules written out in docs/counting/softmax.md.
 */
import { normalizeAxis } from '../shapes.js';
import { AnalysisError, type CostContext, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, type Counted, knownShape, type Preset, prod, reporting, toolEntry, where } from './compute-common.js';
import { type Expr, flopsEntry, minus, n, q, times } from './expr.js';

function inferSoftmax(ctx: NodeContext): ValueFacts[] {
  const shape = ctx.inputs[0]?.shape;
  if (shape !== undefined) {
    if (shape.length === 0) {
      if (ctx.opset < 13) throw new AnalysisError('input must have rank ≥ 1 before opset 13', where(ctx));
    } else {
      normalizeAxis(ctx.attr.int('axis', ctx.opset >= 13 ? -1 : 1), shape.length, where(ctx));
    }
  }
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: shape === undefined ? undefined : [...shape] }];
}

/** Rows and row length the op runs over, per the opset's axis rule. */
export function softmaxRows(ctx: NodeContext, shape: number[]): { rows: number; n: number } {
  const total = prod(shape);
  if (shape.length === 0) return { rows: 1, n: 1 };
  if (ctx.opset >= 13) {
    const axis = normalizeAxis(ctx.attr.int('axis', -1), shape.length, where(ctx));
    const n = shape[axis]!;
    return { rows: n === 0 ? 0 : total / n, n };
  }
  const axis = normalizeAxis(ctx.attr.int('axis', 1), shape.length, where(ctx));
  const n = prod(shape.slice(axis));
  return { rows: prod(shape.slice(0, axis)), n };
}

/** The row count and length of a softmax-like op, as its formulas name them. */
function rowTerms(rows: number, n: number) {
  return { rows: q('rows', rows), n: q('n', n) };
}
type RowTerms = ReturnType<typeof rowTerms>;

/**
 * Exact: Hardmax is an argmax per row, n − 1 compares (the one-hot output is a write, not arithmetic);
 * Softmax and LogSoftmax 5n − 2 per row (COUNTING.md: max n−1, subtract n, exp n, sum n−1, divide n).
 */
function exactFlops(op: string, { rows, n: len }: RowTerms): Expr {
  return op === 'Hardmax' ? times(rows, minus(len, n(1))) : times(rows, minus(times(n(5), len), n(2)));
}

type SoftmaxOp = 'Softmax' | 'LogSoftmax' | 'Hardmax';

/**
 * What each tool counts differently (COUNTING.md "Presets"); an op a preset does not list is not
 * counted by that tool. fvcore has softmax on its ignore list; torch's FlopCounterMode counts
 * matmul/conv/attention only; no tool hooks log_softmax or hardmax.
 */
const PRESETS: Record<Preset, Partial<Record<SoftmaxOp, (t: RowTerms) => Counted>>> = {
  ptflops: { Softmax: (t) => times(t.rows, t.n) }, // F.softmax: numel
  fvcore: {},
  thop: { Softmax: (t) => times(t.rows, minus(times(n(3), t.n), n(1))) }, // count_softmax: exp n + add n−1 + div n per row
  deepspeed: { Softmax: (t) => reporting(times(t.rows, t.n), 0) }, // _softmax_flops_compute: numel FLOPs, no MACs
  torch: {},
};

function softmaxSize(ctx: CostContext) {
  const { rows, n } = softmaxRows(ctx, knownShape(ctx, ctx.inputs[0]?.shape, 'input'));
  return { op: ctx.node.opType as SoftmaxOp, vars: { rows, n }, t: rowTerms(rows, n) };
}

const softmaxCost = costRule(
  (ctx) => {
    const { op, vars, t } = softmaxSize(ctx);
    return flopsEntry(0, op === 'Hardmax' ? 'hardmax' : 'softmax', vars, exactFlops(op, t));
  },
  (ctx, preset) => {
    const { op, vars, t } = softmaxSize(ctx);
    return toolEntry(preset, PRESETS[preset][op]?.(t), 'softmax', vars, 0);
  },
);

export const rules: OpRule[] = [
  {
    ops: ['Softmax', 'LogSoftmax', 'Hardmax'],
    infer: inferSoftmax,
    cost: softmaxCost,
  },
];
