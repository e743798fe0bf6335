/**
 * Profiling benchmark (issue 3). Reports, in one run, as ratios against the goals:
 *   1. a VGG-19-sized CNN (143,667,240 float32 parameters, ≈ 575 MB) built with the graph builder:
 *      readModel + profileModel time vs the floor of streaming the file once through a 1 MB buffer
 *      (page cache warm), and peak RSS in a fresh child process. Goals: ≤ 2× and < 200 MB.
 *      The CLI also hashes the file (sha256, one more streaming pass): reported separately.
 *   2. a 7-billion-parameter LLaMA-style decoder (float16) whose weights are external data in a
 *      sparse file (ftruncate: no byte is ever written or read), profiled at 128 tokens.
 *      Goals: < 2 s and < 300 MB peak RSS.
 *
 *   npx tsx bench/profile-large.ts          (builds into bench/.work/ when missing, then measures)
 *
 * Peak RSS is the child's VmHWM: getrusage's maxRSS survives fork+exec on Linux and would report the
 * parent's (which holds the built model); VmHWM starts fresh at exec.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileModel } from '../src/analysis/profile.js';
import { GraphBuilder, makeTensor } from '../src/onnx/builder.js';
import { elementCount } from '../src/onnx/model.js';
import { readModel } from '../src/onnx/reader.js';
import { writeModel } from '../src/onnx/writer.js';
import { FileHashes, hashFile } from '../src/cache/file-hash.js';
import { buildVgg16 } from '../test/helpers/vgg16.js';
import { median, msSince as ms, peakRssKiB, streamOnce } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.join(here, '.work');
const cnnFile = path.join(work, 'vgg19.onnx');
const llmFile = path.join(work, 'llama-7b', 'model.onnx');
const llmData = 'weights.bin';

/** torchvision cfgs['E'] (VGG-19): 16 convolutions, 143,667,240 parameters with the classifier. */
const CFG_E: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'];
const VGG19_PARAMS = 143_667_240;

/** LLaMA-7B shapes (Touvron et al. 2023, table 2): D 4096, 32 layers, 32 heads, FFN 11008, vocab 32000. */
const LLM = { vocab: 32000, width: 4096, layers: 32, heads: 32, ffn: 11008 };
// Embedding 32000·4096 + 32 × (4·4096² + 3·4096·11008 + 2·4096) + 4096 + LM head 32000·4096.
const LLM_PARAMS = 2 * 32000 * 4096 + 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 4096;

function buildLlm(): number {
  const { vocab: V, width: D, layers: L, heads: H, ffn: F } = LLM;
  const b = new GraphBuilder({ opset: 17, name: 'llama-7b' });
  let offset = 0;
  const w = (name: string, dims: number[]): string => {
    const length = elementCount(dims) * 2;
    const t = b.addInitializer({ name, dataType: 10, dims, data: { kind: 'external', location: llmData, offset, length, entries: [] } });
    offset += length;
    return t;
  };
  const c = (name: string, v: number): string => b.initializer(name, 'float16', [], { values: [v] });
  const ids = b.input('input_ids', 'int64', [1, 'sequence']);
  const rmsNorm = (p: string, x: string): string => {
    const sq = b.op('Pow', [x, c(`${p}.two`, 2)], {}, `/${p}/Pow`);
    const mean = b.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 }, `/${p}/ReduceMean`);
    const root = b.op('Sqrt', [b.op('Add', [mean, c(`${p}.eps`, 1e-5)], {}, `/${p}/Add`)], {}, `/${p}/Sqrt`);
    return b.op('Mul', [b.op('Div', [x, root], {}, `/${p}/Div`), w(`${p}.weight`, [D])], {}, `/${p}/Mul`);
  };
  const heads = b.int64s('heads_shape', [0, 0, H, D / H]);
  const merged = b.int64s('merged_shape', [0, 0, D]);
  let seqDims = 0;
  const seqDim = (): string => {
    const s = b.op('Shape', [ids], {}, undefined);
    return b.op('Gather', [s, b.int64s(`seq_index_${seqDims++}`, [1])], { axis: 0 });
  };
  const mask = b.op(
    'Trilu',
    [
      b.op(
        'ConstantOfShape',
        [b.op('Concat', [seqDim(), seqDim()], { axis: 0 }, '/mask/Concat')],
        { value: makeTensor('one', 'bool', [1], [1]) },
        '/mask/ConstantOfShape',
      ),
    ],
    { upper: 0 },
    '/mask/Trilu',
  );
  let h = b.op('Gather', [w('model.embed_tokens.weight', [V, D]), ids], { axis: 0 }, '/model/embed_tokens/Gather');
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    const x = rmsNorm(`${p}.input_layernorm`, h);
    const proj = (n: string, input: string, fin: number, fout: number): string =>
      b.op('MatMul', [input, w(`${p}.${n}.weight`, [fin, fout])], {}, `/${p}/${n}/MatMul`);
    const split = (t: string, perm: number[]): string => b.op('Transpose', [b.op('Reshape', [t, heads])], { perm });
    const q = split(proj('self_attn.q_proj', x, D, D), [0, 2, 1, 3]);
    const k = split(proj('self_attn.k_proj', x, D, D), [0, 2, 3, 1]);
    const v = split(proj('self_attn.v_proj', x, D, D), [0, 2, 1, 3]);
    let s = b.op('Div', [b.op('MatMul', [q, k], {}, `/${p}/self_attn/MatMul`), c(`${p}.scale`, Math.sqrt(D / H))], {}, `/${p}/self_attn/Div`);
    s = b.op('Where', [mask, s, c(`${p}.min`, -65504)], {}, `/${p}/self_attn/Where`);
    const a = b.op('MatMul', [b.op('Softmax', [s], { axis: -1 }, `/${p}/self_attn/Softmax`), v], {}, `/${p}/self_attn/MatMul_1`);
    const ctx = b.op('Reshape', [b.op('Transpose', [a], { perm: [0, 2, 1, 3] }), merged]);
    h = b.op('Add', [h, proj('self_attn.o_proj', ctx, D, D)], {}, `/${p}/Add`);
    const y = rmsNorm(`${p}.post_attention_layernorm`, h);
    const gate = proj('mlp.gate_proj', y, D, F);
    const silu = b.op('Mul', [gate, b.op('Sigmoid', [gate], {}, `/${p}/mlp/act_fn/Sigmoid`)], {}, `/${p}/mlp/act_fn/Mul`);
    const up = b.op('Mul', [silu, proj('mlp.up_proj', y, D, F)], {}, `/${p}/mlp/Mul`);
    h = b.op('Add', [h, proj('mlp.down_proj', up, F, D)], {}, `/${p}/Add_1`);
  }
  b.output(b.op('MatMul', [rmsNorm('model.norm', h), w('lm_head.weight', [D, V])], {}, '/lm_head/MatMul'));
  fs.mkdirSync(path.dirname(llmFile), { recursive: true });
  writeModel(b.build(), llmFile);
  // The weights file: the right size, all holes. Nothing writes or reads its bytes.
  const fd = fs.openSync(path.join(path.dirname(llmFile), llmData), 'w');
  fs.ftruncateSync(fd, offset);
  fs.closeSync(fd);
  return offset;
}

function profileOnce(file: string, inputs: string, expectParams: number): number {
  const t0 = process.hrtime.bigint();
  const p = profileModel(readModel(file), { inputs });
  const took = ms(t0);
  if (p.totals.params !== expectParams || p.uncounted.length > 0) {
    throw new Error(`${file}: expected ${expectParams} parameters and nothing uncounted, got ${p.totals.params} and ${JSON.stringify(p.uncounted)}`);
  }
  return took;
}

interface ChildReport {
  ms: number;
  baselineKiB: number;
  peakKiB: number;
  maxRssKiB: number;
}

function inChild(file: string, inputs: string, expectParams: number): ChildReport {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, inputs, String(expectParams)], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as ChildReport;
}

if (process.argv[2] === '--child') {
  const baselineKiB = peakRssKiB();
  const took = profileOnce(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  const report: ChildReport = { ms: took, baselineKiB, peakKiB: peakRssKiB(), maxRssKiB: process.resourceUsage().maxRSS };
  console.log(JSON.stringify(report));
} else {
  fs.mkdirSync(work, { recursive: true });
  if (!fs.existsSync(cnnFile)) {
    const t0 = Date.now();
    writeModel(buildVgg16({ mode: 'seeded', cfg: CFG_E }), cnnFile);
    console.log(`built ${cnnFile} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (!fs.existsSync(llmFile)) {
    const t0 = Date.now();
    const bytes = buildLlm();
    console.log(`built ${llmFile} (+ ${(bytes / 1e9).toFixed(1)} GB sparse weights) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  // 1. CNN: warm the cache, then alternate floor and profile runs.
  const size = fs.statSync(cnnFile).size;
  streamOnce(cnnFile);
  const floors: number[] = [];
  const profiles: number[] = [];
  const hashes: number[] = [];
  for (let i = 0; i < 5; i++) {
    floors.push(streamOnce(cnnFile));
    profiles.push(profileOnce(cnnFile, '1x3x224x224', VGG19_PARAMS));
    const t0 = process.hrtime.bigint();
    hashFile(cnnFile);
    hashes.push(ms(t0));
  }
  // What `modelpress profile` does on a second run: the hash comes from the (path, size, mtime) memo
  // that a fresh process reads from .modelpress/cache/file-hashes.json.
  const memoFile = path.join(work, 'file-hashes.json');
  const first = new FileHashes(memoFile);
  first.sha256(cnnFile);
  first.save();
  const memoTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    new FileHashes(memoFile).sha256(cnnFile);
    memoTimes.push(ms(t0));
  }
  const memo = median(memoTimes);
  const floor = median(floors);
  const prof = median(profiles);
  const hash = median(hashes);
  const cnnChild = inChild(cnnFile, '1x3x224x224', VGG19_PARAMS);
  console.log(`CNN: ${(size / 1e6).toFixed(0)} MB, ${VGG19_PARAMS.toLocaleString('en-US')} parameters (VGG-19)`);
  console.log(`  streaming floor (1 MB buffer)   median ${floor.toFixed(1)} ms of 5`);
  console.log(`  readModel + profileModel        median ${prof.toFixed(1)} ms of 5   ratio ${(prof / floor).toFixed(2)} (goal ≤ 2; what \`profile\` does)`);
  console.log(
    `  --json, sha256 first run        median ${(prof + hash).toFixed(1)} ms        ratio ${((prof + hash) / floor).toFixed(2)} (hashing reads every weight byte)`,
  );
  console.log(`  --json, sha256 from the memo    median ${(prof + memo).toFixed(1)} ms        ratio ${((prof + memo) / floor).toFixed(2)} (goal ≤ 2)`);
  console.log(
    `  peak RSS, fresh process         ${(cnnChild.peakKiB / 1024).toFixed(1)} MB (baseline ${(cnnChild.baselineKiB / 1024).toFixed(1)} MB) ratio to 200 MB: ${(cnnChild.peakKiB / 1024 / 200).toFixed(2)}`,
  );

  // 2. 7B decoder with sparse external weights, in a fresh process.
  const llm = inChild(llmFile, 'input_ids=1x128', LLM_PARAMS);
  console.log(`7B decoder: ${LLM_PARAMS.toLocaleString('en-US')} float16 parameters in external data (sparse, never read), 128 tokens`);
  console.log(`  readModel + profileModel        ${llm.ms.toFixed(1)} ms   ratio to 2 s: ${(llm.ms / 2000).toFixed(3)}`);
  console.log(
    `  peak RSS, fresh process         ${(llm.peakKiB / 1024).toFixed(1)} MB (baseline ${(llm.baselineKiB / 1024).toFixed(1)} MB) ratio to 300 MB: ${(llm.peakKiB / 1024 / 300).toFixed(2)}`,
  );
}
