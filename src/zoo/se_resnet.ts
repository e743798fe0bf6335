/**
 * SE-ResNet-50/101/152 as the `pretrainedmodels` package (Cadene) defines them, the networks the
 * seed's ptflops table measured: torchvision's ResNet with the Caffe stride placement (the stride
 * sits on the first 1×1 convolution of a bottleneck, not on the 3×3) and a squeeze-and-excitation
 * module (Hu et al. 2018, reduction 16) on each bottleneck's residual branch, before the addition.
 *
 * - layer0: conv1 7×7 stride 2 (no bias), bn1, relu1, MaxPool 3×3 stride 2 with ceil_mode;
 * - SE module: global average pool, fc1 (1×1 conv with bias, C → C/16), ReLU, fc2 (C/16 → C),
 *   Sigmoid, multiply with the branch;
 * - downsample: 1×1 conv with the stride, BN (kernel 1, padding 0 for SE-ResNet);
 * - logits: AvgPool2d(7, stride=1) on the 7×7 map of a 224×224 input, last_linear 2048 → 1000.
 *   At other input sizes the map is not 7×7 and the zoo pools globally (what AvgPool2d(7) computes
 *   at 224), so the classifier keeps its 2048 inputs.
 *
 * se_resnet50 holds 28,088,024 parameters (the seed's 28.09 M).
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

export type SeResnetDepth = 50 | 101 | 152;

const blocks: Record<SeResnetDepth, [number, number, number, number]> = {
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
};

const reduction = 16;

function seModule(net: Net, x: string, channels: number): string {
  return net.scope('se_module', () => {
    let s = net.adaptiveAvgPool2d(x, 1, 1, 1, 'avg_pool');
    s = net.conv2d(s, 'fc1', channels, channels / reduction, 1);
    s = net.relu(s, 'relu');
    s = net.conv2d(s, 'fc2', channels / reduction, channels, 1);
    s = net.scope('sigmoid', () => net.op('Sigmoid', [s]));
    return net.op('Mul', [x, s]);
  });
}

function bottleneck(net: Net, x: string, cin: number, planes: number, stride: number): string {
  const out = planes * 4;
  let y = net.conv2d(x, 'conv1', cin, planes, 1, { stride, bias: false });
  y = net.relu(net.batchNorm2d(y, 'bn1', planes), 'relu');
  y = net.conv2d(y, 'conv2', planes, planes, 3, { padding: 1, bias: false });
  y = net.relu(net.batchNorm2d(y, 'bn2', planes), 'relu');
  y = net.conv2d(y, 'conv3', planes, out, 1, { bias: false });
  y = net.batchNorm2d(y, 'bn3', out, 1e-5, { residualBranch: true });
  const shortcut =
    stride !== 1 || cin !== out ? net.scope('downsample', () => net.batchNorm2d(net.conv2d(x, 0, cin, out, 1, { stride, bias: false }), 1, out)) : x;
  return net.relu(net.add(seModule(net, y, out), shortcut), 'relu');
}

/** Side of the last feature map for an input side (the stem, then three stride-2 1×1 convolutions). */
function lastMap(size: number): number {
  let s = windowOut(windowOut(size, 7, 2, 3), 3, 2, 0, 1, true);
  for (let i = 0; i < 3; i++) s = windowOut(s, 1, 2, 0);
  return s;
}

export function seResnet(depth: SeResnetDepth, o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  const [mh, mw] = [lastMap(height), lastMap(width)];
  const net = new Net({ name: `se_resnet${depth}`, seed: o.seed, opset: 17 });
  let x = net.imageInput(3, height, width);
  x = net.scope('layer0', () => {
    let y = net.conv2d(x, 'conv1', 3, 64, 7, { stride: 2, padding: 3, bias: false });
    y = net.relu(net.batchNorm2d(y, 'bn1', 64), 'relu1');
    return net.maxPool2d(y, 3, 2, 0, { ceil: true, module: 'pool' });
  });
  let cin = 64;
  blocks[depth].forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    x = net.scope(`layer${stage + 1}`, () => {
      let y = x;
      for (let i = 0; i < count; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1;
        y = net.scope(i, () => bottleneck(net, y, cin, planes, stride));
        cin = planes * 4;
      }
      return y;
    });
  });
  x = mh === 7 && mw === 7 ? net.avgPool2d(x, 7, 1, 0, { module: 'avg_pool' }) : net.adaptiveAvgPool2d(x, mh, mw, 1, 'avg_pool');
  x = net.flatten(x);
  x = net.linear(x, 'last_linear', 2048, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
