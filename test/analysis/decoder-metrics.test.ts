/**
 * Per-token and KV-cache metrics of a decoder (src/analysis/decoder.ts, src/render/metrics.ts) on
 * the zoo's llama_tiny (4 layers, D 256, 8 query heads over 2 KV heads of d 32, vocabulary 4096),
 * prefill and decode bound with `past_sequence_length` / `sequence_length`, derived by hand.
 */
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { formatMetric, metricValue } from '../../src/render/index.js';
import { DEFAULT_FORMAT } from '../../src/render/index.js';
import { buildLlama, decoderInputs, llamaTiny } from '../../src/zoo/llama.js';

// projections per token 3,866,624 MACs (test/zoo/llama.test.ts); attention 4·8·S·T·64
const LINEAR = 3_866_624;
const PARAMS_BYTES = 4_917_504 * 4; // float32

describe('prefill and decode metrics of llama_tiny', () => {
  const model = buildLlama(llamaTiny, { form: 'fused', kvCache: true }).model;
  const prefill = profileModel(model, { inputs: 'batch=1,sequence_length=128,past_sequence_length=0' });
  const decode = profileModel(model, { inputs: decoderInputs(1, 1, 127) });

  it('MACs per token: prefill of 128 spreads the projections, decode pays them for one token', () => {
    // prefill: (128·3,866,624 + 4·8·128·128·64) / 128 = 3,866,624 + 262,144 = 4,128,768
    expect(metricValue('macs_per_token', { profile: prefill })).toBe(LINEAR + 4 * 8 * 128 * 64);
    // decode at 127 cached: 3,866,624 + 4·8·1·128·64 = 4,128,768 as well (the prefill's unmasked
    // 128×128 scores also give each token 128 keys)
    expect(metricValue('macs_per_token', { profile: decode })).toBe(LINEAR + 4 * 8 * 128 * 64);
    expect(metricValue('macs', { profile: prefill })).toBe(128 * LINEAR + 4 * 8 * 128 * 128 * 64);
    expect(metricValue('flops_per_token', { profile: decode })).toBe(decode.totals.flops);
  });

  it('KV cache bytes after the run: 2·4 layers·2 heads·32·128 positions·4 bytes', () => {
    expect(metricValue('kv_cache_bytes', { profile: prefill })).toBe(262_144);
    expect(metricValue('kv_cache_bytes', { profile: decode })).toBe(262_144);
    const long = profileModel(model, { inputs: decoderInputs(1, 1, 1023) });
    expect(metricValue('kv_cache_bytes', { profile: long })).toBe(8 * 262_144); // grows linearly with context
  });

  it('arithmetic intensity: FLOPs over the bytes of the weights and the cache; decode is ~100× lower', () => {
    const pre = metricValue('arithmetic_intensity', { profile: prefill }) as number;
    const dec = metricValue('arithmetic_intensity', { profile: decode }) as number;
    expect(pre).toBe(prefill.totals.flops / (PARAMS_BYTES + 262_144));
    expect(dec).toBe(decode.totals.flops / (PARAMS_BYTES + 262_144));
    // decode: ≈ 2 FLOPs per MAC, one MAC per 4-byte projection weight (3,866,624 of them) over all
    // 4,917,504 weights: 2·3,866,624 / (4·4,917,504) ≈ 0.39 FLOP/B, memory-bound on any hardware
    expect(dec).toBeGreaterThan(0.35);
    expect(dec).toBeLessThan(0.45);
    expect(pre / dec).toBeGreaterThan(100);
    expect(formatMetric('arithmetic_intensity', dec, '', DEFAULT_FORMAT).text).toMatch(/^0\.\d+$/);
  });

  it('a model without token ids has no per-token metric', () => {
    const p = { ...decode, inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }] };
    expect(metricValue('macs_per_token', { profile: p })).toBeNull();
  });
});
