/**
 * ResNet-18/34/50/101/152 as torchvision defines them (v1.5: the stride of a bottleneck sits on its
 * 3×3 convolution). resnet18 has 11,689,512 parameters and 1.81 GMACs at 224×224; resnet50
 * 25,557,032 and 4.09 GMACs.
 *
 * `variant: 'v1'` is the network of the paper (He et al. 2016, and Caffe's release): a bottleneck's
 * stride sits on its first 1×1 convolution, so its 3×3 runs on the downsampled map. Same parameters,
 * fewer MACs: resnet50 3.86 G against 4.09 G, the paper's Table 1 "3.8 × 10^9 FLOPs". BasicBlocks
 * (ResNet-18/34) are the same in both.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

export type ResnetDepth = 18 | 34 | 50 | 101 | 152;

/** Where a bottleneck downsamples: torchvision's 3×3 (v1.5, the default) or the paper's first 1×1 (v1). */
export type ResnetVariant = 'v1' | 'v1.5';

const layout: Record<ResnetDepth, { bottleneck: boolean; blocks: [number, number, number, number] }> = {
  18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  50: { bottleneck: true, blocks: [3, 4, 6, 3] },
  101: { bottleneck: true, blocks: [3, 4, 23, 3] },
  152: { bottleneck: true, blocks: [3, 8, 36, 3] },
};

/** conv → bn (→ relu) with torchvision's module names. */
function convBn(net: Net, x: string, index: number, cin: number, cout: number, k: number, stride: number, residualBranch = false): string {
  const y = net.conv2d(x, `conv${index}`, cin, cout, k, { stride, padding: (k - 1) / 2, bias: false });
  return net.batchNorm2d(y, `bn${index}`, cout, 1e-5, { residualBranch });
}

function downsample(net: Net, x: string, cin: number, cout: number, stride: number): string {
  return net.scope('downsample', () => {
    const y = net.conv2d(x, 0, cin, cout, 1, { stride, bias: false });
    return net.batchNorm2d(y, 1, cout);
  });
}

/** BasicBlock: 3×3 → 3×3, identity or 1×1 projection shortcut. */
function basicBlock(net: Net, x: string, cin: number, planes: number, stride: number): string {
  let y = net.relu(convBn(net, x, 1, cin, planes, 3, stride), 'relu');
  y = convBn(net, y, 2, planes, planes, 3, 1, true);
  const shortcut = stride !== 1 || cin !== planes ? downsample(net, x, cin, planes, stride) : x;
  return net.relu(net.add(y, shortcut), 'relu');
}

/** Bottleneck: 1×1 → 3×3 (stride, v1.5) → 1×1 ×4; v1 strides the first 1×1. */
function bottleneck(net: Net, x: string, cin: number, planes: number, stride: number, variant: ResnetVariant): string {
  const out = planes * 4;
  const [s1, s2] = variant === 'v1' ? [stride, 1] : [1, stride];
  let y = net.relu(convBn(net, x, 1, cin, planes, 1, s1), 'relu');
  y = net.relu(convBn(net, y, 2, planes, planes, 3, s2), 'relu');
  y = convBn(net, y, 3, planes, out, 1, 1, true);
  const shortcut = stride !== 1 || cin !== out ? downsample(net, x, cin, out, stride) : x;
  return net.relu(net.add(y, shortcut), 'relu');
}

export function resnet(depth: ResnetDepth, o: BuildOptions, variant: ResnetVariant = 'v1.5'): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  // Reject sizes the stem cannot take before building anything.
  windowOut(windowOut(height, 7, 2, 3), 3, 2, 1);
  windowOut(windowOut(width, 7, 2, 3), 3, 2, 1);
  const { bottleneck: useBottleneck, blocks } = layout[depth];
  const expansion = useBottleneck ? 4 : 1;
  const net = new Net({ name: variant === 'v1' ? `resnet${depth}_v1` : `resnet${depth}`, seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  x = net.conv2d(x, 'conv1', 3, 64, 7, { stride: 2, padding: 3, bias: false });
  x = net.batchNorm2d(x, 'bn1', 64);
  x = net.relu(x, 'relu');
  x = net.maxPool2d(x, 3, 2, 1, { module: 'maxpool' });
  let cin = 64;
  blocks.forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    x = net.scope(`layer${stage + 1}`, () => {
      let y = x;
      for (let i = 0; i < count; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1;
        y = net.scope(i, () => (useBottleneck ? bottleneck(net, y, cin, planes, stride, variant) : basicBlock(net, y, cin, planes, stride)));
        cin = planes * expansion;
      }
      return y;
    });
  });
  x = net.adaptiveAvgPool2d(x, 1, 1, 1, 'avgpool');
  x = net.flatten(x);
  x = net.linear(x, 'fc', 512 * expansion, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
