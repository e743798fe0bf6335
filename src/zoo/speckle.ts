/**
 * The deep speckle correlation network (Li, Xue & Tian, "Deep speckle correlation: a deep learning
 * approach toward scalable imaging through scattering media", Optica 5(10), 2018), from the
 * authors' Keras definition (`get_model_deep_speckle` in their public Deep-Speckle-Correlation
 * repository): a UNet whose stages are dense blocks.
 *
 * - input 1 × 256 × 256 (a speckle pattern), output 2 × 256 × 256 (a per-pixel softmax over
 *   object / background);
 * - encoder: for width w = 64, 128, 256, 512, 1024 a 3×3 conv (bias, ReLU) then a dense block of 4
 *   layers, then 2×2 max pooling (not after the last);
 * - dense block layer (`conv_factory`): BN → ReLU → 5×5 conv with dilation 2 (bias) making 16
 *   channels (the growth rate), concatenated to everything before it in the block; dropout is an
 *   identity at inference and is left out;
 * - decoder: UpSampling2D ×2 (nearest) → 2×2 conv (bias, ReLU, Keras "same" padding: one row and
 *   column after, none before) → concatenation with the encoder block of that size → 3×3 conv
 *   (ReLU) → dense block of 3 layers; then a 3×3 conv to 32 and a 1×1 conv to 2 with softmax.
 *
 * Keras counts 21,850,530 trainable parameters (the seed's 21.8505 × 10^6): every conv weight and
 * bias and the BN scale and offset; BN moving mean and variance are non-trainable, and here as
 * everywhere in the zoo they are buffers, not parameters. Layout is NCHW, as a PyTorch port would be.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

const growth = 16;

/** A convolution with bias and ReLU; `same` padding as Keras computes it (the extra pixel after). */
function convRelu(net: Net, x: string, name: string, cin: number, cout: number, k: number, relu = true): string {
  return net.scope(name, () => {
    const total = k - 1;
    const before = Math.floor(total / 2);
    const after = total - before;
    const bound = Math.sqrt(6 / (cin * k * k));
    const w = net.param('weight', [cout, cin, k, k], { uniform: [-bound, bound] });
    const b = net.param('bias', [cout], { uniform: [-0.01, 0.01] });
    const y = net.op('Conv', [x, w, b], { dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [before, before, after, after], strides: [1, 1] });
    return relu ? net.relu(y, 'relu') : y;
  });
}

/** `denseblock`: `layers` × (BN → ReLU → 5×5 dilated conv to 16), each concatenated to the block so far. */
function denseBlock(net: Net, x: string, name: string, cin: number, layers: number): [string, number] {
  return net.scope(name, () => {
    const features = [x];
    let channels = cin;
    let y = x;
    for (let i = 0; i < layers; i++) {
      const input = y;
      const c = channels;
      const out = net.scope(`layer${i}`, () => {
        const t = net.relu(net.batchNorm2d(input, 'bn', c, 1e-3), 'relu');
        return net.conv2d(t, 'conv', c, growth, 5, { padding: 4, dilation: 2 });
      });
      features.push(out);
      channels += growth;
      y = net.concat(features, 1);
    }
    return [y, channels];
  });
}

/** UpSampling2D(2): nearest-neighbour Resize; the scales are made from integers by Cast (nn.ts rule). */
function upsample(net: Net, x: string, name: string): string {
  return net.scope(name, () => {
    const scales = net.op('Cast', [net.ints([1, 1, 2, 2])], { to: 1 });
    return net.op('Resize', [x, '', scales], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  });
}

export function deepSpeckle(o: BuildOptions): Model {
  const height = o.height ?? 256;
  const width = o.width ?? 256;
  if (height % 16 !== 0 || width % 16 !== 0) {
    throw new Error(`deep_speckle needs a height and width divisible by 16 (four 2×2 poolings), got ${height}×${width}`);
  }
  const net = new Net({ name: 'deep_speckle', seed: o.seed, opset: 17 });
  let x = net.imageInput(1, height, width);
  const skips: [string, number][] = [];
  let cin = 1;
  [64, 128, 256, 512, 1024].forEach((w, i) => {
    if (i > 0) x = net.maxPool2d(x, 2, 2, 0, { module: `pool${i}` });
    x = convRelu(net, x, `conv${i + 1}`, cin, w, 3);
    const [y, c] = denseBlock(net, x, `db${i + 1}`, w, 4);
    skips.push([y, c]);
    x = y;
    cin = c;
  });
  [512, 256, 128, 64].forEach((w, j) => {
    const stage = j + 5;
    const up = convRelu(net, upsample(net, x, `upsample${stage}`), `up${stage}`, cin, w, 2);
    const [skip, skipChannels] = skips[3 - j]!;
    const merged = net.concat([skip, up], 1);
    x = convRelu(net, merged, `conv${stage + 1}`, skipChannels + w, w, 3);
    [x, cin] = denseBlock(net, x, `db${stage + 1}`, w, 3);
  });
  x = convRelu(net, x, 'conv10', cin, 32, 3);
  x = convRelu(net, x, 'conv11', 32, 2, 1, false);
  x = net.op('Softmax', [x], { axis: 1 });
  net.output('output', x, ['batch', 2, height, width]);
  return net.build();
}
