/**
 * A small typed API to build ONNX graphs in code: the test suite, the reference zoo and runtime shape
 * capture use it. Weights are seeded pseudo-random (reproducible), so built models run in
 * onnxruntime with finite outputs. A generated weight of 4 KiB or more is not made when it is
 * declared: the tensor carries its dims and dtype and a source that makes its bytes when they are
 * read (written to a file, or handed to onnxruntime), each tensor from its own seed.
 *
 *   const b = new GraphBuilder({ opset: 17 });
 *   const x = b.input('input', 'float32', ['batch', 3, 224, 224]);
 *   const w = b.weight('conv1.weight', [64, 3, 7, 7]);
 *   const [y] = b.node('Conv', [x, w], { kernel_shape: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3] }, { name: '/conv1/Conv' });
 *   b.output(y);
 *   const model = b.build();
 */
import { byteSize, DataType, type DtypeName, isFloatType } from './dtypes.js';
import type { Attribute, ByteSource, Dim, Graph, Model, Node, OpsetId, Tensor, TensorData, TypeInfo, ValueInfo } from './model.js';
import { elementCount } from './model.js';
import { dtypeCode, encodeValues, makeTensor } from './encode.js';
import { drawAt, fillUniformFloat32, uniformFloat32View } from './uniform-fill.js';

export { encodeValues, makeTensor };

/** An attribute value: plain JS values are typed by shape (integers → int, other numbers → float). */
export type AttrValue = number | string | number[] | string[] | Tensor | Graph | { float: number } | { floats: number[] } | { ints: number[] } | Attribute;

export type Init =
  /** Uniform in ±1/sqrt(fan_in) (PyTorch's default Linear/Conv scale), seeded. fan_in = ∏dims[1:]. */
  | 'kaiming'
  | 'zeros'
  | 'ones'
  /** Uniform in [lo, hi). */
  | { uniform: [number, number] }
  | { values: ArrayLike<number> | ArrayLike<bigint> };

export interface BuilderOptions {
  /** Default-domain opset (default 17). */
  opset?: number;
  /** Extra opset imports, e.g. { domain: 'com.microsoft', version: 1 }. */
  extraOpsets?: OpsetId[];
  name?: string;
  /** Seed of the weight generator (default 1). */
  seed?: number;
  producerName?: string;
  irVersion?: number;
}

/** The range a generated initializer's values are drawn from, or undefined for all zeros. */
function initRange(dims: number[], init: Exclude<Init, { values: unknown }>): [number, number] | undefined {
  if (init === 'zeros') return undefined;
  if (init === 'ones') return [1, 1];
  if (init === 'kaiming') {
    const fanIn = dims.length > 1 ? elementCount(dims.slice(1)) : Math.max(1, dims[0] ?? 1);
    const bound = 1 / Math.sqrt(fanIn);
    return [-bound, bound];
  }
  return init.uniform;
}

/**
 * Generate elements [first, first + count) of an initializer as bytes (float types get seeded
 * uniform values; element i is draw i of the tensor's seed, whatever range it is made in).
 */
function initBytes(
  dataType: number,
  dims: number[],
  init: Exclude<Init, { values: unknown }>,
  seed: number,
  first = 0,
  count = elementCount(dims) - first,
): Uint8Array {
  const range = initRange(dims, init);
  if (range === undefined) return new Uint8Array(byteSize(dataType, count));
  const [lo, hi] = range;
  if (dataType === DataType.FLOAT) {
    // The common case, four at a time (uniform-fill.ts: the same values as drawAt's).
    const arr = new Float32Array(count);
    fillUniformFloat32(arr, seed, first, lo, hi);
    return new Uint8Array(arr.buffer);
  }
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = lo + (hi - lo) * drawAt(seed, first + i);
  if (!isFloatType(dataType)) {
    for (let i = 0; i < count; i++) values[i] = Math.round(values[i]!);
  }
  return encodeValues(dataType, values, count);
}

/** Elements [first, first + count) of a generated float32 initializer in reused memory (uniformFloat32View), or null. */
function initView(dataType: number, dims: number[], init: Exclude<Init, { values: unknown }>, seed: number, first: number, count: number): Uint8Array | null {
  const range = dataType === DataType.FLOAT ? initRange(dims, init) : undefined;
  const floats = range ? uniformFloat32View(seed, first, count, range[0], range[1]) : null;
  return floats ? new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength) : null;
}

/** Below this many bytes a generated initializer is made at once (a lazy source costs more than it saves). */
const LAZY_BYTES = 4096;

/**
 * A generated initializer's bytes as a source read on demand: the tensor holds dims and dtype only,
 * so counting a zoo model never makes its weights. A read makes just the elements it covers, from
 * the tensor's own seed (the writer streams a large tensor in pieces and drops each one).
 */
function generatedSource(
  name: string,
  size: number,
  elementBytes: number,
  make: (first: number, count: number) => Uint8Array,
  makeView: (first: number, count: number) => Uint8Array | null,
): ByteSource {
  const span = (offset: number, length: number, made: (first: number, count: number) => Uint8Array | null): Uint8Array | null => {
    if (offset < 0 || length < 0 || offset + length > size) throw new Error(`${name}: read of ${length} bytes at ${offset} runs past the end (${size} bytes)`);
    const first = Math.floor(offset / elementBytes);
    const bytes = made(first, Math.ceil((offset + length) / elementBytes) - first);
    const start = offset - first * elementBytes;
    return bytes ? bytes.subarray(start, start + length) : null;
  };
  return {
    name: `<generated ${name}>`,
    size,
    read(offset: number, length: number): Buffer {
      const bytes = span(offset, length, make)!;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    // Made in the SIMD kernel's memory, neither allocated nor copied (the writer streams zoo weights so).
    view(offset: number, length: number): Uint8Array {
      return span(offset, length, makeView) ?? this.read(offset, length);
    },
  };
}

/** The seed of the n-th generated initializer of a builder seeded `seed` (independent streams). */
function tensorSeed(seed: number, n: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(n + 1, 0x85ebca6b)) >>> 0;
}

export function tensorType(dtype: DtypeName | number, shape?: Dim[]): TypeInfo {
  return { kind: 'tensor', elemType: dtypeCode(dtype), shape: shape ? [...shape] : undefined };
}

function toAttribute(name: string, v: AttrValue): Attribute {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: 'int', value: v } : { name, type: 'float', value: v };
  }
  if (typeof v === 'string') return { name, type: 'string', value: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') {
      return { name, type: 'strings', value: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    const nums = v as number[];
    return nums.every((n) => Number.isInteger(n)) ? { name, type: 'ints', value: [...nums] } : { name, type: 'floats', value: [...nums] };
  }
  if ('float' in v) return { name, type: 'float', value: v.float };
  if ('floats' in v) return { name, type: 'floats', value: [...v.floats] };
  if ('ints' in v) return { name, type: 'ints', value: [...v.ints] };
  if ('type' in v && 'name' in v && !('dataType' in v)) return { ...(v as Attribute), name };
  if ('dataType' in v) return { name, type: 'tensor', value: v as Tensor };
  return { name, type: 'graph', value: v as Graph };
}

export class GraphBuilder {
  readonly opset: number;
  private readonly options: BuilderOptions;
  private readonly seed: number;
  private generated = 0;
  private readonly nodes: Node[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly valueInfo: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly opCounts = new Map<string, number>();

  constructor(options: BuilderOptions = {}) {
    this.options = options;
    this.opset = options.opset ?? 17;
    this.seed = options.seed ?? 1;
  }

  /** A fresh value name with this prefix, unique in the graph. */
  fresh(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.names.has(name); i++) name = `${prefix}_${i}`;
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DtypeName | number, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, type: tensorType(dtype, shape) });
    return name;
  }

  /** A graph output; its type may be omitted (onnxruntime and our shape inference infer it). */
  output(name: string, dtype?: DtypeName | number, shape?: Dim[]): string {
    this.outputs.push({ name, type: dtype === undefined ? undefined : tensorType(dtype, shape) });
    return name;
  }

  /** Record the type of an intermediate value (graph.value_info). */
  annotate(name: string, dtype: DtypeName | number, shape?: Dim[]): void {
    this.valueInfo.push({ name, type: tensorType(dtype, shape) });
  }

  /** An initializer with generated or given data. */
  initializer(name: string, dtype: DtypeName | number, dims: number[], init: Init = 'kaiming'): string {
    this.claim(name);
    const dataType = dtypeCode(dtype);
    const shape = [...dims];
    let data: TensorData;
    if (typeof init === 'object' && 'values' in init) {
      const count = elementCount(shape);
      if (init.values.length !== count) {
        throw new Error(`initializer expects ${count} values for dims [${shape.join(', ')}], got ${init.values.length}`);
      }
      data = { kind: 'bytes', bytes: encodeValues(dataType, init.values, count) };
    } else {
      const seed = tensorSeed(this.seed, this.generated++);
      const count = elementCount(shape);
      const size = byteSize(dataType, count);
      const elementBytes = count > 0 ? size / count : 1;
      // Sub-byte types (int4) pack two elements a byte: such tensors are made whole.
      const make = (first: number, n: number): Uint8Array => initBytes(dataType, shape, init, seed, first, n);
      const makeView = (first: number, n: number): Uint8Array | null => initView(dataType, shape, init, seed, first, n);
      data =
        size < LAZY_BYTES || !Number.isInteger(elementBytes)
          ? { kind: 'bytes', bytes: initBytes(dataType, shape, init, seed) }
          : { kind: 'raw', source: generatedSource(name, size, elementBytes, make, makeView), span: { offset: 0, length: size } };
    }
    this.initializers.push({ name, dataType, dims: shape, data });
    return name;
  }

  /** A float32 weight with PyTorch-like seeded init. */
  weight(name: string, dims: number[], init: Init = 'kaiming'): string {
    return this.initializer(name, 'float32', dims, init);
  }

  /** An int64 initializer holding a shape, axes or indices. */
  int64s(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer(name, 'int64', dims, { values });
  }

  /** Add a tensor made elsewhere (e.g. with external data) as an initializer. */
  addInitializer(tensor: Tensor): string {
    this.claim(tensor.name);
    this.initializers.push(tensor);
    return tensor.name;
  }

  /**
   * Add a node. Outputs default to one fresh name derived from the node name; pass `outputs` as a
   * count or as names for several. Returns the output names.
   */
  node(
    opType: string,
    inputs: (string | null)[],
    attrs: Record<string, AttrValue | undefined> = {},
    options: { name?: string; outputs?: number | string[]; domain?: string } = {},
  ): string[] {
    const count = this.opCounts.get(opType) ?? 0;
    this.opCounts.set(opType, count + 1);
    const name = options.name ?? (count === 0 ? `/${opType}` : `/${opType}_${count}`);
    let outputs: string[];
    if (Array.isArray(options.outputs)) {
      outputs = options.outputs.map((o) => (o === '' ? '' : this.claim(o)));
    } else {
      const n = options.outputs ?? 1;
      outputs = Array.from({ length: n }, (_, i) => this.fresh(`${name}_output_${i}`));
    }
    const attributes = Object.entries(attrs)
      .filter((e): e is [string, AttrValue] => e[1] !== undefined)
      .map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ name, opType, domain: options.domain ?? '', inputs: inputs.map((i) => i ?? ''), outputs, attributes });
    return outputs;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: (string | null)[], attrs: Record<string, AttrValue | undefined> = {}, name?: string): string {
    return this.node(opType, inputs, attrs, name === undefined ? {} : { name })[0]!;
  }

  graph(): Graph {
    return {
      name: this.options.name ?? 'main_graph',
      nodes: this.nodes,
      initializers: this.initializers,
      sparseInitializers: [],
      inputs: this.inputs,
      outputs: this.outputs,
      valueInfo: this.valueInfo,
    };
  }

  build(): Model {
    return {
      irVersion: this.options.irVersion ?? 8,
      opsetImports: [{ domain: '', version: this.opset }, ...(this.options.extraOpsets ?? [])],
      producerName: this.options.producerName ?? 'modelpress',
      producerVersion: '',
      domain: '',
      modelVersion: 0,
      docString: '',
      graph: this.graph(),
      metadataProps: [],
      functions: [],
      extraFields: [],
    };
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`value name '${name}' is already used in this graph`);
    this.names.add(name);
    return name;
  }
}
