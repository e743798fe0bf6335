// Whole-model acceptance numbers of issue 3, through the real op table. Graphs are built in code
// (test/helpers) to mirror torchvision's ResNet-18 (BatchNorm kept) and VGG-16 and a GPT-2-style
// decoder; weights are placeholders declared external and never read.
import { describe, expect, it } from 'vitest';
import { InputBindingError } from '../../src/analysis/bind.js';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { buildGpt } from '../helpers/gpt.js';
import { buildResNet18 } from '../helpers/resnet18.js';
import { buildVgg16 } from '../helpers/vgg16.js';

const round2 = (n: number, scale: number): number => Math.round((n / scale) * 100) / 100;

describe("the seed's worked examples", () => {
  it('Conv 3→4, 3×3, 6×6 output: 7632 FLOPs without bias, 7776 with', () => {
    // (2×3×3²−1)×4×6² = 7632; with a bias 2×3×3²×4×6² = 7776 (COUNTING.md).
    for (const [bias, flops] of [
      [false, 7632],
      [true, 7776],
    ] as const) {
      const b = new GraphBuilder();
      const x = b.input('x', 'float32', [1, 3, 8, 8]);
      const inputs = [x, b.weight('w', [4, 3, 3, 3])];
      if (bias) inputs.push(b.weight('b', [4]));
      b.output(b.op('Conv', inputs, { kernel_shape: [3, 3] }, '/conv/Conv'));
      const p = profileModel(b.build());
      expect(p.totals.flops).toBe(flops);
      expect(p.totals.macs).toBe(3 * 9 * 4 * 36); // 3888
    }
  });
});

describe('ResNet-18 (torchvision, BatchNorm kept), 1×3×224×224', () => {
  const p = profileModel(buildResNet18());

  it('holds 11,689,512 parameters (PyTorch count; BN running stats are buffers)', () => {
    expect(p.uncounted).toEqual([]);
    expect(p.totals.params).toBe(11_689_512);
    expect(p.totals.paramsBytesByDtype).toEqual({ float32: 11_689_512 * 4 });
  });

  it('does 1,814,073,344 MACs (conv + linear; torchvision 1.81 GFLOPS)', () => {
    expect(p.totals.macs).toBe(1_814_073_344);
    expect(round2(p.totals.macs, 1e9)).toBe(1.81);
    // conv1: (2·3·7²−1)·64·112² = 293 × 802,816 = 235,225,088 FLOPs (seed formula, no bias).
    expect(p.nodes.find((n) => n.name === '/conv1/Conv')!.flops).toBe(235_225_088);
  });

  it('peaks at 6,422,528 activation bytes and is 62 ops deep', () => {
    // Peak: conv1 output and bn1 output live together, 2 × 64·112·112·4 B = 6,422,528.
    expect(p.totals.activationsPeakBytes).toBe(6_422_528);
    // Depth: conv1, bn1, relu, maxpool (4) + 8 blocks × (conv, bn, relu, conv, bn, add, relu) (56)
    // + avgpool + fc (2) = 62; Flatten has no FLOPs.
    expect(p.totals.depth).toBe(62);
  });

  it('builds the module tree from the node names', () => {
    expect(p.modules.children.map((m) => m.name)).toEqual(['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc']);
    // layer1 = 4 convs 64→64 3×3 (4 × 36,864) + 4 BN (4 × 128) = 147,968 params.
    expect(p.modules.children.find((m) => m.name === 'layer1')!.params).toBe(147_968);
    // fc: 512 × 1000 + 1000 = 513,000 params, 512,000 MACs.
    expect(p.modules.children.find((m) => m.name === 'fc')).toMatchObject({ params: 513_000, macs: 512_000 });
  });

  it('matches ptflops README: 11.69 M params, 1.82 GMac', () => {
    const q = profileModel(buildResNet18(), { convention: 'ptflops' });
    expect(round2(q.totals.params, 1e6)).toBe(11.69);
    expect(round2(q.totals.macs, 1e9)).toBe(1.82);
  });
});

describe('VGG-16 (torchvision), 1×3×224×224', () => {
  const p = profileModel(buildVgg16());

  it('holds 138,357,544 parameters and does 15,470,264,320 MACs', () => {
    expect(p.uncounted).toEqual([]);
    expect(p.totals.params).toBe(138_357_544);
    expect(p.totals.macs).toBe(15_470_264_320);
    // torchvision's GFLOPS column: 15.47.
    expect(round2(p.totals.macs, 1e9)).toBe(15.47);
  });

  it('peaks at 25,690,112 activation bytes and is 36 ops deep', () => {
    // Peak: conv1_1's output and its ReLU's, 2 × 64·224·224·4 B = 25,690,112.
    expect(p.totals.activationsPeakBytes).toBe(25_690_112);
    // 13 Conv + 13 ReLU + 5 MaxPool + 3 Gemm + 2 ReLU = 36.
    expect(p.totals.depth).toBe(36);
  });

  it('matches ptflops README: 15.5 GMac', () => {
    const q = profileModel(buildVgg16(), { convention: 'ptflops' });
    expect(Math.round(q.totals.macs / 1e8) / 10).toBe(15.5);
  });
});

describe('GPT-style decoder with a symbolic sequence length', () => {
  const cfg = { vocab: 1000, width: 64, heads: 4, layers: 2, context: 256 };
  const model = buildGpt(cfg);

  it('asks for the sequence length', () => {
    expect(() => profileModel(model)).toThrow(InputBindingError);
    // the leading (batch) dim is assumed 1, as bench does (issue 14); the sequence must be given
    expect(() => profileModel(model)).toThrow("input 'input_ids' batch×sequence: dim 1 ('sequence') unknown");
  });

  const p = profileModel(model, { inputs: 'input_ids=1x128' });

  it('resolves every shape through the Shape/Gather/Concat chains', () => {
    expect(p.uncounted).toEqual([]);
    expect(p.outputs).toEqual([{ name: p.outputs[0]!.name, dtype: 'float32', shape: [1, 128, 1000] }]);
    expect(p.nodes.find((n) => n.name === '/transformer/h.0/attn/Reshape_q')!.outputShapes).toEqual([[1, 128, 4, 16]]);
    expect(p.nodes.find((n) => n.name === '/transformer/h.0/attn/Slice')!.outputShapes).toEqual([[1, 1, 128, 128]]);
  });

  it('does 24,969,216 MACs at 128 tokens (hand count)', () => {
    // Per layer, T = 128, D = 64: qkv T·D·3D = 1,572,864; QKᵀ T²·D = 1,048,576; AV 1,048,576;
    // c_proj T·D² = 524,288; MLP 2 × T·D·4D = 4,194,304 → 8,388,608 = 12·T·D² + 2·T²·D.
    // 2 layers = 16,777,216; LM head T·D·V = 8,192,000. Total 24,969,216.
    expect(p.totals.macs).toBe(24_969_216);
    // The seed's MLP: (D + D − 1)·4D·N = 8D²N − 4DN = 4,194,304 − 32,768 = 4,161,536 FLOPs.
    expect(p.nodes.find((n) => n.name === '/transformer/h.0/mlp/c_fc/MatMul')!.flops).toBe(4_161_536);
  });

  it('holds 180,480 parameters (tied LM head counted once; mask buffer, shapes and literals excluded)', () => {
    // wte V·D 64,000 + wpe 256·64 16,384 + 2 layers × (ln 128 + qkv 12,480 + proj 4,160 + ln 128
    // + fc 16,640 + fc2 16,448 = 49,984) + ln_f 128 = 180,480.
    expect(p.totals.params).toBe(180_480);
  });
});
