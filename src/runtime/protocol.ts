/**
 * The measurement loop: warm-up, then a timed phase, with adaptive stopping rules (BENCHMARK.md §3–4).
 * The clock and the run function are injected, so the stopping rules are tested with a fake clock and
 * the same code times `await session.run()` with `process.hrtime.bigint()` in the worker.
 */
import type { ProtocolOptions, StopReason } from './types.js';

/** A monotonic clock in nanoseconds. */
export type Clock = () => bigint;

export const hrtimeClock: Clock = () => process.hrtime.bigint();

/** Defaults for documents: warm-up ≥ 10 runs and ≥ 1 s; timed ≥ 30 runs and ≥ 2 s; stop at 10,000 runs or 60 s. */
export const DEFAULT_PROTOCOL: Readonly<ProtocolOptions> = {
  warmupMinRuns: 10,
  warmupMinMs: 1000,
  minRuns: 30,
  minTimeMs: 2000,
  maxRuns: 10_000,
  maxTimeMs: 60_000,
};

/** `--precise`: timed ≥ 100 runs and ≥ 5 s (enough samples for a p99). */
export const PRECISE_PROTOCOL: Readonly<ProtocolOptions> = { ...DEFAULT_PROTOCOL, minRuns: 100, minTimeMs: 5000 };

/** The protocol chosen by the CLI flags: `--precise` sets the floor, explicit `--runs`/`--min-time` win. */
export function protocolFromFlags(flags: { precise?: boolean; runs?: number; minTimeS?: number }): ProtocolOptions {
  const base = flags.precise ? PRECISE_PROTOCOL : DEFAULT_PROTOCOL;
  const protocol = { ...base };
  if (flags.runs !== undefined) protocol.minRuns = flags.runs;
  if (flags.minTimeS !== undefined) protocol.minTimeMs = flags.minTimeS * 1000;
  validateProtocol(protocol);
  return protocol;
}

export function validateProtocol(p: ProtocolOptions): void {
  const check = (name: string, value: number, min: number): void => {
    if (!Number.isFinite(value) || value < min) throw new Error(`protocol: ${name} must be a number ≥ ${min}, got ${value}`);
  };
  check('warm-up runs', p.warmupMinRuns, 0);
  check('warm-up time', p.warmupMinMs, 0);
  check('runs', p.minRuns, 1);
  check('min time', p.minTimeMs, 0);
  check('max runs', p.maxRuns, 1);
  check('max time', p.maxTimeMs, 1);
  if (p.minRuns > p.maxRuns) throw new Error(`protocol: runs (${p.minRuns}) exceeds the cap of ${p.maxRuns} runs`);
  if (p.minTimeMs > p.maxTimeMs) throw new Error(`protocol: min time (${p.minTimeMs / 1000} s) exceeds the cap of ${p.maxTimeMs / 1000} s`);
}

export interface PhaseRules {
  minRuns: number;
  minTimeMs: number;
  maxRuns: number;
  maxTimeMs: number;
}

export interface PhaseResult {
  runs: number;
  /** Duration of each run, ms (start and end of the awaited call). */
  samplesMs: number[];
  /** From the first run's start to the last run's end. */
  wallMs: number;
  stoppedBy: StopReason;
}

const NS_PER_MS = 1_000_000;

function msBetween(start: bigint, end: bigint): number {
  return Number(end - start) / NS_PER_MS;
}

/**
 * Run until both minimums are met (runs and time), or a cap is reached (runs or time). Each run is timed
 * on its own; nothing else happens between the two clock reads.
 */
export async function runPhase(run: () => Promise<unknown>, rules: PhaseRules, clock: Clock): Promise<PhaseResult> {
  const samplesMs: number[] = [];
  const start = clock();
  let now = start;
  for (;;) {
    const elapsedMs = msBetween(start, now);
    const runs = samplesMs.length;
    if (runs >= rules.maxRuns) return { runs, samplesMs, wallMs: elapsedMs, stoppedBy: 'max-runs' };
    if (runs > 0 && elapsedMs >= rules.maxTimeMs) return { runs, samplesMs, wallMs: elapsedMs, stoppedBy: 'max-time' };
    if (runs >= rules.minRuns && elapsedMs >= rules.minTimeMs) return { runs, samplesMs, wallMs: elapsedMs, stoppedBy: 'minimums-met' };
    const t0 = clock();
    await run();
    const t1 = clock();
    samplesMs.push(msBetween(t0, t1));
    now = t1;
  }
}

export interface ProtocolResult<T> {
  firstRunMs: number;
  /** What the first run returned (the worker reads the output shapes from it). */
  firstRunValue: T;
  /** Warm-up runs after the first run. */
  warmup: PhaseResult;
  timed: PhaseResult;
}

/**
 * The whole protocol on one session: the first run (timed apart: it pays for lazy allocation), the
 * warm-up (the first run counts towards its minimum), then the timed phase.
 */
export async function runProtocol<T>(run: () => Promise<T>, protocol: ProtocolOptions, clock: Clock = hrtimeClock): Promise<ProtocolResult<T>> {
  validateProtocol(protocol);
  const t0 = clock();
  const firstRunValue = await run();
  const firstRunMs = msBetween(t0, clock());
  const warmup = await runPhase(
    run,
    {
      minRuns: Math.max(0, protocol.warmupMinRuns - 1),
      minTimeMs: Math.max(0, protocol.warmupMinMs - firstRunMs),
      maxRuns: Math.max(1, protocol.maxRuns - 1),
      maxTimeMs: protocol.maxTimeMs,
    },
    clock,
  );
  const timed = await runPhase(run, protocol, clock);
  return { firstRunMs, firstRunValue, warmup, timed };
}

/**
 * Samples per second of a timed loop by its wall time: batch × runs ÷ wall time (the
 * `throughput_wall` metric). The document's `throughput` is `throughputFromLatency`.
 */
export function throughputPerSecond(batch: number, runs: number, wallMs: number): number {
  return wallMs > 0 ? (batch * runs) / (wallMs / 1000) : 0;
}

/** The one throughput documents print: batch ÷ median latency (samples per second), so it always agrees with the latency beside it. */
export function throughputFromLatency(batch: number, latencyMedianMs: number): number {
  return latencyMedianMs > 0 ? batch / (latencyMedianMs / 1000) : 0;
}
