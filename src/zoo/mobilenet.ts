/**
 * MobileNetV2 (width 1.0) as torchvision defines it: 3,504,872 parameters, 0.30 GMACs at 224×224.
 * ReLU6 is exported as Clip(0, 6).
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

/** t (expansion), c (channels), n (repeats), s (first stride): the paper's Table 2. */
const settings: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Conv2dNormActivation: conv (no bias) → BN → ReLU6, as modules 0, 1, 2. */
function convBnRelu6(net: Net, x: string, cin: number, cout: number, k: number, stride: number, groups = 1): string {
  let y = net.conv2d(x, 0, cin, cout, k, { stride, padding: (k - 1) / 2, groups, bias: false });
  y = net.batchNorm2d(y, 1, cout);
  return net.relu6(y, '2');
}

function invertedResidual(net: Net, x: string, cin: number, cout: number, stride: number, expand: number): string {
  const hidden = cin * expand;
  const y = net.scope('conv', () => {
    let i = 0;
    let z = x;
    if (expand !== 1) z = net.scope(i++, () => convBnRelu6(net, z, cin, hidden, 1, 1));
    z = net.scope(i++, () => convBnRelu6(net, z, hidden, hidden, 3, stride, hidden));
    z = net.conv2d(z, i++, hidden, cout, 1, { bias: false });
    return net.batchNorm2d(z, i, cout, 1e-5, { residualBranch: stride === 1 && cin === cout });
  });
  return stride === 1 && cin === cout ? net.add(x, y) : y;
}

export function mobilenetV2(o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  const net = new Net({ name: 'mobilenet_v2', seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  x = net.scope('features', () => {
    let index = 0;
    let y = net.scope(index++, () => convBnRelu6(net, x, 3, 32, 3, 2));
    let cin = 32;
    for (const [t, c, n, s] of settings) {
      for (let i = 0; i < n; i++) {
        const stride = i === 0 ? s : 1;
        const input = y;
        y = net.scope(index++, () => invertedResidual(net, input, cin, c, stride, t));
        cin = c;
      }
    }
    const last = y;
    return net.scope(index, () => convBnRelu6(net, last, cin, 1280, 1, 1));
  });
  x = net.adaptiveAvgPool2d(x, 1, 1, 1);
  x = net.flatten(x);
  // Dropout (classifier.0) vanishes at inference.
  x = net.scope('classifier', () => net.linear(x, 1, 1280, 1000, { rank2: true }));
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
