/**
 * Inception-v3 as torchvision defines it, at 299×299: 27,161,264 parameters with the auxiliary
 * classifier, 23,834,568 without; ptflops (the seed's table) counts 5.73 GMACs for the eval-mode
 * network, which does not run the auxiliary branch.
 *
 * With `aux` (the default) the graph has a second output `aux` (the AuxLogits head on Mixed_6e), as
 * a training-mode export would; without it the graph is the eval-mode network.
 * `transform_input` (an affine re-normalisation of the input, used only with ImageNet weights) is
 * left out: it has no parameters.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

type Pair = number | [number, number];

/** BasicConv2d: conv (no bias) → BN (eps 0.001) → ReLU. */
function basic(net: Net, x: string, name: string, cin: number, cout: number, k: Pair, o: { stride?: number; padding?: Pair } = {}): string {
  return net.scope(name, () => {
    const y = net.conv2d(x, 'conv', cin, cout, k, { stride: o.stride ?? 1, padding: o.padding ?? 0, bias: false });
    return net.relu(net.batchNorm2d(y, 'bn', cout, 0.001));
  });
}

function inceptionA(net: Net, x: string, cin: number, poolFeatures: number): string {
  const b1 = basic(net, x, 'branch1x1', cin, 64, 1);
  let b5 = basic(net, x, 'branch5x5_1', cin, 48, 1);
  b5 = basic(net, b5, 'branch5x5_2', 48, 64, 5, { padding: 2 });
  let b3 = basic(net, x, 'branch3x3dbl_1', cin, 64, 1);
  b3 = basic(net, b3, 'branch3x3dbl_2', 64, 96, 3, { padding: 1 });
  b3 = basic(net, b3, 'branch3x3dbl_3', 96, 96, 3, { padding: 1 });
  const pool = basic(net, net.avgPool2d(x, 3, 1, 1), 'branch_pool', cin, poolFeatures, 1);
  return net.concat([b1, b5, b3, pool], 1);
}

function inceptionB(net: Net, x: string, cin: number): string {
  const b3 = basic(net, x, 'branch3x3', cin, 384, 3, { stride: 2 });
  let d = basic(net, x, 'branch3x3dbl_1', cin, 64, 1);
  d = basic(net, d, 'branch3x3dbl_2', 64, 96, 3, { padding: 1 });
  d = basic(net, d, 'branch3x3dbl_3', 96, 96, 3, { stride: 2 });
  return net.concat([b3, d, net.maxPool2d(x, 3, 2)], 1);
}

function inceptionC(net: Net, x: string, cin: number, c7: number): string {
  const b1 = basic(net, x, 'branch1x1', cin, 192, 1);
  let b7 = basic(net, x, 'branch7x7_1', cin, c7, 1);
  b7 = basic(net, b7, 'branch7x7_2', c7, c7, [1, 7], { padding: [0, 3] });
  b7 = basic(net, b7, 'branch7x7_3', c7, 192, [7, 1], { padding: [3, 0] });
  let d = basic(net, x, 'branch7x7dbl_1', cin, c7, 1);
  d = basic(net, d, 'branch7x7dbl_2', c7, c7, [7, 1], { padding: [3, 0] });
  d = basic(net, d, 'branch7x7dbl_3', c7, c7, [1, 7], { padding: [0, 3] });
  d = basic(net, d, 'branch7x7dbl_4', c7, c7, [7, 1], { padding: [3, 0] });
  d = basic(net, d, 'branch7x7dbl_5', c7, 192, [1, 7], { padding: [0, 3] });
  const pool = basic(net, net.avgPool2d(x, 3, 1, 1), 'branch_pool', cin, 192, 1);
  return net.concat([b1, b7, d, pool], 1);
}

function inceptionD(net: Net, x: string, cin: number): string {
  let b3 = basic(net, x, 'branch3x3_1', cin, 192, 1);
  b3 = basic(net, b3, 'branch3x3_2', 192, 320, 3, { stride: 2 });
  let b7 = basic(net, x, 'branch7x7x3_1', cin, 192, 1);
  b7 = basic(net, b7, 'branch7x7x3_2', 192, 192, [1, 7], { padding: [0, 3] });
  b7 = basic(net, b7, 'branch7x7x3_3', 192, 192, [7, 1], { padding: [3, 0] });
  b7 = basic(net, b7, 'branch7x7x3_4', 192, 192, 3, { stride: 2 });
  return net.concat([b3, b7, net.maxPool2d(x, 3, 2)], 1);
}

function inceptionE(net: Net, x: string, cin: number): string {
  const b1 = basic(net, x, 'branch1x1', cin, 320, 1);
  const b3 = basic(net, x, 'branch3x3_1', cin, 384, 1);
  const b3a = basic(net, b3, 'branch3x3_2a', 384, 384, [1, 3], { padding: [0, 1] });
  const b3b = basic(net, b3, 'branch3x3_2b', 384, 384, [3, 1], { padding: [1, 0] });
  const b3cat = net.concat([b3a, b3b], 1);
  let d = basic(net, x, 'branch3x3dbl_1', cin, 448, 1);
  d = basic(net, d, 'branch3x3dbl_2', 448, 384, 3, { padding: 1 });
  const da = basic(net, d, 'branch3x3dbl_3a', 384, 384, [1, 3], { padding: [0, 1] });
  const db = basic(net, d, 'branch3x3dbl_3b', 384, 384, [3, 1], { padding: [1, 0] });
  const dcat = net.concat([da, db], 1);
  const pool = basic(net, net.avgPool2d(x, 3, 1, 1), 'branch_pool', cin, 192, 1);
  return net.concat([b1, b3cat, dcat, pool], 1);
}

/** InceptionAux: avg_pool(5, 3) → 1×1 conv 128 → 5×5 conv 768 → global pool → fc. */
function inceptionAux(net: Net, x: string, cin: number): string {
  return net.scope('AuxLogits', () => {
    let y = net.avgPool2d(x, 5, 3);
    y = basic(net, y, 'conv0', cin, 128, 1);
    y = basic(net, y, 'conv1', 128, 768, 5);
    y = net.adaptiveAvgPool2d(y, 1, 1, 1);
    y = net.flatten(y);
    return net.linear(y, 'fc', 768, 1000, { rank2: true });
  });
}

export function inceptionV3(o: BuildOptions): Model {
  const height = o.height ?? 299;
  const width = o.width ?? 299;
  const withAux = o.aux ?? true;
  // The aux head's 5×5 convolution needs a 17×17 Mixed_6e map (299×299 input) of at least 5×5 after its pool.
  for (const size of [height, width]) {
    const mixed6 = windowOut(windowOut(windowOut(windowOut(windowOut(windowOut(size, 3, 2, 0), 3, 1, 0), 3, 2, 0), 3, 1, 0), 3, 2, 0), 3, 2, 0);
    if (withAux) windowOut(windowOut(mixed6, 5, 3, 0), 5, 1, 0);
  }
  const net = new Net({ name: withAux ? 'inception_v3' : 'inception_v3_noaux', seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  x = basic(net, x, 'Conv2d_1a_3x3', 3, 32, 3, { stride: 2 });
  x = basic(net, x, 'Conv2d_2a_3x3', 32, 32, 3);
  x = basic(net, x, 'Conv2d_2b_3x3', 32, 64, 3, { padding: 1 });
  x = net.maxPool2d(x, 3, 2, 0, { module: 'maxpool1' });
  x = basic(net, x, 'Conv2d_3b_1x1', 64, 80, 1);
  x = basic(net, x, 'Conv2d_4a_3x3', 80, 192, 3);
  x = net.maxPool2d(x, 3, 2, 0, { module: 'maxpool2' });
  x = net.scope('Mixed_5b', () => inceptionA(net, x, 192, 32));
  x = net.scope('Mixed_5c', () => inceptionA(net, x, 256, 64));
  x = net.scope('Mixed_5d', () => inceptionA(net, x, 288, 64));
  x = net.scope('Mixed_6a', () => inceptionB(net, x, 288));
  x = net.scope('Mixed_6b', () => inceptionC(net, x, 768, 128));
  x = net.scope('Mixed_6c', () => inceptionC(net, x, 768, 160));
  x = net.scope('Mixed_6d', () => inceptionC(net, x, 768, 160));
  x = net.scope('Mixed_6e', () => inceptionC(net, x, 768, 192));
  const aux = withAux ? inceptionAux(net, x, 768) : undefined;
  x = net.scope('Mixed_7a', () => inceptionD(net, x, 768));
  x = net.scope('Mixed_7b', () => inceptionE(net, x, 1280));
  x = net.scope('Mixed_7c', () => inceptionE(net, x, 2048));
  x = net.adaptiveAvgPool2d(x, 1, 1, 1, 'avgpool');
  x = net.flatten(x);
  x = net.linear(x, 'fc', 2048, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  if (aux !== undefined) net.output('aux', aux, ['batch', 1000]);
  return net.build();
}
