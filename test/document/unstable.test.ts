/**
 * An unstable measurement is never printed bare. A real build of a tiny model stores its benchmark
 * in the results store; the test then replaces the measured value with one made by the real effort
 * policy (spendEffort) over processes timed by the real protocol loop on an injected clock with an
 * injected noise source (seeded uniform run times on [7, 13] ms: IQR/median ≈ 30%),
 * and rebuilds from the store. The series gets the extended effort (2 extra processes, 3× the runs),
 * stays unstable, and the HTML and LaTeX mark it, the build warns at the table, --strict fails.
 * The first, real build also checks the throughput identity on real results: throughput = batch ÷
 * median latency, in the record and in print.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultFile } from '../../src/cache/results.js';
import { build } from '../../src/project/build.js';
import { refreshNotices, type StoredBench } from '../../src/measure/registry.js';
import { effortPolicy, type MeasuredProcess, spendEffort } from '../../src/runtime/effort.js';
import { runProtocol } from '../../src/runtime/protocol.js';
import { hierarchicalMedianCi, median, summarize } from '../../src/runtime/stats.js';
import type { ProtocolOptions } from '../../src/runtime/types.js';
import { seededRandom } from '../../src/onnx/random.js';
import { QUICK_BENCH, writeTinyModels } from './models.js';

const DOC = `---
title: Unstable
${QUICK_BENCH}---
# Speed

::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny Gemm"}

::table{#tbl-speed models="gemm" metrics="params latency throughput" caption="Speed"}

::table{#tbl-ci models="gemm" metrics="latency throughput" ci=true caption="With CI"}

A batch takes :metric{model=gemm name=latency}.
`;

let root: string;
const out = () => path.join(root, 'output');

function benchFile(): string {
  const machines = path.join(root, 'modelpress-results', 'bench');
  const [machine] = readdirSync(machines);
  return path.join(machines, machine!, 'content-models-gemm.onnx', '1x4.batch2.threads1.cpu.json');
}

/** A process timed by the real protocol loop on a fake clock: run i lasts noise(i) ms. */
async function fakeProcess(noise: (i: number) => number, p: ProtocolOptions, pid: number): Promise<MeasuredProcess> {
  let now = 0n;
  let calls = 0;
  const r = await runProtocol(
    async () => void (now += BigInt(Math.round(noise(calls++) * 1e6))),
    p,
    () => now,
  );
  const run = {
    pid,
    sessionCreateMs: 1,
    firstRunMs: r.firstRunMs,
    warmupRuns: r.warmup.runs + 1,
    warmupMs: r.warmup.wallMs,
    timedWallMs: r.timed.wallMs,
    stoppedBy: r.timed.stoppedBy,
    latency: summarize(r.timed.samplesMs),
    throughputWallPerSecond: (2 * r.timed.runs) / (r.timed.wallMs / 1000),
    outputs: [],
  };
  return { run, samplesMs: r.timed.samplesMs };
}
/** Seeded uniform noise on [7, 13] ms: median 10, IQR 3 (IQR/median ≈ 30% > 10%) however many runs. */
function uniformNoise(seed: number): (i: number) => number {
  const rand = seededRandom(seed);
  return () => 7 + 6 * rand();
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-unstable-'));
  mkdirSync(path.join(root, 'content'), { recursive: true });
  writeTinyModels(path.join(root, 'content'));
  writeFileSync(path.join(root, 'content', 'survey.md'), DOC);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('unstable measurements', () => {
  let ci: [number, number];
  let headline: number;
  let effortRecord: NonNullable<Extract<StoredBench['result'], { status: 'ok' }>['stability']>;

  it('a real build: throughput = batch ÷ median latency in the record and in print', async () => {
    const first = await build({ cwd: root, to: ['html', 'tex'] });
    expect(first.exitCode).toBe(0);
    const entry = JSON.parse(readFileSync(benchFile(), 'utf8')) as ResultFile<StoredBench>;
    const r = entry.value.result;
    if (r.status !== 'ok') throw new Error('expected a measured result');
    // batch 2 (QUICK_BENCH): 2 samples per batch ÷ the median ms per batch
    expect(r.throughputPerSecond).toBeCloseTo(2 / (r.latencyMedianMs / 1000), 9);
    const numbers = (JSON.parse(readFileSync(path.join(out(), 'survey.data.json'), 'utf8')) as { numbers: { where: string; metric: string; value: number }[] })
      .numbers;
    const latency = numbers.find((n) => n.metric === 'latency')!.value;
    const throughput = numbers.find((n) => n.metric === 'throughput')!.value;
    expect(throughput).toBeCloseTo(2000 / latency, 6);
    expect(readFileSync(path.join(out(), 'survey.html'), 'utf8')).toContain('throughput = batch ÷ median latency');
  }, 120_000);

  it('a noisy series gets the extended effort and stays unstable', async () => {
    const entry = JSON.parse(readFileSync(benchFile(), 'utf8')) as ResultFile<StoredBench>;
    const stored = entry.value;
    if (stored.result.status !== 'ok') throw new Error('expected a measured result');
    // Run-bound quick protocol: 20 timed runs per base process (3 processes).
    const protocol: ProtocolOptions = { warmupMinRuns: 1, warmupMinMs: 0, minRuns: 20, minTimeMs: 0, maxRuns: 1000, maxTimeMs: 10_000 };
    const base = [
      await fakeProcess(uniformNoise(1), protocol, 1),
      await fakeProcess(uniformNoise(2), protocol, 2),
      await fakeProcess(uniformNoise(3), protocol, 3),
    ];
    let pid = 10;
    const extraProtocols: ProtocolOptions[] = [];
    const outcome = await spendEffort(base, async (p) => (extraProtocols.push(p), fakeProcess(uniformNoise(pid), p, pid++)), protocol, effortPolicy(protocol));
    effortRecord = outcome.stability;
    // the extended effort: 2 extra processes of 3 × 20 = 60 runs, then still unstable
    expect(extraProtocols.map((p) => p.minRuns)).toEqual([60, 60]);
    expect(outcome.stability).toMatchObject({ unstable: true, extraProcesses: 2, stoppedBecause: 'extra-processes-exhausted' });
    const kept = outcome.assessment.kept.map((i) => outcome.processes[i]!);
    const latencyMedianMs = median(kept.map((p) => p.run.latency.medianMs));
    // uniform on [7, 13] ms: the median is near 10 ms (20 to 60 samples per process)
    expect(Math.abs(latencyMedianMs - 10)).toBeLessThan(1.5);
    ci = hierarchicalMedianCi(kept.map((p) => p.samplesMs));
    expect(ci[1]).toBeGreaterThan(ci[0]);
    headline = latencyMedianMs;
    stored.result = {
      ...stored.result,
      latencyMedianMs,
      latencyCi95Ms: ci,
      throughputPerSecond: 2 / (latencyMedianMs / 1000),
      throughputWallPerSecond: median(kept.map((p) => p.run.throughputWallPerSecond)),
      pooled: outcome.assessment.pooled,
      processes: outcome.processes.map((p) => p.run),
      stability: outcome.stability,
    };
    writeFileSync(benchFile(), JSON.stringify(entry, null, 1));
  });

  it('HTML: class mp-unstable and a dagger linked to a note with the 95% CI; ci=true shows ±', async () => {
    const result = await build({ cwd: root, to: ['html', 'tex'], frozen: true });
    expect(effortRecord.unstable).toBe(true);
    const html = readFileSync(path.join(out(), 'survey.html'), 'utf8');
    const cells = [
      ...html.matchAll(
        /<td class="mp-num mp-unstable" title="[^"]*">([^<]+)<sup><a href="#(tbl-speed-unstable-\d)" class="mp-unstable-mark" title="[^"]*">(†\d?)<\/a><\/sup><\/td>/g,
      ),
    ];
    // latency and throughput of the speed table are both marked: †1 and †2
    expect(cells.map((c) => [c[2], c[3]])).toEqual([
      ['tbl-speed-unstable-1', '†1'],
      ['tbl-speed-unstable-2', '†2'],
    ]);
    const decimals = cells[0]![1]!.split('.')[1]?.length ?? 0;
    expect(Number(cells[0]![1])).toBeCloseTo(headline, decimals);
    const note =
      /<p id="tbl-speed-unstable-1" class="mp-unstable-note">†1 Tiny Gemm, Latency \(ms\): unstable measurement \(IQR\/median \d\d\.\d% > 10%; after 2 extra processes, stopped: extra-processes-exhausted\); 95% CI ([\d.]+)–([\d.]+) ms<\/p>/;
    const m = note.exec(html);
    expect(m, 'the latency note').not.toBeNull();
    // the CI printed in the cell's decimals
    expect(Number(m![1])).toBeCloseTo(ci[0], decimals);
    expect(Number(m![2])).toBeCloseTo(ci[1], decimals);
    // ci=true: value ± half the CI width
    expect(html).toMatch(/<td class="mp-num mp-unstable" title="[^"]*">[\d.]+ ± [\d.]+<sup><a href="#tbl-ci-unstable-1"/);

    // The warning, positioned at each table that prints the value.
    const warnings = result.documents[0]!.file.messages.filter((w) => w.ruleId === 'unstable-measurement');
    // front matter: 2 + 8 QUICK_BENCH lines + the closing ---, heading, model: the tables are on lines 16
    // and 18, the :metric on line 20
    expect(warnings.map((w) => w.line)).toEqual([16, 18, 20]);
    // the inline metric: a † whose title gives the CI
    expect(html).toMatch(
      /<span class="mp-metric mp-unstable" data-metric="latency" data-model="gemm" title="[^"]*">[\d.]+\u00a0ms<sup class="mp-unstable-mark" title="unstable measurement \([^"]*\); 95% CI [\d.]+–[\d.]+\u00a0ms">†<\/sup><\/span>/,
    );
    expect(warnings[0]!.reason).toMatch(
      /^the latency of model 'gemm' at input 1x4 is an unstable measurement \(IQR\/median \d\d\.\d% > 10%; after 2 extra processes, stopped: extra-processes-exhausted\): [\d.]+ ms, 95% CI [\d.]+–[\d.]+ ms/,
    );
  });

  it('LaTeX: a dagger in the cell and a table note with the CI; ci=true shows $\\pm$', () => {
    const tex = readFileSync(path.join(out(), 'survey.tex'), 'utf8');
    expect(tex).toMatch(/& \{[\d.]+\\textsuperscript\{\\dag1\}\} & \{[\d.]+\\textsuperscript\{\\dag2\}\} \\\\/);
    expect(tex).toMatch(/\\textsuperscript\{\\dag1\}~Tiny Gemm, Latency \(ms\): unstable measurement .*; 95\\% CI [\d.]+--[\d.]+ ms/);
    expect(tex).toMatch(/\{[\d.]+\\,\$\\pm\$\\,[\d.]+\\textsuperscript\{\\dag1\}\}/);
    // the inline metric in the fragment: a footnote with the CI
    expect(tex).toMatch(/A batch takes [\d.]+(?:\\,|~|\u00a0| )?ms\\footnote\{Unstable measurement \(.*?; 95\\% CI [\d.]+--[\d.]+(?:\\,|~|\u00a0| )?ms\.\}/);
    // the macro of the inline metric carries the dagger, and its comment the CI
    const macros = readFileSync(path.join(out(), 'survey.macros.tex'), 'utf8');
    expect(macros).toMatch(
      /% Latency of gemm: [^\n]*; † unstable measurement \([^\n]*; 95% CI [\d.]+–[\d.]+\u00a0ms\n\\newcommand\{\\TinyGemmLatency\}\{[\d.]+~ms\\textsuperscript\{\\dag\}\}/,
    );
  });

  it('--strict fails on it', async () => {
    const strict = await build({ cwd: root, frozen: true, strict: true });
    expect(strict.exitCode).toBe(1);
  });
});

describe('--refresh that moves a number beyond its CIs', () => {
  it('says so at the table: old → new with both CIs', async () => {
    // Pretend the stored result said 1000 ms (95% CI 990–1010): a real re-measurement of the tiny Gemm
    // takes microseconds, far outside that interval.
    const entry = JSON.parse(readFileSync(benchFile(), 'utf8')) as ResultFile<StoredBench>;
    if (entry.value.result.status !== 'ok') throw new Error('expected a measured result');
    entry.value.result = { ...entry.value.result, latencyMedianMs: 1000, latencyCi95Ms: [990, 1010] };
    writeFileSync(benchFile(), JSON.stringify(entry, null, 1));
    const refreshed = await build({ cwd: root, refresh: ['gemm'] });
    const notes = refreshed.documents[0]!.file.messages.filter((m) => m.ruleId === 'refresh-changed');
    // at both tables and the :metric that print the latency
    expect(notes.map((n) => n.line)).toEqual([16, 18, 20]);
    expect(notes[0]!.reason).toMatch(
      /^--refresh changed the latency of model 'gemm' at input 1x4 beyond its confidence intervals: 1000 ms \(95% CI 990–1010\) → [\d.]+ ms \(95% CI [\d.]+–[\d.]+\); same model and settings/,
    );
  }, 120_000);
});

describe('refreshNotices', () => {
  const stored = (latencyMedianMs: number, ci: [number, number]) =>
    ({ result: { status: 'ok', latencyMedianMs, latencyCi95Ms: ci, pooled: { medianCi95Ms: ci } }, environment: {}, protocol: {} }) as unknown as StoredBench;
  it('21.9 ms (21.5–22.3) → 214 ms (200–230): the CIs do not overlap, say so; 21.9 → 22.1 (21.7–22.6) overlaps: nothing', () => {
    expect(refreshNotices('r18', '', stored(21.9, [21.5, 22.3]), stored(214, [200, 230]))).toEqual([
      "--refresh changed the latency of model 'r18' beyond its confidence intervals: 21.9 ms (95% CI 21.5–22.3) → 214 ms (95% CI 200–230); " +
        'same model and settings, so the machine changed (load, clock, other processes): check that it is idle and refresh again',
    ]);
    expect(refreshNotices('r18', '', stored(21.9, [21.5, 22.3]), stored(22.1, [21.7, 22.6]))).toEqual([]);
  });
});
