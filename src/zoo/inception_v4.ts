/**
 * Inception-v4 (Szegedy et al. 2017) as the `pretrainedmodels` package (Cadene) defines it, the
 * network the seed's ptflops table measured at 299×299: 42,679,816 parameters with a 1000-class
 * `last_linear` (the seed's 42.68 M).
 *
 * - BasicConv2d: conv (no bias) → BN (eps 0.001) → ReLU;
 * - stem: three convolutions, Mixed_3a (max pool ‖ conv), Mixed_4a (two conv towers), Mixed_5a
 *   (conv ‖ max pool);
 * - 4 × Inception-A, Reduction-A, 7 × Inception-B, Reduction-B, 3 × Inception-C (all children of
 *   `features`, numbered 0–21 as in the Sequential);
 * - the pool branches of the Inception blocks are AvgPool2d(3, 1, 1, count_include_pad=False);
 * - logits: AvgPool2d(8, count_include_pad=False) on the 8×8 map of a 299×299 input, last_linear
 *   1536 → 1000. At other sizes the map is not 8×8 and the zoo pools globally (what AvgPool2d(8)
 *   computes at 299), so the classifier keeps its 1536 inputs.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

type Pair = number | [number, number];

function basic(net: Net, x: string, name: string | number, cin: number, cout: number, k: Pair, o: { stride?: number; padding?: Pair } = {}): string {
  return net.scope(name, () => {
    const y = net.conv2d(x, 'conv', cin, cout, k, { stride: o.stride ?? 1, padding: o.padding ?? 0, bias: false });
    return net.relu(net.batchNorm2d(y, 'bn', cout, 0.001), 'relu');
  });
}

/** nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False). */
function avgPoolExcludePad(net: Net, x: string, module: string | number): string {
  return net.scope(module, () => net.op('AveragePool', [x], { ceil_mode: 0, count_include_pad: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }));
}

/** A Sequential of BasicConv2d given as [cin, cout, kernel, stride, padding]. */
function tower(net: Net, x: string, name: string, layers: [number, number, Pair, number, Pair][]): string {
  return net.scope(name, () => layers.reduce((y, [ci, co, k, s, p], i) => basic(net, y, i, ci, co, k, { stride: s, padding: p }), x));
}

function mixed3a(net: Net, x: string): string {
  const pool = net.maxPool2d(x, 3, 2, 0, { module: 'maxpool' });
  return net.concat([pool, basic(net, x, 'conv', 64, 96, 3, { stride: 2 })], 1);
}

function mixed4a(net: Net, x: string): string {
  const b0 = tower(net, x, 'branch0', [
    [160, 64, 1, 1, 0],
    [64, 96, 3, 1, 0],
  ]);
  const b1 = tower(net, x, 'branch1', [
    [160, 64, 1, 1, 0],
    [64, 64, [1, 7], 1, [0, 3]],
    [64, 64, [7, 1], 1, [3, 0]],
    [64, 96, 3, 1, 0],
  ]);
  return net.concat([b0, b1], 1);
}

function mixed5a(net: Net, x: string): string {
  const conv = basic(net, x, 'conv', 192, 192, 3, { stride: 2 });
  return net.concat([conv, net.maxPool2d(x, 3, 2, 0, { module: 'maxpool' })], 1);
}

function inceptionA(net: Net, x: string): string {
  const b0 = basic(net, x, 'branch0', 384, 96, 1);
  const b1 = tower(net, x, 'branch1', [
    [384, 64, 1, 1, 0],
    [64, 96, 3, 1, 1],
  ]);
  const b2 = tower(net, x, 'branch2', [
    [384, 64, 1, 1, 0],
    [64, 96, 3, 1, 1],
    [96, 96, 3, 1, 1],
  ]);
  const b3 = net.scope('branch3', () => basic(net, avgPoolExcludePad(net, x, 0), 1, 384, 96, 1));
  return net.concat([b0, b1, b2, b3], 1);
}

function reductionA(net: Net, x: string): string {
  const b0 = basic(net, x, 'branch0', 384, 384, 3, { stride: 2 });
  const b1 = tower(net, x, 'branch1', [
    [384, 192, 1, 1, 0],
    [192, 224, 3, 1, 1],
    [224, 256, 3, 2, 0],
  ]);
  return net.concat([b0, b1, net.maxPool2d(x, 3, 2, 0, { module: 'branch2' })], 1);
}

function inceptionB(net: Net, x: string): string {
  const b0 = basic(net, x, 'branch0', 1024, 384, 1);
  const b1 = tower(net, x, 'branch1', [
    [1024, 192, 1, 1, 0],
    [192, 224, [1, 7], 1, [0, 3]],
    [224, 256, [7, 1], 1, [3, 0]],
  ]);
  const b2 = tower(net, x, 'branch2', [
    [1024, 192, 1, 1, 0],
    [192, 192, [7, 1], 1, [3, 0]],
    [192, 224, [1, 7], 1, [0, 3]],
    [224, 224, [7, 1], 1, [3, 0]],
    [224, 256, [1, 7], 1, [0, 3]],
  ]);
  const b3 = net.scope('branch3', () => basic(net, avgPoolExcludePad(net, x, 0), 1, 1024, 128, 1));
  return net.concat([b0, b1, b2, b3], 1);
}

function reductionB(net: Net, x: string): string {
  const b0 = tower(net, x, 'branch0', [
    [1024, 192, 1, 1, 0],
    [192, 192, 3, 2, 0],
  ]);
  const b1 = tower(net, x, 'branch1', [
    [1024, 256, 1, 1, 0],
    [256, 256, [1, 7], 1, [0, 3]],
    [256, 320, [7, 1], 1, [3, 0]],
    [320, 320, 3, 2, 0],
  ]);
  return net.concat([b0, b1, net.maxPool2d(x, 3, 2, 0, { module: 'branch2' })], 1);
}

function inceptionC(net: Net, x: string): string {
  const b0 = basic(net, x, 'branch0', 1536, 256, 1);
  const b10 = basic(net, x, 'branch1_0', 1536, 384, 1);
  const b1 = net.concat(
    [basic(net, b10, 'branch1_1a', 384, 256, [1, 3], { padding: [0, 1] }), basic(net, b10, 'branch1_1b', 384, 256, [3, 1], { padding: [1, 0] })],
    1,
  );
  let b2 = basic(net, x, 'branch2_0', 1536, 384, 1);
  b2 = basic(net, b2, 'branch2_1', 384, 448, [3, 1], { padding: [1, 0] });
  b2 = basic(net, b2, 'branch2_2', 448, 512, [1, 3], { padding: [0, 1] });
  const b2c = net.concat(
    [basic(net, b2, 'branch2_3a', 512, 256, [1, 3], { padding: [0, 1] }), basic(net, b2, 'branch2_3b', 512, 256, [3, 1], { padding: [1, 0] })],
    1,
  );
  const b3 = net.scope('branch3', () => basic(net, avgPoolExcludePad(net, x, 0), 1, 1536, 256, 1));
  return net.concat([b0, b1, b2c, b3], 1);
}

/** Side of the last feature map for an input side. */
function lastMap(size: number): number {
  let s = windowOut(windowOut(windowOut(size, 3, 2, 0), 3, 1, 0), 3, 1, 1);
  s = windowOut(s, 3, 2, 0); // Mixed_3a
  s = windowOut(s, 3, 1, 0); // Mixed_4a
  s = windowOut(s, 3, 2, 0); // Mixed_5a
  s = windowOut(s, 3, 2, 0); // Reduction-A
  return windowOut(s, 3, 2, 0); // Reduction-B
}

export function inceptionV4(o: BuildOptions): Model {
  const height = o.height ?? 299;
  const width = o.width ?? 299;
  const [mh, mw] = [lastMap(height), lastMap(width)];
  const net = new Net({ name: 'inceptionv4', seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  x = net.scope('features', () => {
    let i = 0;
    let y = basic(net, x, i++, 3, 32, 3, { stride: 2 });
    y = basic(net, y, i++, 32, 32, 3);
    y = basic(net, y, i++, 32, 64, 3, { padding: 1 });
    const stages: ((n: Net, v: string) => string)[] = [
      mixed3a,
      mixed4a,
      mixed5a,
      ...Array<typeof inceptionA>(4).fill(inceptionA),
      reductionA,
      ...Array<typeof inceptionB>(7).fill(inceptionB),
      reductionB,
      ...Array<typeof inceptionC>(3).fill(inceptionC),
    ];
    for (const stage of stages) y = net.scope(i++, () => stage(net, y));
    return y;
  });
  x =
    mh === 8 && mw === 8
      ? net.scope('avg_pool', () =>
          net.op('AveragePool', [x], { ceil_mode: 0, count_include_pad: 0, kernel_shape: [8, 8], pads: [0, 0, 0, 0], strides: [8, 8] }),
        )
      : net.adaptiveAvgPool2d(x, mh, mw, 1, 'avg_pool');
  x = net.flatten(x);
  x = net.linear(x, 'last_linear', 1536, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
