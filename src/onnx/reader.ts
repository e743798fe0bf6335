/**
 * Decode an ONNX ModelProto from a file without copying weight bytes: the file is read through a
 * small window and tensor payloads (raw_data, packed typed fields) are skipped, keeping only their
 * offsets. Every failure becomes one ModelLoadError naming the file and the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from './errors.js';
import type {
  Attribute,
  ByteSource,
  Dim,
  FunctionDef,
  Graph,
  Model,
  Node,
  OpsetId,
  RawField,
  Span,
  SparseTensor,
  StringEntry,
  Tensor,
  TensorAnnotation,
  TensorData,
  TypeInfo,
  TypedField,
  ValueInfo,
} from './model.js';
import { BufferCursor, type Cursor, FileCursor, FileSource, MemorySource, NameTable, WireError, WireType } from './wire.js';
import { checkRelativeLocation, forEachTensor, resolveExternalPath } from './tensor-data.js';

/** The newest IR version this reader knows (ONNX 1.19/1.20 write IR 12). */
export const MAX_IR_VERSION = 12;

/** The message is a valid protobuf but its fields do not fit the ONNX schema. */
class SchemaError extends Error {}

/** The file nests deeper than this reader follows (a hostile or broken file: no exporter writes it). */
class NestingError extends Error {}

/**
 * How deep sub-graphs (If/Loop/Scan bodies inside each other) and types (sequence of sequence of …)
 * may nest. Real models nest a handful of levels; the limits keep every recursive walk of the model,
 * here and in the analysis, far from the stack's end.
 */
export const MAX_GRAPH_NESTING = 64;
export const MAX_TYPE_NESTING = 64;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit'];

function expectWire(actual: number, expected: number, field: string): void {
  if (actual !== expected) {
    throw new SchemaError(`field '${field}' has wire type ${WIRE_NAMES[actual] ?? actual}, expected ${WIRE_NAMES[expected]}`);
  }
}

/** Decoding state: the cursor plus the source that lazy tensor spans point into. */
interface Dec {
  c: Cursor;
  source: ByteSource;
  /** Sub-graphs and type protos open around the current position. */
  graphs: number;
  types: number;
  /**
   * Value names and op types read again are the strings made for them before (nearly always: see
   * NameTable): a node's input is the very string its producer's output is, so the analysis's maps
   * mostly compare names by pointer and the model holds most names once.
   */
  names: NameTable;
  /** Some tensor is stored externally (only then is there a location to check). */
  external: boolean;
  /** Scratch lists of the nodes being read, one per depth (a node's attribute may hold a graph). */
  scratch: NodeScratch[];
  depth: number;
  /** Scratch list for a tensor's dims (a tensor holds no tensor). */
  dims: number[];
}

/** All fields set at once, in one order: one object shape, so the decoder's code sees one map. */
function decoder(c: Cursor, source: ByteSource): Dec {
  return { c, source, graphs: 0, types: 0, names: new NameTable(c.size), external: false, scratch: [], depth: 0, dims: [] };
}

/** Lists filled in place and copied out at their length: no pushed list per node is left as garbage. */
interface NodeScratch {
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

/**
 * A list built by push, copied to its length: a pushed array keeps room for 16 or more elements,
 * and a model has a few lists per node (inputs, outputs, dims), kept as long as the model.
 */
const exact = <T>(a: T[]): T[] => (a.length === 0 ? a : a.slice());

/** A value name or op type, through the model's name cache (so mostly the string its earlier mentions have). */
function interned(d: Dec, wt: number, end: number, field: string): string {
  expectWire(wt, WireType.LEN, field);
  return d.c.name(d.c.length(end), d.names);
}

/**
 * The first `n` elements of a scratch list, as a list of its own. Short lists (a node's inputs and
 * outputs, a tensor's dims) are literals: cheaper to make than a slice.
 */
function head(a: string[], n: number): string[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    case 4:
      return [a[0]!, a[1]!, a[2]!, a[3]!];
    default:
      return a.slice(0, n);
  }
}

/** head() for numbers: its own literals, so that name lists and dims do not share one allocation site. */
function headNumbers(a: number[], n: number): number[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    case 4:
      return [a[0]!, a[1]!, a[2]!, a[3]!];
    default:
      return a.slice(0, n);
  }
}

function overrun(c: Cursor, end: number): WireError {
  return new WireError(`message overruns its length (ends at ${c.pos}, expected ${end})`, c.pos);
}

function enter(d: Dec, what: 'graphs' | 'types'): void {
  const n = d[what] + 1;
  const max = what === 'graphs' ? MAX_GRAPH_NESTING : MAX_TYPE_NESTING;
  if (n > max) {
    throw new NestingError(
      what === 'graphs'
        ? `sub-graphs (If/Loop/Scan bodies) are nested more than ${MAX_GRAPH_NESTING} levels deep; modelpress reads at most ${MAX_GRAPH_NESTING}`
        : `a type is nested more than ${MAX_TYPE_NESTING} levels deep (sequence/optional/map inside each other); modelpress reads at most ${MAX_TYPE_NESTING}`,
    );
  }
  d[what] = n;
}

function leave(d: Dec, what: 'graphs' | 'types'): void {
  d[what] -= 1;
}

/** Iterate fields of a message ending at `end`, calling `on(field, wireType)`; unhandled fields are skipped. */
function fields(d: Dec, end: number, on: (field: number, wt: number) => boolean): void {
  const { c } = d;
  while (c.pos < end) {
    const t = c.tagValue();
    const wt = t % 8;
    if (!on(Math.floor(t / 8), wt)) c.skipField(wt, end);
  }
  if (c.pos !== end) throw overrun(c, end);
}

function str(d: Dec, wt: number, end: number, name: string): string {
  expectWire(wt, WireType.LEN, name);
  return d.c.string(d.c.length(end));
}

function bytes(d: Dec, wt: number, end: number, name: string): Uint8Array {
  expectWire(wt, WireType.LEN, name);
  return d.c.bytes(d.c.length(end));
}

function int(d: Dec, wt: number, name: string): number {
  expectWire(wt, WireType.VARINT, name);
  return d.c.int64();
}

/** A nested message: returns its end position after reading the length. */
function sub(d: Dec, wt: number, end: number, name: string): number {
  expectWire(wt, WireType.LEN, name);
  const n = d.c.length(end);
  return d.c.pos + n;
}

/** Repeated int64 that may be packed or not. */
function ints(d: Dec, wt: number, end: number, out: number[], name: string): void {
  if (wt === WireType.LEN) {
    const stop = d.c.pos + d.c.length(end);
    while (d.c.pos < stop) out.push(d.c.int64());
    if (d.c.pos !== stop) throw new WireError('packed field overruns its length', d.c.pos);
  } else {
    out.push(int(d, wt, name));
  }
}

function floats(d: Dec, wt: number, end: number, out: number[], name: string): void {
  if (wt === WireType.LEN) {
    const n = d.c.length(end);
    if (n % 4 !== 0) throw new SchemaError(`packed float field '${name}' has ${n} bytes, not a multiple of 4`);
    for (let i = 0; i < n; i += 4) out.push(d.c.float32());
  } else {
    expectWire(wt, WireType.I32, name);
    out.push(d.c.float32());
  }
}

function entry(d: Dec, end: number): StringEntry {
  const e: StringEntry = { key: '', value: '' };
  fields(d, end, (f, wt) => {
    if (f === 1) e.key = str(d, wt, end, 'key');
    else if (f === 2) e.value = str(d, wt, end, 'value');
    else return false;
    return true;
  });
  return e;
}

function opset(d: Dec, end: number): OpsetId {
  const o: OpsetId = { domain: '', version: 0 };
  fields(d, end, (f, wt) => {
    if (f === 1) o.domain = str(d, wt, end, 'opset_import.domain');
    else if (f === 2) o.version = int(d, wt, 'opset_import.version');
    else return false;
    return true;
  });
  return o;
}

function shape(d: Dec, end: number): Dim[] {
  const dims: Dim[] = [];
  fields(d, end, (f, wt) => {
    if (f !== 1) return false;
    const dimEnd = sub(d, wt, end, 'shape.dim');
    let dim: Dim = null;
    fields(d, dimEnd, (g, wt2) => {
      if (g === 1) dim = int(d, wt2, 'dim_value');
      else if (g === 2) dim = str(d, wt2, dimEnd, 'dim_param');
      else return false;
      return true;
    });
    dims.push(dim);
    return true;
  });
  return exact(dims);
}

function typeProto(d: Dec, end: number): { type: TypeInfo; denotation?: string } {
  enter(d, 'types');
  const t = typeProtoBody(d, end);
  leave(d, 'types');
  return t;
}

function typeProtoBody(d: Dec, end: number): { type: TypeInfo; denotation?: string } {
  let type: TypeInfo = { kind: 'unknown' };
  let denotation: string | undefined;
  const tensorLike = (kind: 'tensor' | 'sparse_tensor', tEnd: number): TypeInfo => {
    let elemType = 0;
    let dims: Dim[] | undefined;
    fields(d, tEnd, (g, wt2) => {
      if (g === 1) elemType = int(d, wt2, 'elem_type');
      else if (g === 2) dims = shape(d, sub(d, wt2, tEnd, 'shape'));
      else return false;
      return true;
    });
    return { kind, elemType, shape: dims };
  };
  const elemOnly = (kind: 'sequence' | 'optional', tEnd: number): TypeInfo => {
    let elem: TypeInfo | undefined;
    fields(d, tEnd, (g, wt2) => {
      if (g !== 1) return false;
      elem = typeProto(d, sub(d, wt2, tEnd, 'elem_type')).type;
      return true;
    });
    return { kind, elem };
  };
  fields(d, end, (f, wt) => {
    switch (f) {
      case 1:
        type = tensorLike('tensor', sub(d, wt, end, 'tensor_type'));
        return true;
      case 8:
        type = tensorLike('sparse_tensor', sub(d, wt, end, 'sparse_tensor_type'));
        return true;
      case 4:
        type = elemOnly('sequence', sub(d, wt, end, 'sequence_type'));
        return true;
      case 9:
        type = elemOnly('optional', sub(d, wt, end, 'optional_type'));
        return true;
      case 5: {
        const mEnd = sub(d, wt, end, 'map_type');
        let keyType = 0;
        let value: TypeInfo | undefined;
        fields(d, mEnd, (g, wt2) => {
          if (g === 1) keyType = int(d, wt2, 'key_type');
          else if (g === 2) value = typeProto(d, sub(d, wt2, mEnd, 'value_type')).type;
          else return false;
          return true;
        });
        type = { kind: 'map', keyType, value };
        return true;
      }
      case 6:
        denotation = str(d, wt, end, 'denotation');
        return true;
      default:
        return false;
    }
  });
  return denotation === undefined ? { type } : { type, denotation };
}

function valueInfo(d: Dec, end: number): ValueInfo {
  const v: ValueInfo = { name: '' };
  fields(d, end, (f, wt) => {
    switch (f) {
      case 1:
        v.name = interned(d, wt, end, 'value_info.name');
        return true;
      case 2: {
        const t = typeProto(d, sub(d, wt, end, 'value_info.type'));
        v.type = t.type;
        if (t.denotation !== undefined) v.denotation = t.denotation;
        return true;
      }
      case 3:
        v.docString = str(d, wt, end, 'doc_string');
        return true;
      case 4:
        (v.metadataProps ??= []).push(entry(d, sub(d, wt, end, 'metadata_props')));
        return true;
      default:
        return false;
    }
  });
  return v;
}

const TYPED_FIELDS: Record<number, TypedField> = { 4: 'float_data', 5: 'int32_data', 7: 'int64_data', 10: 'double_data', 11: 'uint64_data' };

/**
 * The fields of a tensor other than name, data type, dims and raw_data: typed element fields, strings,
 * external data, segment, doc_string, metadata. Most tensors have none of them, so they are read apart
 * (tensorRest) and the common path stays small.
 */
interface TensorRest {
  typedField: TypedField | undefined;
  packed: Span[] | undefined;
  loose: number[] | undefined;
  strings: Uint8Array[] | undefined;
  external: StringEntry[] | undefined;
  location: number;
  /** segment, doc_string and metadata_props, in the order met. */
  props: Partial<Tensor> | undefined;
}

function tensor(d: Dec, end: number): Tensor {
  const { c } = d;
  let name = '';
  let dataType = 0;
  const dims = d.dims;
  let nDims = 0;
  let raw: Span | undefined;
  let rest: TensorRest | undefined;
  while (c.pos < end) {
    const tag = c.tagValue();
    const wt = tag % 8;
    const f = Math.floor(tag / 8);
    if (f === 1) {
      if (wt === WireType.LEN) {
        const stop = c.pos + c.length(end);
        while (c.pos < stop) dims[nDims++] = c.int64();
        if (c.pos !== stop) throw new WireError('packed field overruns its length', c.pos);
      } else {
        dims[nDims++] = int(d, wt, 'dims');
      }
    } else if (f === 2) {
      dataType = int(d, wt, 'data_type');
    } else if (f === 8) {
      name = interned(d, wt, end, 'tensor.name');
    } else if (f === 9) {
      expectWire(wt, WireType.LEN, 'raw_data');
      const n = c.length(end);
      raw = { offset: c.pos, length: n };
      c.skip(n); // the weights: never read here
    } else {
      rest = tensorRest(d, rest, f, wt, end, name);
    }
  }
  if (c.pos !== end) throw overrun(c, end);
  let data: TensorData;
  if (rest !== undefined && rest.location === 1) data = externalData(d, rest, name);
  else if (raw !== undefined) data = { kind: 'raw', source: d.source, span: raw };
  else if (rest?.typedField !== undefined)
    data = { kind: 'typed', field: rest.typedField, source: d.source, packed: rest.packed ?? [], loose: rest.loose ?? [] };
  else if (rest?.strings !== undefined || dataType === 8) data = { kind: 'strings', values: rest?.strings ?? [] };
  else data = { kind: 'none' };
  // Made once complete, as a node is.
  const t: Tensor = { name, dataType, dims: headNumbers(dims, nDims), data };
  return rest?.props === undefined ? t : Object.assign(t, rest.props);
}

/** One of the uncommon fields of a tensor; returns the (possibly new) state holding them. */
function tensorRest(d: Dec, r: TensorRest | undefined, f: number, wt: number, end: number, name: string): TensorRest | undefined {
  const { c } = d;
  switch (f) {
    case 3: {
      const sEnd = sub(d, wt, end, 'segment');
      const seg = { begin: 0, end: 0 };
      fields(d, sEnd, (g, wt2) => {
        if (g === 1) seg.begin = int(d, wt2, 'segment.begin');
        else if (g === 2) seg.end = int(d, wt2, 'segment.end');
        else return false;
        return true;
      });
      r ??= newRest();
      (r.props ??= {}).segment = seg;
      return r;
    }
    case 4:
    case 5:
    case 7:
    case 10:
    case 11: {
      r ??= newRest();
      const field = TYPED_FIELDS[f]!;
      if (r.typedField !== undefined && r.typedField !== field) throw new SchemaError(`tensor '${name}' stores data in both ${r.typedField} and ${field}`);
      r.typedField = field;
      if (wt === WireType.LEN) {
        const n = c.length(end);
        (r.packed ??= []).push({ offset: c.pos, length: n });
        c.skip(n);
      } else if (f === 4) {
        expectWire(wt, WireType.I32, field);
        (r.loose ??= []).push(c.float32());
      } else if (f === 10) {
        expectWire(wt, WireType.I64, field);
        (r.loose ??= []).push(c.float64());
      } else {
        (r.loose ??= []).push(int(d, wt, field));
      }
      return r;
    }
    case 6:
      r ??= newRest();
      (r.strings ??= []).push(bytes(d, wt, end, 'string_data'));
      return r;
    case 12:
      r ??= newRest();
      (r.props ??= {}).docString = str(d, wt, end, 'doc_string');
      return r;
    case 13:
      r ??= newRest();
      (r.external ??= []).push(entry(d, sub(d, wt, end, 'external_data')));
      return r;
    case 14:
      r ??= newRest();
      r.location = int(d, wt, 'data_location');
      return r;
    case 16:
      r ??= newRest();
      ((r.props ??= {}).metadataProps ??= []).push(entry(d, sub(d, wt, end, 'metadata_props')));
      return r;
    default:
      c.skipField(wt, end);
      return r;
  }
}

function newRest(): TensorRest {
  return { typedField: undefined, packed: undefined, loose: undefined, strings: undefined, external: undefined, location: 0, props: undefined };
}

function externalData(d: Dec, r: TensorRest, name: string): TensorData {
  const entries = r.external ?? [];
  const get = (k: string): string | undefined => entries.find((e) => e.key === k)?.value;
  const loc = get('location');
  if (loc === undefined) throw new SchemaError(`tensor '${name}' is stored externally but has no 'location'`);
  const num = (k: string): number | undefined => {
    const s = get(k);
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new SchemaError(`tensor '${name}': external data ${k} '${s}' is not a non-negative integer`);
    return n;
  };
  d.external = true;
  return { kind: 'external', location: loc, offset: num('offset') ?? 0, length: num('length'), checksum: get('checksum'), entries };
}

function sparseTensor(d: Dec, end: number): SparseTensor {
  let values: Tensor | undefined;
  let indices: Tensor | undefined;
  const dims: number[] = [];
  fields(d, end, (f, wt) => {
    if (f === 1) values = tensor(d, sub(d, wt, end, 'sparse.values'));
    else if (f === 2) indices = tensor(d, sub(d, wt, end, 'sparse.indices'));
    else if (f === 3) ints(d, wt, end, dims, 'sparse.dims');
    else return false;
    return true;
  });
  const empty = (): Tensor => ({ name: '', dataType: 0, dims: [], data: { kind: 'none' } });
  return { values: values ?? empty(), indices: indices ?? empty(), dims };
}

const ATTR_TYPES: Record<number, Attribute['type']> = {
  1: 'float',
  2: 'int',
  3: 'string',
  4: 'tensor',
  5: 'graph',
  11: 'sparse_tensor',
  13: 'type_proto',
  6: 'floats',
  7: 'ints',
  8: 'strings',
  9: 'tensors',
  10: 'graphs',
  12: 'sparse_tensors',
  14: 'type_protos',
};

/** The value kinds an attribute may hold, one bit each in attribute()'s `seen`. */
const KINDS: readonly Exclude<Attribute['type'], 'ref'>[] = [
  'float',
  'int',
  'string',
  'tensor',
  'graph',
  'sparse_tensor',
  'type_proto',
  'floats',
  'ints',
  'strings',
  'tensors',
  'graphs',
  'sparse_tensors',
  'type_protos',
];
const bit = (k: Exclude<Attribute['type'], 'ref'>): number => 1 << KINDS.indexOf(k);
const B_FLOAT = bit('float');
const B_INT = bit('int');
const B_STRING = bit('string');
const B_TENSOR = bit('tensor');
const B_GRAPH = bit('graph');
const B_SPARSE = bit('sparse_tensor');
const B_TYPE = bit('type_proto');
const B_FLOATS = bit('floats');
const B_INTS = bit('ints');
const B_STRINGS = bit('strings');
const B_TENSORS = bit('tensors');
const B_GRAPHS = bit('graphs');
const B_SPARSES = bit('sparse_tensors');
const B_TYPES = bit('type_protos');

/** The uncommon fields of an attribute (a reference, a doc string, tensors, graphs, types, string lists), read by attributeRest(). */
interface AttributeRest {
  refAttrName: string | undefined;
  docString: string | undefined;
  t: Tensor | undefined;
  g: Graph | undefined;
  sp: SparseTensor | undefined;
  tp: TypeInfo | undefined;
  strings: Uint8Array[] | undefined;
  tensors: Tensor[] | undefined;
  graphs: Graph[] | undefined;
  sparse: SparseTensor[] | undefined;
  types: TypeInfo[] | undefined;
  /** Which of these value fields were present (KINDS bits). */
  seen: number;
}

function attribute(d: Dec, end: number): Attribute {
  const { c } = d;
  let name = '';
  let type = 0;
  /** Which of the common value fields were present (KINDS bits). */
  let seen = 0;
  let f_ = 0;
  let i_ = 0;
  let s_: Uint8Array | undefined;
  // Lists are made when their field comes: an attribute holds one kind of value.
  let floatsV: number[] | undefined;
  let intsV: number[] | undefined;
  let rest: AttributeRest | undefined;
  while (c.pos < end) {
    const tag = c.tagValue();
    const wt = tag % 8;
    const f = Math.floor(tag / 8);
    if (f === 1) {
      name = str(d, wt, end, 'attribute.name');
    } else if (f === 20) {
      type = int(d, wt, 'attribute.type');
    } else if (f === 3) {
      i_ = int(d, wt, 'i');
      seen |= B_INT;
    } else if (f === 8) {
      ints(d, wt, end, (intsV ??= []), 'ints');
      seen |= B_INTS;
    } else if (f === 2) {
      expectWire(wt, WireType.I32, 'f');
      f_ = c.float32();
      seen |= B_FLOAT;
    } else if (f === 7) {
      floats(d, wt, end, (floatsV ??= []), 'floats');
      seen |= B_FLOATS;
    } else if (f === 4) {
      s_ = bytes(d, wt, end, 's');
      seen |= B_STRING;
    } else {
      rest = attributeRest(d, rest, f, wt, end);
    }
  }
  if (c.pos !== end) throw overrun(c, end);
  const docString = rest?.docString;
  const refAttrName = rest?.refAttrName;
  if (refAttrName !== undefined && refAttrName !== '') {
    return docString === undefined ? { name, type: 'ref', refAttrName, refType: type } : { name, type: 'ref', refAttrName, refType: type, docString };
  }
  const all = seen | (rest?.seen ?? 0);
  // IR version 1 had no type discriminator: infer it from the one field present.
  const kind: Attribute['type'] | undefined = ATTR_TYPES[type] ?? (all !== 0 && (all & (all - 1)) === 0 ? KINDS[31 - Math.clz32(all)] : undefined);
  let value: Exclude<Attribute, { type: 'ref' }>['value'] | undefined;
  switch (kind) {
    case 'float':
      value = f_;
      break;
    case 'int':
      value = i_;
      break;
    case 'string':
      value = s_ ?? new Uint8Array(0);
      break;
    case 'floats':
      value = floatsV === undefined ? [] : exact(floatsV);
      break;
    case 'ints':
      value = intsV === undefined ? [] : exact(intsV);
      break;
    case 'tensor':
      value = rest?.t;
      break;
    case 'graph':
      value = rest?.g;
      break;
    case 'sparse_tensor':
      value = rest?.sp;
      break;
    case 'type_proto':
      value = rest?.tp;
      break;
    case 'strings':
      value = rest?.strings ?? [];
      break;
    case 'tensors':
      value = rest?.tensors ?? [];
      break;
    case 'graphs':
      value = rest?.graphs ?? [];
      break;
    case 'sparse_tensors':
      value = rest?.sparse ?? [];
      break;
    case 'type_protos':
      value = rest?.types ?? [];
      break;
    default:
      break;
  }
  if (value === undefined || kind === undefined || kind === 'ref') throw new SchemaError(`attribute '${name}' has type ${type} and no value of that type`);
  return (docString === undefined ? { name, type: kind, value } : { name, type: kind, value, docString }) as Attribute;
}

/** One of the uncommon fields of an attribute; returns the (possibly new) state holding them. */
function attributeRest(d: Dec, r: AttributeRest | undefined, f: number, wt: number, end: number): AttributeRest | undefined {
  switch (f) {
    case 21:
      r ??= newAttributeRest();
      r.refAttrName = str(d, wt, end, 'ref_attr_name');
      return r;
    case 13:
      r ??= newAttributeRest();
      r.docString = str(d, wt, end, 'doc_string');
      return r;
    case 5:
      r ??= newAttributeRest();
      r.t = tensor(d, sub(d, wt, end, 't'));
      r.seen |= B_TENSOR;
      return r;
    case 6:
      r ??= newAttributeRest();
      r.g = graph(d, sub(d, wt, end, 'g'));
      r.seen |= B_GRAPH;
      return r;
    case 22:
      r ??= newAttributeRest();
      r.sp = sparseTensor(d, sub(d, wt, end, 'sparse_tensor'));
      r.seen |= B_SPARSE;
      return r;
    case 14:
      r ??= newAttributeRest();
      r.tp = typeProto(d, sub(d, wt, end, 'tp')).type;
      r.seen |= B_TYPE;
      return r;
    case 9:
      r ??= newAttributeRest();
      (r.strings ??= []).push(bytes(d, wt, end, 'strings'));
      r.seen |= B_STRINGS;
      return r;
    case 10:
      r ??= newAttributeRest();
      (r.tensors ??= []).push(tensor(d, sub(d, wt, end, 'tensors')));
      r.seen |= B_TENSORS;
      return r;
    case 11:
      r ??= newAttributeRest();
      (r.graphs ??= []).push(graph(d, sub(d, wt, end, 'graphs')));
      r.seen |= B_GRAPHS;
      return r;
    case 23:
      r ??= newAttributeRest();
      (r.sparse ??= []).push(sparseTensor(d, sub(d, wt, end, 'sparse_tensors')));
      r.seen |= B_SPARSES;
      return r;
    case 15:
      r ??= newAttributeRest();
      (r.types ??= []).push(typeProto(d, sub(d, wt, end, 'type_protos')).type);
      r.seen |= B_TYPES;
      return r;
    default:
      d.c.skipField(wt, end);
      return r;
  }
}

function newAttributeRest(): AttributeRest {
  return {
    refAttrName: undefined,
    docString: undefined,
    t: undefined,
    g: undefined,
    sp: undefined,
    tp: undefined,
    strings: undefined,
    tensors: undefined,
    graphs: undefined,
    sparse: undefined,
    types: undefined,
    seen: 0,
  };
}

/** What a node's interned name fields are called in messages, by field number. */
const NODE_NAME_FIELDS = ['', 'node.input', 'node.output', '', 'op_type', '', '', 'node.domain'];

function node(d: Dec, end: number): Node {
  const { c } = d;
  // This node's scratch lists; a graph in one of its attributes reads its nodes into the next ones.
  const depth = d.depth;
  const scratch = (d.scratch[depth] ??= { inputs: [], outputs: [], attributes: [] });
  const { inputs, outputs, attributes } = scratch;
  let nIn = 0;
  let nOut = 0;
  let nAttr = 0;
  let name = '';
  let opType = '';
  let domain = '';
  /** doc_string, overload and metadata_props, in the order met: rare, so kept apart from the common fields. */
  let rare: Partial<Node> | undefined;
  d.depth = depth + 1;
  while (c.pos < end) {
    const tag = c.tagValue();
    const wt = tag % 8;
    const f = Math.floor(tag / 8);
    if (f === 1 || f === 2 || f === 4 || f === 7) {
      // One call for all interned names: the optimized code of this function stays small, so it is compiled soon and cheaply.
      const s = interned(d, wt, end, NODE_NAME_FIELDS[f]!);
      if (f === 1) inputs[nIn++] = s;
      else if (f === 2) outputs[nOut++] = s;
      else if (f === 4) opType = s;
      else domain = s;
    } else if (f === 3) {
      name = str(d, wt, end, 'node.name');
    } else if (f === 5) {
      attributes[nAttr++] = attribute(d, sub(d, wt, end, 'attribute'));
    } else if (f === 6 || f === 8 || f === 9) {
      rare = nodeRare(d, (rare ??= {}), f, wt, end);
    } else {
      c.skipField(wt, end);
    }
  }
  if (c.pos !== end) throw overrun(c, end);
  d.depth = depth;
  // Made once complete: every node has the same shape and its fields hold their final kinds of value from the start.
  const n: Node = {
    name,
    opType,
    domain,
    inputs: head(inputs, nIn),
    outputs: head(outputs, nOut),
    attributes: nAttr === 0 ? [] : attributes.slice(0, nAttr),
  };
  return rare === undefined ? n : Object.assign(n, rare);
}

function nodeRare(d: Dec, rare: Partial<Node>, f: number, wt: number, end: number): Partial<Node> {
  if (f === 6) rare.docString = str(d, wt, end, 'doc_string');
  else if (f === 8) rare.overload = str(d, wt, end, 'overload');
  else (rare.metadataProps ??= []).push(entry(d, sub(d, wt, end, 'metadata_props')));
  return rare;
}

function graph(d: Dec, end: number): Graph {
  enter(d, 'graphs');
  const g = graphBody(d, end);
  leave(d, 'graphs');
  return g;
}

function graphBody(d: Dec, end: number): Graph {
  const { c } = d;
  const g: Graph = { name: '', nodes: [], initializers: [], sparseInitializers: [], inputs: [], outputs: [], valueInfo: [] };
  while (c.pos < end) {
    const tag = c.tagValue();
    const wt = tag % 8;
    switch (Math.floor(tag / 8)) {
      case 1:
        g.nodes.push(node(d, sub(d, wt, end, 'node')));
        break;
      case 2:
        g.name = str(d, wt, end, 'graph.name');
        break;
      case 5:
        g.initializers.push(tensor(d, sub(d, wt, end, 'initializer')));
        break;
      case 15:
        g.sparseInitializers.push(sparseTensor(d, sub(d, wt, end, 'sparse_initializer')));
        break;
      case 10:
        g.docString = str(d, wt, end, 'doc_string');
        break;
      case 11:
        g.inputs.push(valueInfo(d, sub(d, wt, end, 'input')));
        break;
      case 12:
        g.outputs.push(valueInfo(d, sub(d, wt, end, 'output')));
        break;
      case 13:
        g.valueInfo.push(valueInfo(d, sub(d, wt, end, 'value_info')));
        break;
      case 14: {
        const aEnd = sub(d, wt, end, 'quantization_annotation');
        const a: TensorAnnotation = { tensorName: '', quantParameterTensorNames: [] };
        fields(d, aEnd, (h, wt2) => {
          if (h === 1) a.tensorName = str(d, wt2, aEnd, 'tensor_name');
          else if (h === 2) a.quantParameterTensorNames.push(entry(d, sub(d, wt2, aEnd, 'quant_parameter_tensor_names')));
          else return false;
          return true;
        });
        (g.quantizationAnnotation ??= []).push(a);
        break;
      }
      case 16:
        (g.metadataProps ??= []).push(entry(d, sub(d, wt, end, 'metadata_props')));
        break;
      default:
        c.skipField(wt, end);
    }
  }
  if (c.pos !== end) throw overrun(c, end);
  return g;
}

function functionDef(d: Dec, end: number): FunctionDef {
  const fn: FunctionDef = {
    name: '',
    domain: '',
    inputs: [],
    outputs: [],
    attributeNames: [],
    attributeDefaults: [],
    nodes: [],
    opsetImports: [],
    valueInfo: [],
  };
  fields(d, end, (f, wt) => {
    switch (f) {
      case 1:
        fn.name = str(d, wt, end, 'function.name');
        return true;
      case 4:
        fn.inputs.push(str(d, wt, end, 'function.input'));
        return true;
      case 5:
        fn.outputs.push(str(d, wt, end, 'function.output'));
        return true;
      case 6:
        fn.attributeNames.push(str(d, wt, end, 'function.attribute'));
        return true;
      case 11:
        fn.attributeDefaults.push(attribute(d, sub(d, wt, end, 'attribute_proto')));
        return true;
      case 7:
        fn.nodes.push(node(d, sub(d, wt, end, 'function.node')));
        return true;
      case 8:
        fn.docString = str(d, wt, end, 'doc_string');
        return true;
      case 9:
        fn.opsetImports.push(opset(d, sub(d, wt, end, 'opset_import')));
        return true;
      case 10:
        fn.domain = str(d, wt, end, 'function.domain');
        return true;
      case 13:
        fn.overload = str(d, wt, end, 'overload');
        return true;
      case 12:
        fn.valueInfo.push(valueInfo(d, sub(d, wt, end, 'value_info')));
        return true;
      case 14:
        (fn.metadataProps ??= []).push(entry(d, sub(d, wt, end, 'metadata_props')));
        return true;
      default:
        return false;
    }
  });
  return fn;
}

function modelProto(d: Dec, end: number): { model: Model; sawIrVersion: boolean; sawGraph: boolean } {
  const { c } = d;
  let sawIrVersion = false;
  let sawGraph = false;
  const m: Model = {
    irVersion: 0,
    opsetImports: [],
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    graph: { name: '', nodes: [], initializers: [], sparseInitializers: [], inputs: [], outputs: [], valueInfo: [] },
    metadataProps: [],
    functions: [],
    extraFields: [],
  };
  while (c.pos < end) {
    const start = c.pos;
    const t = c.tagValue();
    const f = Math.floor(t / 8);
    const wt = t % 8;
    switch (f) {
      case 1:
        m.irVersion = int(d, wt, 'ir_version');
        sawIrVersion = true;
        break;
      case 2:
        m.producerName = str(d, wt, end, 'producer_name');
        break;
      case 3:
        m.producerVersion = str(d, wt, end, 'producer_version');
        break;
      case 4:
        m.domain = str(d, wt, end, 'domain');
        break;
      case 5:
        m.modelVersion = int(d, wt, 'model_version');
        break;
      case 6:
        m.docString = str(d, wt, end, 'doc_string');
        break;
      case 7:
        m.graph = graph(d, sub(d, wt, end, 'graph'));
        sawGraph = true;
        break;
      case 8:
        m.opsetImports.push(opset(d, sub(d, wt, end, 'opset_import')));
        break;
      case 14:
        m.metadataProps.push(entry(d, sub(d, wt, end, 'metadata_props')));
        break;
      case 25:
        m.functions.push(functionDef(d, sub(d, wt, end, 'functions')));
        break;
      default: {
        c.skipField(wt, end);
        const raw: RawField = { field: f, bytes: new Uint8Array(d.source.read(start, c.pos - start)) };
        m.extraFields.push(raw);
      }
    }
  }
  return { model: m, sawIrVersion, sawGraph };
}

/**
 * Check the external data location of every tensor wherever it is: initializers and sparse
 * initializers of the main graph and every sub-graph, tensors in node attributes of any depth, and
 * model-local function bodies and attribute defaults. Names the tensor on a bad path. A model held
 * in memory has no folder: its locations must at least be relative and stay inside one. Only run
 * when the decoder met an externally stored tensor (every tensor of the model passes through it).
 */
function checkExternal(model: Model, where: string): void {
  forEachTensor(model, (t) => {
    if (t.data.kind !== 'external') return;
    if (model.path) resolveExternalPath(model, t, t.data.location);
    else checkRelativeLocation(where, t, t.data.location);
  });
}

function decode(c: Cursor, source: ByteSource, where: string): { model: Model; external: boolean } {
  const d = decoder(c, source);
  let result: ReturnType<typeof modelProto>;
  try {
    result = modelProto(d, c.size);
  } catch (err) {
    if (err instanceof WireError) {
      if (err.truncated) {
        throw new ModelLoadError(
          where,
          `the file is truncated: it ends inside a protobuf field (at byte ${err.position} of ${c.size}); re-export or copy the model again`,
        );
      }
      throw new ModelLoadError(where, `not an ONNX model: invalid protobuf data (${err.message}); check that this is a .onnx file`);
    }
    if (err instanceof SchemaError) {
      throw new ModelLoadError(where, `not an ONNX model: the protobuf does not match ModelProto (${err.message})`);
    }
    if (err instanceof NestingError) throw new ModelLoadError(where, err.message);
    if (err instanceof RangeError) {
      // Anything the limits above did not foresee (a stack or array-length limit): still one message.
      throw new ModelLoadError(where, `cannot decode the model: ${err.message}; the file is malformed or hostile`);
    }
    throw err;
  }
  const { model, sawIrVersion, sawGraph } = result;
  if (!sawGraph || !sawIrVersion) {
    const missing = [!sawIrVersion && 'ir_version', !sawGraph && 'graph'].filter(Boolean).join(' and ');
    throw new ModelLoadError(where, `not an ONNX model: the protobuf has no ${missing} (is this a tensor .pb or another protobuf file?)`);
  }
  if (model.irVersion < 1 || model.irVersion > MAX_IR_VERSION) {
    throw new ModelLoadError(
      where,
      `unknown IR version ${model.irVersion} (this modelpress reads IR versions 1 to ${MAX_IR_VERSION}); re-export with an older opset or upgrade modelpress`,
    );
  }
  if (model.irVersion >= 3 && model.opsetImports.length === 0) {
    throw new ModelLoadError(
      where,
      'the model imports no operator set (opset_import is empty): the file may be truncated or was not written by an ONNX exporter',
    );
  }
  return { model, external: d.external };
}

/** Read an ONNX model from a file. Weight bytes stay on disk; tensors reference their offsets. */
export function readModel(file: string): Model {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ModelLoadError(file, 'file not found; check the path (relative paths resolve against the current folder or the Markdown file)');
    throw new ModelLoadError(file, `cannot read the file (${code ?? String(err)})`);
  }
  if (stat.isDirectory()) throw new ModelLoadError(file, 'is a folder, not an .onnx file');
  if (stat.size === 0) throw new ModelLoadError(file, 'the file is empty (0 bytes); re-export the model');
  let fd: number;
  try {
    fd = fs.openSync(abs, 'r');
  } catch (err) {
    throw new ModelLoadError(file, `cannot open the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const { model, external } = decode(new FileCursor(fd, stat.size), new FileSource(abs, stat.size), file);
    model.path = abs;
    model.sourceSize = stat.size;
    if (external) checkExternal(model, file);
    return model;
  } finally {
    fs.closeSync(fd);
  }
}

/** Read an ONNX model from bytes in memory (tensors keep referencing these bytes). */
export function readModelBytes(bytes: Uint8Array, name = '<memory>'): Model {
  if (bytes.byteLength === 0) throw new ModelLoadError(name, 'the data is empty (0 bytes)');
  const { model, external } = decode(new BufferCursor(bytes), new MemorySource(bytes, name), name);
  model.sourceSize = bytes.byteLength;
  if (external) checkExternal(model, name);
  return model;
}

/** Read a serialized TensorProto (.pb), e.g. backend test data inputs and outputs. */
export function readTensorFile(file: string): Tensor {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new ModelLoadError(file, `cannot read the tensor file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const d = decoder(new BufferCursor(bytes), new MemorySource(bytes, file));
  try {
    return tensor(d, bytes.byteLength);
  } catch (err) {
    if (err instanceof WireError || err instanceof SchemaError) throw new ModelLoadError(file, `not a TensorProto: ${err.message}`);
    throw err;
  }
}
