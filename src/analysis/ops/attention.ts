/**
 * Op family 'attention': the opset-23 Attention op, and ONNX Runtime's com.microsoft Attention (input
 * projections fused) and MultiHeadAttention (projections outside, optional bias add inside).
 *
 * MACs = projections (when fused) + QKᵀ (Sq·Skv·d per head) + AV (Sq·Skv·d_v per head), summed over
 * batch and heads. FLOPs add the scale, mask, softcap and softmax work. docs/counting/attention.md
 * sets these beside the seed's closed forms.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, type Counted, hasInput, inputShape, knownShape, maybeShape, type Preset, sameDim, toolEntry, where } from './compute-common.js';
import { exactEntry, type Expr, folded, minus, n, named, paren, plus, plusIf, plusTight, q, q1, times } from './expr.js';

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
  B: number;
  S: number;
  Din: number;
  /** Output widths of the fused Q, K, V projections. */
  hq: number;
  hk: number;
  hv: number;
  bias: boolean;
}

type Kind = 'sdpa' | 'fused' | 'mha' | 'gqa';

/** The fused input projection's quantities: B·S tokens of D_in projected to h_q + h_k + h_v. */
function projectionTerms(p: Projection) {
  const tokens = folded(times(q('B', p.B), q('S', p.S)));
  const width = folded(plus(q('h_q', p.hq), q('h_k', p.hk), q('h_v', p.hv)));
  const Din = q('D_in', p.Din);
  return { bias: p.bias, Din, width, outputs: times(tokens, width), macs: times(tokens, Din, width) };
}

/** The quantities of an attention count, as its formulas name them. */
function attentionTerms(kind: Kind, c: Core, p: Projection | undefined, biasAdds: number) {
  const heads = times(q1('B', c.B), q('H', c.H));
  const [Sq, Skv, d, dv] = [q('Sq', c.Sq), q('Skv', c.Skv), q('d', c.d), q('d_v', c.dv)];
  const proj = p === undefined ? undefined : projectionTerms(p);
  return {
    kind,
    c,
    heads,
    Sq,
    Skv,
    d,
    dv,
    proj,
    biasAdds,
    scores: times(heads, Sq, Skv),
    /** MACs: the projection, then QKᵀ and AV, Sq·Skv·d and Sq·Skv·d_v per head. */
    macs: plus(...(proj === undefined ? [] : [proj.macs]), times(heads, Sq, Skv, plusTight(d, dv))),
  };
}
type Terms = ReturnType<typeof attentionTerms>;

/**
 * Exact FLOPs: the projection (a Gemm per token, with its bias) and the bias adds, then per head QKᵀ
 * Sq·Skv·(2·d − 1), the scale (one per score), the mask, softcap·tanh(x / softcap) (3 per score), the
 * softmax per row (5·Skv − 2, COUNTING.md) and AV Sq·d_v·(2·Skv − 1).
 */
function exactFlops(a: Terms): Expr {
  const { c, heads, Sq, Skv, d, dv, proj, scores } = a;
  const terms: Expr[] = [];
  if (proj !== undefined) terms.push(named('proj', plusIf(proj.bias, times(proj.outputs, minus(times(n(2), proj.Din), n(1))), proj.outputs)));
  if (a.biasAdds) terms.push(q('bias', a.biasAdds));
  terms.push(times(heads, Sq, Skv, minus(times(n(2), d), n(1))));
  terms.push(named('scale', scores));
  if (c.masked) terms.push(named('mask', scores));
  if (c.softcap) terms.push(named('softcap', times(n(3), scores)));
  terms.push(times(heads, Sq, minus(times(n(5), Skv), n(2))));
  terms.push(times(heads, Sq, dv, minus(times(n(2), Skv), n(1))));
  return plus(...terms);
}

/**
 * What each tool counts differently (COUNTING.md "Presets"). The kind says what a tool would have seen:
 * 'sdpa' (opset-23 Attention = F.scaled_dot_product_attention), 'fused' (projections + matmuls +
 * softmax), 'mha' and 'gqa' (matmuls + softmax, projections elsewhere).
 */
const PRESETS: Record<Preset, (a: Terms) => Counted> = {
  // timm Attention / nn.MultiheadAttention hooks: Q scaling + per head (QKᵀ + softmax + AV)
  // [+ in-projections and their bias for the fused op]; the output projection is its own node
  ptflops: (a) => {
    const proj = a.kind === 'fused' && a.proj !== undefined ? [named('proj', plusIf(a.proj.bias, a.proj.macs, a.proj.outputs))] : [];
    const perHead = plus(times(a.Sq, a.Skv, a.d), times(a.Sq, a.Skv), times(a.Sq, a.Skv, a.dv));
    return folded(plus(...proj, times(a.heads, a.Sq, a.d), times(a.heads, perHead)));
  },
  // aten::scaled_dot_product_attention has no fvcore handle; decomposed graphs count linear + matmul MACs
  fvcore: (a) => (a.kind === 'sdpa' ? null : a.macs),
  // only nn.Linear modules are seen: the fused op's projections
  thop: (a) => (a.kind === 'fused' && a.proj !== undefined && a.proj.macs.value > 0 ? a.proj.macs : null),
  // F.scaled_dot_product_attention: flops 2·macs; decomposed: linear/matmul 2·macs + softmax numel
  deepspeed: (a) => folded(plusIf(a.kind !== 'sdpa', times(n(2), paren(a.macs)), named('scores', a.scores))),
  // sdpa_flop_count / mm + bmm: 2·MACs
  torch: (a) => times(n(2), paren(a.macs)),
};

const TEMPLATES: Record<Kind, string> = { sdpa: 'attention', fused: 'attention-fused', mha: 'multihead-attention', gqa: 'group-query-attention' };

function coreVars(a: Terms): Record<string, number> {
  const { c, proj } = a;
  return {
    B: c.B,
    H: c.H,
    Sq: c.Sq,
    Skv: c.Skv,
    d: c.d,
    dv: c.dv,
    masked: c.masked ? 1 : 0,
    softcap: c.softcap ? 1 : 0,
    ...(proj === undefined ? {} : { Din: proj.Din.value, projWidth: proj.width.value, projBias: proj.bias ? 1 : 0 }),
    projMacs: proj?.macs.value ?? 0,
    qkMacs: times(a.scores, a.d).value,
    avMacs: times(a.heads, a.Sq, a.dv, a.Skv).value,
    scores: a.scores.value,
  };
}

/** Work a fused op does ahead of the attention (GQA's rotary embedding), each term printed as its value, with its vars. */
interface Before {
  terms: Expr[];
  vars: Record<string, number>;
}

/**
 * The cost rule of an attention op from how it reads its terms off a node: the exact rule (after the
 * work `before` it), or the preset's deviation.
 */
function attentionRule(build: (ctx: CostContext) => { a: Terms; before?: Before }) {
  return costRule(
    (ctx) => {
      const { a, before = { terms: [], vars: {} } } = build(ctx);
      const flops = plus(...before.terms.map(folded), folded(exactFlops(a)));
      return exactEntry(TEMPLATES[a.kind], { ...coreVars(a), ...before.vars }, flops, a.macs);
    },
    (ctx, preset) => {
      const { a } = build(ctx);
      return toolEntry(preset, PRESETS[preset](a), TEMPLATES[a.kind], coreVars(a), a.macs.value);
    },
  );
}

function divide(ctx: NodeContext, total: Dim, parts: number, what: string): Dim {
  if (typeof total !== 'number') return null;
  if (total % parts !== 0) throw new AnalysisError(`${what} ${total} is not divisible by ${parts} heads`, where(ctx));
  return total / parts;
}

/** Two lengths added (past + new); unknown when either is. */
function addDims(a: Dim, b: Dim | undefined): Dim {
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
  const total = addDims(Skv, past === undefined ? undefined : past[2]!);
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

/** Several dims a count needs, as numbers, checked in order (the first unknown one is named). */
function nums<K extends string>(ctx: NodeContext, dims: Record<K, [Dim, string]>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(dims) as K[]) out[k] = num(ctx, dims[k][0], dims[k][1]);
  return out;
}

function sdpaTerms(ctx: CostContext): { a: Terms } {
  const s = sdpaDims(ctx);
  const core: Core = {
    B: num(ctx, s.B, 'batch'),
    H: num(ctx, s.Hq, 'q heads'),
    Sq: num(ctx, s.Sq, 'query length'),
    Skv: num(ctx, s.total, 'key length'),
    d: num(ctx, s.d, 'head size'),
    dv: num(ctx, s.dv, 'value head size'),
    masked: hasInput(ctx, 3) || ctx.attr.int('is_causal', 0) === 1,
    softcap: ctx.attr.float('softcap', 0) > 0,
  };
  return { a: attentionTerms('sdpa', core, undefined, 0) };
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
    { dtype, shape: [2, s.B, s.heads, addDims(s.S, s.past), head] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

function contribAttentionTerms(ctx: CostContext): { a: Terms } {
  const s = contribSizes(ctx);
  const { B, S, hq, hk, hv, past, Din } = nums(ctx, {
    B: [s.B, 'batch'],
    S: [s.S, 'sequence length'],
    hq: [s.hq, 'q hidden size'],
    hk: [s.hk, 'k hidden size'],
    hv: [s.hv, 'v hidden size'],
    past: [s.past === undefined ? 0 : s.past, 'past sequence length'],
    Din: [s.Din, 'input hidden size'],
  });
  const core: Core = {
    B,
    H: s.heads,
    Sq: S,
    Skv: S + past,
    d: hq / s.heads,
    dv: hv / s.heads,
    masked: hasInput(ctx, 3) || hasInput(ctx, 5) || ctx.attr.int('unidirectional', 0) === 1,
    softcap: false,
  };
  const proj: Projection = { B, S, Din, hq, hk, hv, bias: hasInput(ctx, 2) };
  return { a: attentionTerms('fused', core, proj, 0) };
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
  const total = addDims(s.L, s.past);
  const outs: ValueFacts[] = [
    { dtype, shape: [s.B, s.S, s.Dv] },
    { dtype, shape: [s.B, s.heads, total, d] },
    { dtype, shape: [s.B, s.heads, total, dv] },
  ];
  return ctx.node.outputs.map((_, i) => outs[i] ?? { dtype, shape: undefined });
}

function mhaTerms(ctx: CostContext): { a: Terms } {
  const s = mhaSizes(ctx);
  const { B, S, L, D, Dv, past } = nums(ctx, {
    B: [s.B, 'batch'],
    S: [s.S, 'query length'],
    L: [s.L, 'key length'],
    D: [s.D, 'hidden size'],
    Dv: [s.Dv, 'value hidden size'],
    past: [s.past === undefined ? 0 : s.past, 'past length'],
  });
  // the bias input (D + D + D_v) is added to the new query, key and value tokens
  const biasAdds = hasInput(ctx, 3) ? B * (S * D + L * D + L * Dv) : 0;
  const core: Core = {
    B,
    H: s.heads,
    Sq: S,
    Skv: L + past,
    d: D / s.heads,
    dv: Dv / s.heads,
    masked: hasInput(ctx, 4) || hasInput(ctx, 5) || ctx.attr.int('unidirectional', 0) === 1,
    softcap: false,
  };
  knownShape(ctx, ctx.inputs[0]?.shape, 'query');
  return { a: attentionTerms('mha', core, undefined, biasAdds) };
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
  const total: Dim = totalValue ?? (P === undefined ? S : addDims(S, P));
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
function gqaTerms(ctx: CostContext): { a: Terms; before?: Before } {
  const s = gqaSizes(ctx);
  const { B, S, d, T } = nums(ctx, {
    B: [s.B, 'batch'],
    S: [s.S, 'sequence length'],
    d: [s.d, 'head size'],
    T: [s.total, 'total sequence length (past + new)'],
  });
  const core: Core = { B, H: s.Hq, Sq: S, Skv: T, d, dv: d, masked: true, softcap: ctx.attr.float('softcap', 0) > 0 };
  const a = attentionTerms('gqa', core, undefined, 0);
  const rotary =
    s.rotaryDim === 0
      ? n(0)
      : times(
          n(3),
          q('B', B),
          q('S', S),
          plus(q('H_q', s.Hq), q('H_kv', s.Hkv)),
          q('rotary_dim', num(ctx, s.rotaryDim, 'rotary dimension (2 × cos_cache width)')),
        );
  // smooth_softmax adds a 1 to each softmax denominator: one add per row
  const smooth = ctx.attr.int('smooth_softmax', 0) === 1 ? times(q('B', B), q('H', s.Hq), q('Sq', S)) : n(0);
  if (rotary.value + smooth.value === 0) return { a };
  return { a, before: { terms: [rotary, smooth].filter((e) => e.value !== 0), vars: { rotary: rotary.value, smooth: smooth.value, kvHeads: s.Hkv } } };
}

export const rules: OpRule[] = [
  { ops: ['GroupQueryAttention'], domain: 'com.microsoft', infer: inferGqa, cost: attentionRule(gqaTerms), nonParamInputs: [5, 6, 7, 8, 9, 10] },
  // attn_mask and the past key/value caches are masks and state, not parameters
  { ops: ['Attention'], infer: inferSdpa, cost: attentionRule(sdpaTerms), nonParamInputs: [3, 4, 5] },
  {
    ops: ['Attention'],
    domain: 'com.microsoft',
    infer: inferContribAttention,
    cost: attentionRule(contribAttentionTerms),
    weightInputs: [1, 2],
    nonParamInputs: [3, 4, 6],
  },
  { ops: ['MultiHeadAttention'], domain: 'com.microsoft', infer: inferMha, cost: attentionRule(mhaTerms), weightInputs: [3], nonParamInputs: [4, 7, 8] },
];
