/**
 * torchvision VGG-16 (configuration "D", no BatchNorm) as the PyTorch exporter writes it at 224×224:
 * 13 Conv+ReLU, 5 MaxPool, the adaptive 7×7 average pool folded away (identity at this size), Flatten,
 * and the classifier Linear-ReLU-Dropout ×2 + Linear (Dropout vanishes in an eval export).
 * Architecture from torchvision/models/vgg.py (cfgs['D']).
 */
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Model } from '../../src/onnx/model.js';
import { type WeightMode, Weights } from './weights.js';

const CFG_D: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export function buildVgg16(options: { batch?: number | string; mode?: WeightMode; cfg?: (number | 'M')[] } = {}): Model {
  const b = new GraphBuilder({ opset: 17, name: 'vgg16' });
  const w = new Weights(b, options.mode ?? 'placeholder');
  let y = b.input('input', 'float32', [options.batch ?? 1, 3, 224, 224]);
  let cin = 3;
  let index = 0;
  for (const c of options.cfg ?? CFG_D) {
    if (c === 'M') {
      y = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] }, `/features/features.${index}/MaxPool`);
      index++;
      continue;
    }
    const wt = w.add(`features.${index}.weight`, [c, cin, 3, 3]);
    const bias = w.add(`features.${index}.bias`, [c], 'zeros');
    y = b.op('Conv', [y, wt, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, `/features/features.${index}/Conv`);
    y = b.op('Relu', [y], {}, `/features/features.${index + 1}/Relu`);
    index += 2;
    cin = c;
  }
  y = b.op('Flatten', [y], { axis: 1 }, '/Flatten');
  const fc = (i: number, input: string, fin: number, fout: number): string =>
    b.op(
      'Gemm',
      [input, w.add(`classifier.${i}.weight`, [fout, fin]), w.add(`classifier.${i}.bias`, [fout], 'zeros')],
      { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 },
      `/classifier/classifier.${i}/Gemm`,
    );
  y = b.op('Relu', [fc(0, y, 512 * 7 * 7, 4096)], {}, '/classifier/classifier.1/Relu');
  y = b.op('Relu', [fc(3, y, 4096, 4096)], {}, '/classifier/classifier.4/Relu');
  y = fc(6, y, 4096, 1000);
  b.output(y);
  return b.build();
}
