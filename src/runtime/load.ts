/**
 * How busy the machine is (BENCHMARK.md §9, "Machine load"): the load average and, on Linux, the CPU
 * share other processes took, read from /proc/<pid>/stat (utime + stime, in clock ticks). A benchmark
 * records a short sample before its first configuration, and the other processes' share over the whole
 * benchmark, from two readings at its start and end (nothing sleeps for it, and a load that came and
 * went in the middle is seen); it counts as run on a busy machine when other processes used more than
 * 20% of the CPU in either. The load average decides only where /proc cannot be read: it still counts a
 * build's own benchmark workers that ended seconds ago (a 1-minute average), so on its own it would
 * call every build busy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { LoadSample, MachineLoad } from './types.js';
import type { MessageKey } from '../i18n/en.js';
import { inEnglish } from '../i18n/fill.js';

/** Linux's USER_HZ: /proc times are in 1/100 s on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;
const BUSY_OTHER_CPU_SHARE = 0.2;
const BUSY_LOAD_PER_CORE = 0.5;
const LOAD_SAMPLE_MS = 300;

export interface ProcTimes {
  pid: number;
  command: string;
  /** utime + stime, clock ticks. */
  ticks: number;
}

/** One /proc/<pid>/stat line: `pid (comm) state ppid …`; utime and stime are fields 14 and 15. */
export function parseProcStat(text: string): ProcTimes | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): utime (14) is rest[11], stime (15) rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isSafeInteger(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { pid, command: text.slice(open + 1, close), ticks: utime + stime };
}

/** Every process's CPU times now; empty off Linux. */
function readProcTimes(procDir = '/proc'): ProcTimes[] {
  let names: string[];
  try {
    names = readdirSync(procDir);
  } catch {
    return [];
  }
  const out: ProcTimes[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const t = parseProcStat(readFileSync(`${procDir}/${name}/stat`, 'utf8'));
      if (t) out.push(t);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

/**
 * The CPU share of other processes between two readings: the ticks they used ÷ (interval × logical
 * cores × ticks per second). `self` lists the pids not to count (this process).
 */
export function otherCpuShare(
  before: readonly ProcTimes[],
  after: readonly ProcTimes[],
  intervalMs: number,
  logicalCores: number,
  self: ReadonlySet<number>,
): { share: number; top: LoadSample['topProcesses'] } {
  const earlier = new Map(before.map((t) => [t.pid, t.ticks]));
  const capacity = (intervalMs / 1000) * CLOCK_TICKS_PER_SECOND * logicalCores;
  const used: LoadSample['topProcesses'] = [];
  let total = 0;
  for (const t of after) {
    if (self.has(t.pid)) continue;
    // A process born during the sample counts from zero.
    const delta = t.ticks - (earlier.get(t.pid) ?? 0);
    if (delta <= 0) continue;
    total += delta;
    used.push({ pid: t.pid, command: t.command, cpuShare: capacity > 0 ? delta / capacity : 0 });
  }
  used.sort((a, b) => b.cpuShare - a.cpuShare);
  return { share: capacity > 0 ? Math.min(1, total / capacity) : 0, top: used.slice(0, 3) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An instant reading: the load average and every process's CPU time, for a sample between two of them. */
export interface LoadMark {
  loadAverage: [number, number, number];
  times: ProcTimes[];
  at: bigint;
}

/** Read the load now (synchronous, no waiting). */
export function markLoad(): LoadMark {
  return { loadAverage: os.loadavg() as [number, number, number], times: readProcTimes(), at: process.hrtime.bigint() };
}

/**
 * This process's benchmark workers started ahead of their request (orchestrator.ts `prestartWorker`):
 * loading Node and onnxruntime while this process writes the model, then idle until they measure.
 * They are the benchmark's own, not load. A measuring worker needs no entry: it ends within the
 * sample's interval, and an ended process is not in /proc.
 */
const prestarted = new Set<number>();

/** Leave `pid` out of the samples (a prestarted worker); returns the function that counts it again. */
export function notLoad(pid: number): () => void {
  prestarted.add(pid);
  return () => void prestarted.delete(pid);
}

/** The sample between two readings: the load average at the first, the other processes' share between them. */
function sampleBetween(from: LoadMark, to: LoadMark): LoadSample {
  const elapsedMs = Number(to.at - from.at) / 1e6;
  if (from.times.length === 0 || to.times.length === 0) return { loadAverage: from.loadAverage, otherCpuShare: null, topProcesses: [], intervalMs: elapsedMs };
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const { share, top } = otherCpuShare(from.times, to.times, elapsedMs, cores, new Set([process.pid, ...prestarted]));
  return { loadAverage: from.loadAverage, otherCpuShare: share, topProcesses: top, intervalMs: elapsedMs };
}

/** Sample the load for `intervalMs` (async: the event loop stays free). */
export async function sampleLoad(intervalMs = LOAD_SAMPLE_MS): Promise<LoadSample> {
  const from = markLoad();
  await sleep(intervalMs);
  return sampleBetween(from, markLoad());
}

/** A sample no older than this may stand as the next benchmark's "before" sample. */
export const REUSE_SAMPLE_MS = 2000;

let latest: { sample: LoadSample; endedAt: bigint } | null = null;

/**
 * The other processes' share over a whole benchmark, from the reading taken as it started to one now.
 * The benchmark's own workers are not in it: each one starts and ends within the interval, and a
 * process that ended is no longer in /proc (its time goes to this process's children's times, which are
 * not counted). Remembered so that a benchmark starting within REUSE_SAMPLE_MS takes it as its
 * "before" sample (beforeBenchmark).
 */
export function duringBenchmark(start: LoadMark): LoadSample {
  const end = markLoad();
  const sample: LoadSample = { ...sampleBetween(start, end), window: 'benchmark' };
  latest = { sample, endedAt: end.at };
  return sample;
}

/**
 * The sample before a benchmark's first configuration. Back-to-back benchmarks (a document's) share
 * it: the previous benchmark's whole-benchmark sample, when that one ended at most REUSE_SAMPLE_MS ago,
 * is taken instead of a new one. Only this process (excluded from the share) ran in between, writing the
 * next model, and the 0.3 s saved per benchmark add up to seconds over a document.
 */
export async function beforeBenchmark(intervalMs = LOAD_SAMPLE_MS, clock: () => bigint = () => process.hrtime.bigint()): Promise<LoadSample> {
  if (latest && Number(clock() - latest.endedAt) / 1e6 <= REUSE_SAMPLE_MS) {
    const reused = latest.sample;
    latest = null;
    return reused;
  }
  return sampleLoad(intervalMs);
}

/** The words a busy verdict is said in: a catalogue's `t` (English by default, what results store). */
export type Say = (key: MessageKey, vars?: Readonly<Record<string, string | number>>) => string;

/**
 * Why the samples make the machine busy, in words (empty when it was idle enough): the load average
 * where the other processes' share is unknown, else the share before and after the benchmark.
 */
export function busyReasons(start: LoadSample, end: LoadSample | null, logicalCores: number, say: Say = inEnglish): string[] {
  const reasons: string[] = [];
  if (start.otherCpuShare === null && start.loadAverage[0] > BUSY_LOAD_PER_CORE * logicalCores) {
    reasons.push(
      say('load.average', { load: start.loadAverage[0].toFixed(2), cores: logicalCores, coreWord: say(logicalCores === 1 ? 'load.core' : 'load.cores') }),
    );
  }
  for (const [when, s] of [
    ['load.before', start],
    [endWhen(end), end],
  ] as const) {
    if (s && s.otherCpuShare !== null && s.otherCpuShare > BUSY_OTHER_CPU_SHARE) {
      const who = s.topProcesses.map((p) => `${p.command} ${(p.cpuShare * 100).toFixed(0)}%`).join(say('list.comma'));
      reasons.push(say('load.other', { share: `${(s.otherCpuShare * 100).toFixed(0)}%`, when: say(when), who: who ? say('load.who', { list: who }) : '' }));
    }
  }
  return reasons;
}

/** What the second sample is said to cover: the whole benchmark, or a short sample after it (results stored before the whole-benchmark sample). */
function endWhen(end: LoadSample | null): 'load.during' | 'load.after' {
  return end?.window === 'benchmark' ? 'load.during' : 'load.after';
}

/** An idle benchmark's load in words (`env.idle`): the load average, the other processes' share before and over the benchmark. */
export function idleWords(load: MachineLoad, say: Say = inEnglish): string {
  const share = (v: number | null | undefined): string => (v === null || v === undefined ? say('env.unknown') : `${(v * 100).toFixed(0)}%`);
  return say('env.idle', {
    load: load.start.loadAverage[0].toFixed(2),
    before: share(load.start.otherCpuShare),
    after: share(load.end?.otherCpuShare),
    when: say(endWhen(load.end)),
  });
}

/** The busy verdict from the two samples, with the reason in words. */
export function judgeLoad(start: LoadSample, end: LoadSample | null, logicalCores: number): MachineLoad {
  const reasons = busyReasons(start, end, logicalCores);
  return { start, end, busy: reasons.length > 0, reason: reasons.length > 0 ? reasons.join(inEnglish('list.semicolon')) : null };
}
