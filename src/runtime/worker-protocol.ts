/** Messages between the orchestrator and a worker process (JSON over the IPC channel). */
import type { BenchConfig, CallFloor, ProcessRun, ProtocolOptions } from './types.js';

export type WorkerRequest =
  | {
      kind: 'measure';
      config: BenchConfig;
      protocol: ProtocolOptions;
      /**
       * Then measure the binding floor in the same process, once the model's session is released,
       * unless its key (floor.ts `floorKey`) is among `known`: floors the parent measured lately.
       */
      floor?: { known: string[] };
    }
  | { kind: 'profile'; config: BenchConfig; profileFilePrefix: string; warmupRuns: number; runs: number };

/** The floor after a measurement: measured, already known to the parent (by key), or why not. */
export type FloorReply = { kind: 'floor'; key: string } & ({ floor: CallFloor } | { known: true } | { error: string });

export type WorkerReply =
  | { kind: 'measured'; run: ProcessRun; samplesMs: number[] }
  | FloorReply
  | { kind: 'profiled'; skipRuns: number }
  | { kind: 'error'; message: string };
