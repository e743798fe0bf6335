/**
 * Op family 'softmax': Softmax, LogSoftmax, Hardmax. The axis rule changed at opset 13: before it the
 * input is coerced to 2-D at `axis` (default 1) and the op runs over the flattened trailing part; from 13
 * it runs over one axis (default −1). Rules written out in docs/counting/softmax.md.
 */
import { normalizeAxis } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { MINUS, formula, knownShape, macsEntry, presetTemplate, prod, where } from './compute-common.js';

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

function softmaxCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const shape = knownShape(ctx, ctx.inputs[0]?.shape, 'input');
  const { rows, n } = softmaxRows(ctx, shape);
  const op = ctx.node.opType;
  const vars = { rows, n };
  const numel = rows * n;
  switch (convention) {
    case 'exact':
      if (op === 'Hardmax') {
        // argmax per row: n − 1 compares; the one-hot output is a write, not arithmetic
        return { macs: 0, flops: rows * (n - 1), formula: formula('hardmax', vars, `rows·(n ${MINUS} 1)`, `${rows}×(${n}${MINUS}1)`) };
      }
      // COUNTING.md: 5n − 2 per row (max n−1, subtract n, exp n, sum n−1, divide n), for LogSoftmax too
      return { macs: 0, flops: rows * (5 * n - 2), formula: formula('softmax', vars, `rows·(5·n ${MINUS} 2)`, `${rows}×(5×${n}${MINUS}2)`) };
    case 'ptflops': // F.softmax: numel; log_softmax and hardmax are not hooked
      return op === 'Softmax' ? macsEntry(numel, formula(presetTemplate('softmax', convention), vars, 'rows·n', `${rows}×${n}`)) : null;
    case 'thop': // count_softmax: exp n + add n−1 + div n per row; nn.LogSoftmax is not registered
      return op === 'Softmax'
        ? macsEntry(rows * (3 * n - 1), formula(presetTemplate('softmax', convention), vars, `rows·(3·n ${MINUS} 1)`, `${rows}×(3×${n}${MINUS}1)`))
        : null;
    case 'deepspeed': // _softmax_flops_compute: numel FLOPs, no MACs
      return op === 'Softmax' ? { macs: 0, flops: numel, formula: formula(presetTemplate('softmax', convention), vars, 'rows·n', `${rows}×${n}`) } : null;
    case 'fvcore': // softmax is on fvcore's ignore list
    case 'torch': // FlopCounterMode counts matmul/conv/attention only
      return null;
  }
}

export const rules: OpRule[] = [
  {
    ops: ['Softmax', 'LogSoftmax', 'Hardmax'],
    infer: inferSoftmax,
    cost: softmaxCost,
  },
];
