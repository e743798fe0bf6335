/**
 * Binding input shapes: `--input name=1x3x224x224,mask=1x128` (or a bare `1x3x224x224` for a model with
 * one input) gives every graph input concrete dims. Symbolic dims (`batch`, `sequence`) take the bound
 * numbers, and a symbol shared by several inputs must get one value. A symbol may also be bound by its
 * own name (`past_sequence_length=128,sequence_length=1`: a decoder's many KV-cache inputs at once). Whatever is left unknown is one
 * error listing every input and dim still unknown; a bound dim contradicting a fixed one is an error.
 */
import { dtypeName } from '../onnx/dtypes.js';
import type { Dim, Graph } from '../onnx/model.js';
import { formatShape } from './shapes.js';
import { AnalysisError } from './types.js';

/** A bad or incomplete input binding: the user's to fix (the CLI exits with the usage code). */
export class InputBindingError extends AnalysisError {
  constructor(message: string) {
    super(message);
    this.name = 'InputBindingError';
  }
}

/** Shapes the user gave: by input name, or `''` for a bare shape meant for the only input. */
export type InputShapes = Map<string, number[]>;

export interface BoundInput {
  name: string;
  /** ONNX element type. */
  dtype: number;
  shape: number[];
}

export interface Binding {
  inputs: BoundInput[];
  /** Values of the model's symbolic dims (`dim_param`), e.g. { batch: 1, sequence: 128 }. */
  symbols: Map<string, number>;
  /** Leading (batch) dims nobody sized, which took the default batch size (as `bench` does). */
  assumed: { input: string; dim: Dim; value: number }[];
}

/** The size a symbolic or unknown leading dimension takes when no shape sizes it: profile, bench and documents agree. */
export const DEFAULT_BATCH = 1;

/** The note a profile carries for each assumed batch dim. */
export function assumedBatchNote(a: Binding['assumed'][number]): string {
  const what = typeof a.dim === 'string' ? `'${a.dim}'` : 'unnamed';
  return `input '${a.input}': its leading dim (${what}) was not given and is assumed ${a.value}, as bench does; give --input (input= in a document) to set it`;
}

function parseDims(text: string, spec: string): number[] {
  const parts = text.trim().split(/[x×*]/);
  const dims = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (text.trim() === '' || dims.some((d) => !Number.isSafeInteger(d))) {
    throw new InputBindingError(`input shape '${spec}' is not a list of sizes like 1x3x224x224`);
  }
  return dims;
}

/**
 * Parse `--input` values: each is `name=DIMS[,name=DIMS…]` or a bare `DIMS`; several values add up.
 * A scalar input is bound with an empty shape, `name=`.
 */
export function parseInputShapes(specs: string | readonly string[]): InputShapes {
  const out: InputShapes = new Map();
  for (const spec of typeof specs === 'string' ? [specs] : specs) {
    for (const part of spec.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.lastIndexOf('=');
      const name = eq < 0 ? '' : item.slice(0, eq).trim();
      const dimsText = eq < 0 ? item : item.slice(eq + 1);
      if (eq >= 0 && name === '') throw new InputBindingError(`input shape '${item}' has no input name before '='`);
      const dims = eq >= 0 && dimsText.trim() === '' ? [] : parseDims(dimsText, item);
      if (out.has(name)) {
        throw new InputBindingError(
          name === '' ? 'more than one bare input shape given; name the inputs (name=1x3x224x224)' : `input '${name}' is given twice`,
        );
      }
      out.set(name, dims);
    }
  }
  return out;
}

/** The graph inputs a user must feed: inputs that are not also initializers (IR < 4 lists those too). */
export function feedInputs(graph: Graph): Graph['inputs'] {
  const { inputs, initializers } = graph;
  // Nearly always a handful of inputs against (maybe tens of thousands of) initializers: each
  // initializer's name compared with each input's, which a set would have to hash first.
  if (inputs.length > 8) {
    const names = new Set(inputs.map((i) => i.name));
    const inits = new Set<string>();
    for (const t of initializers) if (names.has(t.name)) inits.add(t.name);
    return inputs.filter((i) => !inits.has(i.name));
  }
  const fed = inputs.map(() => true);
  for (let t = 0; t < initializers.length; t++) {
    const name = initializers[t]!.name;
    for (let i = 0; i < inputs.length; i++) if (inputs[i]!.name === name) fed[i] = false;
  }
  return inputs.filter((_, i) => fed[i]);
}

/** Bind the given shapes to the graph inputs; throws InputBindingError listing every problem. */
export function bindInputs(graph: Graph, given: InputShapes = new Map()): Binding {
  const feeds = feedInputs(graph);
  const names = feeds.map((f) => f.name);
  const shapes = new Map(given);
  const bare = shapes.get('');
  if (bare !== undefined) {
    if (feeds.length !== 1) {
      throw new InputBindingError(
        `a bare shape binds a model's only input, but this model has ${feeds.length} inputs (${names.join(', ')}); write name=${bare.join('x')}`,
      );
    }
    shapes.delete('');
    if (shapes.has(names[0]!)) throw new InputBindingError(`input '${names[0]}' is given twice`);
    shapes.set(names[0]!, bare);
  }
  // A name that is no input but a symbolic dim of one (`past_sequence_length=128`) binds that symbol.
  const symbolNames = new Set(
    feeds.flatMap((f) =>
      (f.type?.kind === 'tensor' || f.type?.kind === 'sparse_tensor' ? (f.type.shape ?? []) : []).filter((d): d is string => typeof d === 'string'),
    ),
  );
  const boundSymbols = new Map<string, number>();
  for (const [name, dims] of [...shapes]) {
    if (names.includes(name) || !symbolNames.has(name)) continue;
    if (dims.length !== 1)
      throw new InputBindingError(`'${name}' is a dimension of the inputs, not an input: give it one size (${name}=128), got '${dims.join('x') || 'nothing'}'`);
    boundSymbols.set(name, dims[0]!);
    shapes.delete(name);
  }
  const unknownNames = [...shapes.keys()].filter((n) => !names.includes(n));
  if (unknownNames.length > 0) {
    const dims = symbolNames.size > 0 ? `; its symbolic dimensions (bound with name=N): ${[...symbolNames].join(', ')}` : '';
    throw new InputBindingError(
      `the model has no input named ${unknownNames.map((n) => `'${n}'`).join(', ')}; its inputs are: ${names.join(', ') || '(none)'}${dims}`,
    );
  }

  const problems: string[] = [];
  const symbols = new Map<string, number>(boundSymbols);
  const symbolSource = new Map<string, string>([...boundSymbols.keys()].map((k) => [k, `--input ${k}=`]));
  const declared = new Map<string, { dtype: number; shape: Dim[] | undefined }>();
  for (const f of feeds) {
    const t = f.type;
    if (!t || (t.kind !== 'tensor' && t.kind !== 'sparse_tensor')) {
      problems.push(`input '${f.name}' is not a tensor (${t?.kind ?? 'no type'}); modelpress profiles tensor inputs only`);
      continue;
    }
    declared.set(f.name, { dtype: t.elemType, shape: t.shape });
  }
  // First pass: check bound shapes against fixed dims and learn symbol values.
  for (const [name, dims] of shapes) {
    const d = declared.get(name);
    if (!d || d.shape === undefined) continue;
    if (d.shape.length !== dims.length) {
      problems.push(`input '${name}' has rank ${d.shape.length} (${formatShape(d.shape)}), but ${dims.length} dims were given (${dims.join('x') || 'scalar'})`);
      continue;
    }
    d.shape.forEach((dim, i) => {
      const v = dims[i]!;
      if (typeof dim === 'number' && dim !== v) {
        problems.push(`input '${name}' dim ${i} is fixed at ${dim} in the model, but ${v} was given`);
      } else if (typeof dim === 'string') {
        const prev = symbols.get(dim);
        if (prev !== undefined && prev !== v) {
          problems.push(`dim '${dim}' is ${prev} in input '${symbolSource.get(dim)}' but ${v} in input '${name}'`);
        } else {
          symbols.set(dim, v);
          symbolSource.set(dim, name);
        }
      }
    });
  }
  // Second pass: every input gets numbers; symbols bound through another input count as bound.
  // A symbolic or unknown leading dim that no given shape sizes is the batch: it takes DEFAULT_BATCH,
  // the same default `bench` uses (src/runtime/input-shapes.ts), and the profile says so in a note.
  const assumed: Binding['assumed'] = [];
  for (const f of feeds) {
    const d = declared.get(f.name);
    if (!d || d.shape === undefined || d.shape.length === 0 || shapes.has(f.name)) continue;
    const lead = d.shape[0]!;
    if (lead === null || (typeof lead === 'string' && !symbols.has(lead))) {
      if (typeof lead === 'string') symbols.set(lead, DEFAULT_BATCH);
      assumed.push({ input: f.name, dim: lead, value: DEFAULT_BATCH });
    }
  }
  const inputs: BoundInput[] = [];
  for (const f of feeds) {
    const d = declared.get(f.name);
    if (!d) continue;
    const given = shapes.get(f.name);
    if (given) {
      inputs.push({ name: f.name, dtype: d.dtype, shape: given });
      continue;
    }
    if (d.shape === undefined) {
      problems.push(`input '${f.name}' (${dtypeName(d.dtype)}) has no shape in the model; give one with --input ${f.name}=DIMS`);
      continue;
    }
    const shape: number[] = [];
    const missing: string[] = [];
    d.shape.forEach((dim, i) => {
      if (typeof dim === 'number') shape.push(dim);
      else if (typeof dim === 'string' && symbols.has(dim)) shape.push(symbols.get(dim)!);
      else if (i === 0 && dim === null && assumed.some((a) => a.input === f.name)) shape.push(DEFAULT_BATCH);
      else missing.push(typeof dim === 'string' ? `dim ${i} ('${dim}')` : `dim ${i} (unnamed)`);
    });
    if (missing.length > 0) {
      problems.push(`input '${f.name}' ${formatShape(d.shape)}: ${missing.join(', ')} unknown`);
    } else {
      inputs.push({ name: f.name, dtype: d.dtype, shape });
    }
  }
  if (problems.length > 0) {
    // The remedy names shapes that bind: the model's fixed dims win over a given size that contradicts
    // them; a single input needs no name (`--input 1x1x64x64`, in a document `input=1x1x64x64`).
    const dimsOf = (f: (typeof feeds)[number]) => exampleDims(declared.get(f.name)?.shape, shapes.get(f.name), symbols);
    const example = feeds.length === 1 ? dimsOf(feeds[0]!) : feeds.map((f) => `${f.name}=${dimsOf(f)}`).join(',');
    throw new InputBindingError(`cannot bind the input shapes: ${problems.join('; ')}. Give them with --input ${example}`);
  }
  return { inputs, symbols, assumed };
}

function exampleDims(shape: Dim[] | undefined, given: number[] | undefined, symbols: Map<string, number>): string {
  if (!shape) return given ? given.join('x') : 'DIMS';
  // A given shape of the wrong rank is replaced by the model's; of the right rank, only its dims
  // that contradict a fixed one are.
  const sized = given && given.length === shape.length ? given : undefined;
  return shape
    .map((d, i) => (typeof d === 'number' ? String(d) : sized ? String(sized[i]) : typeof d === 'string' && symbols.has(d) ? String(symbols.get(d)) : 'N'))
    .join('x');
}

/** Replace bound symbolic dims in a shape with their values. */
export function substituteSymbols(shape: Dim[] | undefined, symbols: ReadonlyMap<string, number>): Dim[] | undefined {
  if (!shape || symbols.size === 0) return shape;
  return shape.map((d) => (typeof d === 'string' && symbols.has(d) ? symbols.get(d)! : d));
}
