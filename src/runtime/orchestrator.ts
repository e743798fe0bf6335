/**
 * Runs a benchmark plan: every configuration in its own child processes (default 3), interleaved
 * round by round so slow drifts of a shared machine spread over all configurations; one session per
 * process; failures stay with their configuration. A configuration's first process measures its
 * binding floor too, after the model (unless the same floor was measured lately); when asked, the
 * profiled pass runs last, in a child of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Model } from '../onnx/model.js';
import { achievedFlops, describeEnvironment, identifyModel, peakFlopsEstimate } from './environment.js';
import { type InputShapes, resolveInputs } from './input-shapes.js';
import { effortPolicy, type MeasuredProcess, spendEffort } from './effort.js';
import { beforeBenchmark, duringBenchmark, judgeLoad, markLoad, notLoad } from './load.js';
import { DEFAULT_PROTOCOL, throughputFromLatency } from './protocol.js';
import { DEFAULT_BOOTSTRAP_RESAMPLES, hierarchicalMedianCi, median, PERCENTILE_METHOD, STD_METHOD } from './stats.js';
import { findTraceFile, readTrace } from './trace.js';
import type {
  BenchConfig,
  BenchReport,
  BenchResult,
  CallFloor,
  EffortPolicy,
  Environment,
  ExecutionProvider,
  GraphOptimizationLevel,
  InputSpec,
  ProtocolOptions,
  TraceBreakdown,
} from './types.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface BenchPlan {
  modelPath: string;
  /** The model as read by the ONNX reader (declared inputs, opset, node names). */
  model: Model;
  /** `--input` shapes, parsed (`parseInputFlag`). */
  inputShapes?: InputShapes;
  /** Batch sizes to measure; undefined entries take the batch the inputs imply. Default [undefined]. */
  batches?: (number | undefined)[];
  /** intraOpNumThreads values; default [physical cores]. */
  threads?: number[];
  providers?: ExecutionProvider[];
  interOpNumThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  processes?: number;
  protocol?: ProtocolOptions;
  /** Extra effort on unstable configurations (effort.ts); defaults from `effortPolicy`. */
  effort?: Partial<EffortPolicy>;
  /** Sample the machine's load before and after (default true). */
  sampleLoad?: boolean;
  inputSeed?: number;
  /** Measure the binding floor (default true). */
  floor?: boolean;
  /** Run the profiled pass for a per-node breakdown (default false). */
  trace?: boolean;
  traceRuns?: number;
  /** Static FLOPs of one sample (batch 1), for achieved FLOP/s. */
  flopsPerSample?: number;
  /**
   * Or: static FLOPs of one run at a configuration's input shapes (the whole batch), e.g. from the
   * analysis of the same model; divided by the batch for FLOPs per sample. flopsPerSample wins.
   */
  countFlops?: (inputs: InputSpec[]) => number;
  /** The model file's sha256 when the caller already knows it (hash memo); computed otherwise. */
  modelSha256?: string;
  /** Kill a child after this long (default: both phase caps + 2 min for loading). */
  childTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

/** Parent-side view of the plan, before any child runs. */
export function planConfigs(plan: BenchPlan, env: Environment): BenchConfig[] {
  const batches = plan.batches && plan.batches.length > 0 ? plan.batches : [undefined];
  const threads = plan.threads && plan.threads.length > 0 ? plan.threads : [env.physicalCores];
  const providers = plan.providers && plan.providers.length > 0 ? plan.providers : (['cpu'] as ExecutionProvider[]);
  for (const t of threads) {
    if (!Number.isSafeInteger(t) || t < 1) throw new Error(`--threads must be a positive integer, got ${t}`);
  }
  const configs: BenchConfig[] = [];
  for (const batchFlag of batches) {
    const { inputs, batch } = resolveInputs(plan.model.graph, plan.inputShapes, batchFlag);
    for (const intra of threads) {
      for (const provider of providers) {
        configs.push({
          label: `batch=${batch} threads=${intra} ${provider}`,
          modelPath: path.resolve(plan.modelPath),
          inputs,
          batch,
          intraOpNumThreads: intra,
          interOpNumThreads: plan.interOpNumThreads ?? 1,
          provider,
          graphOptimizationLevel: plan.graphOptimizationLevel ?? 'all',
          inputSeed: plan.inputSeed ?? 1,
        });
      }
    }
  }
  return configs;
}

/** How to start a worker: the compiled .js next to this module (dist/), else the .ts through tsx (tests, dev). */
export function workerCommand(entry: 'worker' | 'shape-worker' = 'worker'): { command: string; args: string[] } {
  const js = fileURLToPath(new URL(`./${entry}.js`, import.meta.url));
  if (existsSync(js)) return { command: process.execPath, args: [js] };
  const ts = fileURLToPath(new URL(`./${entry}.ts`, import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { command: process.execPath, args: ['--import', pathToFileURL(tsx).href, ts] };
}

const STDERR_TAIL = 2000;

const startWorker = (): ChildProcess => {
  const { command, args } = workerCommand();
  return spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
};

/** Benchmarks of this process under way (runBenchmark). */
let running = 0;

/** A worker started ahead of its request, and what counts it as load again once it is gone. */
let spare: { child: ChildProcess; countAgain: () => void } | undefined;

/**
 * Start the next benchmark's worker now, while this process does work that is not measured (a
 * document build writes the zoo model's weights next): Node and onnxruntime load on the other core
 * meanwhile, and the worker then waits, idle, for its request. The next `runChild` takes it, so it
 * measures only once this process has finished that work; until then no measurement runs. It is
 * left out of the load samples (load.ts `notLoad`), and an unused one ends with this process.
 * Returns its pid (undefined when none was started: a benchmark is running, or it cannot start).
 */
export function prestartWorker(): number | undefined {
  // Never beside a benchmark that is running (its measurement would share the machine with it).
  if (running > 0) return undefined;
  if (spare && waiting(spare.child)) return spare.child.pid;
  spare?.child.kill('SIGKILL');
  let child: ChildProcess;
  try {
    child = startWorker();
  } catch {
    spare = undefined;
    return undefined;
  }
  const countAgain = child.pid !== undefined ? notLoad(child.pid) : () => {};
  child.on('error', countAgain);
  child.on('close', countAgain);
  // A spare never taken must not keep this process alive (it exits when the IPC channel closes).
  child.unref();
  child.channel?.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  spare = { child, countAgain };
  return child.pid;
}

/** Still there, waiting for its request (a spare that ended or lost its channel is not). */
const waiting = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null && child.connected;

/** The prestarted worker when it is still there, else a new one. */
function takeWorker(): ChildProcess {
  const taken = spare;
  spare = undefined;
  if (taken && waiting(taken.child)) {
    taken.child.ref();
    taken.child.channel?.ref();
    (taken.child.stderr as { ref?: () => void } | null)?.ref?.();
    return taken.child;
  }
  taken?.child.kill('SIGKILL');
  return startWorker();
}

/**
 * One request in one fresh child: its replies in order (a measurement, then its binding floor), and
 * why the child ended without its reply, or after its first, when it did (in words), else null.
 */
export function runChild(request: WorkerRequest, timeoutMs: number): Promise<{ replies: WorkerReply[]; failure: string | null }> {
  return new Promise((resolve) => {
    const child = takeWorker();
    let stderr = '';
    const replies: WorkerReply[] = [];
    let timedOut = false;
    let settled = false;
    const settle = (failure: string | null): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ replies, failure });
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (m: WorkerReply) => {
      replies.push(m);
    });
    child.on('error', (err) => settle(`cannot start a worker process (${child.spawnfile}): ${err.message}`));
    child.on('close', (code, signal) => {
      const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
      if (timedOut) return settle(`timed out after ${limit} (worker killed)`);
      if (code === 0 && signal === null) return settle(replies.length > 0 ? null : 'the worker process exited without a result');
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      settle(`the worker process crashed: it ${how} ${replies.length > 0 ? 'after its first reply' : 'without a result'}${tail ? ` (stderr: ${tail})` : ''}`);
    });
    child.send(request);
  });
}

/** A child's first reply, or its failure as an error reply. */
const firstReply = ({ replies, failure }: { replies: WorkerReply[]; failure: string | null }): WorkerReply =>
  replies[0] ?? { kind: 'error', message: failure ?? 'the worker process exited without a result' };

/** One request in one fresh child; its (first) reply, or a failure reason in words. */
export async function runInChild(request: WorkerRequest, timeoutMs: number): Promise<WorkerReply> {
  return firstReply(await runChild(request, timeoutMs));
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

interface Progress {
  measured: MeasuredProcess[];
  failure: string | null;
}

export async function runBenchmark(plan: BenchPlan): Promise<BenchReport> {
  running++;
  try {
    return await benchmark(plan);
  } finally {
    running--;
  }
}

async function benchmark(plan: BenchPlan): Promise<BenchReport> {
  const environment = describeEnvironment();
  const configs = planConfigs(plan, environment);
  const protocol = plan.protocol ?? DEFAULT_PROTOCOL;
  const processes = plan.processes ?? 3;
  if (!Number.isSafeInteger(processes) || processes < 1) throw new Error(`--processes must be a positive integer, got ${processes}`);
  const timeoutMs = plan.childTimeoutMs ?? 2 * protocol.maxTimeMs + 120_000;
  const say = plan.onProgress ?? (() => {});
  const model = identifyModel(plan.modelPath, plan.model, plan.modelSha256);
  const effort = effortPolicy(protocol, plan.effort);
  // The sample before the first configuration, and the reading the whole-benchmark sample starts from.
  const load = plan.sampleLoad === false ? null : { before: await beforeBenchmark(), mark: markLoad() };

  const progress: Progress[] = configs.map(() => ({ measured: [], failure: null }));
  const outcomes: (Awaited<ReturnType<typeof spendEffort>> | null)[] = configs.map(() => null);
  const floors: { floor: CallFloor | null; error: string | null }[] = configs.map(() => ({ floor: null, error: null }));
  const traces: { trace: TraceBreakdown | null; error: string | null }[] = configs.map(() => ({ trace: null, error: null }));
  // Only the profiled pass writes files (its ORT traces).
  const scratch = plan.trace ? mkdtempSync(path.join(os.tmpdir(), 'modelpress-bench-')) : undefined;
  try {
    for (let round = 0; round < processes; round++) {
      for (const [i, config] of configs.entries()) {
        const state = progress[i]!;
        if (state.failure) continue;
        say(`${config.label}: process ${round + 1}/${processes}…`);
        // The first process of a configuration measures its binding floor too, after the model.
        const withFloor = round === 0 && plan.floor !== false;
        const floorAsk = withFloor ? { floor: { known: knownFloors() } } : {};
        const child = await runChild({ kind: 'measure', config, protocol, ...floorAsk }, withFloor ? timeoutMs + 2 * protocol.maxTimeMs : timeoutMs);
        const reply = firstReply(child);
        if (reply.kind !== 'measured') {
          state.failure = reply.kind === 'error' ? reply.message : `unexpected worker reply '${reply.kind}'`;
          say(`${config.label}: failed: ${state.failure}`);
          continue;
        }
        state.measured.push({ run: reply.run, samplesMs: reply.samplesMs });
        say(`${config.label}: process ${round + 1}/${processes}: median ${formatMs(reply.run.latency.medianMs)} ms over ${reply.run.latency.n} runs`);
        if (withFloor) floors[i] = floorOutcome(child.replies[1], child.failure, config.label, say);
      }
    }
    // Unstable configurations get more effort (extra, longer processes; outlier processes discarded).
    for (const [i, config] of configs.entries()) {
      const state = progress[i]!;
      if (state.failure) continue;
      outcomes[i] = await spendEffort(
        state.measured,
        async (extended) => {
          const reply = await runInChild({ kind: 'measure', config, protocol: extended }, timeoutMs);
          if (reply.kind !== 'measured') return reply.kind === 'error' ? reply.message : `unexpected worker reply '${reply.kind}'`;
          say(`${config.label}: extra process: median ${formatMs(reply.run.latency.medianMs)} ms over ${reply.run.latency.n} runs`);
          return { run: reply.run, samplesMs: reply.samplesMs };
        },
        protocol,
        effort,
        (m) => say(`${config.label}: ${m}`),
      );
    }
    if (plan.trace) {
      const names = plan.model.graph.nodes.map((n) => n.name);
      for (const [i, config] of configs.entries()) {
        if (progress[i]!.failure) continue;
        say(`${config.label}: profiled pass…`);
        traces[i] = await profile(config, names, plan.traceRuns ?? 20, protocol.warmupMinRuns, scratch!, i, timeoutMs);
      }
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }

  if (load) {
    environment.load = judgeLoad(load.before, duringBenchmark(load.mark), environment.logicalCores);
    if (environment.load.busy) say(`warning: the machine was busy: ${environment.load.reason}`);
  }
  const results = configs.map((config, i): BenchResult => {
    const state = progress[i]!;
    if (state.failure) return { status: 'failed', config, reason: state.failure, processes: state.measured.map((m) => m.run) };
    const { processes: all, assessment, stability } = outcomes[i]!;
    const kept = assessment.kept.map((k) => all[k]!);
    const latencyMedianMs = median(kept.map((p) => p.run.latency.medianMs));
    let achieved = null;
    const flopsPerSample = plan.flopsPerSample ?? countedFlopsPerSample(plan, config);
    if (flopsPerSample !== undefined) {
      const cores = Math.min(config.intraOpNumThreads, environment.physicalCores);
      const peak = config.provider === 'cpu' ? peakFlopsEstimate({ ...environment, physicalCores: cores }) : null;
      achieved = achievedFlops(flopsPerSample, config.batch, latencyMedianMs, peak);
    }
    return {
      status: 'ok',
      config,
      latencyMedianMs,
      latencyCi95Ms: hierarchicalMedianCi(kept.map((p) => p.samplesMs)),
      throughputPerSecond: throughputFromLatency(config.batch, latencyMedianMs),
      throughputWallPerSecond: median(kept.map((p) => p.run.throughputWallPerSecond)),
      pooled: assessment.pooled,
      processes: all.map((p) => p.run),
      stability,
      floor: floors[i]!.floor,
      floorError: plan.floor === false ? 'not measured (--no-floor)' : floors[i]!.error,
      trace: traces[i]!.trace,
      traceError: plan.trace ? traces[i]!.error : 'not requested (--trace)',
      achieved,
    };
  });
  return {
    tool: 'modelpress bench',
    model,
    environment,
    protocol: { ...protocol, processes, effort, percentileMethod: PERCENTILE_METHOD, stdMethod: STD_METHOD, bootstrapResamples: DEFAULT_BOOTSTRAP_RESAMPLES },
    results,
  };
}

/**
 * Floors measured by this process, by floor key (floor.ts `floorKey`). The floor model of a
 * configuration is made from its inputs and outputs alone (names, dtypes, shapes), so the image
 * classifiers of a document at one size and batch share one: measuring that identical model again
 * under the identical protocol and session settings minutes later repeats a measurement, it adds no
 * rigour. A floor is reused for FLOOR_REUSE_MS (a long `watch` session measures it afresh); a failed
 * one is not kept.
 */
const floorMemo = new Map<string, { at: number; floor: CallFloor }>();
export const FLOOR_REUSE_MS = 10 * 60_000;

/** The keys of the floors a worker need not measure again. */
function knownFloors(now = Date.now()): string[] {
  return [...floorMemo].filter(([, f]) => now - f.at < FLOOR_REUSE_MS).map(([key]) => key);
}

type FloorOutcome = { floor: CallFloor | null; error: string | null };

/** A first process's floor reply (or its absence, with why the process ended) as the result's floor. */
function floorOutcome(reply: WorkerReply | undefined, failure: string | null, label: string, say: (m: string) => void): FloorOutcome {
  if (reply?.kind !== 'floor') {
    const why = reply === undefined ? (failure ?? 'the worker process ended before measuring it') : `unexpected worker reply '${reply.kind}'`;
    return { floor: null, error: `binding floor not measured: ${why}` };
  }
  if ('error' in reply) return { floor: null, error: reply.error };
  if ('known' in reply) {
    const known = floorMemo.get(reply.key);
    if (!known) return { floor: null, error: 'binding floor not measured: the worker took it for known, and it is not' };
    say(`${label}: binding floor of the same inputs and outputs measured ${((Date.now() - known.at) / 1000).toFixed(0)} s ago`);
    return { floor: known.floor, error: null };
  }
  floorMemo.set(reply.key, { at: Date.now(), floor: reply.floor });
  say(`${label}: binding floor: median ${formatMs(reply.floor.latencyMedianMs)} ms over ${reply.floor.latency.n} runs`);
  return { floor: reply.floor, error: null };
}

async function profile(
  config: BenchConfig,
  nodeNames: string[],
  runs: number,
  warmupRuns: number,
  scratch: string,
  index: number,
  timeoutMs: number,
): Promise<{ trace: TraceBreakdown | null; error: string | null }> {
  const profileFilePrefix = path.join(scratch, `trace-${index}`);
  const reply = await runInChild({ kind: 'profile', config, profileFilePrefix, warmupRuns, runs }, timeoutMs);
  if (reply.kind !== 'profiled') return { trace: null, error: reply.kind === 'error' ? reply.message : `unexpected worker reply '${reply.kind}'` };
  try {
    return { trace: readTrace(findTraceFile(profileFilePrefix), { skipRuns: reply.skipRuns, originalNodeNames: nodeNames }), error: null };
  } catch (err) {
    return { trace: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** FLOPs of one sample from plan.countFlops at this configuration's shapes; undefined when it cannot count them. */
function countedFlopsPerSample(plan: BenchPlan, config: BenchConfig): number | undefined {
  if (!plan.countFlops) return undefined;
  try {
    return plan.countFlops(config.inputs) / config.batch;
  } catch {
    // A model the analysis cannot count fully still gets its latency; only achieved FLOP/s is left out.
    return undefined;
  }
}
