/**
 * Op family 'attention': the opset-23 Attention op, and ONNX Runtime's com.microsoft Attention (input
 * projections fused) and MultiHeadAttention (projections outside, optional bias add inside).
 *
 * MACs = projections (when fused) + QKᵀ (Sq·Skv·d per head) + AV (Sq·Skv·d_v per head), summed over
 * batch and heads. FLOPs add the scale, mask, softcap and softmax work. docs/counting/attention.md
 * sets these beside the seed's closed forms.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { MINUS, formula, hasInput, inputShape, knownShape, macsEntry, maybeShape, presetTemplate, sameDim, where } from './compute-common.js';

/** The scaled-dot-product core, as numbers. */
interface Core {
  B: number;
  /** Query heads. */
  H: number;
  Sq: number;
  /** Key/value length attended to (past + new). */
  Skv: number;
  d: number;
  dv: number;
  /** A mask or bias is added to the scores (attn_mask, is_causal, mask_index, attention_bias…). */
  masked: boolean;
  softcap: boolean;
}

/** Fused input projection (com.microsoft Attention). */
interface Projection {
  /** Tokens projected: B·S. */
  tokens: number;
  Din: number;
  /** Output width of the fused Q, K, V projections (hq + hk + hv). */
  width: number;
  bias: boolean;
}

interface Parts {
  projMacs: number;
  qkMacs: number;
  avMacs: number;
  scores: number;
  flops: number;
}

function exactParts(c: Core, p: Projection | undefined, biasAdds: number): Parts {
  const rows = c.B * c.H * c.Sq;
  const scores = rows * c.Skv;
  const qkMacs = scores * c.d;
  const avMacs = rows * c.dv * c.Skv;
  const projMacs = p === undefined ? 0 : p.tokens * p.Din * p.width;
  let flops = 0;
  if (p !== undefined) flops += p.tokens * p.width * (2 * p.Din - 1) + (p.bias ? p.tokens * p.width : 0);
  flops += biasAdds;
  flops += scores * (2 * c.d - 1); // QKᵀ
  flops += scores; // scale
  if (c.masked) flops += scores;
  if (c.softcap) flops += 3 * scores; // softcap·tanh(x / softcap)
  flops += rows * (5 * c.Skv - 2); // softmax per row (COUNTING.md)
  flops += rows * c.dv * (2 * c.Skv - 1); // AV
  return { projMacs, qkMacs, avMacs, scores, flops };
}

function coreVars(c: Core, p: Projection | undefined, extra: Record<string, number> = {}): Record<string, number> {
  return {
    B: c.B, H: c.H, Sq: c.Sq, Skv: c.Skv, d: c.d, dv: c.dv, masked: c.masked ? 1 : 0, softcap: c.softcap ? 1 : 0,
    ...(p === undefined ? {} : { Din: p.Din, projWidth: p.width, projBias: p.bias ? 1 : 0 }),
    ...extra,
  };
}

/**
 * Cost of an attention node under a convention. `kind` says where the op comes from, which decides
 * what a preset tool would have seen: 'sdpa' (opset-23 Attention = F.scaled_dot_product_attention),
 * 'fused' (projections + matmuls + softmax), 'mha' (matmuls + softmax, projections elsewhere).
 */
function attentionCost(kind: 'sdpa' | 'fused' | 'mha' | 'gqa', c: Core, p: Projection | undefined, biasAdds: number, convention: Convention): CostEntry | null {
  const parts = exactParts(c, p, biasAdds);
  const coreMacs = parts.qkMacs + parts.avMacs;
  const macs = parts.projMacs + coreMacs;
  const vars = coreVars(c, p, { projMacs: parts.projMacs, qkMacs: parts.qkMacs, avMacs: parts.avMacs, scores: parts.scores });
  const heads = c.B === 1 ? 'H' : 'B·H';
  const headsSub = c.B === 1 ? `${c.H}` : `${c.B}×${c.H}`;
  const projSym = p === undefined ? '' : 'B·S·D_in·(h_q + h_k + h_v) + ';
  const projSub = p === undefined ? '' : `${p.tokens}×${p.Din}×${p.width} + `;
  const macsSym = `${projSym}${heads}·Sq·Skv·(d + d_v)`;
  const macsSub = `${projSub}${headsSub}×${c.Sq}×${c.Skv}×(${c.d}+${c.dv})`;
  const template = kind === 'sdpa' ? 'attention' : kind === 'fused' ? 'attention-fused' : kind === 'gqa' ? 'group-query-attention' : 'multihead-attention';
  const t = presetTemplate(template, convention);
  switch (convention) {
    case 'exact':
      return {
        macs,
        flops: parts.flops,
        formula: formula(
          template,
          vars,
          `${p === undefined ? '' : 'proj + '}${biasAdds ? 'bias + ' : ''}${heads}·Sq·Skv·(2·d ${MINUS} 1) + scale${c.masked ? ' + mask' : ''}${c.softcap ? ' + softcap' : ''} + ${heads}·Sq·(5·Skv ${MINUS} 2) + ${heads}·Sq·d_v·(2·Skv ${MINUS} 1); MACs = ${macsSym}`,
          `${parts.flops}; MACs = ${macsSub}`,
        ),
      };
    case 'ptflops': {
      // timm Attention / nn.MultiheadAttention hooks: Q scaling + per head (QKᵀ + softmax + AV)
      // [+ in-projections and their bias for the fused op]; the output projection is its own node.
      const rows = c.B * c.H * c.Sq;
      let m = rows * c.d + coreMacs + parts.scores;
      if (kind === 'fused' && p !== undefined) m += parts.projMacs + (p.bias ? p.tokens * p.width : 0);
      return macsEntry(m, formula(t, vars, `${kind === 'fused' ? 'proj + ' : ''}${heads}·Sq·d + ${heads}·(Sq·Skv·d + Sq·Skv + Sq·Skv·d_v)`, String(m)));
    }
    case 'fvcore':
      // aten::scaled_dot_product_attention has no fvcore handle; decomposed graphs count linear + matmul MACs
      return kind === 'sdpa' ? null : macsEntry(macs, formula(t, vars, macsSym, macsSub));
    case 'thop':
      // only nn.Linear modules are seen: the fused op's projections
      return kind === 'fused' && parts.projMacs > 0 ? macsEntry(parts.projMacs, formula(t, vars, 'B·S·D_in·(h_q + h_k + h_v)', `${p!.tokens}×${p!.Din}×${p!.width}`)) : null;
    case 'deepspeed': {
      // F.scaled_dot_product_attention: flops 2·macs; decomposed: linear/matmul 2·macs + softmax numel
      const flops = 2 * macs + (kind === 'sdpa' ? 0 : parts.scores);
      return { macs, flops, formula: formula(t, vars, `2·(${macsSym})${kind === 'sdpa' ? '' : ' + scores'}`, String(flops)) };
    }
    case 'torch': // sdpa_flop_count / mm + bmm: 2·MACs
      return { macs, flops: 2 * macs, formula: formula(t, vars, `2·(${macsSym})`, `2×(${macsSub})`) };
  }
}

function divide(ctx: NodeContext, total: Dim, parts: number, what: string): Dim {
  if (typeof total !== 'number') return null;
  if (total % parts !== 0) throw new AnalysisError(`${what} ${total} is not divisible by ${parts} heads`, where(ctx));
  return total / parts;
}

function plus(a: Dim, b: Dim | undefined): Dim {
  if (b === undefined) return a;
  return typeof a === 'number' && typeof b === 'number' ? a + b : null;
}

// ---------------------------------------------------------------------------------------------
// Attention (opset 23)

interface SdpaDims {
  B: Dim;
  Hq: Dim;
  Hkv: Dim;
  Sq: Dim;
  Skv: Dim;
  total: Dim;
  d: Dim;
  dv: Dim;
  rank: number;
}

function sdpaDims(ctx: NodeContext): SdpaDims {
  const q = inputShape(ctx, 0, 'Q');
  const k = inputShape(ctx, 1, 'K');
  const v = inputShape(ctx, 2, 'V');
  if ((q.length !== 3 && q.length !== 4) || k.length !== q.length || v.length !== q.length) {
    throw new AnalysisError(`Q, K, V must all be 3-D or all 4-D, got ranks ${q.length}, ${k.length}, ${v.length}`, where(ctx));
  }
  let Hq: Dim, Hkv: Dim, Sq: Dim, Skv: Dim, d: Dim, dv: Dim;
  if (q.length === 4) {
    [Hq, Sq, d] = [q[1]!, q[2]!, q[3]!];
    Hkv = sameDim(ctx, k[1]!, v[1]!, 'K and V heads');
    Skv = sameDim(ctx, k[2]!, v[2]!, 'K and V sequence lengths');
    sameDim(ctx, k[3]!, d, 'Q and K head sizes');
    dv = v[3]!;
  } else {
    const qHeads = ctx.attr.intOpt('q_num_heads');
    const kvHeads = ctx.attr.intOpt('kv_num_heads');
    if (qHeads === undefined || kvHeads === undefined) throw new AnalysisError('3-D Q/K/V need q_num_heads and kv_num_heads', where(ctx));
    [Hq, Hkv, Sq] = [qHeads, kvHeads, q[1]!];
    Skv = sameDim(ctx, k[1]!, v[1]!, 'K and V sequence lengths');
    d = divide(ctx, q[2]!, qHeads, 'Q hidden size');
    sameDim(ctx, divide(ctx, k[2]!, kvHeads, 'K hidden size'), d, 'Q and K head sizes');
    dv = divide(ctx, v[2]!, kvHeads, 'V hidden size');
  }
  if (typeof Hq === 'number' && typeof Hkv === 'number' && Hq % Hkv !== 0) {
    throw new AnalysisError(`q heads ${Hq} are not a multiple of kv heads ${Hkv}`, where(ctx));
  }
  const past = maybeShape(ctx, 4);
  const total = plus(Skv, past === undefined ? undefined : past[2]!);
  return { B: sameDim(ctx, q[0]!, k[0]!, 'Q and K batch'), Hq, Hkv, Sq, Skv, total, d, dv, rank: q.length };
}

function inferSdpa(ctx: NodeContext): ValueFacts[] {
  const s = sdpaDims(ctx);
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  const y: Dim[] = s.rank === 4 ? [s.B, s.Hq, s.Sq, s.dv] : [s.B, s.Sq, typeof s.Hq === 'number' && typeof s.dv === 'number' ? s.Hq * s.dv : null];
  const outs: ValueFacts[] = [
    { dtype, shape: y },
    { dtype, shape: [s.B, s.Hkv, s.total, s.d] },
    { dtype, shape: [s.B, s.Hkv, s.total, s.dv] },
    { dtype, shape: [s.B, s.Hq, s.Sq, s.total] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

function num(ctx: NodeContext, d: Dim, what: string): number {
  if (typeof d === 'number') return d;
  throw new AnalysisError(`cannot count: ${what} is ${d === null ? 'unknown' : `the symbol '${d}'`}; bind it with --input`, where(ctx));
}

function sdpaCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = sdpaDims(ctx);
  const core: Core = {
    B: num(ctx, s.B, 'batch'), H: num(ctx, s.Hq, 'q heads'), Sq: num(ctx, s.Sq, 'query length'), Skv: num(ctx, s.total, 'key length'),
    d: num(ctx, s.d, 'head size'), dv: num(ctx, s.dv, 'value head size'),
    masked: hasInput(ctx, 3) || ctx.attr.int('is_causal', 0) === 1,
    softcap: ctx.attr.float('softcap', 0) > 0,
  };
  return attentionCost('sdpa', core, undefined, 0, convention);
}

// ---------------------------------------------------------------------------------------------
// com.microsoft Attention (input [B, S, D_in] × weights [D_in, h_q + h_k + h_v])

function contribSizes(ctx: NodeContext): { B: Dim; S: Dim; Din: Dim; hq: Dim; hk: Dim; hv: Dim; heads: number; past: Dim | undefined } {
  const x = inputShape(ctx, 0, 'input');
  if (x.length !== 3) throw new AnalysisError(`input must be 3-D (batch, sequence, hidden), got rank ${x.length}`, where(ctx));
  const w = maybeShape(ctx, 1);
  const heads = ctx.attr.int('num_heads', 0);
  if (heads <= 0) throw new AnalysisError('num_heads is required', where(ctx));
  if (w !== undefined) sameDim(ctx, w[0]!, x[2]!, 'weights rows vs input hidden size');
  const sizes = ctx.attr.intsOpt('qkv_hidden_sizes');
  let hq: Dim, hk: Dim, hv: Dim;
  if (sizes !== undefined) {
    if (sizes.length !== 3) throw new AnalysisError(`qkv_hidden_sizes needs 3 values, got ${sizes.length}`, where(ctx));
    [hq, hk, hv] = sizes as [number, number, number];
  } else {
    const width = w?.[1] ?? null;
    const each = typeof width === 'number' ? width / 3 : null;
    [hq, hk, hv] = [each, each, each];
  }
  const past = maybeShape(ctx, 4);
  return { B: x[0]!, S: x[1]!, Din: x[2]!, hq, hk, hv, heads, past: past === undefined ? undefined : past[3]! };
}

function inferContribAttention(ctx: NodeContext): ValueFacts[] {
  const s = contribSizes(ctx);
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  const head = typeof s.hq === 'number' ? s.hq / s.heads : null;
  const outs: ValueFacts[] = [
    { dtype, shape: [s.B, s.S, s.hv] },
    { dtype, shape: [2, s.B, s.heads, plus(s.S, s.past), head] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

function contribAttentionCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = contribSizes(ctx);
  const B = num(ctx, s.B, 'batch');
  const S = num(ctx, s.S, 'sequence length');
  const hq = num(ctx, s.hq, 'q hidden size');
  const hk = num(ctx, s.hk, 'k hidden size');
  const hv = num(ctx, s.hv, 'v hidden size');
  const past = s.past === undefined ? 0 : num(ctx, s.past, 'past sequence length');
  const core: Core = {
    B, H: s.heads, Sq: S, Skv: S + past, d: hq / s.heads, dv: hv / s.heads,
    masked: hasInput(ctx, 3) || hasInput(ctx, 5) || ctx.attr.int('unidirectional', 0) === 1,
    softcap: false,
  };
  const proj: Projection = { tokens: B * S, Din: num(ctx, s.Din, 'input hidden size'), width: hq + hk + hv, bias: hasInput(ctx, 2) };
  return attentionCost('fused', core, proj, 0, convention);
}

// ---------------------------------------------------------------------------------------------
// com.microsoft MultiHeadAttention (projected query/key/value)

function mhaSizes(ctx: NodeContext): { B: Dim; S: Dim; L: Dim; D: Dim; Dv: Dim; heads: number; past: Dim | undefined } {
  const heads = ctx.attr.int('num_heads', 0);
  if (heads <= 0) throw new AnalysisError('num_heads is required', where(ctx));
  const q = inputShape(ctx, 0, 'query');
  const k = hasInput(ctx, 1) ? maybeShape(ctx, 1) : undefined;
  const v = hasInput(ctx, 2) ? maybeShape(ctx, 2) : undefined;
  let L: Dim, D: Dim, Dv: Dim;
  const B = q[0]!;
  const S = q[1]!;
  if (q.length === 5) {
    // packed QKV [B, S, N, 3, H]
    D = typeof q[4] === 'number' ? heads * q[4] : null;
    [L, Dv] = [S, D];
  } else if (q.length === 3) {
    D = q[2]!;
    if (k !== undefined && k.length === 5) {
      // packed KV [B, L, N, 2, H]
      L = k[1]!;
      Dv = D;
    } else if (k !== undefined && k.length === 4) {
      // key/value already split into heads [B, N, L, H]
      L = k[2]!;
      Dv = v !== undefined && v.length === 4 && typeof v[3] === 'number' ? heads * v[3] : null;
    } else {
      L = k?.[1] ?? null;
      Dv = v?.[2] ?? null;
    }
  } else {
    throw new AnalysisError(`query must be 3-D or packed 5-D, got rank ${q.length}`, where(ctx));
  }
  const past = hasInput(ctx, 6) ? maybeShape(ctx, 6) : undefined;
  return { B, S, L, D, Dv, heads, past: past === undefined ? undefined : past[2]! };
}

function inferMha(ctx: NodeContext): ValueFacts[] {
  const s = mhaSizes(ctx);
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  const d = typeof s.D === 'number' ? s.D / s.heads : null;
  const dv = typeof s.Dv === 'number' ? s.Dv / s.heads : null;
  const total = plus(s.L, s.past);
  const outs: ValueFacts[] = [
    { dtype, shape: [s.B, s.S, s.Dv] },
    { dtype, shape: [s.B, s.heads, total, d] },
    { dtype, shape: [s.B, s.heads, total, dv] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

function mhaCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = mhaSizes(ctx);
  const B = num(ctx, s.B, 'batch');
  const S = num(ctx, s.S, 'query length');
  const L = num(ctx, s.L, 'key length');
  const D = num(ctx, s.D, 'hidden size');
  const Dv = num(ctx, s.Dv, 'value hidden size');
  const past = s.past === undefined ? 0 : num(ctx, s.past, 'past length');
  // the bias input (D + D + D_v) is added to the new query, key and value tokens
  const biasAdds = hasInput(ctx, 3) ? B * (S * D + L * D + L * Dv) : 0;
  const core: Core = {
    B, H: s.heads, Sq: S, Skv: L + past, d: D / s.heads, dv: Dv / s.heads,
    masked: hasInput(ctx, 4) || hasInput(ctx, 5) || ctx.attr.int('unidirectional', 0) === 1,
    softcap: false,
  };
  knownShape(ctx, ctx.inputs[0]?.shape, 'query');
  return attentionCost('mha', core, undefined, biasAdds, convention);
}

// ---------------------------------------------------------------------------------------------
// com.microsoft GroupQueryAttention (ONNX Runtime GenAI decoders): query [B, S, H_q·d] (or packed
// QKV [B, S, (H_q + 2·H_kv)·d]), key/value [B, S, H_kv·d], past_key/value [B, H_kv, P, d],
// seqlens_k, total_sequence_length, optional cos/sin caches for the fused rotary embedding.

interface GqaSizes {
  B: Dim;
  S: Dim;
  Hq: number;
  Hkv: number;
  d: Dim;
  /** Keys attended to: total_sequence_length when known, else past + S. */
  total: Dim;
  /** Present buffers' length: max(total, past) as ONNX Runtime allocates them. */
  present: Dim;
  rotaryDim: Dim;
}

function gqaSizes(ctx: NodeContext): GqaSizes {
  const Hq = ctx.attr.int('num_heads', 0);
  const Hkv = ctx.attr.int('kv_num_heads', 0);
  if (Hq <= 0 || Hkv <= 0) throw new AnalysisError('num_heads and kv_num_heads are required', where(ctx));
  if (Hq % Hkv !== 0) throw new AnalysisError(`num_heads ${Hq} is not a multiple of kv_num_heads ${Hkv}`, where(ctx));
  const q = inputShape(ctx, 0, 'query');
  if (q.length !== 3) throw new AnalysisError(`query must be 3-D (batch, sequence, hidden), got rank ${q.length}`, where(ctx));
  const packed = !hasInput(ctx, 1);
  const d = divide(ctx, q[2]!, packed ? Hq + 2 * Hkv : Hq, packed ? 'packed QKV width' : 'query hidden size');
  if (!packed) {
    const k = maybeShape(ctx, 1);
    if (k !== undefined && k.length === 3) sameDim(ctx, divide(ctx, k[2]!, Hkv, 'key hidden size'), d, 'query and key head sizes');
  }
  const past = maybeShape(ctx, 3);
  const P: Dim | undefined = past === undefined ? undefined : past.length === 4 ? past[2]! : null;
  const given = hasInput(ctx, 6) ? ctx.inputs[6]?.value : undefined;
  const totalValue = given !== undefined && given.length === 1 ? given[0]! : undefined;
  const S = q[1]!;
  const total: Dim = totalValue ?? (P === undefined ? S : plus(S, P));
  const present: Dim = typeof total === 'number' && typeof P === 'number' ? Math.max(total, P) : total;
  let rotaryDim: Dim = 0;
  if (ctx.attr.int('do_rotary', 0) === 1) {
    const cos = maybeShape(ctx, 7);
    const half = cos === undefined ? null : cos[cos.length - 1]!;
    rotaryDim = typeof half === 'number' ? 2 * half : null;
  }
  return { B: q[0]!, S, Hq, Hkv, d, total, present, rotaryDim };
}

function inferGqa(ctx: NodeContext): ValueFacts[] {
  const s = gqaSizes(ctx);
  const dtype = ctx.inputs[0]?.dtype ?? 0;
  const width = typeof s.d === 'number' ? s.Hq * s.d : null;
  const outs: ValueFacts[] = [
    { dtype, shape: [s.B, s.S, width] },
    { dtype, shape: [s.B, s.Hkv, s.present, s.d] },
    { dtype, shape: [s.B, s.Hkv, s.present, s.d] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

/**
 * Each query head attends to its group's key/value head over the `total` keys: MACs
 * `B·H_q·S·T·2d`, the same as a decomposed graph that repeats K and V per group. FLOPs add the causal
 * mask, and under `exact` the fused rotary embedding of Q and K (`3·B·S·(H_q + H_kv)·rotary_dim`:
 * two multiplies and an add per rotated element).
 */
function gqaCost(ctx: CostContext, convention: Convention): CostEntry | null {
  const s = gqaSizes(ctx);
  const B = num(ctx, s.B, 'batch');
  const S = num(ctx, s.S, 'sequence length');
  const d = num(ctx, s.d, 'head size');
  const T = num(ctx, s.total, 'total sequence length (past + new)');
  const core: Core = { B, H: s.Hq, Sq: S, Skv: T, d, dv: d, masked: true, softcap: ctx.attr.float('softcap', 0) > 0 };
  const rotary = s.rotaryDim === 0 ? 0 : 3 * B * S * (s.Hq + s.Hkv) * num(ctx, s.rotaryDim, 'rotary dimension (2 × cos_cache width)');
  const smooth = ctx.attr.int('smooth_softmax', 0) === 1 ? B * s.Hq * S : 0;
  const e = attentionCost('gqa', core, undefined, 0, convention);
  if (e === null || convention !== 'exact' || rotary + smooth === 0) return e;
  const f = e.formula!;
  return {
    macs: e.macs,
    flops: e.flops + rotary + smooth,
    formula: {
      ...f,
      vars: { ...f.vars, rotary, smooth, kvHeads: s.Hkv },
      symbolic: `${rotary ? `3·B·S·(H_q + H_kv)·rotary_dim + ` : ''}${smooth ? 'B·H·Sq + ' : ''}${f.symbolic}`,
      substituted: `${rotary ? `${rotary} + ` : ''}${smooth ? `${smooth} + ` : ''}${f.substituted}`,
    },
  };
}

export const rules: OpRule[] = [
  { ops: ['GroupQueryAttention'], domain: 'com.microsoft', infer: inferGqa, cost: gqaCost, nonParamInputs: [5, 6, 7, 8, 9, 10] },
  // attn_mask and the past key/value caches are masks and state, not parameters
  { ops: ['Attention'], infer: inferSdpa, cost: sdpaCost, nonParamInputs: [3, 4, 5] },
  { ops: ['Attention'], domain: 'com.microsoft', infer: inferContribAttention, cost: contribAttentionCost, weightInputs: [1, 2], nonParamInputs: [3, 4, 6] },
  { ops: ['MultiHeadAttention'], domain: 'com.microsoft', infer: inferMha, cost: mhaCost, weightInputs: [3], nonParamInputs: [4, 7, 8] },
];
