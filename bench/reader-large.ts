/**
 * Reader benchmark (issue: ONNX reader). Builds a ~140 M-parameter model (≈ 560 MB) with the graph
 * builder, then reports as ratios, in one run:
 *   - readModel() time vs the floor: streaming the file once through a 1 MB buffer (page cache warm);
 *   - readModel() peak RSS, measured in a fresh child process that does nothing else.
 * Goals: time ≤ 2× the floor, peak RSS < 150 MB whatever the model size.
 *
 *   npx tsx bench/reader-large.ts            (build if missing, then measure)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../src/onnx/builder.js';
import { readModel } from '../src/onnx/reader.js';
import { writeModel } from '../src/onnx/writer.js';
import { median, peakRssKiB, streamOnce } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.join(here, '.work');
const modelFile = path.join(work, 'mlp-140m.onnx');
const LAYERS = 35;
const WIDTH = 2000; // 35 × (2000×2000 + 2000) = 140,070,000 parameters

function build(): void {
  const b = new GraphBuilder({ seed: 11 });
  let x = b.input('input', 'float32', ['batch', WIDTH]);
  for (let i = 0; i < LAYERS; i++) {
    const w = b.weight(`layers.${i}.weight`, [WIDTH, WIDTH]);
    const bias = b.weight(`layers.${i}.bias`, [WIDTH]);
    x = b.op('Gemm', [x, w, bias], { transB: 1 }, `/layers.${i}/Gemm`);
    if (i < LAYERS - 1) x = b.op('Relu', [x], {}, `/layers.${i}/Relu`);
  }
  b.output(x);
  writeModel(b.build(), modelFile);
}

function readOnce(file: string): number {
  const t0 = process.hrtime.bigint();
  const m = readModel(file);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (m.graph.initializers.length !== 2 * LAYERS) throw new Error('unexpected model');
  return ms;
}

if (process.argv[2] === '--child-rss') {
  // Child: load once, report the peak RSS of this process (see peakRssKiB for why not maxRSS).
  const before = peakRssKiB();
  readOnce(process.argv[3]!);
  console.log(JSON.stringify({ baselineKiB: before, peakKiB: peakRssKiB() }));
} else {
  fs.mkdirSync(work, { recursive: true });
  if (!fs.existsSync(modelFile)) {
    const t0 = Date.now();
    build();
    console.log(`built ${modelFile} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const size = fs.statSync(modelFile).size;
  streamOnce(modelFile); // warm the page cache
  const floors: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < 7; i++) {
    floors.push(streamOnce(modelFile));
    reads.push(readOnce(modelFile));
  }
  const floor = median(floors);
  const read = median(reads);
  const child = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child-rss', modelFile], { encoding: 'utf8' }),
  ) as { baselineKiB: number; peakKiB: number };
  const peakMB = child.peakKiB / 1024;
  console.log(`model: ${(size / 1e6).toFixed(0)} MB, ${LAYERS * (WIDTH * WIDTH + WIDTH)} parameters in ${2 * LAYERS} tensors`);
  console.log(`streaming floor (1 MB buffer): median ${floor.toFixed(1)} ms of 7`);
  console.log(`readModel:                     median ${read.toFixed(1)} ms of 7`);
  console.log(`ratio readModel / floor: ${(read / floor).toFixed(3)}  (goal ≤ 2)`);
  console.log(
    `readModel peak RSS in a fresh process: ${peakMB.toFixed(1)} MB (process baseline before loading ${(child.baselineKiB / 1024).toFixed(1)} MB; goal < 150 MB)`,
  );
}
