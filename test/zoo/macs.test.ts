/**
 * MACs of zoo models through the analysis engine (profileModel), against published tables.
 *
 * `exact` (dot-product MACs of Conv/Gemm/MatMul, the definition torchvision's "GFLOPS" uses):
 * torchvision's weight metadata `_ops` (GFLOPS to 3 decimals; the docs table rounds to 2:
 * resnet18 1.81, resnet50 4.09, vgg16 15.47, alexnet 0.71, densenet121 2.83, mobilenet_v2 0.30,
 * vit_b_16 17.56, swin_t 4.49). Within 0.5% of `_ops`. Against the 2-decimal docs value AlexNet is
 * 0.59% off (0.7142 vs 0.71): that is the docs' rounding of 0.714, larger than 0.5% of so small a
 * number, so the tests compare with `_ops` and check the docs value only up to its rounding.
 *
 * `ptflops` (the seed's table, flops-counter.pytorch: conv/linear MACs with bias, plus BN, ReLU and
 * pooling element counts): within 2%. Its Inception-v3 row (5.73 G at 299×299) is the eval-mode
 * network, which does not run the auxiliary classifier: it is compared with `inception_v3_noaux`.
 */
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { Model } from '../../src/onnx/model.js';
import { zooEntry } from '../../src/zoo/registry.js';

const built = new Map<string, Model>();
function model(name: string): Model {
  let m = built.get(name);
  if (!m) {
    m = zooEntry(name).build({ seed: 1 });
    built.set(name, m);
  }
  return m;
}

function gmacs(name: string, convention: 'exact' | 'ptflops'): number {
  const entry = zooEntry(name);
  const inputs = { input: [1, ...(entry.input.shape.slice(1) as number[])] };
  return profileModel(model(name), { inputs, convention }).totals.macs / 1e9;
}

// [name, torchvision `_ops`, torchvision docs GFLOPS (2 decimals)]
const torchvision: [string, number, number][] = [
  ['resnet18', 1.814, 1.81],
  ['resnet50', 4.089, 4.09],
  ['vgg16', 15.47, 15.47],
  ['alexnet', 0.714, 0.71],
  ['densenet121', 2.834, 2.83],
  ['mobilenet_v2', 0.301, 0.3],
  ['vit_b_16', 17.564, 17.56],
  ['swin_t', 4.491, 4.49],
];

// [name, the seed's ptflops table (GMac)]
const seedTable: [string, number][] = [
  ['resnet18', 1.82],
  ['resnet50', 4.12],
  ['vgg16', 15.5],
  ['alexnet', 0.72],
  ['densenet121', 2.88],
  ['inception_v3_noaux', 5.73],
];

describe('exact MACs vs torchvision GFLOPS', () => {
  for (const [name, ops, docs] of torchvision) {
    it(`${name}: ${ops} GMACs (docs ${docs})`, () => {
      const g = gmacs(name, 'exact');
      expect(Math.abs(g - ops) / ops).toBeLessThan(0.005);
      expect(Math.abs(g - docs)).toBeLessThanOrEqual(0.005 + 1e-9);
    });
  }
});

describe('ptflops MACs vs the seed table', () => {
  for (const [name, published] of seedTable) {
    it(`${name}: ${published} GMac`, () => {
      const g = gmacs(name, 'ptflops');
      expect(Math.abs(g - published) / published).toBeLessThan(0.02);
    });
  }
});

describe('parameters through the analysis engine', () => {
  it('the profile counts the published parameters (tied GPT-2 weights once, BN statistics excluded)', () => {
    // torchvision num_params; the parameter test in models.test.ts checks the same numbers independently.
    expect(profileModel(model('resnet18'), { inputs: { input: [1, 3, 224, 224] } }).totals.params).toBe(11_689_512);
    expect(profileModel(model('swin_t'), { inputs: { input: [1, 3, 224, 224] } }).totals.params).toBe(28_288_354);
    const gpt2 = zooEntry('gpt2').build({ seed: 1 });
    expect(profileModel(gpt2, { inputs: { input_ids: [1, 16] } }).totals.params).toBe(124_439_808);
  });
});
