/**
 * Decoder benchmark (issue 18): prefill latency and decode latency per token of the zoo's llama_tiny
 * (4 layers, D 256, 8 query heads over 2 KV heads, vocabulary 4096) in onnxruntime-node, in its
 * plain-ONNX and fused com.microsoft forms (GroupQueryAttention, SimplifiedLayerNormalization,
 * SkipSimplifiedLayerNormalization) and the fused form with 4-bit MatMulNBits projections.
 *
 * - prefill: one run over a prompt of PROMPT tokens with an empty cache (past_sequence_length 0);
 * - decode: a greedy-free generation loop of GEN tokens after that prompt, each step feeding the
 *   previous step's present.* back as past_key_values.* (the cache grows from PROMPT to PROMPT+GEN);
 *   latency per token = the step's wall time; tokens/s = 1000 / median step.
 *
 * Rounds interleave the forms (plain, fused, int4, plain, …) so machine load hits them alike; the
 * report gives medians over rounds and the fused/plain ratios. Counted MACs per token come from the
 * same graphs' profiles, to show decode's low arithmetic intensity beside the measured times.
 *
 *   npx tsx bench/llm-decode.ts [--rounds N] [--prompt N] [--gen N] [--threads N]
 */
import * as ort from 'onnxruntime-node';
import { profileModel } from '../src/analysis/profile.js';
import { metricValue } from '../src/render/metrics.js';
import { serializeModel } from '../src/onnx/writer.js';
import { buildLlama, decoderInputs, llamaTiny } from '../src/zoo/llama.js';
import { median, msSince } from './lib.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = arg('rounds', 5);
const PROMPT = arg('prompt', 128);
const GEN = arg('gen', 32);
const THREADS = arg('threads', 1);
const c = llamaTiny;
const d = c.dModel / c.heads;

const forms = [
  { name: 'plain', options: { form: 'plain' as const } },
  { name: 'fused', options: { form: 'fused' as const } },
  { name: 'fused int4', options: { form: 'fused' as const, quant: 4 as const } },
];

function emptyCache(batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (let l = 0; l < c.layers; l++) {
    for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [batch, c.kvHeads, 0, d]);
  }
  return feeds;
}

const ids = (n: number, offset: number): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 31 + offset) % c.vocab)),
    [1, n],
  );

/** One prefill then GEN decode steps; returns the prefill time and each step's time (ms). */
async function generate(session: ort.InferenceSession): Promise<{ prefill: number; steps: number[] }> {
  let t0 = process.hrtime.bigint();
  let out = await session.run({ input_ids: ids(PROMPT, 0), ...emptyCache(1) });
  const prefill = msSince(t0);
  const steps: number[] = [];
  for (let s = 0; s < GEN; s++) {
    const feeds: Record<string, ort.Tensor> = { input_ids: ids(1, PROMPT + s) };
    for (let l = 0; l < c.layers; l++) {
      feeds[`past_key_values.${l}.key`] = out[`present.${l}.key`]!;
      feeds[`past_key_values.${l}.value`] = out[`present.${l}.value`]!;
    }
    t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    steps.push(msSince(t0));
  }
  const last = out['present.0.key']!.dims;
  if (last[2] !== PROMPT + GEN) throw new Error(`the cache should hold ${PROMPT + GEN} positions, holds ${last[2]}`);
  return { prefill, steps };
}

const sessions: ort.InferenceSession[] = [];
const counted: { prefillMacs: number; decodeMacsPerToken: number; decodeIntensity: number }[] = [];
for (const f of forms) {
  const { model } = buildLlama(c, { ...f.options, kvCache: true, seed: 1 });
  sessions.push(await ort.InferenceSession.create(serializeModel(model), { intraOpNumThreads: THREADS, interOpNumThreads: 1 }));
  const pre = profileModel(model, { inputs: decoderInputs(1, PROMPT, 0) });
  const dec = profileModel(model, { inputs: decoderInputs(1, 1, PROMPT + GEN / 2) });
  counted.push({
    prefillMacs: pre.totals.macs,
    decodeMacsPerToken: metricValue('macs_per_token', { profile: dec }) as number,
    decodeIntensity: metricValue('arithmetic_intensity', { profile: dec }) as number,
  });
}

// warm-up: one generation each
for (const s of sessions) await generate(s);
const prefill: number[][] = forms.map(() => []);
const step: number[][] = forms.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < sessions.length; i++) {
    const g = await generate(sessions[i]!);
    prefill[i]!.push(g.prefill);
    step[i]!.push(median(g.steps));
  }
}

console.log(
  `llama_tiny (${c.layers} layers, D ${c.dModel}, ${c.heads}/${c.kvHeads} heads), prompt ${PROMPT}, ${GEN} generated tokens, ${THREADS} thread(s), ${ROUNDS} interleaved rounds`,
);
console.log('machine shared with other jobs: absolute times are noisy, the ratios between interleaved forms less so');
forms.forEach((f, i) => {
  const p = median(prefill[i]!);
  const s = median(step[i]!);
  const k = counted[i]!;
  console.log(
    `  ${f.name.padEnd(11)} prefill ${p.toFixed(2)} ms (${((PROMPT / p) * 1000).toFixed(0)} tokens/s, ${(k.prefillMacs / 1e6).toFixed(1)} MMACs)` +
      `   decode ${s.toFixed(3)} ms/token (${(1000 / s).toFixed(0)} tokens/s, ${(k.decodeMacsPerToken / 1e6).toFixed(2)} MMACs/token, ${k.decodeIntensity.toFixed(2)} FLOP/B)`,
  );
});
const ratio = (i: number, j: number, xs: number[][]): string => (median(xs[i]!) / median(xs[j]!)).toFixed(2);
console.log(
  `  fused/plain: prefill ${ratio(1, 0, prefill)}, decode ${ratio(1, 0, step)};  int4/fused: prefill ${ratio(2, 1, prefill)}, decode ${ratio(2, 1, step)}`,
);
console.log(
  `  decode per token vs prefill per token (plain): ${(median(step[0]!) / (median(prefill[0]!) / PROMPT)).toFixed(1)}× (same MACs per token, ${PROMPT}× fewer tokens per weight read)`,
);
for (const s of sessions) await s.release();
