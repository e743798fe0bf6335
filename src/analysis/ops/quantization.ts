/**
 * Op family 'quantization': QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear (ONNX, and the
 * com.microsoft forms of the first two), and ONNX Runtime's weight-only quantized ops MatMulNBits and
 * GatherBlockQuantized (com.microsoft). MatMulInteger, QLinearMatMul and QLinearConv live with their
 * float counterparts (gemm.ts, conv.ts).
 *
 * Quantized weights count as the parameters they represent: a MatMulNBits weight as K·N from its
 * attributes, whatever its packing and block padding; a GatherBlockQuantized table as its unpacked
 * elements (OpRule.weightParams). Scales and zero points are stored bytes, reported apart
 * (OpRule.quantized). The rules
 * are written out in docs/counting/quantization.md.
 */
import type { Dim } from '../../onnx/model.js';
import { DataType } from '../../onnx/dtypes.js';
import { normalizeAxis } from '../shapes.js';
import { AnalysisError, type CostContext, type CostEntry, type NodeContext, type OpRule, type QuantizedInputs, type ValueFacts } from '../types.js';
import { costRule, type Counted, hasInput, inputShape, knownShape, maybeShape, type Preset, prod, sameDim, toolEntry, where } from './compute-common.js';
import { exactEntry, type Expr, flopsEntry, minus, n, numel, plus, plusIf, q, scaled, times } from './expr.js';

const MS = 'com.microsoft';

// ---------------------------------------------------------------------------------------------
// QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear

/** QuantizeLinear's output type: the zero point's, else `output_dtype` (opset 21), else uint8. */
function quantizedType(ctx: NodeContext): number {
  const zp = hasInput(ctx, 2) ? ctx.inputs[2]?.dtype : undefined;
  if (zp) return zp;
  const attr = ctx.attr.int('output_dtype', 0);
  return attr !== 0 ? attr : DataType.UINT8;
}

/** DequantizeLinear's output type: the scale's (opset 19+; float32 before, where scales were float). */
function dequantizedType(ctx: NodeContext): number {
  const attr = ctx.attr.int('output_dtype', 0);
  if (attr !== 0) return attr;
  return ctx.inputs[1]?.dtype || DataType.FLOAT;
}

/** Scale/zero point must be a scalar, 1-D along `axis`, or blocked (same rank as x). */
function checkScale(ctx: NodeContext, x: Dim[] | undefined): void {
  const s = maybeShape(ctx, 1);
  if (x === undefined || s === undefined || s.length <= 1 || s.length === x.length) return;
  throw new AnalysisError(`scale of rank ${s.length} fits neither per-axis (1-D) nor blocked (rank ${x.length}) quantization`, where(ctx));
}

function inferQuantize(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'x');
  checkScale(ctx, x);
  return [{ dtype: quantizedType(ctx), shape: [...x] }];
}

function inferDequantize(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'x');
  checkScale(ctx, x);
  return [{ dtype: dequantizedType(ctx), shape: [...x] }];
}

/**
 * Quantize: x / scale, + zero point (rounding and saturation are conversions, not arithmetic).
 * Dequantize: (x − zero point) · scale. One op per element each, the zero point's only when given.
 * No preset tool sees these ops (PyTorch's fake-quant stubs are not hooked): null.
 */
function linearQuantCost(kind: 'quantize' | 'dequantize') {
  return costRule((ctx) => perElement(kind, knownShape(ctx, ctx.inputs[0]?.shape, 'x'), hasInput(ctx, 2)));
}

/** One op per element, two with a zero point to shift by: `2·N` or `N` (the elementwise notation). */
function perElement(template: string, dims: readonly number[], zeroPoint: boolean): CostEntry {
  const N = numel('N', dims);
  const c = zeroPoint ? 2 : 1;
  return flopsEntry(0, template, { N: N.value, c, zeroPoint: zeroPoint ? 1 : 0 }, scaled(c, N));
}

function inferDynamicQuantize(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'x');
  const dtype = ctx.inputs[0]?.dtype || DataType.FLOAT;
  return [
    { dtype: DataType.UINT8, shape: [...x] },
    { dtype, shape: [] },
    { dtype: DataType.UINT8, shape: [] },
  ];
}

/**
 * DynamicQuantizeLinear (uint8): min and max over x (2·(n − 1) compares), both widened to include 0
 * (2), scale = (max − min) / 255 (2), zero point = saturate(round(−min / scale)) (2: negate, divide),
 * then quantize every element (divide, add zero point: 2·n). Total 4·n + 4.
 */
const dynamicQuantizeCost = costRule((ctx) => {
  const N = q('N', prod(knownShape(ctx, ctx.inputs[0]?.shape, 'x')));
  return flopsEntry(0, 'dynamic-quantize', { N: N.value }, plus(times(n(2), minus(N, n(1))), n(6), times(n(2), N)));
});

// ---------------------------------------------------------------------------------------------
// MatMulNBits (com.microsoft): A [..., K] × dequantized B [N, K]ᵀ, B packed [N, ⌈K/bs⌉, bs·bits/8]

function nbitsAttrs(ctx: NodeContext) {
  const K = ctx.attr.int('K', 0);
  const N = ctx.attr.int('N', 0);
  const bits = ctx.attr.int('bits', 4);
  const blockSize = ctx.attr.int('block_size', 0);
  if (K <= 0 || N <= 0) throw new AnalysisError('MatMulNBits needs positive K and N attributes', where(ctx));
  if (bits < 1 || bits > 8) throw new AnalysisError(`bits ${bits} is not between 1 and 8`, where(ctx));
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new AnalysisError(`block_size ${blockSize} must be a power of 2 and ≥ 16`, where(ctx));
  }
  return { K, N, bits, blockSize, blocks: Math.ceil(K / blockSize) };
}

function inferMatMulNBits(ctx: NodeContext): ValueFacts[] {
  const a = inputShape(ctx, 0, 'A');
  const q = nbitsAttrs(ctx);
  if (a.length < 1) throw new AnalysisError('A must have rank ≥ 1', where(ctx));
  sameDim(ctx, a[a.length - 1]!, q.K, 'last dim of A vs attribute K');
  const b = maybeShape(ctx, 1);
  if (b !== undefined && b.length === 3) {
    const blob = (q.blockSize * q.bits) / 8;
    sameDim(ctx, b[0]!, q.N, 'B rows vs attribute N');
    sameDim(ctx, b[1]!, q.blocks, `B blocks vs ⌈K / block_size⌉ = ⌈${q.K}/${q.blockSize}⌉`);
    sameDim(ctx, b[2]!, blob, 'B blob size vs block_size·bits/8');
  }
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [...a.slice(0, -1), q.N] }];
}

/** A MatMulNBits node's sizes: A's rows M (all but its last dim) times the K×N weight, and a bias. */
function nbitsSize(ctx: CostContext) {
  const { K, N, bits, blockSize } = nbitsAttrs(ctx);
  const a = knownShape(ctx, ctx.inputs[0]?.shape, 'A');
  const M = prod(a.slice(0, -1));
  const bias = hasInput(ctx, 5);
  return { M: q('M', M), K: q('K', K), N: q('N', N), bias, vars: { M, K, N, bits, blockSize, bias: bias ? 1 : 0 } };
}
type NBitsSize = ReturnType<typeof nbitsSize>;

const mkn = (s: NBitsSize) => times(s.M, s.K, s.N);

/**
 * exact: the product as MatMul, `(2·K − 1)·M·N`, + bias `M·N`, + dequantizing the weight once per
 * call, `(w − zero point)·scale` = `2·K·N` (the default zero point 2^(bits−1) is subtracted too).
 * MACs `M·K·N`.
 */
function nbitsFlops(s: NBitsSize): Expr {
  const bias = s.bias ? [times(s.M, s.N)] : [];
  return plus(times(minus(times(n(2), s.K), n(1)), s.M, s.N), ...bias, times(n(2), s.K, s.N));
}

/** Presets count MatMulNBits as the nn.Linear it replaces (COUNTING.md "Presets"). */
const NBITS_PRESETS: Record<Preset, (s: NBitsSize) => Counted> = {
  ptflops: (s) => plusIf(s.bias, mkn(s), times(s.M, s.N)), // Linear hook: M·K·N + numel(bias output)
  fvcore: mkn,
  thop: mkn,
  deepspeed: (s) => times(n(2), mkn(s)),
  torch: (s) => times(n(2), mkn(s)),
};

const matmulNBitsCost = costRule(
  (ctx) => {
    const s = nbitsSize(ctx);
    return exactEntry('matmul-nbits', s.vars, nbitsFlops(s), mkn(s));
  },
  (ctx, preset) => {
    const s = nbitsSize(ctx);
    return toolEntry(preset, NBITS_PRESETS[preset](s), 'matmul-nbits', s.vars, mkn(s).value);
  },
);

function matmulNBitsStorage(ctx: NodeContext): QuantizedInputs {
  return { scales: [2], zeroPoints: hasInput(ctx, 3) ? [3] : [] };
}

/** The packed B represents K·N parameters, whatever its packing and block padding. */
function matmulNBitsParams(ctx: NodeContext, input: number): number | undefined {
  if (input !== 1) return undefined;
  const q = nbitsAttrs(ctx);
  return q.K * q.N;
}

// ---------------------------------------------------------------------------------------------
// GatherBlockQuantized (com.microsoft): gather rows of a block-quantized table, dequantized

/** Stored elements per represented element: 8/bits for a uint8-packed table, 1 for int4/uint4. */
function packing(ctx: NodeContext): number {
  const bits = ctx.attr.int('bits', 4);
  if (bits !== 4 && bits !== 8) throw new AnalysisError(`bits ${bits} is not 4 or 8`, where(ctx));
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  return dtype === DataType.UINT8 ? 8 / bits : 1;
}

function unpackedData(ctx: NodeContext): Dim[] {
  const data = inputShape(ctx, 0, 'data');
  if (data.length === 0) throw new AnalysisError('data must have rank ≥ 1', where(ctx));
  const k = packing(ctx);
  const last = data[data.length - 1]!;
  return [...data.slice(0, -1), typeof last === 'number' ? last * k : k === 1 ? last : null];
}

function inferGatherBlockQuantized(ctx: NodeContext): ValueFacts[] {
  const data = unpackedData(ctx);
  const indices = inputShape(ctx, 1, 'indices');
  const axis = normalizeAxis(ctx.attr.int('gather_axis', 0), data.length, where(ctx));
  const dtype = ctx.inputs[2]?.dtype || DataType.FLOAT;
  return [{ dtype, shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] }];
}

/**
 * exact: each gathered element is dequantized, `(q − zero point)·scale`: 2 ops, 1 when there is no
 * zero point to subtract (signed int4 data without zero points). Presets: an embedding lookup, 0.
 */
const gatherBlockQuantizedCost = costRule(
  (ctx) => {
    const dtype = ctx.inputs[0]?.dtype ?? 0;
    const zp = hasInput(ctx, 3) || dtype === DataType.UINT8 || dtype === DataType.UINT4;
    return perElement('gather-block-quantized', knownShape(ctx, ctx.outputs[0]?.shape, 'the output'), zp);
  },
  // every tool: an embedding lookup, 0
  (ctx, preset) => toolEntry(preset, n(0), 'gather-block-quantized', { N: prod(knownShape(ctx, ctx.outputs[0]?.shape, 'the output')) }, 0),
);

function gatherBlockQuantizedStorage(ctx: NodeContext): QuantizedInputs {
  return { scales: [2], zeroPoints: hasInput(ctx, 3) ? [3] : [] };
}

/** A uint8-packed table represents 8/bits values per stored byte. */
function gatherBlockQuantizedParams(ctx: NodeContext, input: number): number | undefined {
  const data = ctx.inputs[0]?.shape;
  if (input !== 0 || data === undefined || !data.every((d) => typeof d === 'number')) return undefined;
  return prod(data as number[]) * packing(ctx);
}

// ---------------------------------------------------------------------------------------------

const quantizeStorage = (ctx: NodeContext): QuantizedInputs => ({ scales: [1], zeroPoints: hasInput(ctx, 2) ? [2] : [] });

function linearRules(domain: string | undefined): OpRule[] {
  const d = domain === undefined ? {} : { domain };
  return [
    { ops: ['QuantizeLinear'], ...d, infer: inferQuantize, cost: linearQuantCost('quantize'), quantized: quantizeStorage },
    { ops: ['DequantizeLinear'], ...d, infer: inferDequantize, cost: linearQuantCost('dequantize'), quantized: quantizeStorage },
  ];
}

export const rules: OpRule[] = [
  ...linearRules(undefined),
  ...linearRules(MS),
  { ops: ['DynamicQuantizeLinear'], infer: inferDynamicQuantize, cost: dynamicQuantizeCost },
  {
    ops: ['MatMulNBits'],
    domain: MS,
    infer: inferMatMulNBits,
    cost: matmulNBitsCost,
    weightInputs: [1, 5],
    weightParams: matmulNBitsParams,
    quantized: matmulNBitsStorage,
    nonParamInputs: [4],
  },
  {
    ops: ['GatherBlockQuantized'],
    domain: MS,
    infer: inferGatherBlockQuantized,
    cost: gatherBlockQuantizedCost,
    weightInputs: [0],
    weightParams: gatherBlockQuantizedParams,
    quantized: gatherBlockQuantizedStorage,
    nonParamInputs: [1],
  },
];
