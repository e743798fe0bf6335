/**
 * A GPT-2-style decoder as the PyTorch exporter writes it, with a symbolic sequence length: the
 * position ids and every Reshape target are computed from Shape → Gather → Unsqueeze → Concat chains,
 * the causal mask is a bool buffer sliced to T×T and applied with Where, GELU is the Erf form
 * `0.5·x·(1 + erf(x/√2))`, and the LM head reuses the token embedding through a Transpose (tied).
 * Layout follows Hugging Face's GPT2Model (ln_1 → attn → residual, ln_2 → mlp → residual, ln_f).
 */
import { GraphBuilder, makeTensor } from '../../src/onnx/builder.js';
import type { Model } from '../../src/onnx/model.js';

export interface GptConfig {
  vocab: number;
  /** Model width D. */
  width: number;
  heads: number;
  layers: number;
  /** Longest sequence (rows of the position table and of the mask buffer). */
  context: number;
}

export function buildGpt(cfg: GptConfig): Model {
  const { vocab: V, width: D, heads: H, layers: L, context: P } = cfg;
  const dh = D / H;
  const b = new GraphBuilder({ opset: 17, name: 'gpt' });
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  let constants = 0;
  const scalar = (dtype: 'float32' | 'int64', v: number, prefix: string): string =>
    b.op('Constant', [], { value: makeTensor(`c${constants++}`, dtype, [], [v]) }, `${prefix}/Constant_${constants}`);
  const vector = (v: number[], prefix: string): string =>
    b.op('Constant', [], { value: makeTensor(`c${constants++}`, 'int64', [v.length], v) }, `${prefix}/Constant_${constants}`);
  /** dim i of x as a 1-element int64 tensor, the exporter's Shape → Gather → Unsqueeze chain. */
  const dimOf = (x: string, i: number, prefix: string): string => {
    const shape = b.op('Shape', [x], {}, `${prefix}/Shape_${constants}`);
    const d = b.op('Gather', [shape, scalar('int64', i, prefix)], { axis: 0 }, `${prefix}/Gather_${constants}`);
    return b.op('Unsqueeze', [d, vector([0], prefix)], {}, `${prefix}/Unsqueeze_${constants}`);
  };

  const wte = b.weight('transformer.wte.weight', [V, D]);
  const wpe = b.weight('transformer.wpe.weight', [P, D]);
  const mask = b.initializer('transformer.h.bias', 'bool', [1, 1, P, P], {
    values: Array.from({ length: P * P }, (_, i) => (i % P <= Math.floor(i / P) ? 1 : 0)),
  });

  const shape = b.op('Shape', [ids], {}, '/transformer/Shape');
  const seq = b.op('Gather', [shape, scalar('int64', 1, '/transformer')], { axis: 0 }, '/transformer/Gather');
  const positions = b.op('Range', [scalar('int64', 0, '/transformer'), seq, scalar('int64', 1, '/transformer')], {}, '/transformer/Range');
  const posIds = b.op('Unsqueeze', [positions, vector([0], '/transformer')], {}, '/transformer/Unsqueeze');
  const tok = b.op('Gather', [wte, ids], { axis: 0 }, '/transformer/wte/Gather');
  const pos = b.op('Gather', [wpe, posIds], { axis: 0 }, '/transformer/wpe/Gather');
  let h = b.op('Add', [tok, pos], {}, '/transformer/Add');

  const layerNorm = (prefix: string, x: string): string => {
    const p = prefix.slice(1).replaceAll('/', '.');
    return b.op(
      'LayerNormalization',
      [x, b.weight(`${p}.weight`, [D], 'ones'), b.weight(`${p}.bias`, [D], 'zeros')],
      { axis: -1, epsilon: { float: 1e-5 } },
      `${prefix}/LayerNormalization`,
    );
  };
  const linear = (prefix: string, x: string, fin: number, fout: number): string => {
    const p = prefix.slice(1).replaceAll('/', '.');
    const y = b.op('MatMul', [x, b.weight(`${p}.weight`, [fin, fout])], {}, `${prefix}/MatMul`);
    return b.op('Add', [y, b.weight(`${p}.bias`, [fout], 'zeros')], {}, `${prefix}/Add`);
  };

  for (let l = 0; l < L; l++) {
    const blk = `/transformer/h.${l}`;
    const attn = `${blk}/attn`;
    const qkv = linear(`${attn}/c_attn`, layerNorm(`${blk}/ln_1`, h), D, 3 * D);
    const [q, k, v] = b.node('Split', [qkv, b.int64s(`split_${l}`, [D, D, D])], { axis: 2 }, { name: `${attn}/Split`, outputs: 3 }) as [string, string, string];
    const heads = (x: string, perm: number[], tag: string): string => {
      const target = b.op('Concat', [dimOf(x, 0, attn), dimOf(x, 1, attn), vector([H], attn), vector([dh], attn)], { axis: 0 }, `${attn}/Concat_${tag}`);
      const r = b.op('Reshape', [x, target], {}, `${attn}/Reshape_${tag}`);
      return b.op('Transpose', [r], { perm }, `${attn}/Transpose_${tag}`);
    };
    const qh = heads(q, [0, 2, 1, 3], 'q');
    const kt = heads(k, [0, 2, 3, 1], 'k');
    const vh = heads(v, [0, 2, 1, 3], 'v');
    let scores = b.op('MatMul', [qh, kt], {}, `${attn}/MatMul`);
    scores = b.op('Div', [scores, scalar('float32', Math.sqrt(dh), attn)], {}, `${attn}/Div`);
    const t = dimOf(qh, 2, attn);
    const ends = b.op('Concat', [t, t], { axis: 0 }, `${attn}/Concat_mask`);
    const causal = b.op('Slice', [mask, vector([0, 0], attn), ends, vector([2, 3], attn)], {}, `${attn}/Slice`);
    scores = b.op('Where', [causal, scores, scalar('float32', -3.4028234663852886e38, attn)], {}, `${attn}/Where`);
    const probs = b.op('Softmax', [scores], { axis: -1 }, `${attn}/Softmax`);
    let ctx = b.op('MatMul', [probs, vh], {}, `${attn}/MatMul_1`);
    ctx = b.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }, `${attn}/Transpose_ctx`);
    const merged = b.op('Concat', [dimOf(ctx, 0, attn), dimOf(ctx, 1, attn), vector([D], attn)], { axis: 0 }, `${attn}/Concat_ctx`);
    ctx = b.op('Reshape', [ctx, merged], {}, `${attn}/Reshape_ctx`);
    h = b.op('Add', [h, linear(`${attn}/c_proj`, ctx, D, D)], {}, `${blk}/Add`);

    const mlp = `${blk}/mlp`;
    const fc = linear(`${mlp}/c_fc`, layerNorm(`${blk}/ln_2`, h), D, 4 * D);
    const erf = b.op('Erf', [b.op('Div', [fc, scalar('float32', Math.SQRT2, mlp)], {}, `${mlp}/act/Div`)], {}, `${mlp}/act/Erf`);
    const onePlus = b.op('Add', [erf, scalar('float32', 1, mlp)], {}, `${mlp}/act/Add`);
    const gelu = b.op('Mul', [b.op('Mul', [fc, onePlus], {}, `${mlp}/act/Mul`), scalar('float32', 0.5, mlp)], {}, `${mlp}/act/Mul_1`);
    h = b.op('Add', [h, linear(`${mlp}/c_proj`, gelu, 4 * D, D)], {}, `${blk}/Add_1`);
  }
  const final = layerNorm('/transformer/ln_f', h);
  const head = b.op('Transpose', [wte], { perm: [1, 0] }, '/lm_head/Transpose');
  const logits = b.op('MatMul', [final, head], {}, '/lm_head/MatMul');
  b.output(logits);
  return b.build();
}
