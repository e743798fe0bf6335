/** Messages between the orchestrator and a worker process (JSON over the IPC channel). */
import type { BenchConfig, ProcessRun, ProtocolOptions } from './types.js';

export type WorkerRequest =
  | { kind: 'measure'; config: BenchConfig; protocol: ProtocolOptions }
  | { kind: 'profile'; config: BenchConfig; profileFilePrefix: string; warmupRuns: number; runs: number };

export type WorkerReply =
  | { kind: 'measured'; run: ProcessRun; samplesMs: number[] }
  | { kind: 'profiled'; skipRuns: number }
  | { kind: 'error'; message: string };
