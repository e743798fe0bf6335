/**
 * The Llama-style decoder of the zoo (src/zoo/llama.ts): parameter counts from dims, the plain and
 * fused forms against each other (MACs, and logits in onnxruntime), prefill and decode MACs derived
 * by hand, the quantized form's bytes by hand, and a Llama-2-7B-shaped graph written and profiled
 * from dims alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { readModel } from '../../src/onnx/reader.js';
import { serializeModel } from '../../src/onnx/writer.js';
import { buildLlama, decoderInputs, llama2_7b, llamaKvCacheBytes, llamaParams, llamaTiny, writeLlamaExternal } from '../../src/zoo/llama.js';
import { zooEntry } from '../../src/zoo/registry.js';
import { countParameters } from './count.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-llama-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// llama_tiny by hand: V 4096, D 256, 4 layers, 8 heads of d 32 over 2 KV heads (K/V width 64), F 704.
// Embedding and head 2·4096·256 = 2,097,152; per layer norms 2·256 = 512, Q and O 2·256² = 131,072,
// K and V 2·256·64 = 32,768, SwiGLU 3·256·704 = 540,672 → 705,024; ×4 = 2,820,096; final norm 256.
const TINY_PARAMS = 2_097_152 + 4 * 705_024 + 256;
// Per token, the projections: 4 × (131,072 + 32,768 + 540,672) + head 256·4096 = 3,866,624 MACs.
const TINY_LINEAR_PER_TOKEN = 4 * (131_072 + 32_768 + 540_672) + 1_048_576;
/** Attention MACs of llama_tiny: 4 layers · 8 query heads · S · T · (d + d) with d 32. */
const tinyAttention = (S: number, T: number): number => 4 * 8 * S * T * 64;

describe('parameters from dims', () => {
  it('llama_tiny: 4,917,504, as the graph holds them (independent counter) and as profiled', () => {
    expect(llamaParams(llamaTiny)).toBe(TINY_PARAMS);
    expect(TINY_PARAMS).toBe(4_917_504);
    const { model } = buildLlama(llamaTiny, { form: 'plain', kvCache: true });
    expect(countParameters(model)).toBe(TINY_PARAMS);
    expect(zooEntry('llama_tiny').params).toBe(TINY_PARAMS);
  });

  it('Llama-2-7B: 6,738,415,616 (meta-llama/Llama-2-7b-hf)', () => {
    // 2·32000·4096 + 32·(2·4096 + 4·4096² + 3·4096·11008) + 4096
    expect(llamaParams(llama2_7b)).toBe(6_738_415_616);
    expect(zooEntry('llama2_7b').params).toBe(6_738_415_616);
  });
});

describe('plain and fused forms', () => {
  const plain = buildLlama(llamaTiny, { form: 'plain', kvCache: true, seed: 3 }).model;
  const fused = buildLlama(llamaTiny, { form: 'fused', kvCache: true, seed: 3 }).model;
  const int4 = buildLlama(llamaTiny, { form: 'fused', kvCache: true, seed: 3, quant: 4 }).model;

  it('prefill (5 new tokens over a past of 3) and decode (1 over 8) cost the same MACs, derived by hand', () => {
    for (const [S, P] of [
      [5, 3],
      [1, 8],
      [5, 0],
    ] as const) {
      const inputs = decoderInputs(1, S, P);
      const expected = S * TINY_LINEAR_PER_TOKEN + tinyAttention(S, S + P);
      const [a, b, q] = [plain, fused, int4].map((m) => profileModel(m, { inputs }));
      for (const p of [a, b, q]) {
        expect(p!.uncounted).toEqual([]);
        expect(p!.totals.macs).toBe(expected);
      }
      expect(a!.totals.params).toBe(TINY_PARAMS);
      expect(b!.totals.params).toBe(TINY_PARAMS);
      expect(q!.totals.params).toBe(TINY_PARAMS);
    }
    // decode over 8 cached tokens: 3,866,624 + 4·8·1·9·64 = 3,885,056
    expect(TINY_LINEAR_PER_TOKEN + tinyAttention(1, 9)).toBe(3_885_056);
  });

  it('present key/value grow by the new tokens: [1, 2, past + S, 32]', () => {
    const p = profileModel(fused, { inputs: decoderInputs(1, 5, 3) });
    expect(p.outputs.find((o) => o.name === 'present.3.value')!.shape).toEqual([1, 2, 8, 32]);
    const q = profileModel(plain, { inputs: decoderInputs(1, 5, 3) });
    expect(q.outputs.find((o) => o.name === 'present.3.value')!.shape).toEqual([1, 2, 8, 32]);
    // the cache these outputs hold: 2·4 layers·2 heads·32·8 positions·4 bytes = 16,384
    expect(llamaKvCacheBytes(llamaTiny, 8, 4)).toBe(16_384);
  });

  it('onnxruntime gives the same logits for both forms (prefill over a past)', async () => {
    const S = 5;
    const P = 3;
    const d = 32;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: S }, (_, i) => BigInt(i * 7 + 1)),
        [1, S],
      ),
    };
    for (let l = 0; l < 4; l++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor(
          'float32',
          Float32Array.from({ length: 2 * P * d }, (_, i) => Math.sin(i + l) * 0.1),
          [1, 2, P, d],
        );
      }
    }
    const outs = [];
    for (const m of [plain, fused]) {
      const s = await ort.InferenceSession.create(serializeModel(m), { intraOpNumThreads: 1 });
      outs.push(await s.run(feeds));
      await s.release();
    }
    const [a, b] = outs as [Record<string, ort.Tensor>, Record<string, ort.Tensor>];
    expect(a.logits!.dims).toEqual([1, S, 4096]);
    expect(b['present.0.key']!.dims).toEqual([1, 2, P + S, d]);
    let diff = 0;
    let scale = 0;
    const x = a.logits!.data as Float32Array;
    const y = b.logits!.data as Float32Array;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(x[i]!));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(diff / scale).toBeLessThan(1e-4);
  });

  it('int4 storage, byte for byte: packed weights, scales apart, K·N parameters', () => {
    const p = profileModel(int4, { inputs: decoderInputs(1, 1, 0) });
    // Packed uint8 [N, ⌈K/32⌉, 16] per projection: layer q, o 256·8·16 = 32,768 each, k, v 64·8·16 = 8,192
    // each, gate, up 704·8·16 = 90,112 each, down 256·22·16 = 90,112 → 352,256 × 4 = 1,409,024;
    // head 4096·8·16 = 524,288. Scales float32 [N·⌈K/32⌉]: 88,064 per layer × 4 + head 131,072 = 483,328.
    expect(p.totals.quantization).toEqual({
      scalesBytes: 483_328,
      zeroPointsBytes: 0,
      packedTensors: 29,
      packedParams: TINY_LINEAR_PER_TOKEN,
      packedBytes: 1_933_312,
    });
    // float32: embedding 4096·256·4 = 4,194,304 + norms 9·256·4 = 9,216 + the scales
    expect(p.totals.paramsBytesByDtype).toEqual({ uint8: 1_933_312, float32: 4_194_304 + 9_216 + 483_328 });
  });
});

describe('a Llama-2-7B-shaped graph from dims alone', () => {
  it('is written with sparse external weights and profiled in seconds, parameters and decode MACs exact', () => {
    const file = path.join(dir, 'llama2-7b.onnx');
    const t0 = Date.now();
    const { bytes } = writeLlamaExternal(llama2_7b, file, { form: 'plain', kvCache: true, dtype: 'float16' });
    expect(bytes).toBe(2 * 6_738_415_616); // float16
    const data = fs.statSync(path.join(dir, 'llama2-7b.weights'));
    expect(data.size).toBe(bytes);
    expect(data.blocks * 512).toBeLessThan(1e6); // holes: nothing written
    const p = profileModel(readModel(file), { inputs: decoderInputs(1, 1, 127) });
    const seconds = (Date.now() - t0) / 1000;
    expect(p.totals.params).toBe(6_738_415_616);
    expect(p.totals.paramsBytesByDtype).toEqual({ float16: 13_476_831_232 });
    // decode, one token over 127 cached: projections 32·(4·4096² + 3·4096·11008) + head 4096·32000
    // = 6,607,077,376, attention 32 layers·32 heads·128 keys·(128 + 128) = 33,554,432
    expect(p.totals.macs).toBe(6_607_077_376 + 33_554_432);
    expect(p.uncounted).toEqual([]);
    expect(seconds).toBeLessThan(30); // seconds on an idle machine; generous for a loaded CI
  });

  it('int4 (MatMulNBits, block 32, float16 scales): 3,979,157,504 bytes for the 6,738,415,616 parameters', () => {
    const p = profileModel(zooEntry('llama2_7b_int4').build({ seed: 1 }), { inputs: decoderInputs(1, 1, 0) });
    expect(p.totals.params).toBe(6_738_415_616);
    // Per layer, packed [N, ⌈K/32⌉, 16] uint8: q, k, v, o 4096·128·16 = 8,388,608 each; gate, up
    // 11008·128·16 and down 4096·344·16 = 22,544,384 each → 101,187,584; × 32 + head 32000·128·16 =
    // 65,536,000 → 3,303,538,688. Scales (2 bytes per block): per layer 4·1,048,576 + 3·2,818,048 =
    // 12,648,448; × 32 + head 8,192,000 → 412,942,336. Float16 embedding 262,144,000 and norms 65·4096·2.
    expect(p.totals.paramsBytesByDtype).toEqual({ uint8: 3_303_538_688, float16: 412_942_336 + 262_144_000 + 532_480 });
    expect(p.totals.paramsBytes).toBe(3_979_157_504);
    expect(p.totals.quantization!.packedParams).toBe(6_738_415_616 - 131_072_000 - 266_240); // all but the embedding 32000·4096 and the norms 65·4096
    // The same MACs as the float16 graph at the same binding: projections and head per token
    expect(p.totals.macs).toBe(6_607_077_376 + 32 * 32 * 1 * 1 * 256);
  });
});
