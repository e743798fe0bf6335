/**
 * What the protocol does when a configuration comes out unstable (BENCHMARK.md "Unstable results"):
 *
 * 1. a process whose median is an outlier among the processes' medians is left out of the headline
 *    (kept in the record, with the reason): more than 3 scaled MADs and more than 10% from the
 *    median of the medians (needs ≥ 3 processes);
 * 2. while the kept processes are unstable — pooled IQR ÷ median > 0.10, or their medians spread by
 *    more than 10% of their median — or fewer processes are kept than were asked for, one extra
 *    process runs with longer timed minimums (`runsFactor` × runs and × time), up to
 *    `extraProcesses` of them and `budgetMs` of extra timed time in all (default: max time);
 * 3. why it stopped is recorded (`stoppedBecause`); a result still unstable says so, and documents
 *    mark it wherever it is printed.
 *
 * Pure logic over an injected `measure`: tests drive it with a fake clock and a noise source, the
 * orchestrator with child processes.
 */
import { median, summarize, UNSTABLE_RELATIVE_IQR } from './stats.js';
import { inEnglish } from '../i18n/fill.js';
import type { EffortPolicy, EffortStop, LatencyStats, ProcessRun, ProtocolOptions, Stability } from './types.js';

/** One process's measurement with its raw samples (the parent pools them). */
export interface MeasuredProcess {
  run: ProcessRun;
  samplesMs: number[];
}

/** Defaults: 2 extra processes, 3× the timed minimums, all of it within the protocol's max time. */
export function effortPolicy(protocol: ProtocolOptions, overrides: Partial<EffortPolicy> = {}): EffortPolicy {
  const policy = { extraProcesses: 2, runsFactor: 3, budgetMs: protocol.maxTimeMs, ...overrides };
  if (!Number.isSafeInteger(policy.extraProcesses) || policy.extraProcesses < 0)
    throw new Error(`extra processes must be an integer ≥ 0, got ${policy.extraProcesses}`);
  if (!(policy.runsFactor >= 1)) throw new Error(`the extra processes' runs factor must be ≥ 1, got ${policy.runsFactor}`);
  if (!(policy.budgetMs >= 0)) throw new Error(`the extra effort's time budget must be ≥ 0 ms, got ${policy.budgetMs}`);
  return policy;
}

/** Scale of the median absolute deviation that estimates σ for normal data. */
const MAD_SCALE = 1.4826;
const OUTLIER_MADS = 3;
/** A process within 10% of the others' median is never discarded, however tight the others are. */
const OUTLIER_MIN_RELATIVE = 0.1;

/** Processes whose median is an outlier among the processes' medians (needs ≥ 3). */
export function outlierProcesses(medians: readonly number[]): { index: number; medianMs: number; reason: string }[] {
  if (medians.length < 3) return [];
  const m = median(medians);
  const mad = median(medians.map((x) => Math.abs(x - m)));
  const limit = Math.max(OUTLIER_MADS * MAD_SCALE * mad, OUTLIER_MIN_RELATIVE * m);
  const out: { index: number; medianMs: number; reason: string }[] = [];
  medians.forEach((x, index) => {
    if (Math.abs(x - m) > limit) {
      out.push({
        index,
        medianMs: x,
        reason: `median ${x.toPrecision(4)} ms is ${((Math.abs(x - m) / m) * 100).toFixed(0)}% from the processes' median ${m.toPrecision(4)} ms (limit: max(3 scaled MADs, 10%))`,
      });
    }
  });
  return out;
}

export interface Assessment {
  kept: number[];
  discarded: Stability['discarded'];
  pooled: LatencyStats;
  relativeIqr: number;
  processSpread: number;
  unstable: boolean;
  reasons: string[];
}

/** The verdict on a set of processes: which are kept, and whether the kept ones are stable. */
export function assess(processes: readonly MeasuredProcess[]): Assessment {
  if (processes.length === 0) throw new Error('no processes to assess');
  const medians = processes.map((p) => p.run.latency.medianMs);
  const discarded = outlierProcesses(medians);
  const kept = processes.map((_, i) => i).filter((i) => !discarded.some((d) => d.index === i));
  const pooled = summarize(kept.flatMap((i) => processes[i]!.samplesMs));
  const keptMedians = kept.map((i) => medians[i]!);
  const center = median(keptMedians);
  const processSpread = keptMedians.length > 1 && center > 0 ? (Math.max(...keptMedians) - Math.min(...keptMedians)) / center : 0;
  const reasons: string[] = [];
  if (pooled.relativeIqr > UNSTABLE_RELATIVE_IQR) reasons.push(inEnglish('unstable.iqr', { value: (pooled.relativeIqr * 100).toFixed(1) }));
  if (processSpread > UNSTABLE_RELATIVE_IQR) reasons.push(inEnglish('unstable.spread', { value: (processSpread * 100).toFixed(1) }));
  return { kept, discarded, pooled, relativeIqr: pooled.relativeIqr, processSpread, unstable: reasons.length > 0, reasons };
}

/** The protocol of an extra process: longer minimums, within what is left of the budget. */
export function extendedProtocol(protocol: ProtocolOptions, policy: EffortPolicy, remainingMs: number): ProtocolOptions {
  const maxTimeMs = Math.max(1, Math.min(protocol.maxTimeMs, remainingMs));
  return {
    ...protocol,
    minRuns: Math.min(protocol.maxRuns, Math.ceil(protocol.minRuns * policy.runsFactor)),
    minTimeMs: Math.min(maxTimeMs, protocol.minTimeMs * policy.runsFactor),
    maxTimeMs,
  };
}

export interface EffortOutcome {
  processes: MeasuredProcess[];
  assessment: Assessment;
  stability: Stability;
}

/**
 * Spend extra effort on a configuration until it is stable or the policy is spent. `base` are the
 * processes already measured; `measure` runs one more with the protocol given, or returns why it failed.
 */
export async function spendEffort(
  base: readonly MeasuredProcess[],
  measure: (protocol: ProtocolOptions) => Promise<MeasuredProcess | string>,
  protocol: ProtocolOptions,
  policy: EffortPolicy,
  say: (message: string) => void = () => {},
): Promise<EffortOutcome> {
  const processes = [...base];
  let a = assess(processes);
  let extra = 0;
  let spentMs = 0;
  let stop: EffortStop;
  for (;;) {
    const short = a.kept.length < base.length;
    if (!a.unstable && !short) {
      stop = extra > 0 || a.discarded.length > 0 ? 'stable-after-effort' : 'stable';
      break;
    }
    if (policy.extraProcesses === 0) {
      stop = a.unstable ? 'no-extra-effort' : 'stable-after-effort';
      break;
    }
    if (extra >= policy.extraProcesses) {
      stop = a.unstable ? 'extra-processes-exhausted' : 'stable-after-effort';
      break;
    }
    const remainingMs = policy.budgetMs - spentMs;
    if (remainingMs <= 0) {
      stop = a.unstable ? 'time-budget-spent' : 'stable-after-effort';
      break;
    }
    const why = a.unstable ? a.reasons.join(', ') : `${a.discarded.length} outlier process${a.discarded.length === 1 ? '' : 'es'} discarded`;
    say(`${why}: extra process ${extra + 1}/${policy.extraProcesses}…`);
    const next = await measure(extendedProtocol(protocol, policy, remainingMs));
    if (typeof next === 'string') {
      say(`extra process failed: ${next}`);
      stop = 'extra-process-failed';
      break;
    }
    processes.push(next);
    extra++;
    spentMs += next.run.timedWallMs;
    a = assess(processes);
  }
  return {
    processes,
    assessment: a,
    stability: {
      unstable: a.unstable,
      reasons: a.reasons,
      relativeIqr: a.relativeIqr,
      processSpread: a.processSpread,
      extraProcesses: extra,
      discarded: a.discarded,
      stoppedBecause: stop,
      policy,
    },
  };
}
