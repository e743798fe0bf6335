/**
 * DenseNet-121/161/169/201 (DenseNet-BC: bottleneck layers, compression θ = 0.5) as torchvision
 * defines them. densenet121 has 7,978,856 parameters and 2.83 GMACs at 224×224.
 *
 * Each dense layer concatenates all earlier feature maps of its block (`torch.cat(inputs, 1)` in
 * torchvision's `bn_function`), so the graph holds one Concat per layer, as an export does.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

export type DensenetDepth = 121 | 161 | 169 | 201;

const layout: Record<DensenetDepth, { growth: number; blocks: number[]; init: number }> = {
  121: { growth: 32, blocks: [6, 12, 24, 16], init: 64 },
  161: { growth: 48, blocks: [6, 12, 36, 24], init: 96 },
  169: { growth: 32, blocks: [6, 12, 32, 32], init: 64 },
  201: { growth: 32, blocks: [6, 12, 48, 32], init: 64 },
};

/** Bottleneck width factor: the 1×1 convolution makes bn_size·k channels. */
const bnSize = 4;

function denseLayer(net: Net, features: string[], cin: number, growth: number): string {
  const x = net.concat(features, 1);
  let y = net.batchNorm2d(x, 'norm1', cin);
  y = net.relu(y, 'relu1');
  y = net.conv2d(y, 'conv1', cin, bnSize * growth, 1, { bias: false });
  y = net.batchNorm2d(y, 'norm2', bnSize * growth);
  y = net.relu(y, 'relu2');
  return net.conv2d(y, 'conv2', bnSize * growth, growth, 3, { padding: 1, bias: false });
}

export function densenet(depth: DensenetDepth, o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  windowOut(windowOut(height, 7, 2, 3), 3, 2, 1);
  windowOut(windowOut(width, 7, 2, 3), 3, 2, 1);
  const { growth, blocks, init } = layout[depth];
  const net = new Net({ name: `densenet${depth}`, seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  let channels = init;
  x = net.scope('features', () => {
    let y = net.conv2d(x, 'conv0', 3, init, 7, { stride: 2, padding: 3, bias: false });
    y = net.batchNorm2d(y, 'norm0', init);
    y = net.relu(y, 'relu0');
    y = net.maxPool2d(y, 3, 2, 1, { module: 'pool0' });
    blocks.forEach((layers, b) => {
      y = net.scope(`denseblock${b + 1}`, () => {
        const features = [y];
        for (let i = 0; i < layers; i++) {
          features.push(net.scope(`denselayer${i + 1}`, () => denseLayer(net, features, channels + i * growth, growth)));
        }
        return net.concat(features, 1);
      });
      channels += layers * growth;
      if (b < blocks.length - 1) {
        y = net.scope(`transition${b + 1}`, () => {
          let t = net.batchNorm2d(y, 'norm', channels);
          t = net.relu(t, 'relu');
          t = net.conv2d(t, 'conv', channels, Math.floor(channels / 2), 1, { bias: false });
          return net.avgPool2d(t, 2, 2, 0, { module: 'pool' });
        });
        channels = Math.floor(channels / 2);
      }
    });
    return net.batchNorm2d(y, 'norm5', channels);
  });
  // torchvision's forward: F.relu, adaptive_avg_pool2d(1), flatten, classifier.
  x = net.relu(x);
  x = net.adaptiveAvgPool2d(x, 1, 1, 1);
  x = net.flatten(x);
  x = net.linear(x, 'classifier', channels, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
