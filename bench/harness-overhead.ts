/**
 * Does the harness itself cost anything? (BENCHMARK.md, "What the harness must prove about itself".)
 *
 * On a model of ≥ 5 ms per run (a stack of 512×512 MatMuls on a 256×512 activation, built in code),
 * compare modelpress's reported median latency with a bare loop of `await session.run()` timed with
 * `process.hrtime.bigint()`, same session settings, same inputs. Both run in fresh child processes,
 * interleaved round by round (modelpress, bare, modelpress, bare, …) so drift on a shared machine hits
 * both alike. Prints the ratio (goal 1.00 ± 0.02) and the binding's per-call floor. On a busy machine
 * whole processes see different loads, so it also prints a paired comparison inside one process
 * (alternating blocks of modelpress's timed loop and the bare loop on one session).
 *
 *   npx tsx bench/harness-overhead.ts [--rounds 3] [--threads 1] [--layers 8]
 *
 * Threads default to 1: on a small shared machine a single thread is disturbed least by neighbours.
 * This prints numbers; it asserts nothing (a timed unit test would be flaky by construction).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/onnx/builder.js';
import { readModel } from '../src/onnx/reader.js';
import { writeModel } from '../src/onnx/writer.js';
import { makeFeeds } from '../src/runtime/inputs.js';
import { runBenchmark } from '../src/runtime/orchestrator.js';
import { hrtimeClock, runPhase } from '../src/runtime/protocol.js';
import { sessionOptions } from '../src/runtime/session.js';
import { median } from '../src/runtime/stats.js';
import type { InputSpec } from '../src/runtime/types.js';

const ROWS = 256;
const WIDTH = 512;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function buildModel(file: string, layers: number): void {
  const b = new GraphBuilder({ opset: 17, seed: 5 });
  let h = b.input('x', 'float32', ['batch', ROWS, WIDTH]);
  for (let i = 0; i < layers; i++) {
    const w = b.weight(`layer${i}.weight`, [WIDTH, WIDTH]);
    // Relu between MatMuls keeps the values bounded; ORT cannot merge consecutive MatMuls anyway.
    h = b.op('Relu', [b.op('MatMul', [h, w], {}, `/layer${i}/MatMul`)], {}, `/layer${i}/Relu`);
  }
  b.output(h);
  writeModel(b.build(), file);
}

/** One warmed-up session with modelpress's settings and the seeded input, as the worker makes them. */
async function openSession(modelPath: string, threads: number): Promise<{ session: ort.InferenceSession; feeds: ReturnType<typeof makeFeeds> }> {
  const inputs: InputSpec[] = [{ name: 'x', dtype: 'float32', shape: [1, ROWS, WIDTH] }];
  const session = await ort.InferenceSession.create(
    modelPath,
    sessionOptions({ provider: 'cpu', intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' }),
  );
  const feeds = makeFeeds(inputs, 1);
  // Warm-up as modelpress's default: ≥ 10 runs and ≥ 1 s.
  const start = process.hrtime.bigint();
  for (let runs = 0; runs < 10 || process.hrtime.bigint() - start < 1_000_000_000n; runs++) await session.run(feeds);
  return { session, feeds };
}

/** The reference: no protocol code, no statistics module, just the loop. Runs in a child process. */
async function bareLoop(modelPath: string, threads: number): Promise<void> {
  const { session, feeds } = await openSession(modelPath, threads);
  // Same timed phase as modelpress's default: ≥ 30 runs and ≥ 2 s.
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  while (samples.length < 30 || process.hrtime.bigint() - start < 2_000_000_000n) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await session.release();
  samples.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ medianMs: median(samples), runs: samples.length })}\n`);
}

/**
 * The same question with the load drift taken out: one session in this process, alternating blocks
 * of modelpress's timed loop (`runPhase`, the code the worker runs) and the bare loop, in ABBA order,
 * so both see the same machine state. Compares the loop code only, not process placement.
 */
async function pairedInProcess(
  modelPath: string,
  threads: number,
  blocks: number,
  runsPerBlock: number,
): Promise<{ harnessMs: number; bareMs: number; n: number }> {
  const { session, feeds } = await openSession(modelPath, threads);
  const harness: number[] = [];
  const bare: number[] = [];
  const rules = { minRuns: runsPerBlock, maxRuns: runsPerBlock, minTimeMs: 0, maxTimeMs: 600_000 };
  for (let block = 0; block < blocks; block++) {
    const harnessFirst = block % 4 === 0 || block % 4 === 3; // A B B A
    for (const which of harnessFirst ? ['harness', 'bare'] : ['bare', 'harness']) {
      if (which === 'harness') {
        harness.push(...(await runPhase(() => session.run(feeds), rules, hrtimeClock)).samplesMs);
      } else {
        for (let i = 0; i < runsPerBlock; i++) {
          const t0 = process.hrtime.bigint();
          await session.run(feeds);
          bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }
    }
  }
  await session.release();
  return { harnessMs: median(harness), bareMs: median(bare), n: harness.length };
}

function runBareChild(modelPath: string, threads: number): Promise<{ medianMs: number; runs: number }> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, '--bare', modelPath, String(threads)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bare loop child exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as { medianMs: number; runs: number });
    });
  });
}

async function compare(): Promise<void> {
  const rounds = flag('--rounds', 3);
  const threads = flag('--threads', 1);
  const layers = flag('--layers', 8);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-harness-'));
  const modelPath = path.join(dir, 'matmul-stack.onnx');
  try {
    buildModel(modelPath, layers);
    const model = readModel(modelPath);
    const macs = layers * ROWS * WIDTH * WIDTH;
    console.log(
      `model: ${layers} × (MatMul [1,${ROWS},${WIDTH}]·[${WIDTH},${WIDTH}] + Relu) = ${((2 * macs) / 1e9).toFixed(2)} GFLOP per run; intraOpNumThreads ${threads}; ${rounds} rounds`,
    );
    const harness: number[] = [];
    const bare: number[] = [];
    let floorMs: number | null = null;
    let floorError: string | null = null;
    for (let round = 0; round < rounds; round++) {
      // The floor is measured once, with the first round.
      const report = await runBenchmark({ modelPath, model, threads: [threads], processes: 1, floor: round === 0 });
      const r = report.results[0]!;
      if (r.status !== 'ok') throw new Error(`modelpress bench failed: ${r.reason}`);
      if (round === 0) {
        floorMs = r.floor?.latencyMedianMs ?? null;
        floorError = r.floorError;
      }
      harness.push(r.latencyMedianMs);
      const b = await runBareChild(modelPath, threads);
      bare.push(b.medianMs);
      console.log(
        `round ${round + 1}: modelpress ${r.latencyMedianMs.toFixed(3)} ms (n=${r.pooled.n}, IQR/median ${(r.pooled.relativeIqr * 100).toFixed(1)}%)   bare loop ${b.medianMs.toFixed(3)} ms (n=${b.runs})   ratio ${(r.latencyMedianMs / b.medianMs).toFixed(4)}`,
      );
    }
    const h = median(harness);
    const b = median(bare);
    const ratio = h / b;
    console.log(`modelpress median of process medians: ${h.toFixed(3)} ms`);
    console.log(`bare loop median of process medians:  ${b.toFixed(3)} ms`);
    console.log(`ratio modelpress / bare: ${ratio.toFixed(4)}  (goal 1.00 ± 0.02: ${Math.abs(ratio - 1) <= 0.02 ? 'met' : 'NOT met'})`);
    // Paired per round: less sensitive to load that changes between rounds.
    console.log(`median of per-round ratios: ${median(harness.map((x, i) => x / bare[i]!)).toFixed(4)}`);
    const paired = await pairedInProcess(modelPath, threads, 100, 2);
    console.log(
      `paired in one process (100 alternating blocks of 2 runs each): protocol loop ${paired.harnessMs.toFixed(3)} ms, bare loop ${paired.bareMs.toFixed(3)} ms, ratio ${(paired.harnessMs / paired.bareMs).toFixed(4)}`,
    );
    console.log(
      floorMs !== null
        ? `binding floor (Identity model, same I/O shapes): ${(floorMs * 1000).toFixed(1)} µs per call`
        : `binding floor: not available (${floorError})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--bare') {
  await bareLoop(process.argv[3]!, Number(process.argv[4]));
} else {
  await compare();
}
