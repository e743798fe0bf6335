/**
 * The backend "light" models (ONNX model zoo architectures whose weights onnx's
 * replace_initializer_by_constant_of_shape turned into ConstantOfShape nodes) count the weights
 * those nodes make, so their parameters equal the published counts of the same architectures.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { readModel } from '../../src/onnx/reader.js';
import { BACKEND_DATA } from '../helpers/backend-data.js';

const light = (name: string) => readModel(path.join(BACKEND_DATA, 'light', `light_${name}.onnx`));

describe('light backend models', () => {
  it("ResNet-50: 25,557,032 params and 4,089,184,256 MACs, torchvision resnet50's numbers", () => {
    // torchvision's resnet50 docs: 25,557,032 parameters, 4.09 GFLOPS (= MACs); same architecture.
    const p = profileModel(light('resnet50'));
    expect(p.totals.params).toBe(25_557_032);
    expect(p.totals.macs).toBe(4_089_184_256);
  });

  it("VGG-19: 143,667,240 params, torchvision vgg19's count", () => {
    expect(profileModel(light('vgg19')).totals.params).toBe(143_667_240);
  });

  it('BVLC AlexNet: 60,965,224 params (grouped conv2/4/5, as in the Caffe reference model)', () => {
    // conv1 96·3·11·11+96 = 34,944; conv2 256·48·5·5+256 = 307,456; conv3 384·256·3·3+384 = 885,120;
    // conv4 384·192·3·3+384 = 663,936; conv5 256·192·3·3+256 = 442,624; fc6 4096·9216+4096 = 37,752,832;
    // fc7 4096·4096+4096 = 16,781,312; fc8 1000·4096+1000 = 4,097,000; sum = 60,965,224.
    expect(profileModel(light('bvlc_alexnet')).totals.params).toBe(60_965_224);
  });

  it('a ConstantOfShape whose shape comes from the input is not a weight', async () => {
    const { GraphBuilder } = await import('../../src/onnx/builder.js');
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    const zeros = b.op('ConstantOfShape', [b.op('Shape', [x])]);
    b.output(b.op('Add', [x, zeros]));
    expect(profileModel(b.build()).totals.params).toBe(0);
  });
});
