/** Messages between runtime shape capture and its worker process (structured clone over IPC). */
import type { InputSpec } from './types.js';

export interface ShapeRequest {
  id: number;
  /** The model with every value exposed, as a file (onnxruntime is never handed bytes). */
  modelPath: string;
  /** Inputs to make (seeded random). */
  inputs: InputSpec[];
  seed: number;
  /** Inputs given as data (recorded tensors): type, dims and elements. */
  feeds: { name: string; type: string; dims: number[]; data: unknown }[];
}

export type ShapeReply = { id: number; ok: true; shapes: [string, number[]][] } | { id: number; ok: false; phase: 'load' | 'run'; message: string };
