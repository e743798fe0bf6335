/**
 * A Llama-style decoder as Hugging Face's LlamaForCausalLM: RMSNorm, rotary position embeddings,
 * grouped-query attention, SwiGLU MLP, an untied LM head. Built in two forms with the same MACs:
 *
 * - `plain`: standard ONNX ops only, as `torch.onnx.export` writes it (RMSNorm as Pow/ReduceMean/…,
 *   rotate_half, K/V repeated per query group, a causal Where mask);
 * - `fused`: the com.microsoft ops of ONNX Runtime GenAI exports (SimplifiedLayerNormalization,
 *   SkipSimplifiedLayerNormalization, GroupQueryAttention with its rotary embedding), and optionally
 *   the projections as MatMulNBits (`quant: 4 | 8`, block 32).
 *
 * With `kvCache` the graph takes `past_key_values.<l>.key/value` [batch, H_kv, past_sequence_length,
 * d] and returns `present.<l>.key/value` [batch, H_kv, past + sequence_length, d] beside the logits
 * (Optimum / GenAI naming), so prefill and decode are the same graph bound with different lengths:
 * `--input batch=1,sequence_length=1,past_sequence_length=127`.
 *
 * Weights are seeded values, or (`weights: 'external'`) sparse external data described by dims alone
 * (nothing written but a file length), so a 7B graph is built and profiled in seconds.
 */
import path from 'node:path';
import { dtypeFromName } from '../onnx/dtypes.js';
import type { Model } from '../onnx/model.js';
import { writeChunksAtomic, writeModel } from '../onnx/writer.js';
import { Net } from './nn.js';

export interface LlamaConfig {
  vocab: number;
  /** Hidden size D. */
  dModel: number;
  layers: number;
  /** Query heads H_q; head size d = D / H_q. */
  heads: number;
  /** Key/value heads H_kv (H_q = H_kv: multi-head attention; fewer: grouped-query attention). */
  kvHeads: number;
  /** SwiGLU hidden size F. */
  ffn: number;
  ropeTheta: number;
  /** RMSNorm epsilon as 1 / epsInverse (constants are made from integers, src/zoo/nn.ts). */
  epsInverse: number;
}

/** Llama-2-7B (Touvron et al. 2023; HF meta-llama/Llama-2-7b-hf config.json): 6,738,415,616 parameters. */
export const llama2_7b: LlamaConfig = { vocab: 32000, dModel: 4096, layers: 32, heads: 32, kvHeads: 32, ffn: 11008, ropeTheta: 10000, epsInverse: 100000 };

/** A small grouped-query decoder (4 layers, D 256, 8 query heads over 2 KV heads) that runs in milliseconds. */
export const llamaTiny: LlamaConfig = { vocab: 4096, dModel: 256, layers: 4, heads: 8, kvHeads: 2, ffn: 704, ropeTheta: 10000, epsInverse: 1000000 };

/** A larger grouped-query decoder (TinyLlama-1.1B's shapes at 8 of its 22 layers): D 2048, 32 heads over 4, F 5632. */
export const llamaSmall: LlamaConfig = { vocab: 32000, dModel: 2048, layers: 8, heads: 32, kvHeads: 4, ffn: 5632, ropeTheta: 10000, epsInverse: 100000 };

/**
 * Parameters from dims alone: embedding V·D, per layer two RMSNorm weights 2·D, Q and O projections
 * 2·D², K and V projections 2·D·H_kv·d, SwiGLU 3·D·F; final norm D; untied head D·V.
 */
export function llamaParams(c: LlamaConfig): number {
  const d = c.dModel / c.heads;
  const layer = 2 * c.dModel + 2 * c.dModel * c.dModel + 2 * c.dModel * c.kvHeads * d + 3 * c.dModel * c.ffn;
  return 2 * c.vocab * c.dModel + c.layers * layer + c.dModel;
}

/** KV-cache bytes at a context length: 2 (K and V) · layers · H_kv · d · context · batch · bytes per value. */
export function llamaKvCacheBytes(c: LlamaConfig, context: number, bytesPerValue: number, batch = 1): number {
  return 2 * c.layers * c.kvHeads * (c.dModel / c.heads) * context * batch * bytesPerValue;
}

export interface LlamaOptions {
  seed?: number | undefined;
  form?: 'plain' | 'fused' | undefined;
  kvCache?: boolean | undefined;
  /** Element type of weights and activations. */
  dtype?: 'float32' | 'float16' | undefined;
  /** Fused form only: projections (and the head) as MatMulNBits with this many bits, block 32. */
  quant?: 4 | 8 | undefined;
  /** `external`: sparse external data in `dataFile` (see writeLlama); `seeded`: values in the file. */
  weights?: 'seeded' | 'external' | undefined;
  dataFile?: string | undefined;
  name?: string | undefined;
}

const BLOCK = 32;

/** Build the graph. With external weights, `bytes` is the length the data file must have. */
export function buildLlama(c: LlamaConfig, o: LlamaOptions = {}): { model: Model; bytes: number } {
  const form = o.form ?? 'plain';
  const kv = o.kvCache ?? false;
  const dtype = o.dtype ?? 'float32';
  const elem = dtypeFromName(dtype)!;
  const elemBytes = dtype === 'float16' ? 2 : 4;
  const external = o.weights === 'external';
  const dataFile = o.dataFile ?? 'model.weights';
  if (o.quant !== undefined && form !== 'fused') throw new Error('quantized projections (MatMulNBits) need the fused form');
  if (c.dModel % c.heads !== 0 || c.heads % c.kvHeads !== 0)
    throw new Error(`heads ${c.heads} must divide D ${c.dModel} and be a multiple of kv heads ${c.kvHeads}`);
  const D = c.dModel;
  const d = D / c.heads;
  const kvWidth = c.kvHeads * d;
  const group = c.heads / c.kvHeads;

  const net = new Net({ name: o.name ?? 'llama', seed: o.seed ?? 1, opset: 17 });
  const b = net.b;
  let offset = 0;
  const stored = (local: string, dims: number[], dataType: number, bytesPerElement: number, init: () => string): string => {
    if (!external) return init();
    const length = Math.ceil(dims.reduce((x, y) => x * y, 1) * bytesPerElement);
    const name = net.paramName(local);
    b.addInitializer({ name, dataType, dims, data: { kind: 'external', location: dataFile, offset, length, entries: [] } });
    offset += length;
    return name;
  };
  const param = (local: string, dims: number[], bound: number): string =>
    stored(local, dims, elem, elemBytes, () => b.initializer(net.paramName(local), dtype, dims, { uniform: [-bound, bound] }));
  const ones = (local: string, n: number): string =>
    stored(local, [n], elem, elemBytes, () => b.initializer(net.paramName(local), dtype, [n], { uniform: [0.9, 1.1] }));
  /** A float constant of the model's type, from an integer (no float scalar is mistaken for a weight). */
  const num = (v: number): string => net.op('Cast', [net.int(v)], { to: elem });
  const ratio = (p: number, q: number): string => net.op('Div', [num(p), num(q)]);

  /** A linear layer without bias, weight [in, out]; MatMulNBits in the quantized fused form. */
  const linear = (x: string, name: string, fin: number, fout: number): string =>
    net.scope(name, () => {
      if (o.quant === undefined) return net.op('MatMul', [x, param('weight', [fin, fout], 1 / Math.sqrt(fin))]);
      const bits = o.quant;
      const blocks = Math.ceil(fin / BLOCK);
      const blob = (BLOCK * bits) / 8;
      const q = stored(`weight_Q${bits}`, [fout, blocks, blob], 2, 1, () =>
        b.initializer(net.paramName(`weight_Q${bits}`), 'uint8', [fout, blocks, blob], { uniform: [0, 255] }),
      );
      const s = stored('weight_scales', [fout * blocks], elem, elemBytes, () =>
        b.initializer(net.paramName('weight_scales'), dtype, [fout * blocks], { uniform: [0.001, 0.01] }),
      );
      return net.domainOp('com.microsoft', 'MatMulNBits', [x, q, s], { K: fin, N: fout, bits, block_size: BLOCK, accuracy_level: 0 })[0]!;
    });

  const ids = b.input('input_ids', 'int64', ['batch', 'sequence_length']);
  const pastNames = (l: number) => [`past_key_values.${l}.key`, `past_key_values.${l}.value`];
  const past: string[][] = [];
  if (kv) {
    for (let l = 0; l < c.layers; l++) past.push(pastNames(l).map((n) => b.input(n, dtype, ['batch', c.kvHeads, 'past_sequence_length', d])));
  }
  const S = net.sizeOf(ids, 1);
  const P = kv ? net.sizeOf(past[0]![0]!, 2) : net.int(0);
  const T = net.op('Add', [P, S]);
  const positions = net.op('Range', [P, T, net.int(1)]);

  // Rotary tables: inv_freq = θ^(−2i/d), i < d/2, made from integers like HF's buffer.
  const rope = net.scope('rotary_emb', () => {
    const i = net.op('Cast', [net.op('Range', [net.int(0), net.int(d / 2), net.int(1)])], { to: elem });
    const exponent = net.op('Div', [net.op('Mul', [i, num(-2)]), num(d)]);
    const invFreq = net.op('Pow', [num(c.ropeTheta), exponent]);
    const table = (pos: string): { cos: string; sin: string } => {
      const freqs = net.op('Mul', [net.unsqueeze(net.op('Cast', [pos], { to: elem }), [1]), net.unsqueeze(invFreq, [0])]);
      const emb = form === 'plain' ? net.concat([freqs, freqs], -1) : freqs;
      return { cos: net.op('Cos', [emb]), sin: net.op('Sin', [emb]) };
    };
    // plain: cos/sin [S, d] for the new positions; fused: GQA's caches [T, d/2] for every position
    return table(form === 'plain' ? positions : net.op('Range', [net.int(0), T, net.int(1)]));
  });

  const rmsNorm = (x: string, name: string): string =>
    net.scope(name, () => {
      const w = ones('weight', D);
      if (form === 'fused') return net.op('SimplifiedLayerNormalization', [x, w], { axis: -1, epsilon: { float: 1 / c.epsInverse } });
      const variance = net.op('ReduceMean', [net.op('Pow', [x, num(2)])], { axes: [-1], keepdims: 1 });
      const inv = net.op('Reciprocal', [net.op('Sqrt', [net.op('Add', [variance, ratio(1, c.epsInverse)])])]);
      return net.op('Mul', [w, net.op('Mul', [x, inv])]);
    });

  // Plain form: causal mask over absolute positions, key j visible from query P + i when j ≤ P + i.
  const causal =
    form === 'plain' ? net.op('GreaterOrEqual', [net.unsqueeze(positions, [1]), net.unsqueeze(net.op('Range', [net.int(0), T, net.int(1)]), [0])]) : '';
  // Fused form: GroupQueryAttention's seqlens_k (T − 1 per batch row) and total_sequence_length.
  const seqlens =
    form === 'fused'
      ? net.op(
          'Cast',
          [net.op('Expand', [net.op('Sub', [T, net.int(1)]), net.op('Slice', [net.op('Shape', [ids]), net.ints([0]), net.ints([1]), net.ints([0])])])],
          { to: 6 },
        )
      : '';
  const total = form === 'fused' ? net.op('Cast', [T], { to: 6 }) : '';

  const rotateHalf = (x: string): string => net.concat([net.op('Neg', [net.slice(x, 3, d / 2, d)]), net.slice(x, 3, 0, d / 2)], 3);
  const applyRope = (x: string): string => net.op('Add', [net.op('Mul', [x, rope.cos]), net.op('Mul', [rotateHalf(x), rope.sin])]);
  const heads = (x: string, h: number): string => net.transpose(net.reshape(x, [0, 0, h, d]), [0, 2, 1, 3]);
  /** repeat_kv: [B, H_kv, T, d] → [B, H_kv·group, T, d]. */
  const repeat = (x: string): string => {
    if (group === 1) return x;
    const shape = net.op('Shape', [x]);
    const B = net.op('Slice', [shape, net.ints([0]), net.ints([1]), net.ints([0])]);
    const len = net.op('Slice', [shape, net.ints([2]), net.ints([3]), net.ints([0])]);
    const expanded = net.op('Expand', [net.unsqueeze(x, [2]), net.concat([B, net.ints([c.kvHeads, group]), len, net.ints([d])], 0)]);
    return net.op('Reshape', [expanded, net.concat([B, net.ints([c.heads]), len, net.ints([d])], 0)]);
  };

  const presents: [string, string][] = [];
  let h = net.scope('model', () => net.scope('embed_tokens', () => net.op('Gather', [param('weight', [c.vocab, D], 1), ids], { axis: 0 })));
  h = net.scope('model', () =>
    net.scope('layers', () => {
      let x = h;
      for (let l = 0; l < c.layers; l++) {
        x = net.scope(l, () => {
          const normed = rmsNorm(x, 'input_layernorm');
          const attn = net.scope('self_attn', () => {
            const q = linear(normed, 'q_proj', D, D);
            const k = linear(normed, 'k_proj', D, kvWidth);
            const v = linear(normed, 'v_proj', D, kvWidth);
            if (form === 'fused') {
              const [pk, pv] = kv ? past[l]! : ['', ''];
              const outputs = kv ? [`/model/layers.${l}/self_attn/GroupQueryAttention_output_0`, `present.${l}.key`, `present.${l}.value`] : 3;
              const [out, presentK, presentV] = net.domainOp(
                'com.microsoft',
                'GroupQueryAttention',
                [q, k, v, pk || null, pv || null, seqlens, total, rope.cos, rope.sin],
                {
                  num_heads: c.heads,
                  kv_num_heads: c.kvHeads,
                  do_rotary: 1,
                  rotary_interleaved: 0,
                  local_window_size: -1,
                },
                outputs,
              ) as [string, string, string];
              if (kv) presents.push([presentK, presentV]);
              return linear(out, 'o_proj', D, D);
            }
            const qh = applyRope(heads(q, c.heads));
            let kh = applyRope(heads(k, c.kvHeads));
            let vh = heads(v, c.kvHeads);
            if (kv) {
              kh = net.domainOp('', 'Concat', [past[l]![0]!, kh], { axis: 2 }, [`present.${l}.key`])[0]!;
              vh = net.domainOp('', 'Concat', [past[l]![1]!, vh], { axis: 2 }, [`present.${l}.value`])[0]!;
              presents.push([kh, vh]);
            }
            const attended = net.attention(qh, repeat(kh), repeat(vh), d, (scores) => net.op('Where', [causal, scores, num(-1_000_000_000)]));
            return linear(net.mergeHeads(attended, D), 'o_proj', D, D);
          });
          let resid: string;
          let y: string;
          if (form === 'fused') {
            const w = net.scope('post_attention_layernorm', () => ones('weight', D));
            const outs = net.scope('post_attention_layernorm', () =>
              net.domainOp('com.microsoft', 'SkipSimplifiedLayerNormalization', [attn, x, w], { epsilon: { float: 1 / c.epsInverse } }, 4),
            );
            [y, resid] = [outs[0]!, outs[3]!];
          } else {
            resid = net.add(x, attn);
            y = rmsNorm(resid, 'post_attention_layernorm');
          }
          const mlp = net.scope('mlp', () => {
            const gate = linear(y, 'gate_proj', D, c.ffn);
            const act = net.scope('act_fn', () => net.op('Mul', [gate, net.op('Sigmoid', [gate])]));
            return linear(net.op('Mul', [act, linear(y, 'up_proj', D, c.ffn)]), 'down_proj', c.ffn, D);
          });
          return net.add(resid, mlp);
        });
      }
      return x;
    }),
  );
  h = net.scope('model', () => rmsNorm(h, 'norm'));
  const logits = linear(h, 'lm_head', D, c.vocab);
  net.output('logits', logits, ['batch', 'sequence_length', c.vocab]);
  if (kv) {
    for (const [k, v] of presents) {
      b.output(k, dtype, ['batch', c.kvHeads, 'total_sequence_length', d]);
      b.output(v, dtype, ['batch', c.kvHeads, 'total_sequence_length', d]);
    }
  }
  // Outputs are typed in the model's dtype (Net.output writes float32).
  for (const out of b.graph().outputs) if (out.type?.kind === 'tensor') out.type = { ...out.type, elemType: elem };
  const model = net.build();
  if (form === 'fused') model.opsetImports.push({ domain: 'com.microsoft', version: 1 });
  return { model, bytes: offset };
}

/**
 * Write a decoder with sparse external weights: the .onnx with every weight as external data, and a
 * data file of the right length made with ftruncate (all holes: nothing is written or read).
 */
export function writeLlamaExternal(c: LlamaConfig, file: string, o: Omit<LlamaOptions, 'weights' | 'dataFile'> = {}): { bytes: number } {
  const dataFile = `${path.basename(file, '.onnx')}.weights`;
  const { model, bytes } = buildLlama(c, { ...o, weights: 'external', dataFile });
  // The data file first (all holes), then the model that points into it.
  writeChunksAtomic(path.join(path.dirname(file), dataFile), [], { length: bytes });
  writeModel(model, file);
  return { bytes };
}

/** The graph inputs of a KV-cache decoder as `--input` text: batch, new tokens, tokens already cached. */
export function decoderInputs(batch: number, sequence: number, past: number): string {
  return `batch=${batch},sequence_length=${sequence},past_sequence_length=${past}`;
}
