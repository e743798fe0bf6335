/**
 * A GPT-2-small-shaped decoder, written as Hugging Face's GPT2LMHeadModel: 12 layers, d 768,
 * 12 heads, vocabulary 50,257, context 1,024, pre-norm blocks with GELU (tanh form), a final
 * LayerNorm and an LM head tied to the token embedding: 124,439,808 parameters.
 *
 * The tie is kept in the graph: the LM head is MatMul(h, Transpose(wte)), so the embedding is
 * stored once and counted once (an exporter's constant folding would store a transposed copy).
 * The causal mask is computed from the sequence length (Range, GreaterOrEqual, Where), so no
 * 1024×1024 buffer is stored and any length up to the context works.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

const gpt2Small = { vocab: 50257, context: 1024, dModel: 768, heads: 12, layers: 12 } as const;

/** The large negative score of masked positions (HF fills with the dtype's minimum). */
const maskedScore = -1_000_000_000;

/** Conv1D of HF GPT-2: weight stored [in, out], y = x·W + b. */
function conv1d(net: Net, x: string, name: string, inFeatures: number, outFeatures: number): string {
  return net.scope(name, () => {
    const w = net.param('weight', [inFeatures, outFeatures], { uniform: [-0.04, 0.04] });
    const b = net.param('bias', [outFeatures], { uniform: [-0.02, 0.02] });
    return net.op('Add', [b, net.op('MatMul', [x, w])]);
  });
}

function block(net: Net, input: string, causal: string): string {
  const { dModel, heads } = gpt2Small;
  const headDim = dModel / heads;
  let x = net.layerNorm(input, 'ln_1', dModel);
  x = net.scope('attn', () => {
    const qkv = conv1d(net, x, 'c_attn', dModel, 3 * dModel);
    const [q, k, v] = net
      .ops('Split', [qkv, net.ints([dModel, dModel, dModel])], 3, { axis: 2 })
      .map((t) => net.transpose(net.reshape(t, [0, 0, heads, headDim]), [0, 2, 1, 3])) as [string, string, string];
    const attended = net.attention(q, k, v, headDim, (scores) => net.op('Where', [causal, scores, net.floatFromInt(maskedScore)]));
    return conv1d(net, net.mergeHeads(attended, dModel), 'c_proj', dModel, dModel);
  });
  x = net.add(x, input);
  let y = net.layerNorm(x, 'ln_2', dModel);
  y = net.scope('mlp', () => {
    const h = net.gelu(conv1d(net, y, 'c_fc', dModel, 4 * dModel), 'tanh', 'act');
    return conv1d(net, h, 'c_proj', 4 * dModel, dModel);
  });
  return net.add(x, y);
}

export function gpt2(o: BuildOptions): Model {
  const { vocab, context, dModel, layers } = gpt2Small;
  const net = new Net({ name: 'gpt2', seed: o.seed, opset: 20 });
  const ids = net.tokenInput();
  let wte = '';
  let h = net.scope('transformer', () => {
    const length = net.sizeOf(ids, 1);
    const positions = net.arange(length);
    const tokens = net.scope('wte', () => {
      wte = net.param('weight', [vocab, dModel], { uniform: [-0.05, 0.05] });
      return net.op('Gather', [wte, ids], { axis: 0 });
    });
    const wpe = net.scope('wpe', () => net.op('Gather', [net.param('weight', [context, dModel], { uniform: [-0.02, 0.02] }), positions], { axis: 0 }));
    let x = net.add(tokens, wpe);
    // Key j is visible from query i when j ≤ i: [S, S] booleans.
    const causal = net.op('GreaterOrEqual', [net.unsqueeze(positions, [1]), net.unsqueeze(positions, [0])]);
    x = net.scope('h', () => {
      let y = x;
      for (let i = 0; i < layers; i++) y = net.scope(i, () => block(net, y, causal));
      return y;
    });
    return net.layerNorm(x, 'ln_f', dModel);
  });
  h = net.scope('lm_head', () => net.op('MatMul', [h, net.transpose(wte, [1, 0])]));
  net.output('logits', h, ['batch', 'sequence', vocab]);
  return net.build();
}
