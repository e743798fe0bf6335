/**
 * The data of a benchmark, defined once: `modelpress bench --json` prints a `BenchReport`, the cache
 * stores it, documents quote it. docs/benchmark.md explains every field and the protocol behind it.
 *
 * Units are in the names: `…Ms` milliseconds, `…PerSecond` per second, `…Us` microseconds.
 */

/** Summary statistics of a set of latency samples (milliseconds per run, i.e. per batch). */
export interface LatencyStats {
  /** Number of samples. */
  n: number;
  meanMs: number;
  /** Sample standard deviation (divides by n − 1); null when n < 2. */
  stdMs: number | null;
  medianMs: number;
  /** Interquartile range q(0.75) − q(0.25). */
  iqrMs: number;
  q1Ms: number;
  q3Ms: number;
  /** Percentiles by linear interpolation (Hyndman–Fan type 7); null when there are too few samples (see `percentileMinSamples`). */
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  minMs: number;
  maxMs: number;
  /** Seeded percentile-bootstrap 95% confidence interval of the median. */
  medianCi95Ms: [number, number];
  /** IQR ÷ median: the relative spread that decides `unstable`. */
  relativeIqr: number;
  /** True when IQR ÷ median > 0.10. */
  unstable: boolean;
  /** Samples outside Tukey's fences [q1 − 1.5·IQR, q3 + 1.5·IQR]; counted, never dropped. */
  outliersLow: number;
  outliersHigh: number;
}

export type ExecutionProvider = 'cpu' | 'cuda';

/** How ORT optimises the graph at session creation (onnxruntime-node's `graphOptimizationLevel`). */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** Stopping rules of the warm-up and timed phases. */
export interface ProtocolOptions {
  /** Warm-up lasts at least this many runs… */
  warmupMinRuns: number;
  /** …and at least this long. */
  warmupMinMs: number;
  /** The timed phase lasts at least this many runs… */
  minRuns: number;
  /** …and at least this long… */
  minTimeMs: number;
  /** …and stops at this many runs… */
  maxRuns: number;
  /** …or after this long, whichever comes first (also caps the warm-up). */
  maxTimeMs: number;
}

/** One input as fed to the session: concrete shape, ONNX dtype name. */
export interface InputSpec {
  name: string;
  dtype: string;
  shape: number[];
}

/** What makes one configuration: model × input shapes × batch × threads × execution provider. */
export interface BenchConfig {
  /** Stable label, e.g. `batch=2 threads=2 cpu`. */
  label: string;
  modelPath: string;
  inputs: InputSpec[];
  batch: number;
  intraOpNumThreads: number;
  interOpNumThreads: number;
  provider: ExecutionProvider;
  graphOptimizationLevel: GraphOptimizationLevel;
  /** Seed of the random input tensors. */
  inputSeed: number;
}

/** How one timed phase ended. */
export type StopReason = 'minimums-met' | 'max-runs' | 'max-time';

/** The measurement of one configuration inside one child process (one session). */
export interface ProcessRun {
  pid: number;
  /** `InferenceSession.create` wall time. */
  sessionCreateMs: number;
  /** The very first `run()` (allocations, lazy initialisation): reported apart, not a sample. */
  firstRunMs: number;
  warmupRuns: number;
  warmupMs: number;
  /** Wall time of the timed loop, start to end (the throughput denominator). */
  timedWallMs: number;
  stoppedBy: StopReason;
  latency: LatencyStats;
  /**
   * batch × runs ÷ timed wall time of this process's loop: the wall-time rate, which includes the
   * gaps between runs. Not the document's `throughput` (batch ÷ median latency, see BenchResult).
   */
  throughputWallPerSecond: number;
  /** Concrete output shapes seen on the first run (the binding floor reuses them). */
  outputs: { name: string; dtype: string; shape: number[] }[];
}

/** The binding's per-call floor: an Identity model with the same input/output shapes. */
export interface CallFloor {
  latencyMedianMs: number;
  latency: LatencyStats;
  /** What the floor model does, in words. */
  method: string;
}

export interface OpTime {
  opType: string;
  /** Mean kernel time per run. */
  timeUs: number;
  /** Share of all kernel time. */
  share: number;
  nodeCount: number;
}

export interface NodeTime {
  /** The node name in the ORT trace (ORT's `_kernel_time` suffix removed). */
  traceName: string;
  /** The node's name in the original model, when ORT kept it; null for nodes ORT made (fusions, layout transforms). */
  originalName: string | null;
  /** For a node ORT made: the longest original node name its trace name starts with (ORT names a fusion after its first node, e.g. `fused /fc/MatMul/MatMulAddFusion`). */
  nearestOriginalName: string | null;
  opType: string;
  provider: string | null;
  timeUs: number;
  share: number;
}

/** Per-node breakdown from a separate profiled pass (never the timed loop). */
export interface TraceBreakdown {
  /** Runs whose events were counted (warm-up runs excluded). */
  runs: number;
  /** Mean of the summed kernel times per run. */
  kernelTimeUs: number;
  byOpType: OpTime[];
  byNode: NodeTime[];
}

/** Achieved compute rate, from the model's static FLOPs and the measured median latency. */
export interface AchievedFlops {
  /** FLOPs of one sample (batch 1), as counted by the analysis. */
  flopsPerSample: number;
  flopsPerSecond: number;
  /** Peak estimate (cores × clock × fp32 FMA lanes × 2), when the hardware is known. */
  peakFlopsPerSecond: number | null;
  fractionOfPeak: number | null;
}

/** How much effort is spent on a configuration that comes out unstable (BENCHMARK.md "Unstable results"). */
export interface EffortPolicy {
  /** Processes added at most beyond `processes` (replacing discarded ones or adding samples). */
  extraProcesses: number;
  /** An extra process's timed minimums (runs and time) are the protocol's times this factor… */
  runsFactor: number;
  /** …and all extra processes together time at most this long (ms; default: the protocol's max time). */
  budgetMs: number;
}

/** Why the measurement of a configuration stopped. */
export type EffortStop =
  /** Stable with the base processes: no extra effort. */
  | 'stable'
  /** Stable after discarding outlier processes and/or adding extra processes. */
  | 'stable-after-effort'
  /** Still unstable: every extra process allowed was spent. */
  | 'extra-processes-exhausted'
  /** Still unstable: the extra processes' time budget (max time) was spent. */
  | 'time-budget-spent'
  /** Extra effort was switched off (extraProcesses 0). */
  | 'no-extra-effort'
  /** An extra process failed; the result is what the others measured. */
  | 'extra-process-failed';

/** The stability verdict of a configuration and the effort spent on it. */
export interface Stability {
  /** True when the result is still unstable after the extra effort: printed with a mark, never bare. */
  unstable: boolean;
  /** Why it is unstable, in words (empty when stable). */
  reasons: string[];
  /** IQR ÷ median of the pooled samples of the kept processes. */
  relativeIqr: number;
  /** (max − min) ÷ median of the kept processes' medians. */
  processSpread: number;
  /** Processes measured beyond the base count. */
  extraProcesses: number;
  /** Indexes (into `processes`) of processes left out of the headline: their median is an outlier among processes. */
  discarded: { index: number; medianMs: number; reason: string }[];
  stoppedBecause: EffortStop;
  policy: EffortPolicy;
}

export type BenchResult =
  | {
      status: 'ok';
      config: BenchConfig;
      /** Median of the kept per-process medians: the headline latency, ms per batch. */
      latencyMedianMs: number;
      /**
       * 95% CI of the headline latency: hierarchical bootstrap (resample processes, then samples
       * within each; the median of the process medians), seeded.
       */
      latencyCi95Ms: [number, number];
      /** The one throughput: batch ÷ median latency (samples per second). */
      throughputPerSecond: number;
      /** batch × runs ÷ wall time of the timed loop, median over kept processes (includes the gaps between runs). */
      throughputWallPerSecond: number;
      /** Statistics of all timed samples of the kept processes pooled. */
      pooled: LatencyStats;
      /** Every process measured, kept or discarded (see stability.discarded). */
      processes: ProcessRun[];
      stability: Stability;
      floor: CallFloor | null;
      /** Why there is no floor, when there is none. */
      floorError: string | null;
      trace: TraceBreakdown | null;
      traceError: string | null;
      achieved: AchievedFlops | null;
    }
  | {
      status: 'failed';
      config: BenchConfig;
      /** What went wrong, in words (load error, crash, time-out…). */
      reason: string;
      /** Processes that completed before the failure. */
      processes: ProcessRun[];
    };

/** Where a benchmark ran. `fingerprint` hashes the stable parts, for cache keys. */
export interface Environment {
  cpuModel: string;
  physicalCores: number;
  logicalCores: number;
  /** Clock reported by the OS, MHz (0 when the OS does not say, e.g. some VMs). */
  cpuClockMhz: number;
  /** Widest fp32 SIMD the CPU advertises (avx512f → 16, avx2+fma → 8, …); null when unknown. */
  fp32SimdLanes: number | null;
  memoryBytes: number;
  os: string;
  arch: string;
  nodeVersion: string;
  onnxruntimeVersion: string;
  fingerprint: string;
  /** NVIDIA GPUs, from `nvidia-smi` (part of the fingerprint); absent where there is none (or no nvidia-smi). */
  gpus?: GpuInfo[] | undefined;
  /** How busy the machine was around the benchmark (not part of the fingerprint). Absent in older results. */
  load?: MachineLoad | undefined;
}

/** One GPU as `nvidia-smi` reports it. */
export interface GpuInfo {
  /** e.g. `NVIDIA H200`. */
  name: string;
  /** Total memory, bytes (nvidia-smi reports MiB). */
  memoryBytes: number;
  driverVersion: string;
  /** The CUDA version the driver supports (nvidia-smi's header); null when it does not say. */
  cudaVersion: string | null;
}

/** One look at the machine's load. */
export interface LoadSample {
  /** os.loadavg(): 1, 5 and 15 minutes (zeros where the OS has none, e.g. Windows). */
  loadAverage: [number, number, number];
  /** CPU time other processes (not this one, not its workers) used during the sample ÷ (interval × logical cores); null off Linux. */
  otherCpuShare: number | null;
  /** The busiest other processes during the sample, at most 3. */
  topProcesses: { pid: number; command: string; cpuShare: number }[];
  intervalMs: number;
  /** 'benchmark' when the sample spans the whole benchmark (its start to its end); absent for a short sample. */
  window?: 'benchmark';
}

export interface MachineLoad {
  /** Before the first configuration ran: a 0.3 s sample, or the previous benchmark's whole-benchmark sample when it ended at most 2 s before. */
  start: LoadSample;
  /** The whole benchmark, from before its first configuration to after its last (window 'benchmark'); in results stored before that, a 0.3 s sample after the last. */
  end: LoadSample | null;
  /** True when another load competed with the benchmark (see `reason`). */
  busy: boolean;
  reason: string | null;
}

/** The model as benchmarked. */
export interface ModelIdentity {
  path: string;
  sha256: string;
  bytes: number;
  /** Default-domain opset; null when the model imports none. */
  opset: number | null;
}

export interface BenchReport {
  tool: 'modelpress bench';
  model: ModelIdentity;
  environment: Environment;
  protocol: ProtocolOptions & { processes: number; effort: EffortPolicy; percentileMethod: string; stdMethod: string; bootstrapResamples: number };
  results: BenchResult[];
}
