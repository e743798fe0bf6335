import { describe, expect, it } from 'vitest';
import { DEFAULT_PROTOCOL, PRECISE_PROTOCOL, protocolFromFlags, runPhase, runProtocol, throughputPerSecond } from '../../src/runtime/protocol.js';

/** A clock that only moves when a run "takes" time: each run lasts `durationMs(i)` for the i-th run. */
function fakeSession(durationMs: (i: number) => number) {
  let now = 0n;
  let calls = 0;
  const clock = () => now;
  const run = async (): Promise<number> => {
    const i = calls++;
    now += BigInt(Math.round(durationMs(i) * 1e6));
    return i;
  };
  return { clock, run, calls: () => calls };
}

describe('runProtocol with the default rules (warm-up ≥ 10 runs & ≥ 1 s, timed ≥ 30 runs & ≥ 2 s, cap 10,000 runs / 60 s)', () => {
  it('10 ms runs: time-bound phases — 100 warm-up runs (1 s), 200 timed runs (2 s)', async () => {
    const s = fakeSession(() => 10);
    const r = await runProtocol(s.run, DEFAULT_PROTOCOL, s.clock);
    expect(r.firstRunMs).toBe(10);
    expect(r.firstRunValue).toBe(0);
    // warm-up after the first run: until 1000 − 10 = 990 ms → 99 runs (and ≥ 9)
    expect(r.warmup.runs).toBe(99);
    // timed: 2000 ms ÷ 10 ms = 200 runs (≥ 30)
    expect(r.timed.runs).toBe(200);
    expect(r.timed.wallMs).toBe(2000);
    expect(r.timed.stoppedBy).toBe('minimums-met');
    expect(r.timed.samplesMs.every((v) => v === 10)).toBe(true);
    // 1 + 99 + 200 calls in all
    expect(s.calls()).toBe(300);
  });

  it('100 ms runs: run-bound — 10 warm-up runs in all, 30 timed runs (3 s > 2 s)', async () => {
    const s = fakeSession(() => 100);
    const r = await runProtocol(s.run, DEFAULT_PROTOCOL, s.clock);
    // first run 100 ms, then ≥ 9 runs and ≥ 900 ms → 9 runs
    expect(r.warmup.runs).toBe(9);
    expect(r.timed.runs).toBe(30);
    expect(r.timed.wallMs).toBe(3000);
    expect(r.timed.stoppedBy).toBe('minimums-met');
  });

  it('5 s runs: the timed phase stops at 60 s with 12 runs', async () => {
    const s = fakeSession(() => 5000);
    const r = await runProtocol(s.run, DEFAULT_PROTOCOL, s.clock);
    // warm-up: 9 more runs (45 s, under the 60 s cap)
    expect(r.warmup.runs).toBe(9);
    // 12 × 5 s = 60 s reaches the cap before 30 runs
    expect(r.timed.runs).toBe(12);
    expect(r.timed.stoppedBy).toBe('max-time');
  });

  it('1 µs runs: both phases stop at 10,000 runs', async () => {
    const s = fakeSession(() => 0.001);
    const r = await runProtocol(s.run, DEFAULT_PROTOCOL, s.clock);
    // warm-up: the first run + 9,999 = 10,000 runs (1 s would take a million)
    expect(r.warmup.runs).toBe(9_999);
    expect(r.warmup.stoppedBy).toBe('max-runs');
    expect(r.timed.runs).toBe(10_000);
    expect(r.timed.stoppedBy).toBe('max-runs');
    // 10,000 × 1 µs = 10 ms of wall time
    expect(r.timed.wallMs).toBeCloseTo(10, 9);
  });

  it('--precise: 10 ms runs give 500 timed runs (5 s); 100 ms runs give 100 runs (10 s)', async () => {
    const fast = fakeSession(() => 10);
    expect((await runProtocol(fast.run, PRECISE_PROTOCOL, fast.clock)).timed.runs).toBe(500);
    const slow = fakeSession(() => 100);
    expect((await runProtocol(slow.run, PRECISE_PROTOCOL, slow.clock)).timed.runs).toBe(100);
  });

  it('each sample is the duration of its own run (a slow 7th run shows up as the 7th sample)', async () => {
    const s = fakeSession((i) => (i === 6 ? 50 : 10));
    const r = await runPhase(s.run, { minRuns: 10, minTimeMs: 0, maxRuns: 100, maxTimeMs: 60_000 }, s.clock);
    expect(r.samplesMs).toEqual([10, 10, 10, 10, 10, 10, 50, 10, 10, 10]);
    // wall = 9·10 + 50 = 140 ms
    expect(r.wallMs).toBe(140);
  });
});

describe('flags and throughput', () => {
  it('--runs and --min-time override the defaults, also under --precise', () => {
    expect(protocolFromFlags({ runs: 50, minTimeS: 0.1 })).toMatchObject({ minRuns: 50, minTimeMs: 100, maxRuns: 10_000, maxTimeMs: 60_000 });
    expect(protocolFromFlags({ precise: true })).toMatchObject({ minRuns: 100, minTimeMs: 5000 });
    expect(protocolFromFlags({ precise: true, runs: 40 })).toMatchObject({ minRuns: 40, minTimeMs: 5000 });
  });

  it('--runs 50 --min-time 0.1 with 10 ms runs: 50 runs (run-bound, 500 ms)', async () => {
    const s = fakeSession(() => 10);
    const r = await runProtocol(s.run, protocolFromFlags({ runs: 50, minTimeS: 0.1 }), s.clock);
    expect(r.timed.runs).toBe(50);
    expect(r.timed.wallMs).toBe(500);
  });

  it('rejects minimums above the caps', () => {
    expect(() => protocolFromFlags({ runs: 20_000 })).toThrow('runs (20000) exceeds the cap of 10000 runs');
    expect(() => protocolFromFlags({ minTimeS: 90 })).toThrow('min time (90 s) exceeds the cap of 60 s');
  });

  it('throughput = batch × runs ÷ wall time: batch 2, 200 runs in 2 s → 200 samples/s', () => {
    expect(throughputPerSecond(2, 200, 2000)).toBe(200);
  });
});
