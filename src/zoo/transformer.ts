/**
 * The base encoder of "Attention Is All You Need" (Vaswani et al., 2017): token embedding scaled by
 * √d_model, sinusoidal position encoding, 6 post-norm layers (d_model 512, 8 heads, FFN 2048, ReLU),
 * written as PyTorch's nn.TransformerEncoderLayer (norm_first=False) exports it.
 *
 * The vocabulary is the paper's shared English–German BPE vocabulary of "about 37000 tokens",
 * taken as 37,000. The position encoding is computed in the graph from the sequence length (as
 * `pe[pos, 2i] = sin(pos / 10000^(2i/d))`, `pe[pos, 2i+1] = cos(…)`), so it is neither a stored
 * table nor a parameter, and any sequence length works.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

const transformerBase = { vocab: 37000, dModel: 512, heads: 8, layers: 6, ffn: 2048 } as const;

/** Sinusoidal encoding [sequence, d] for the sequence length of `ids` [B, S]. */
function positionEncoding(net: Net, ids: string, d: number): string {
  const positions = net.op('Cast', [net.arange(net.sizeOf(ids, 1))], { to: 1 });
  const evens = net.op('Cast', [net.op('Range', [net.int(0), net.int(d), net.int(2)])], { to: 1 });
  // 1 / 10000^(2i/d) = exp(−(2i/d)·ln 10000)
  const exponent = net.op('Mul', [net.op('Div', [evens, net.floatFromInt(d)]), net.op('Log', [net.floatFromInt(10000)])]);
  const inverseFrequency = net.op('Exp', [net.op('Neg', [exponent])]);
  const angles = net.op('Mul', [net.unsqueeze(positions, [1]), net.unsqueeze(inverseFrequency, [0])]);
  const sin = net.unsqueeze(net.op('Sin', [angles]), [2]);
  const cos = net.unsqueeze(net.op('Cos', [angles]), [2]);
  // Interleave: [S, d/2, 2] → [S, d].
  return net.reshape(net.concat([sin, cos], 2), [-1, d]);
}

function encoderLayer(net: Net, x: string): string {
  const { dModel, heads, ffn } = transformerBase;
  const attended = net.scope('self_attn', () => {
    const [q, k, v] = net.packedQkv(x, dModel, heads, { weight: 'in_proj_weight', bias: 'in_proj_bias' });
    return net.linear(net.mergeHeads(net.attention(q, k, v, dModel / heads), dModel), 'out_proj', dModel, dModel);
  });
  const h = net.layerNorm(net.add(x, attended), 'norm1', dModel);
  let f = net.relu(net.linear(h, 'linear1', dModel, ffn));
  f = net.linear(f, 'linear2', ffn, dModel);
  return net.layerNorm(net.add(h, f), 'norm2', dModel);
}

export function transformerBaseEncoder(o: BuildOptions): Model {
  const { vocab, dModel, layers } = transformerBase;
  const net = new Net({ name: 'transformer_base_encoder', seed: o.seed, opset: 17 });
  const ids = net.tokenInput();
  let x = net.scope('embedding', () => {
    const table = net.param('weight', [vocab, dModel], { uniform: [-0.05, 0.05] });
    return net.op('Gather', [table, ids], { axis: 0 });
  });
  // "In the embedding layers, we multiply those weights by √d_model."
  x = net.op('Mul', [x, net.sqrtOf(dModel)]);
  x = net.add(
    x,
    net.scope('pos_encoder', () => positionEncoding(net, ids, dModel)),
  );
  x = net.scope('encoder', () =>
    net.scope('layers', () => {
      let y = x;
      for (let i = 0; i < layers; i++) y = net.scope(i, () => encoderLayer(net, y));
      return y;
    }),
  );
  net.output('output', x, ['batch', 'sequence', dModel]);
  return net.build();
}
