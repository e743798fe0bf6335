/**
 * The in-memory ONNX model, as decoded by `reader.ts`, made by `builder.ts` and written by `writer.ts`.
 *
 * Weight bytes are not part of this structure: a tensor carries a `TensorData` that says where its
 * bytes are (a span of the model file, an external file, or bytes made in memory), and
 * `tensor-data.ts` reads them only when asked.
 *
 * int64 fields (dims, attribute ints, ir_version) are JavaScript numbers. Values beyond ±2^53 are only
 * used as sentinels in ONNX (INT64_MAX as "to the end" in Slice); they keep their magnitude and are
 * clamped to the int64 range when written back.
 */

/** A dimension: a fixed size, a symbolic name (`dim_param`), or unknown (neither set). */
export type Dim = number | string | null;

export type TypeInfo =
  | { kind: 'tensor'; elemType: number; shape?: Dim[] | undefined }
  | { kind: 'sparse_tensor'; elemType: number; shape?: Dim[] | undefined }
  | { kind: 'sequence'; elem?: TypeInfo | undefined }
  | { kind: 'map'; keyType: number; value?: TypeInfo | undefined }
  | { kind: 'optional'; elem?: TypeInfo | undefined }
  | { kind: 'unknown' };

export interface ValueInfo {
  name: string;
  type?: TypeInfo | undefined;
  /** TypeProto.denotation, kept for round trips. */
  denotation?: string | undefined;
  docString?: string | undefined;
  metadataProps?: StringEntry[] | undefined;
}

export interface StringEntry {
  key: string;
  value: string;
}

/** Where a span of bytes is: an absolute position and length within a `ByteSource`. */
export interface Span {
  offset: number;
  length: number;
}

/** Something bytes can be read from on demand: the model file, or a buffer made in memory. */
export interface ByteSource {
  /** A path for messages (the model file, or `<memory>`). */
  readonly name: string;
  readonly size: number;
  /** Read `length` bytes at `offset` into a new buffer. */
  read(offset: number, length: number): Buffer;
  /**
   * The same bytes as `read`, possibly in memory that the next read or view of any source reuses:
   * for a caller that uses them at once and keeps nothing (the file writer). Optional.
   */
  view?(offset: number, length: number): Uint8Array;
}

/** Packed repeated fields of TensorProto that may hold tensor elements. */
export type TypedField = 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data';

export type TensorData =
  /** No data at all (e.g. a tensor with zero elements). */
  | { kind: 'none' }
  /** `raw_data` inside the model file (or another source), not read. */
  | { kind: 'raw'; source: ByteSource; span: Span }
  /** A typed repeated field: packed spans in the source (not read) plus any unpacked elements. */
  | { kind: 'typed'; field: TypedField; source: ByteSource; packed: Span[]; loose: number[] }
  /** `string_data`: decoded eagerly (strings are never weights). */
  | { kind: 'strings'; values: Uint8Array[] }
  /** `data_location = EXTERNAL`: a file relative to the model's folder. Never read for analysis. */
  | { kind: 'external'; location: string; offset: number; length?: number | undefined; checksum?: string | undefined; entries: StringEntry[] }
  /** Bytes held in memory, little-endian, as raw_data would store them (builder-made tensors). */
  | { kind: 'bytes'; bytes: Uint8Array };

export interface Tensor {
  name: string;
  dataType: number;
  dims: number[];
  data: TensorData;
  docString?: string | undefined;
  segment?: { begin: number; end: number } | undefined;
  metadataProps?: StringEntry[] | undefined;
}

export interface SparseTensor {
  values: Tensor;
  indices: Tensor;
  dims: number[];
}

export type Attribute =
  | { name: string; type: 'float'; value: number; docString?: string }
  | { name: string; type: 'int'; value: number; docString?: string }
  | { name: string; type: 'string'; value: Uint8Array; docString?: string }
  | { name: string; type: 'tensor'; value: Tensor; docString?: string }
  | { name: string; type: 'graph'; value: Graph; docString?: string }
  | { name: string; type: 'sparse_tensor'; value: SparseTensor; docString?: string }
  | { name: string; type: 'type_proto'; value: TypeInfo; docString?: string }
  | { name: string; type: 'floats'; value: number[]; docString?: string }
  | { name: string; type: 'ints'; value: number[]; docString?: string }
  | { name: string; type: 'strings'; value: Uint8Array[]; docString?: string }
  | { name: string; type: 'tensors'; value: Tensor[]; docString?: string }
  | { name: string; type: 'graphs'; value: Graph[]; docString?: string }
  | { name: string; type: 'sparse_tensors'; value: SparseTensor[]; docString?: string }
  | { name: string; type: 'type_protos'; value: TypeInfo[]; docString?: string }
  /** A reference to an attribute of the enclosing function (`ref_attr_name`). */
  | { name: string; type: 'ref'; refAttrName: string; refType: number; docString?: string };

export interface Node {
  name: string;
  opType: string;
  /** '' (or 'ai.onnx') is the default ONNX domain. */
  domain: string;
  /** Input names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
  docString?: string | undefined;
  overload?: string | undefined;
  metadataProps?: StringEntry[] | undefined;
}

export interface TensorAnnotation {
  tensorName: string;
  quantParameterTensorNames: StringEntry[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  sparseInitializers: SparseTensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  quantizationAnnotation?: TensorAnnotation[] | undefined;
  docString?: string | undefined;
  metadataProps?: StringEntry[] | undefined;
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface FunctionDef {
  name: string;
  domain: string;
  overload?: string | undefined;
  inputs: string[];
  outputs: string[];
  /** Names of attributes without defaults. */
  attributeNames: string[];
  /** Attributes with default values. */
  attributeDefaults: Attribute[];
  nodes: Node[];
  opsetImports: OpsetId[];
  valueInfo: ValueInfo[];
  docString?: string | undefined;
  metadataProps?: StringEntry[] | undefined;
}

/** A protobuf field this reader does not model (e.g. training_info), kept verbatim for round trips. */
export interface RawField {
  field: number;
  /** The complete encoded field: tag and payload. */
  bytes: Uint8Array;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: Graph;
  metadataProps: StringEntry[];
  functions: FunctionDef[];
  /** Fields kept verbatim (training_info, configuration, …). */
  extraFields: RawField[];
  /** The file this model was read from (absolute), if any. External data resolves against its folder. */
  path?: string | undefined;
  /** Size in bytes of the file or buffer it was read from. */
  sourceSize?: number | undefined;
}

/** The opset version the model imports for a domain ('' and 'ai.onnx' are the same domain). */
export function opsetVersion(model: Pick<Model, 'opsetImports'>, domain = ''): number | undefined {
  const want = domain === 'ai.onnx' ? '' : domain;
  for (const o of model.opsetImports) {
    const d = o.domain === 'ai.onnx' ? '' : o.domain;
    if (d === want) return o.version;
  }
  return undefined;
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  // Indexed: a for-of allocates an iterator per call until the caller is optimized (every tensor of a large graph).
  for (let i = 0; i < dims.length; i++) n *= dims[i]!;
  return n;
}
