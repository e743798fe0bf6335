/**
 * Op family 'rotary': rotary position embeddings, the opset-23 RotaryEmbedding and ONNX Runtime's
 * com.microsoft RotaryEmbedding. The output has the input's shape; the first `rotary_dim` channels of
 * every head are rotated in pairs, `(x₁·cos − x₂·sin, x₁·sin + x₂·cos)`, the rest pass through.
 *
 * exact: 3 ops per rotated element (two multiplies and an add), 0 MACs. ptflops and DeepSpeed see the
 * PyTorch form `x·cos + rotate_half(x)·sin` (torch.mul, torch.mul, torch.add over the rotated
 * channels): 3 per rotated element, as MACs for ptflops and FLOPs for DeepSpeed; fvcore, thop and
 * torch count none of it. docs/counting/rotary.md.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type CostContext, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { costRule, type Counted, inputShape, knownShape, maybeShape, type Preset, prod, reporting, toolEntry, where } from './compute-common.js';
import { type Expr, flopsEntry, n, overSpaced, q, times } from './expr.js';

interface Layout {
  /** Input index of cos_cache. */
  cos: number;
}

const ONNX: Layout = { cos: 1 };
const MS: Layout = { cos: 2 };

/** Head size and rotary dim of a node, as numbers (cost needs them). */
function rotaryGeometry(ctx: NodeContext, layout: Layout, x: readonly number[]): { heads: number; head: number; rot: number } {
  const numHeads = ctx.attr.int('num_heads', 0);
  const attrDim = ctx.attr.int('rotary_embedding_dim', 0);
  const cos = maybeShape(ctx, layout.cos);
  const half = cos?.[cos.length - 1];
  let head: number;
  let heads: number;
  if (x.length === 4) {
    // [B, N, S, H] (ONNX and com.microsoft alike)
    heads = x[1]!;
    head = x[3]!;
  } else if (x.length === 3) {
    const hidden = x[2]!;
    if (numHeads > 0) {
      if (hidden % numHeads !== 0) throw new AnalysisError(`hidden size ${hidden} is not divisible by num_heads ${numHeads}`, where(ctx));
      head = hidden / numHeads;
    } else if (attrDim > 0) {
      head = attrDim;
    } else if (typeof half === 'number') {
      head = 2 * half;
    } else {
      throw new AnalysisError('3-D input needs num_heads (or rotary_embedding_dim, or a known cos_cache width)', where(ctx));
    }
    heads = hidden / head;
  } else {
    throw new AnalysisError(`input must be 3-D [B, S, hidden] or 4-D [B, N, S, H], got rank ${x.length}`, where(ctx));
  }
  const rot = attrDim > 0 ? attrDim : typeof half === 'number' ? 2 * half : head;
  if (rot > head || rot % 2 !== 0) throw new AnalysisError(`rotary dimension ${rot} must be even and at most the head size ${head}`, where(ctx));
  return { heads, head, rot };
}

function inferRotary(ctx: NodeContext): ValueFacts[] {
  const x = inputShape(ctx, 0, 'input');
  if (x.length !== 3 && x.length !== 4) throw new AnalysisError(`input must be 3-D or 4-D, got rank ${x.length}`, where(ctx));
  return [{ dtype: ctx.inputs[0]?.dtype ?? 0, shape: [...x] as Dim[] }];
}

/**
 * Exact: 3 ops per rotated element, 3·N over a full rotation, 3·N·rotary_dim / head_size when only the
 * first rotary_dim channels of each head turn.
 */
function rotatedFlops(elements: number, g: { head: number; rot: number }): Expr {
  const three = times(n(3), q('N', elements));
  return g.rot === g.head ? three : overSpaced(times(three, q('rotary_dim', g.rot)), q('head_size', g.head));
}

/** ptflops and DeepSpeed count the PyTorch form's mul, mul, add (ptflops as MACs, DeepSpeed as FLOPs, no MACs); the others none. */
const PRESETS: Record<Preset, (flops: Expr) => Counted> = {
  ptflops: (flops) => flops,
  fvcore: () => null,
  thop: () => null,
  deepspeed: (flops) => reporting(flops, 0),
  torch: () => null,
};

function rotarySize(ctx: CostContext, layout: Layout) {
  const x = knownShape(ctx, ctx.inputs[0]?.shape, 'input');
  const g = rotaryGeometry(ctx, layout, x);
  const elements = prod(x);
  return { vars: { N: elements, head: g.head, rotaryDim: g.rot, heads: g.heads, rotated: (elements / g.head) * g.rot }, flops: rotatedFlops(elements, g) };
}

function rotaryCost(layout: Layout) {
  return costRule(
    (ctx) => {
      const s = rotarySize(ctx, layout);
      return flopsEntry(0, 'rotary', s.vars, s.flops);
    },
    (ctx, preset) => {
      const s = rotarySize(ctx, layout);
      return toolEntry(preset, PRESETS[preset](s.flops), 'rotary', s.vars, 0);
    },
  );
}

export const rules: OpRule[] = [
  // opset 23: X, cos_cache, sin_cache, position_ids
  { ops: ['RotaryEmbedding'], infer: inferRotary, cost: rotaryCost(ONNX), nonParamInputs: [1, 2, 3] },
  // com.microsoft: input, position_ids, cos_cache, sin_cache
  { ops: ['RotaryEmbedding'], domain: 'com.microsoft', infer: inferRotary, cost: rotaryCost(MS), nonParamInputs: [1, 2, 3] },
];
