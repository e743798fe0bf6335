/**
 * Activation memory (COUNTING.md "Memory and depth"): walk the nodes in topological order; a tensor is
 * live from the node that makes it to its last consumer (graph outputs to the end). The peak of live
 * bytes includes the graph inputs and excludes weights (initializers, Constant nodes, their Identity
 * copies). The total is the sum of every node output's bytes. Every output is counted as its own
 * tensor, shape-only ops (Reshape, Transpose…) included: the rule is about values, not allocator tricks.
 */
import { byteSize } from '../onnx/dtypes.js';
import type { GraphAnalysis } from './infer.js';
import { product } from './shapes.js';
import type { ValueFacts } from './types.js';

/** Bytes of a tensor value, or undefined when its shape or dtype is not known. */
export function valueBytes(f: ValueFacts | undefined): number | undefined {
  if (!f || f.kind !== undefined || !f.dtype) return undefined;
  const n = product(f.shape);
  return n === undefined ? undefined : byteSize(f.dtype, n);
}

export interface MemoryResult {
  peakBytes: number;
  totalBytes: number;
  /** Values left out because their shape is not known (they would add to both numbers). */
  unknownValues: number;
}

/**
 * Peak and total activation bytes of an inferred graph, given the names of its fed inputs. Values are
 * tracked by their dense ids (GraphIndex): per-value arrays, no map keyed by name.
 */
export function activationMemory(a: GraphAnalysis, feedNames: readonly string[]): MemoryResult {
  const { scope, records, index } = a;
  const { ids, readStart, readIds, outputStart, outputIds } = index;
  const values = ids.size;
  const isOutput = new Uint8Array(values);
  for (const o of a.graph.outputs) {
    const id = ids.get(o.name);
    if (id !== undefined) isOutput[id] = 1;
  }
  const lastUse = new Int32Array(values).fill(-1);
  for (let i = 0; i < records.length; i++) for (let j = readStart[i]!; j < readStart[i + 1]!; j++) lastUse[readIds[j]!] = i;
  // Bytes of each live value (NaN: not live).
  const live = new Float64Array(values).fill(Number.NaN);
  let current = 0;
  let unknownValues = 0;
  const makeLive = (id: number): void => {
    if (!Number.isNaN(live[id]!) || scope.constantById(id)) return;
    const bytes = valueBytes(scope.getById(id));
    if (bytes === undefined) {
      unknownValues++;
      return;
    }
    live[id] = bytes;
    current += bytes;
  };
  const release = (id: number): void => {
    const bytes = live[id]!;
    if (Number.isNaN(bytes)) return;
    live[id] = Number.NaN;
    current -= bytes;
  };
  for (const name of feedNames) {
    const id = ids.get(name);
    if (id !== undefined && name !== '') makeLive(id);
  }
  let peak = current;
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const first = outputStart[i]!;
    for (let j = first; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      if (id < 0 || scope.constantById(id)) continue;
      makeLive(id);
      const bytes = live[id]!;
      if (!Number.isNaN(bytes)) total += bytes;
    }
    peak = Math.max(peak, current);
    for (let j = readStart[i]!; j < readStart[i + 1]!; j++) {
      const id = readIds[j]!;
      if (lastUse[id] === i && isOutput[id] === 0) release(id);
    }
    // Outputs nobody reads (unused optional results) die as soon as they are made.
    for (let j = first; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      if (id >= 0 && lastUse[id] === -1 && isOutput[id] === 0) release(id);
    }
  }
  return { peakBytes: peak, totalBytes: total, unknownValues };
}
