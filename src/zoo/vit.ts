/**
 * ViT-B/16 as torchvision defines it (vit_b_16): 16×16 patches of a 224×224 image, 12 encoder
 * layers of width 768 with 12 heads and an MLP of 3072, a learned class token and position
 * embedding: 86,567,656 parameters, 17.56 GMACs.
 *
 * The position embedding has 197 = 14·14 + 1 rows, so the model takes 224×224 only. For complexity
 * sweeps over resolution, `anySize` builds it at another side (a multiple of 16) with a position
 * embedding of (side/16)² + 1 rows, as a model fine-tuned at that size with an interpolated
 * embedding holds.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

const patch = 16;
const hidden = 768;
const heads = 12;
const layers = 12;
const mlpDim = 3072;
const imageSize = 224;

/** EncoderBlock: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
function encoderBlock(net: Net, input: string): string {
  let x = net.layerNorm(input, 'ln_1', hidden, 1e-6);
  x = net.scope('self_attention', () => {
    const [q, k, v] = net.packedQkv(x, hidden, heads, { weight: 'in_proj_weight', bias: 'in_proj_bias' });
    const attended = net.mergeHeads(net.attention(q, k, v, hidden / heads), hidden);
    return net.linear(attended, 'out_proj', hidden, hidden);
  });
  x = net.add(x, input);
  let y = net.layerNorm(x, 'ln_2', hidden, 1e-6);
  y = net.scope('mlp', () => {
    // MLPBlock: Linear (0), GELU (1), Dropout (2), Linear (3), Dropout (4).
    const h = net.gelu(net.linear(y, 0, hidden, mlpDim), 'none', '1');
    return net.linear(h, 3, mlpDim, hidden);
  });
  return net.add(x, y);
}

export function vitB16(o: BuildOptions, anySize = false): Model {
  const height = o.height ?? imageSize;
  const width = o.width ?? imageSize;
  if (anySize && (height % patch !== 0 || width % patch !== 0)) throw new Error(`vit_b_16 needs a side divisible by ${patch}; got ${height}×${width}`);
  if (!anySize && (height !== imageSize || width !== imageSize)) {
    throw new Error(
      `vit_b_16 takes ${imageSize}×${imageSize} images only (its position embedding has ${(imageSize / patch) ** 2 + 1} rows); got ${height}×${width}`,
    );
  }
  const tokens = (height / patch) * (width / patch);
  const net = new Net({ name: 'vit_b_16', seed: o.seed, opset: 20 });
  const input = net.imageInput(3, height, width);
  // _process_input: patchify with a 16×16 stride-16 convolution, then [n, 768, 196] → [n, 196, 768].
  let x = net.conv2d(input, 'conv_proj', 3, hidden, patch, { stride: patch });
  x = net.transpose(net.reshape(x, [0, hidden, -1]), [0, 2, 1]);
  // class_token.expand(n, -1, -1), prepended to the patch tokens.
  const classToken = net.b.weight('class_token', [1, 1, hidden], { uniform: [-0.04, 0.04] });
  const expandTo = net.concat([net.unsqueeze(net.sizeOf(x, 0), [0]), net.ints([1, 1])], 0);
  x = net.concat([net.op('Expand', [classToken, expandTo]), x], 1);
  x = net.scope('encoder', () => {
    const pos = net.param('pos_embedding', [1, tokens + 1, hidden], { uniform: [-0.04, 0.04] });
    let y = net.add(x, pos);
    y = net.scope('layers', () => {
      let z = y;
      for (let i = 0; i < layers; i++) z = net.scope(`encoder_layer_${i}`, () => encoderBlock(net, z));
      return z;
    });
    return net.layerNorm(y, 'ln', hidden, 1e-6);
  });
  // x[:, 0]: the class token's output feeds the head.
  x = net.select(x, 1, 0);
  x = net.scope('heads', () => net.linear(x, 'head', hidden, 1000, { rank2: true }));
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
