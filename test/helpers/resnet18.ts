/**
 * torchvision ResNet-18 as the PyTorch exporter writes it with BatchNorm kept
 * (`training=TrainingMode.PRESERVE`): node names follow the module paths, e.g.
 * `/layer2/layer2.0/downsample/downsample.0/Conv`. Architecture from torchvision/models/resnet.py
 * (BasicBlock, layers [2, 2, 2, 2]).
 */
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Model } from '../../src/onnx/model.js';
import { type WeightMode, Weights } from './weights.js';

/**
 * `foldBn: true` gives the default eval-mode export instead: each BatchNorm folded into the preceding
 * convolution, which gains a bias of C_out (the BN nodes are gone).
 */
export function buildResNet18(options: { batch?: number | string; mode?: WeightMode; opset?: number; foldBn?: boolean } = {}): Model {
  const b = new GraphBuilder({ opset: options.opset ?? 17, name: 'resnet18' });
  const w = new Weights(b, options.mode ?? 'placeholder');
  const x = b.input('input', 'float32', [options.batch ?? 1, 3, 224, 224]);

  const conv = (prefix: string, input: string, cin: number, cout: number, k: number, stride: number): string => {
    const weight = w.add(`${prefix.slice(1).replaceAll('/', '.')}.weight`, [cout, cin, k, k]);
    const pad = Math.floor(k / 2);
    const inputs = options.foldBn ? [input, weight, w.add(`${prefix.slice(1).replaceAll('/', '.')}.bias`, [cout], 'zeros')] : [input, weight];
    return b.op('Conv', inputs, { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1 }, `${prefix}/Conv`);
  };
  const bn = (prefix: string, input: string, c: number): string => {
    if (options.foldBn) return input;
    const p = prefix.slice(1).replaceAll('/', '.');
    const inputs = [
      input,
      w.add(`${p}.weight`, [c], 'ones'),
      w.add(`${p}.bias`, [c], 'zeros'),
      w.add(`${p}.running_mean`, [c], 'zeros'),
      w.add(`${p}.running_var`, [c], 'ones'),
    ];
    return b.op('BatchNormalization', inputs, { epsilon: { float: 1e-5 }, momentum: { float: 0.9 } }, `${prefix}/BatchNormalization`);
  };
  const relu = (prefix: string, input: string): string => b.op('Relu', [input], {}, `${prefix}/Relu`);

  let y = relu('/relu', bn('/bn1', conv('/conv1', x, 3, 64, 7, 2), 64));
  y = b.op('MaxPool', [y], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, '/maxpool/MaxPool');
  let cin = 64;
  [64, 128, 256, 512].forEach((cout, li) => {
    for (let block = 0; block < 2; block++) {
      const stride = li > 0 && block === 0 ? 2 : 1;
      const p = `/layer${li + 1}/layer${li + 1}.${block}`;
      let out = relu(`${p}/relu`, bn(`${p}/bn1`, conv(`${p}/conv1`, y, cin, cout, 3, stride), cout));
      out = bn(`${p}/bn2`, conv(`${p}/conv2`, out, cout, cout, 3, 1), cout);
      let identity = y;
      if (stride !== 1 || cin !== cout) {
        identity = bn(`${p}/downsample/downsample.1`, conv(`${p}/downsample/downsample.0`, y, cin, cout, 1, stride), cout);
      }
      y = relu(`${p}/relu_1`, b.op('Add', [out, identity], {}, `${p}/Add`));
      cin = cout;
    }
  });
  y = b.op('GlobalAveragePool', [y], {}, '/avgpool/GlobalAveragePool');
  y = b.op('Flatten', [y], { axis: 1 }, '/Flatten');
  y = b.op('Gemm', [y, w.add('fc.weight', [1000, 512]), w.add('fc.bias', [1000], 'zeros')], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, '/fc/Gemm');
  b.output(y);
  return b.build();
}
