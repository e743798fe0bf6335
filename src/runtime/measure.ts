/**
 * What one child process does: one session, one configuration. `measureConfig` runs the timing
 * protocol; `profileConfig` runs the separate profiled pass that writes an ORT trace.
 */
import type * as ort from 'onnxruntime-node';
import { serializeModel } from '../onnx/writer.js';
import { buildFloorModel, FLOOR_METHOD } from './floor.js';
import { makeFeeds } from './inputs.js';
import { type Clock, hrtimeClock, runPhase, runProtocol, throughputPerSecond } from './protocol.js';
import { createSession, type SessionSettings } from './session.js';
import { summarize } from './stats.js';
import type { BenchConfig, CallFloor, ProcessRun, ProtocolOptions } from './types.js';

function settingsOf(config: BenchConfig): SessionSettings {
  return {
    provider: config.provider,
    intraOpNumThreads: config.intraOpNumThreads,
    interOpNumThreads: config.interOpNumThreads,
    graphOptimizationLevel: config.graphOptimizationLevel,
  };
}

function describeOutputs(outputs: ort.InferenceSession.OnnxValueMapType): ProcessRun['outputs'] {
  return Object.entries(outputs).map(([name, value]) => {
    const tensor = value as ort.Tensor;
    return { name, dtype: String(tensor.type), shape: [...tensor.dims] };
  });
}

/** A model to open: its file, or (the binding floor) its bytes with a name for messages. */
type ModelSource = string | { bytes: Uint8Array; name: string };

async function openSession(
  config: BenchConfig,
  settings: SessionSettings,
  source: ModelSource = config.modelPath,
): Promise<{ session: ort.InferenceSession; createMs: number }> {
  try {
    return await createSession(typeof source === 'string' ? source : source.bytes, settings);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith('--provider')) throw new Error(message);
    // With CUDA, a load failure is most often the provider's own libraries (CUDA 12, cuDNN 9) missing.
    const what = config.provider === 'cuda' ? 'create a CUDA session for' : 'load';
    throw new Error(`onnxruntime cannot ${what} ${typeof source === 'string' ? source : source.name}: ${message}`);
  }
}

/** An output as the run returns it: where its data lives, and how to bring it to the host. */
interface LocatedValue {
  location?: string;
  getData?: () => Promise<unknown>;
}

/**
 * A run that ends when its work is complete. On a GPU a kernel launch returns before the kernel ends;
 * a timed run must include the work, so the clock stops only once every output is on the host (the
 * Node binding copies outputs to the host inside `run()`, location 'cpu'; an output still on the
 * device — a binding that keeps it there — is downloaded, which waits for the work that makes it).
 * The binding floor is timed through the same function, so both include the copy.
 */
export function completedRun<T extends Record<string, unknown>>(run: () => Promise<T>): () => Promise<T> {
  return async () => {
    const outputs = await run();
    for (const value of Object.values(outputs) as LocatedValue[]) {
      if (value && value.location !== undefined && value.location !== 'cpu' && value.location !== 'cpu-pinned' && typeof value.getData === 'function')
        await value.getData();
    }
    return outputs;
  };
}

/** What a timed run is on this provider: the call itself on the CPU, the call and its completion elsewhere. */
export function timedRun<T extends Record<string, unknown>>(provider: BenchConfig['provider'], run: () => Promise<T>): () => Promise<T> {
  return provider === 'cpu' ? run : completedRun(run);
}

/** The measurement of one configuration in this process; the raw samples come back beside it. */
export async function measureConfig(
  config: BenchConfig,
  protocol: ProtocolOptions,
  clock: Clock = hrtimeClock,
  source: ModelSource = config.modelPath,
): Promise<{ run: ProcessRun; samplesMs: number[] }> {
  const { session, createMs } = await openSession(config, settingsOf(config), source);
  try {
    const feeds = makeFeeds(config.inputs, config.inputSeed);
    const result = await runProtocol(
      timedRun(config.provider, () => session.run(feeds)),
      protocol,
      clock,
    );
    const { timed, warmup } = result;
    const run: ProcessRun = {
      pid: process.pid,
      sessionCreateMs: createMs,
      firstRunMs: result.firstRunMs,
      // The first run counts towards the warm-up minimum (see runProtocol).
      warmupRuns: warmup.runs + 1,
      warmupMs: warmup.wallMs + result.firstRunMs,
      timedWallMs: timed.wallMs,
      stoppedBy: timed.stoppedBy,
      latency: summarize(timed.samplesMs),
      throughputWallPerSecond: throughputPerSecond(config.batch, timed.runs, timed.wallMs),
      outputs: describeOutputs(result.firstRunValue),
    };
    return { run, samplesMs: timed.samplesMs };
  } finally {
    await session.release();
  }
}

/**
 * The binding floor of a configuration whose first run returned `outputs`: its floor model (floor.ts),
 * handed to onnxruntime as bytes, measured with the same protocol and session settings. Called in the
 * configuration's first process once the model's session is released.
 */
export async function measureFloor(
  config: BenchConfig,
  outputs: ProcessRun['outputs'],
  protocol: ProtocolOptions,
  clock: Clock = hrtimeClock,
): Promise<CallFloor> {
  let bytes: Uint8Array;
  try {
    bytes = serializeModel(buildFloorModel(config.inputs, outputs));
  } catch (err) {
    throw new Error(`cannot build the floor model: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { run } = await measureConfig(config, protocol, clock, { bytes, name: 'the binding floor model' });
  return { latencyMedianMs: run.latency.medianMs, latency: run.latency, method: FLOOR_METHOD };
}

/**
 * The profiled pass: `warmupRuns` then `runs` runs with profiling on; ORT writes the trace when the
 * session is released. Returns how many leading runs the parser must skip.
 */
export async function profileConfig(
  config: BenchConfig,
  options: { profileFilePrefix: string; warmupRuns: number; runs: number },
): Promise<{ skipRuns: number }> {
  const { session } = await openSession(config, { ...settingsOf(config), profileFilePrefix: options.profileFilePrefix });
  try {
    const feeds = makeFeeds(config.inputs, config.inputSeed);
    const total = options.warmupRuns + options.runs;
    await runPhase(() => session.run(feeds), { minRuns: total, maxRuns: total, minTimeMs: 0, maxTimeMs: Number.MAX_SAFE_INTEGER }, hrtimeClock);
    return { skipRuns: options.warmupRuns };
  } finally {
    // Release writes the trace file (onnxruntime-node 1.30 ends profiling at release).
    await session.release();
  }
}
