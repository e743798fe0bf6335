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
import { nodeReads } from './topology.js';
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

/** Peak and total activation bytes of an inferred graph, given the names of its fed inputs. */
export function activationMemory(a: GraphAnalysis, feedNames: readonly string[]): MemoryResult {
  const { scope, records } = a;
  const outputs = new Set(a.graph.outputs.map((o) => o.name));
  const lastUse = new Map<string, number>();
  records.forEach((rec, i) => {
    for (const name of nodeReads(rec.node)) lastUse.set(name, i);
  });
  const live = new Map<string, number>();
  let current = 0;
  let unknownValues = 0;
  const makeLive = (name: string): void => {
    if (name === '' || live.has(name) || scope.constant(name)) return;
    const bytes = valueBytes(scope.get(name));
    if (bytes === undefined) {
      unknownValues++;
      return;
    }
    live.set(name, bytes);
    current += bytes;
  };
  const release = (name: string): void => {
    const bytes = live.get(name);
    if (bytes === undefined) return;
    live.delete(name);
    current -= bytes;
  };
  for (const name of feedNames) makeLive(name);
  let peak = current;
  let total = 0;
  records.forEach((rec, i) => {
    for (const name of rec.node.outputs) {
      if (name === '' || scope.constant(name)) continue;
      makeLive(name);
      total += live.get(name) ?? 0;
    }
    peak = Math.max(peak, current);
    for (const name of nodeReads(rec.node)) {
      if (lastUse.get(name) === i && !outputs.has(name)) release(name);
    }
    // Outputs nobody reads (unused optional results) die as soon as they are made.
    for (const name of rec.node.outputs) {
      if (name !== '' && !lastUse.has(name) && !outputs.has(name)) release(name);
    }
  });
  return { peakBytes: peak, totalBytes: total, unknownValues };
}
