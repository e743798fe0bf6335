/**
 * The extra effort on unstable configurations, driven by the real protocol loop (runProtocol) on an
 * injected clock and an injected noise source: each "process" is a fake session whose i-th run lasts
 * a chosen duration. Expected numbers are worked out by hand in the comments (type-7 quantiles).
 */
import { describe, expect, it } from 'vitest';
import { assess, effortPolicy, extendedProtocol, type MeasuredProcess, outlierProcesses, spendEffort } from '../../src/runtime/effort.js';
import { runProtocol } from '../../src/runtime/protocol.js';
import { hierarchicalMedianCi, summarize } from '../../src/runtime/stats.js';
import type { ProtocolOptions } from '../../src/runtime/types.js';

// Run-bound phases: 2 warm-up runs, then exactly 20 timed runs (no minimum time), capped at 10 s.
const protocol: ProtocolOptions = { warmupMinRuns: 2, warmupMinMs: 0, minRuns: 20, minTimeMs: 0, maxRuns: 1000, maxTimeMs: 10_000 };

/** One process measured with the real protocol loop on a fake clock: run i lasts durationMs(i). */
async function fakeProcess(durationMs: (i: number) => number, p: ProtocolOptions, pid: number): Promise<MeasuredProcess> {
  let now = 0n;
  let calls = 0;
  const run = async () => {
    now += BigInt(Math.round(durationMs(calls++) * 1e6));
  };
  const r = await runProtocol(run, p, () => now);
  return {
    run: {
      pid,
      sessionCreateMs: 0,
      firstRunMs: r.firstRunMs,
      warmupRuns: r.warmup.runs + 1,
      warmupMs: r.warmup.wallMs,
      timedWallMs: r.timed.wallMs,
      stoppedBy: r.timed.stoppedBy,
      latency: summarize(r.timed.samplesMs),
      throughputWallPerSecond: 0,
      outputs: [],
    },
    samplesMs: r.timed.samplesMs,
  };
}

const steady = (ms: number) => () => ms;
/** Noise whose timed samples are a quarter 6 ms, half 10 ms, a quarter 14 ms (the pattern 6, 10, 14, 10 repeated). */
const noisy = (i: number) => [6, 10, 14, 10][i % 4]!;

/** A measure function that hands out process kinds in order and records the protocols it was given. */
function measurer(kinds: ((i: number) => number)[]) {
  const protocols: ProtocolOptions[] = [];
  let next = 0;
  const measure = async (p: ProtocolOptions) => {
    protocols.push(p);
    const kind = kinds[Math.min(next, kinds.length - 1)]!;
    next++;
    return fakeProcess(kind, p, 100 + next);
  };
  return { measure, protocols };
}

describe('assess: the stability verdict', () => {
  it('a noisy series is unstable: 5×6, 10×10, 5×14 ms → q1 9, q3 11, IQR/median 0.2 > 0.1', async () => {
    // 20 timed samples after 2 runs (the first + 1 warm-up run): calls 2..21 of 6, 10, 14, 10 …
    // → five 6s, ten 10s, five 14s. Sorted: x[0..4]=6, x[5..14]=10, x[15..19]=14.
    // q1: h = 19·0.25 = 4.75 → 6 + 0.75·(10 − 6) = 9; q3: h = 14.25 → 10 + 0.25·4 = 11.
    const a = assess([await fakeProcess(noisy, protocol, 1)]);
    expect(a.pooled.q1Ms).toBe(9);
    expect(a.pooled.q3Ms).toBe(11);
    expect(a.relativeIqr).toBeCloseTo(0.2, 12);
    expect(a.unstable).toBe(true);
    expect(a.reasons).toEqual(['IQR/median 20.0% > 10%']);
  });

  it('process medians 10, 10.5, 12 ms: spread (12 − 10) ÷ 10.5 = 19% > 10% is unstable though each process is tight', async () => {
    const a = assess([await fakeProcess(steady(10), protocol, 1), await fakeProcess(steady(10.5), protocol, 2), await fakeProcess(steady(12), protocol, 3)]);
    // MAD of {10, 10.5, 12} around 10.5 is 0.5: 3 × 1.4826 × 0.5 = 2.22 > 1.5, and 10% of 10.5 = 1.05: none discarded
    expect(a.discarded).toEqual([]);
    expect(a.processSpread).toBeCloseTo(2 / 10.5, 12);
    expect(a.unstable).toBe(true);
  });

  it('outlierProcesses: 20 among 10, 10, 10.2 is discarded; nothing is discarded from fewer than 3 processes', () => {
    // median 10.1, MAD = median(|x − 10.1|) = median(0.1, 0.1, 0.1, 9.9) = 0.1 → limit max(0.445, 1.01) = 1.01; |20 − 10.1| = 9.9
    expect(outlierProcesses([10, 10, 10.2, 20]).map((d) => d.index)).toEqual([3]);
    expect(outlierProcesses([10, 30])).toEqual([]);
    // within 10% of the median is never an outlier, however tight the others are: median 10, MAD 0, limit 1
    expect(outlierProcesses([10, 10, 10.9])).toEqual([]);
  });
});

describe('spendEffort: extra processes, discards and the stop reason', () => {
  it('a stable series gets no extra effort', async () => {
    const base = [await fakeProcess(steady(10), protocol, 1), await fakeProcess(steady(10), protocol, 2), await fakeProcess(steady(10), protocol, 3)];
    const m = measurer([steady(10)]);
    const out = await spendEffort(base, m.measure, protocol, effortPolicy(protocol));
    expect(m.protocols).toHaveLength(0);
    expect(out.stability).toMatchObject({ unstable: false, extraProcesses: 0, stoppedBecause: 'stable', discarded: [] });
  });

  it('an outlier process (median 20 ms among 10 ms) is discarded and replaced by one extra process', async () => {
    const base = [await fakeProcess(steady(10), protocol, 1), await fakeProcess(steady(10), protocol, 2), await fakeProcess(steady(20), protocol, 3)];
    const m = measurer([steady(10)]);
    const out = await spendEffort(base, m.measure, protocol, effortPolicy(protocol));
    // {10, 10, 20}: median 10, MAD 0 → limit 10% of 10 = 1 ms; |20 − 10| = 10 → process 2 discarded
    expect(out.stability.discarded.map((d) => [d.index, d.medianMs])).toEqual([[2, 20]]);
    // kept 2 < 3 asked → one replacement, then 3 kept, all 10 ms: stable
    expect(m.protocols).toHaveLength(1);
    expect(out.assessment.kept).toEqual([0, 1, 3]);
    expect(out.stability).toMatchObject({ unstable: false, extraProcesses: 1, stoppedBecause: 'stable-after-effort' });
  });

  it('a persistently noisy series gets 2 extra processes with 3× the runs, then stays unstable with its reason', async () => {
    const base = [await fakeProcess(noisy, protocol, 1), await fakeProcess(noisy, protocol, 2), await fakeProcess(noisy, protocol, 3)];
    const m = measurer([noisy]);
    const policy = effortPolicy(protocol);
    const out = await spendEffort(base, m.measure, protocol, policy);
    expect(m.protocols).toHaveLength(2);
    // extended minimums: 3 × 20 = 60 runs, 3 × 0 s; the cap stays at the protocol's 10 s (< budget left)
    expect(m.protocols[0]).toMatchObject({ minRuns: 60, minTimeMs: 0, maxTimeMs: 10_000 });
    expect(out.processes.map((p) => p.run.latency.n)).toEqual([20, 20, 20, 60, 60]);
    // pooled: 3×20 + 2×60 = 180 samples, still a quarter 6, half 10, a quarter 14 → IQR/median ≈ 0.2
    expect(out.assessment.pooled.n).toBe(180);
    expect(out.stability.unstable).toBe(true);
    expect(out.stability.stoppedBecause).toBe('extra-processes-exhausted');
    expect(out.stability.reasons[0]).toMatch(/^IQR\/median 2\d\.\d% > 10%$/);
  });

  it('a slow noisy series stops when the extra processes have spent max time (budget)', async () => {
    const slow = (i: number) => noisy(i) * 10; // 60, 100, 140, 100 ms
    const p: ProtocolOptions = { ...protocol, maxTimeMs: 5000 };
    const base = [await fakeProcess(slow, p, 1)];
    const m = measurer([slow]);
    const out = await spendEffort(base, m.measure, p, effortPolicy(p));
    // the extra process wants 60 runs (~6 s) but may time 5 s. Its timed runs start at call 2 (first run +
    // 1 warm-up run), so they go 140, 100, 60, 100 ms …, 400 ms per 4: after 48 runs 4.8 s, the 49th (140 ms)
    // makes 4.94 s, the 50th (100 ms) 5.04 s ≥ 5 s → 50 runs
    expect(m.protocols[0]).toMatchObject({ minRuns: 60, maxTimeMs: 5000 });
    expect(out.processes[1]!.run.latency.n).toBe(50);
    expect(out.processes[1]!.run.stoppedBy).toBe('max-time');
    expect(out.stability).toMatchObject({ unstable: true, extraProcesses: 1, stoppedBecause: 'time-budget-spent' });
  });

  it('extraProcesses 0: the verdict is recorded and nothing more runs', async () => {
    const m = measurer([noisy]);
    const out = await spendEffort([await fakeProcess(noisy, protocol, 1)], m.measure, protocol, effortPolicy(protocol, { extraProcesses: 0 }));
    expect(m.protocols).toHaveLength(0);
    expect(out.stability).toMatchObject({ unstable: true, stoppedBecause: 'no-extra-effort' });
  });

  it('a failed extra process ends the effort with that reason; the base result stands', async () => {
    const out = await spendEffort([await fakeProcess(noisy, protocol, 1)], async () => 'the worker process crashed', protocol, effortPolicy(protocol));
    expect(out.stability).toMatchObject({ unstable: true, extraProcesses: 0, stoppedBecause: 'extra-process-failed' });
  });

  it('extendedProtocol keeps the minimums under the remaining budget', () => {
    const p: ProtocolOptions = { ...protocol, minTimeMs: 2000, maxTimeMs: 60_000 };
    // 3 × 2 s = 6 s, but only 4 s of budget left → min time 4 s, cap 4 s
    expect(extendedProtocol(p, effortPolicy(p), 4000)).toMatchObject({ minRuns: 60, minTimeMs: 4000, maxTimeMs: 4000 });
  });
});

describe('hierarchicalMedianCi', () => {
  it('processes that agree: the CI is that of the common value; processes that disagree widen it to cover them', () => {
    // every sample 10 → every resampled median is 10
    expect(
      hierarchicalMedianCi([
        [10, 10, 10],
        [10, 10],
      ]),
    ).toEqual([10, 10]);
    // three constant processes at 10, 20, 30: a resample's median of medians is one of 10, 20, 30.
    const [lo, hi] = hierarchicalMedianCi([
      [10, 10],
      [20, 20],
      [30, 30],
    ]);
    // P(median = 10) = P(at least two of three draws are 10) = 3·(1/3)²·(2/3) + (1/3)³ = 7/27 ≈ 26% > 2.5% → lo = 10; likewise hi = 30
    expect(lo).toBe(10);
    expect(hi).toBe(30);
  });
});
