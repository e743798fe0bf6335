/**
 * `modelpress`: the programmatic API — what `modelpress profile`, `modelpress bench` and
 * `modelpress build` do, as functions that return data and print nothing. The directive plugins for
 * a host's unified pipeline are in `modelpress/remark`.
 */
import { profileModel, analyzeModel, type InputsOption } from './analysis/profile.js';
import type { Convention, Profile } from './analysis/types.js';
import { FileHashes } from './cache/file-hash.js';
import { build as buildDocuments, type BuildOptions, type BuildResult } from './project/build.js';
import { readModel } from './onnx/reader.js';
import { parseInputFlag } from './runtime/input-shapes.js';
import { runBenchmark } from './runtime/orchestrator.js';
import { protocolFromFlags } from './runtime/protocol.js';
import { captureShapes } from './runtime/shape-capture.js';
import type { BenchReport, ExecutionProvider, GraphOptimizationLevel } from './runtime/types.js';

export interface ProfileOptions {
  /** Input shapes: `'1x3x224x224'`, `'x=1x3x224x224,mask=1x128'` or `{ x: [1, 3, 224, 224] }` (default: the model's own). */
  input?: InputsOption;
  /** Counting convention (default 'exact'). */
  convention?: Convention;
  /** Find parameter copies by content (reads every weight byte; default false). */
  dedupe?: boolean;
  /** 'runtime': take every intermediate shape from one onnxruntime run (default 'static'). */
  shapes?: 'static' | 'runtime';
  /** Record the model file's sha256 in the profile (reads every byte; default false). */
  hash?: boolean;
}

/** Static analysis of one ONNX file: params, MACs, FLOPs, memory, depth, per module and node (docs/profile-json.md). */
export async function profile(modelPath: string, options: ProfileOptions = {}): Promise<Profile> {
  const model = readModel(modelPath);
  let runtimeShapes: Map<string, number[]> | undefined;
  if (options.shapes === 'runtime') {
    const { binding } = analyzeModel(model, { inputs: options.input });
    runtimeShapes = await captureShapes(model, binding.inputs);
  }
  const sha256 = options.hash ? new FileHashes().sha256(modelPath) : undefined;
  return profileModel(model, { inputs: options.input, convention: options.convention, dedupe: options.dedupe, sha256, runtimeShapes });
}

export interface BenchOptions {
  /** Input shapes, as for profile (a string in `--input` form). */
  input?: string;
  /** Batch sizes (default: the batch the inputs imply). */
  batch?: number[];
  /** intraOpNumThreads values (default: physical cores). */
  threads?: number[];
  /** Execution providers (default ['cpu']). */
  provider?: ExecutionProvider[];
  /** Child processes per configuration (default 3). */
  processes?: number;
  /** Timed phase at least this many seconds (default 2, 5 with precise). */
  minTime?: number;
  /** …and at least this many runs (default 30, 100 with precise). */
  runs?: number;
  precise?: boolean;
  /** Measure the binding's per-call floor (default true). */
  floor?: boolean;
  /** Add a per-node breakdown from a separate profiled pass (default false). */
  trace?: boolean;
  /** FLOPs of one sample for achieved FLOP/s (default: counted at the benchmarked shapes). */
  flops?: number;
  optimization?: GraphOptimizationLevel;
  /** Kill a worker after this many seconds (default: both phase caps + 2 min). */
  timeout?: number;
  onProgress?: (message: string) => void;
}

/** Latency and throughput by the protocol of docs/benchmark.md, each configuration in its own child processes. */
export async function bench(modelPath: string, options: BenchOptions = {}): Promise<BenchReport> {
  const model = readModel(modelPath);
  return runBenchmark({
    modelPath,
    model,
    inputShapes: options.input !== undefined ? parseInputFlag(options.input) : undefined,
    batches: options.batch,
    threads: options.threads,
    providers: options.provider,
    processes: options.processes,
    protocol: protocolFromFlags({ precise: options.precise, runs: options.runs, minTimeS: options.minTime }),
    floor: options.floor,
    trace: options.trace === true,
    flopsPerSample: options.flops,
    countFlops: (inputs) => profileModel(model, { inputs: Object.fromEntries(inputs.map((i) => [i.name, i.shape])) }).totals.flops,
    graphOptimizationLevel: options.optimization,
    childTimeoutMs: options.timeout !== undefined ? options.timeout * 1000 : undefined,
    onProgress: options.onProgress,
  });
}

/** Build Markdown documents as `modelpress build` does (in `options.cwd`, default the working folder). */
export function build(options: BuildOptions = {}): Promise<BuildResult> {
  return buildDocuments(options);
}

export type { BuildOptions, BuildResult, BuiltDocument } from './project/build.js';
export { UsageError } from './project/build.js';
export type { Profile, Convention } from './analysis/types.js';
export type { BenchReport, BenchResult, ExecutionProvider, GraphOptimizationLevel } from './runtime/types.js';
export type { DocumentData } from './document/state.js';
export type { ProjectConfig } from './document/settings.js';
