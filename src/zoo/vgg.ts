/**
 * VGG-11/13/16/19 without BatchNorm, as torchvision defines them (configurations A, B, D, E of
 * Simonyan & Zisserman): vgg16 has 138,357,544 parameters and 15.47 GMACs at 224×224.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

export type VggDepth = 11 | 13 | 16 | 19;

/** Channels of each 3×3 convolution, 'M' for a 2×2 max pool (torchvision's `cfgs`). */
const configs: Record<VggDepth, (number | 'M')[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

export function vgg(depth: VggDepth, o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  const net = new Net({ name: `vgg${depth}`, seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  let h = height;
  let w = width;
  x = net.scope('features', () => {
    let y = x;
    let cin = 3;
    let index = 0;
    for (const item of configs[depth]) {
      if (item === 'M') {
        y = net.maxPool2d(y, 2, 2, 0, { module: String(index++) });
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
      } else {
        y = net.conv2d(y, index++, cin, item, 3, { padding: 1 });
        y = net.relu(y, String(index++));
        cin = item;
      }
    }
    return y;
  });
  x = net.adaptiveAvgPool2d(x, h, w, 7, 'avgpool');
  x = net.flatten(x);
  x = net.scope('classifier', () => {
    // Dropout at 2 and 5 vanishes at inference.
    let y = net.linear(x, 0, 512 * 7 * 7, 4096, { rank2: true });
    y = net.relu(y, '1');
    y = net.linear(y, 3, 4096, 4096, { rank2: true });
    y = net.relu(y, '4');
    return net.linear(y, 6, 4096, 1000, { rank2: true });
  });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
