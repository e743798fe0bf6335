/**
 * AlexNet as torchvision defines it (torchvision/models/alexnet.py, the "one weird trick" variant
 * with 64/192/384/256/256 channels): 61,100,840 parameters, 0.71 GMACs at 224×224.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

export function alexnet(o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  const net = new Net({ name: 'alexnet', seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  let h = height;
  let w = width;
  x = net.scope('features', () => {
    // [module index, C_in, C_out, kernel, stride, padding], ReLU at index+1, MaxPool(3, 2) after 0, 3 and 12.
    const convs: [number, number, number, number, number, number][] = [
      [0, 3, 64, 11, 4, 2],
      [3, 64, 192, 5, 1, 2],
      [6, 192, 384, 3, 1, 1],
      [8, 384, 256, 3, 1, 1],
      [10, 256, 256, 3, 1, 1],
    ];
    let y = x;
    for (const [i, cin, cout, k, s, p] of convs) {
      y = net.conv2d(y, i, cin, cout, k, { stride: s, padding: p });
      h = windowOut(h, k, s, p);
      w = windowOut(w, k, s, p);
      y = net.relu(y, String(i + 1));
      if (i === 0 || i === 3 || i === 10) {
        y = net.maxPool2d(y, 3, 2, 0, { module: String(i + 2) });
        h = windowOut(h, 3, 2, 0);
        w = windowOut(w, 3, 2, 0);
      }
    }
    return y;
  });
  x = net.adaptiveAvgPool2d(x, h, w, 6, 'avgpool');
  x = net.flatten(x);
  x = net.scope('classifier', () => {
    // Dropout at 0 and 3 vanishes at inference.
    let y = net.linear(x, 1, 256 * 6 * 6, 4096, { rank2: true });
    y = net.relu(y, '2');
    y = net.linear(y, 4, 4096, 4096, { rank2: true });
    y = net.relu(y, '5');
    return net.linear(y, 6, 4096, 1000, { rank2: true });
  });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
