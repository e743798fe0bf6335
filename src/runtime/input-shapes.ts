/**
 * Concrete input shapes for a benchmark. onnxruntime-node ignores `freeDimensionOverrides`, so every
 * symbolic dimension must get a size before a session runs.
 *
 * The `--input` syntax and the binding of shapes to graph inputs are the analysis engine's
 * (`src/analysis/bind.ts`, shared with `modelpress profile`); this file adds what only the benchmark
 * needs: `--batch`, which sizes the symbolic leading dimension (default 1), and the batch recorded for
 * throughput.
 */
import { bindInputs, DEFAULT_BATCH, feedInputs, InputBindingError, type InputShapes, parseInputShapes } from '../analysis/bind.js';
import { dtypeName } from '../onnx/dtypes.js';
import type { Dim, Graph, ValueInfo } from '../onnx/model.js';
import type { InputSpec } from './types.js';

export { parseInputShapes as parseInputFlag, type InputShapes };

function declaredShape(v: ValueInfo): Dim[] | undefined {
  return v.type?.kind === 'tensor' ? v.type.shape : undefined;
}

const isFree = (d: Dim | undefined): boolean => d === null || typeof d === 'string';

/**
 * Resolve every input to a concrete shape. A symbolic (or unknown) leading dimension takes `batch`
 * — or 1 — unless `--input` sizes it. The batch recorded is `batch` when given, else the leading size
 * of the first input whose leading dimension is free, else the first input's leading size, else 1.
 */
export function resolveInputs(graph: Graph, given: InputShapes = new Map(), batch?: number): { inputs: InputSpec[]; batch: number } {
  if (batch !== undefined && (!Number.isSafeInteger(batch) || batch < 1)) throw new InputBindingError(`--batch must be a positive integer, got ${batch}`);
  const feeds = feedInputs(graph);
  if (feeds.length === 0) throw new InputBindingError('the model has no inputs to feed');
  const explicit = new Map(given);
  const bare = explicit.get('');
  if (bare !== undefined && feeds.length === 1) {
    explicit.delete('');
    explicit.set(feeds[0]!.name, bare);
  }

  // Symbols the user sized through --input (on any input, in any position): --batch must not override them silently.
  const userSymbols = new Map<string, number>();
  for (const f of feeds) {
    const dims = explicit.get(f.name);
    const shape = declaredShape(f);
    if (!dims || !shape || shape.length !== dims.length) continue;
    shape.forEach((d, i) => {
      if (typeof d === 'string') userSymbols.set(d, dims[i]!);
    });
  }
  // A symbol bound by its own name (`past_sequence_length=127`, src/analysis/bind.ts).
  for (const [name, dims] of explicit) if (dims.length === 1 && !feeds.some((f) => f.name === name)) userSymbols.set(name, dims[0]!);
  const freeLeading = feeds.filter((f) => isFree(declaredShape(f)?.[0]));
  if (batch !== undefined) {
    for (const f of freeLeading) {
      const dims = explicit.get(f.name);
      if (dims && dims.length > 0 && dims[0] !== batch) {
        throw new InputBindingError(`input '${f.name}' has batch ${dims[0]} in --input ${dims.join('x')}, but --batch is ${batch}`);
      }
    }
    if (freeLeading.length === 0) {
      // No input has a free batch axis: --batch cannot change anything, so saying it applied would be false.
      const first = feeds[0]!;
      const lead = declaredShape(first)?.[0];
      if (lead !== batch) {
        throw new InputBindingError(
          `--batch ${batch}: no input has a dynamic leading dimension (input '${first.name}' is ${declaredShape(first)?.join('x') ?? 'unshaped'}); re-export the model with a dynamic batch axis`,
        );
      }
    }
  }

  // Size the free leading dimensions, then let the shared binder check and complete everything else.
  const size = batch ?? DEFAULT_BATCH;
  const batchSymbols = new Set(
    freeLeading.map((f) => declaredShape(f)![0]).filter((d): d is string => typeof d === 'string' && (batch !== undefined || !userSymbols.has(d))),
  );
  const sized: Graph = {
    ...graph,
    inputs: graph.inputs.map((v): ValueInfo => {
      const shape = declaredShape(v);
      if (!shape || v.type?.kind !== 'tensor' || explicit.has(v.name)) return v;
      const next = shape.map((d, i) => ((typeof d === 'string' && batchSymbols.has(d)) || (i === 0 && d === null) ? size : d));
      return { ...v, type: { ...v.type, shape: next } };
    }),
  };
  const binding = bindInputs(sized, given);
  const inputs = binding.inputs.map((b): InputSpec => ({ name: b.name, dtype: dtypeName(b.dtype), shape: b.shape }));
  const leadOf = (name: string): number | undefined => inputs.find((i) => i.name === name)?.shape[0];
  const recorded = batch ?? (freeLeading.length > 0 ? leadOf(freeLeading[0]!.name) : undefined) ?? inputs[0]?.shape[0] ?? 1;
  return { inputs, batch: recorded };
}
