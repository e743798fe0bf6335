/**
 * What the zoo graphs look like: PyTorch-export names, the Swin pieces (relative position index,
 * shifted-window mask, roll as Slice + Concat), GPT-2's tie, UNet at 200/224/256.
 * Expected values are derived by hand in the comments.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { Model } from '../../src/onnx/model.js';
import { serializeModel } from '../../src/onnx/writer.js';
import { gpt2 } from '../../src/zoo/gpt2.js';
import { mobilenetV2 } from '../../src/zoo/mobilenet.js';
import { Net } from '../../src/zoo/nn.js';
import { resnet } from '../../src/zoo/resnet.js';
import { relativePositionIndex, shiftedWindowMask, swinT } from '../../src/zoo/swin.js';
import { transformerBaseEncoder } from '../../src/zoo/transformer.js';
import { unet } from '../../src/zoo/unet.js';
import { storedFloatCount } from './count.js';

const nodeNames = (m: Model): string[] => m.graph.nodes.map((n) => n.name);
const init = (m: Model, name: string): number[] | undefined => m.graph.initializers.find((t) => t.name === name)?.dims;

describe('PyTorch-export naming', () => {
  const r18 = resnet(18, { seed: 1, height: 64, width: 64 });

  it('resnet18 scopes nodes by module and names initializers by state-dict key', () => {
    const names = nodeNames(r18);
    expect(names).toContain('/conv1/Conv');
    expect(names).toContain('/layer1/layer1.0/conv1/Conv');
    expect(names).toContain('/layer2/layer2.0/downsample/downsample.0/Conv');
    // BasicBlock calls its one `relu` module twice: the exporter suffixes the second scope.
    expect(names).toContain('/layer1/layer1.0/relu/Relu');
    expect(names).toContain('/layer1/layer1.0/relu_1/Relu');
    expect(names).toContain('/fc/Gemm');
    expect(init(r18, 'layer1.0.conv1.weight')).toEqual([64, 64, 3, 3]);
    expect(init(r18, 'fc.weight')).toEqual([1000, 512]);
    expect(r18.graph.nodes.find((n) => n.name === '/layer1/layer1.0/conv1/Conv')?.outputs).toEqual(['/layer1/layer1.0/conv1/Conv_output_0']);
  });

  it('resnet18 keeps its 20 BatchNorms (conv1, 16 block convs, 3 downsamples) as BatchNormalization nodes', () => {
    expect(r18.graph.nodes.filter((n) => n.opType === 'BatchNormalization')).toHaveLength(20);
    expect(r18.graph.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(20);
  });

  it('a numbered child of a Sequential is named after its parent (features.0.0)', () => {
    const m = mobilenetV2({ seed: 1, height: 32, width: 32 });
    expect(nodeNames(m)).toContain('/features/features.0/features.0.0/Conv');
    expect(init(m, 'features.0.0.weight')).toEqual([32, 3, 3, 3]);
    expect(init(m, 'features.1.conv.0.0.weight')).toEqual([32, 1, 3, 3]); // depthwise: groups = 32
  });

  it('inputs: images `input` [batch, C, H, W], text `input_ids` [batch, sequence]', () => {
    expect(r18.graph.inputs[0]).toMatchObject({ name: 'input', type: { kind: 'tensor', elemType: 1, shape: ['batch', 3, 64, 64] } });
    const t = transformerBaseEncoder({ seed: 1 });
    expect(t.graph.inputs[0]).toMatchObject({ name: 'input_ids', type: { kind: 'tensor', elemType: 7, shape: ['batch', 'sequence'] } });
    expect(t.graph.outputs[0]).toMatchObject({ name: 'output', type: { shape: ['batch', 'sequence', 512] } });
  });

  it('every float tensor in the graph is a weight (no float scalars that could be counted as parameters)', () => {
    // resnet18's stored floats = 11,689,512 parameters + 2 × 4,800 BN running statistics
    // (BN channels: 64 + 4·64 + 4·128 + 4·256 + 4·512 + downsamples 128 + 256 + 512 = 4,800).
    expect(storedFloatCount(r18)).toBe(11_689_512 + 2 * 4_800);
  });
});

describe('GPT-2 tied embedding', () => {
  const m = gpt2({ seed: 1 });
  it('stores the token embedding once and feeds the LM head through a Transpose of it', () => {
    const users = m.graph.nodes.filter((n) => n.inputs.includes('transformer.wte.weight')).map((n) => n.name);
    expect(users).toEqual(['/transformer/wte/Gather', '/lm_head/Transpose']);
    // No stored copy: the floats held are exactly the 124,439,808 parameters.
    expect(storedFloatCount(m)).toBe(124_439_808);
    expect(init(m, 'transformer.wte.weight')).toEqual([50257, 768]);
    expect(m.graph.outputs[0]?.name).toBe('logits');
  });
});

describe('Swin-T pieces', () => {
  it('relative_position_index matches torchvision for a 7×7 window', () => {
    const index = relativePositionIndex(7);
    expect(index).toHaveLength(2401);
    // (dy + 6)·13 + (dx + 6): i = j → 6·13 + 6 = 84; i = 0 (0,0), j = 48 (6,6) → 0; i = 48, j = 0 → 12·13 + 12 = 168.
    expect(index[0]).toBe(84);
    expect(index[48]).toBe(0);
    expect(index[48 * 49]).toBe(168);
    expect(Math.max(...index)).toBe(168);
  });

  it('the shifted-window mask masks the cross-region pairs of the border windows only', () => {
    const mask = shiftedWindowMask(56, 56, 7, 3);
    expect(mask).toHaveLength(64 * 49 * 49);
    const masked = (w: number): number => mask.slice(w * 2401, (w + 1) * 2401).filter((v) => v === -100).length;
    // Window 0 lies in one region: nothing masked. The last window is split 4/3 rows × 4/3 columns into
    // regions of 16, 12, 12, 9 tokens: 49² − (16² + 12² + 12² + 9²) = 2401 − 625 = 1776 masked pairs.
    expect(masked(0)).toBe(0);
    expect(masked(63)).toBe(1776);
    // A window on the right edge (not the bottom): two regions of 28 and 21 tokens: 2401 − 28² − 21² = 1176.
    expect(masked(7)).toBe(1176);
  });

  it('the graph masks its 5 shifted blocks (stage 4 is one window: no shift) and has no Roll op', () => {
    const m = swinT({ seed: 1 });
    const wheres = m.graph.nodes.filter((n) => n.opType === 'Where');
    // Shifted blocks: stage 1 block 1, stage 2 block 1, stage 3 blocks 1, 3, 5 → 5 masks.
    expect(wheres.map((n) => n.name.split('/').slice(0, 4).join('/'))).toEqual([
      '/features/features.1/features.1.1',
      '/features/features.3/features.3.1',
      '/features/features.5/features.5.1',
      '/features/features.5/features.5.3',
      '/features/features.5/features.5.5',
    ]);
    expect(m.graph.nodes.some((n) => n.opType === 'Roll')).toBe(false);
    expect(init(m, 'features.1.0.attn.relative_position_bias_table')).toEqual([169, 3]);
    expect(init(m, 'features.7.1.attn.relative_position_bias_table')).toEqual([169, 24]);
  });

  it('roll by Slice + Concat equals torch.roll: roll([0 1 2 3 4], 2) = [3 4 0 1 2], roll(·, −1) = [1 2 3 4 0]', async () => {
    const net = new Net({ name: 'roll', seed: 1, opset: 17 });
    const x = net.b.input('x', 'float32', [1, 5]);
    net.output('plus', net.roll(x, 2, 1, 5), [1, 5]);
    net.output('minus', net.roll(x, -1, 1, 5), [1, 5]);
    const s = await ort.InferenceSession.create(serializeModel(net.build()));
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([0, 1, 2, 3, 4]), [1, 5]) });
    expect(Array.from(out.plus!.data as Float32Array)).toEqual([3, 4, 0, 1, 2]);
    expect(Array.from(out.minus!.data as Float32Array)).toEqual([1, 2, 3, 4, 0]);
    await s.release();
  });
});

describe('UNet at the seed sizes', () => {
  // Maps: 200 → 100 → 50 → 25 → 12 (floor), so up1 makes 24×24 and pads one row and column to 25×25;
  // 224 → … → 14 and 256 → … → 16 need no padding.
  for (const [size, pads] of [
    [200, 1],
    [224, 0],
    [256, 0],
  ] as const) {
    it(`${size}×${size}: output [batch, 1, ${size}, ${size}], ${pads} Pad node(s)`, () => {
      const m = unet({ seed: 1, height: size, width: size });
      const padNodes = m.graph.nodes.filter((n) => n.opType === 'Pad');
      expect(padNodes.map((n) => n.name)).toEqual(pads ? ['/up1/Pad'] : []);
      const p = profileModel(m, { inputs: { input: [2, 1, size, size] } });
      expect(p.outputs[0]?.shape).toEqual([2, 1, size, size]);
      expect(p.totals.params).toBe(31_036_481);
    });
  }
});
