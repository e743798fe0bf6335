/**
 * Every zoo architecture: the parameter count of the built graph against the published count, the
 * input PyTorch exports declare, and a run in onnxruntime-node at batch 1 and 2 with the right
 * output shape, finite values, and batch items that do not leak into each other (row 0 of a
 * batch-2 run equals the batch-1 run of the same item: catches a window partition or head split
 * that mixes the batch).
 *
 * Published parameter counts: torchvision's model docs / weight metadata (`num_params`) for the
 * torchvision models; Hugging Face `gpt2` (GPT2LMHeadModel, tied LM head counted once) 124,439,808;
 * the Transformer encoder and the UNet are derived by hand below.
 *
 * The largest CNNs run at a smaller size to keep the suite short: their parameters do not depend on
 * the input size (global average pooling before the classifier). VGG/AlexNet need 224×224 (their
 * classifier reads a 7×7 / 6×6 map), ViT and Swin are built for 224×224 only.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/onnx/random.js';
import { serializeModel } from '../../src/onnx/writer.js';
import { zooEntry } from '../../src/zoo/registry.js';
import { countParameters } from './count.js';

interface Case {
  name: string;
  published: number;
  /** Run size for image models (default: the entry's). */
  size?: number;
}

// UNet (milesial, bilinear=False, 1 channel in and out), by hand: DoubleConv(a, b) = 9ab + 9b² + 4b
// (two bias-free 3×3 convs, two BN affine pairs); Up(c) adds ConvTranspose 4·c·c/2 + c/2.
// inc 37,696 + downs 221,696 + 885,760 + 3,540,992 + 14,159,872
// + ups (2,097,664 + 7,079,936) + (524,544 + 1,770,496) + (131,200 + 442,880) + (32,832 + 110,848)
// + outc 65 = 31,036,481.
const unetParams = 31_036_481;
// Transformer base encoder, by hand: embedding 37,000·512 = 18,944,000; per layer attention
// 4·512² + 4·512 = 1,050,624, FFN 2·512·2048 + 2048 + 512 = 2,099,712, two LayerNorms 2,048:
// 3,152,384 × 6 = 18,914,304. Total 37,858,304.
const transformerParams = 18_944_000 + 6 * (1_050_624 + 2_099_712 + 2_048);

const cases: Case[] = [
  { name: 'alexnet', published: 61_100_840 },
  { name: 'vgg11', published: 132_863_336 },
  { name: 'vgg13', published: 133_047_848 },
  { name: 'vgg16', published: 138_357_544 },
  { name: 'vgg19', published: 143_667_240 },
  { name: 'resnet18', published: 11_689_512 },
  { name: 'resnet34', published: 21_797_672, size: 112 },
  { name: 'resnet50', published: 25_557_032, size: 160 },
  { name: 'resnet101', published: 44_549_160, size: 96 },
  { name: 'resnet152', published: 60_192_808, size: 96 },
  { name: 'densenet121', published: 7_978_856, size: 160 },
  { name: 'densenet161', published: 28_681_000, size: 96 },
  { name: 'densenet169', published: 14_149_480, size: 96 },
  { name: 'densenet201', published: 20_013_928, size: 96 },
  // With the aux classifier (a training-mode graph: two outputs); the eval graph holds 3,326,696
  // fewer: aux conv0 98,560 + conv1 2,459,136 + fc 769,000.
  { name: 'inception_v3', published: 27_161_264 },
  { name: 'inception_v3_noaux', published: 27_161_264 - 3_326_696, size: 160 },
  { name: 'mobilenet_v2', published: 3_504_872 },
  { name: 'vit_b_16', published: 86_567_656 },
  { name: 'swin_t', published: 28_288_354 },
  { name: 'transformer_base_encoder', published: transformerParams },
  { name: 'gpt2', published: 124_439_808 },
  { name: 'unet', published: unetParams, size: 200 },
];

function imageBatch(dims: number[], seed: number): Float32Array {
  const rand = seededRandom(seed);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return data;
}

function tokenBatch(batch: number, length: number, seed: number, vocab: number): BigInt64Array {
  const rand = seededRandom(seed);
  return BigInt64Array.from({ length: batch * length }, () => BigInt(Math.floor(rand() * vocab)));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function allFinite(a: Float32Array): boolean {
  for (const v of a) if (!Number.isFinite(v)) return false;
  return true;
}

const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

describe('zoo architectures', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.published.toLocaleString('en-US')} parameters, runs at batch 1 and 2`, async () => {
      const entry = zooEntry(c.name);
      const size = c.size ?? (entry.input.name === 'input' ? (entry.input.shape[2] as number) : undefined);
      const model = entry.build({ seed: 7, height: size, width: size });

      expect(countParameters(model)).toBe(c.published);
      expect(entry.params).toBe(c.published);

      const [input] = model.graph.inputs;
      expect(input?.name).toBe(entry.input.name);
      const shape = input?.type?.kind === 'tensor' ? input.type.shape : undefined;
      expect(shape?.[0]).toBe('batch');

      const session = await ort.InferenceSession.create(serializeModel(model), { intraOpNumThreads: 2 });
      sessions.push(session);
      const run = async (batch: number, seed: number, length = 12): Promise<Record<string, ort.Tensor>> => {
        if (entry.input.name === 'input_ids') {
          return session.run({ input_ids: new ort.Tensor('int64', tokenBatch(batch, length, seed, 1000), [batch, length]) });
        }
        const dims = [batch, shape?.[1] as number, size!, size!];
        return session.run({ input: new ort.Tensor('float32', imageBatch(dims, seed), dims) });
      };
      // Batch 2 first: items seed 11 and 12 … then batch 1 of the first item alone.
      const two = await run(2, 11);
      const one = await run(1, 11);
      for (const out of model.graph.outputs) {
        const t2 = two[out.name]!;
        const t1 = one[out.name]!;
        const expected = entry.input.name === 'input_ids' ? [12, entry.name === 'gpt2' ? 50257 : 512] : entry.name === 'unet' ? [1, size!, size!] : [1000];
        expect(t2.dims).toEqual([2, ...expected]);
        expect(t1.dims).toEqual([1, ...expected]);
        const a2 = t2.data as Float32Array;
        const a1 = t1.data as Float32Array;
        expect(allFinite(a2)).toBe(true);
        const scale = Math.max(1e-3, maxAbs(a1));
        expect(maxAbsDiff(a2.subarray(0, a1.length), a1) / scale).toBeLessThan(1e-3);
        // The two items differ, so row 1 must differ from row 0 (the batch is not broadcast from one item).
        expect(maxAbsDiff(a2.subarray(0, a1.length), a2.subarray(a1.length)) / scale).toBeGreaterThan(1e-4);
      }
      if (entry.input.name === 'input_ids') {
        // Change the tokens from position 6 on. GPT-2's causal mask keeps the outputs of positions
        // 0–5 unchanged; the Transformer encoder attends both ways, so position 0 changes.
        const ids = tokenBatch(1, 12, 11, 1000);
        const changed = ids.map((v, i) => (i >= 6 ? (v + 1n) % 1000n : v));
        const width = entry.name === 'gpt2' ? 50257 : 512;
        const before = (await session.run({ input_ids: new ort.Tensor('int64', ids, [1, 12]) }))[model.graph.outputs[0]!.name]!.data as Float32Array;
        const after = (await session.run({ input_ids: new ort.Tensor('int64', changed, [1, 12]) }))[model.graph.outputs[0]!.name]!.data as Float32Array;
        const prefix = maxAbsDiff(before.subarray(0, 6 * width), after.subarray(0, 6 * width)) / maxAbs(before);
        if (entry.name === 'gpt2') expect(prefix).toBeLessThan(1e-5);
        else expect(prefix).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(before.subarray(6 * width), after.subarray(6 * width)) / maxAbs(before)).toBeGreaterThan(1e-3);
      }
    });
  }
});
