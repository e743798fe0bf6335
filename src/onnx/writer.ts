/**
 * Encode a Model as an ONNX ModelProto: to bytes, or to a file (atomically, streaming tensor payloads
 * so weights read from another file are never all in memory at once), optionally moving large tensors
 * to an external data file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { byteSize } from './dtypes.js';
import type {
  Attribute,
  Dim,
  ByteSource,
  FunctionDef,
  Graph,
  Model,
  Node,
  OpsetId,
  SparseTensor,
  StringEntry,
  Tensor,
  TensorAnnotation,
  TypeInfo,
  ValueInfo,
} from './model.js';
import { elementCount } from './model.js';
import { tensorBytes } from './tensor-data.js';
import { type Chunk, chunkLength, WireType, Writer } from './wire.js';
import { replaceFileAtomic } from '../cache/store.js';

export interface WriteOptions {
  /**
   * Move tensors of at least `threshold` bytes (default 1024) into `location` beside the model file.
   * `overwrite`: write that data file in place, from its first byte, with no temporary file and no
   * truncation (bytes past the new end stay, and no tensor points at them). For a scratch file that
   * every benchmark of a build writes again: its pages are overwritten instead of freed and allocated
   * afresh (about 10 GB/s against 0.3–5 GB/s for a new file on the machines measured, issue 13).
   */
  externalData?: { location: string; threshold?: number; overwrite?: boolean };
  /**
   * Flush the bytes to disk before the rename (default true). A scratch file read once and deleted
   * (a zoo model written for one benchmark) skips the flush: gigabytes of fsync buy it nothing.
   */
  durable?: boolean;
}

/** Tensor payloads are streamed to a file in pieces of at most this many bytes. */
const PIECE_BYTES = 4 * 1024 * 1024;

/** A span of a byte source as pieces read one at a time, so a 400 MB weight is never in memory whole. */
function pieces(source: ByteSource, span: { offset: number; length: number }): Chunk[] {
  const out: Chunk[] = [];
  const view = source.view?.bind(source);
  for (let at = 0; at < span.length; at += PIECE_BYTES) {
    const start = span.offset + at;
    const length = Math.min(PIECE_BYTES, span.length - at);
    out.push(view ? { length, read: () => source.read(start, length), view: () => view(start, length) } : { length, read: () => source.read(start, length) });
  }
  return out;
}

const FIELD_NUMBERS: Record<string, number> = { float_data: 4, int32_data: 5, int64_data: 7, double_data: 10, uint64_data: 11 };

interface EncodeState {
  /** Where external tensor bytes go (only when writing to a file with externalData). */
  external?: { location: string; threshold: number; chunks: Chunk[]; offset: number };
  /** Model the tensors came from (to resolve its external data). */
  model: Pick<Model, 'path'>;
}

function entries(w: Writer, field: number, list: StringEntry[] | undefined): void {
  for (const e of list ?? []) {
    w.message(field, (m) => {
      m.stringField(1, e.key);
      m.stringField(2, e.value);
    });
  }
}

function optString(w: Writer, field: number, s: string | undefined): void {
  if (s !== undefined && s !== '') w.stringField(field, s);
}

function shape(w: Writer, dims: Dim[]): void {
  for (const d of dims) {
    w.message(1, (m) => {
      if (typeof d === 'number') {
        m.tag(1, WireType.VARINT);
        m.int64(d);
      } else if (typeof d === 'string') {
        m.stringField(2, d);
      }
    });
  }
}

function typeProto(w: Writer, t: TypeInfo, denotation?: string): void {
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor':
      w.message(t.kind === 'tensor' ? 1 : 8, (m) => {
        m.tag(1, WireType.VARINT);
        m.varint(t.elemType);
        if (t.shape !== undefined) m.message(2, (s) => shape(s, t.shape!));
      });
      break;
    case 'sequence':
    case 'optional':
      w.message(t.kind === 'sequence' ? 4 : 9, (m) => {
        if (t.elem) m.message(1, (e) => typeProto(e, t.elem!));
      });
      break;
    case 'map':
      w.message(5, (m) => {
        m.tag(1, WireType.VARINT);
        m.varint(t.keyType);
        if (t.value) m.message(2, (e) => typeProto(e, t.value!));
      });
      break;
    case 'unknown':
      break;
  }
  optString(w, 6, denotation);
}

function valueInfo(w: Writer, field: number, v: ValueInfo): void {
  w.message(field, (m) => {
    m.stringField(1, v.name);
    if (v.type !== undefined) m.message(2, (t) => typeProto(t, v.type!, v.denotation));
    optString(m, 3, v.docString);
    entries(m, 4, v.metadataProps);
  });
}

/** Encode the loose (unpacked) elements of a typed field as a packed payload. */
function packLoose(field: string, values: number[]): Uint8Array {
  const w = new Writer();
  for (const v of values) {
    if (field === 'float_data') w.float32(v);
    else if (field === 'double_data') w.float64(v);
    else w.int64(v);
  }
  const chunks = w.finish();
  return Buffer.concat(chunks as Uint8Array[]);
}

function tensor(w: Writer, field: number, t: Tensor, st: EncodeState): void {
  w.message(field, (m) => {
    for (const dim of t.dims) {
      m.tag(1, WireType.VARINT);
      m.int64(dim);
    }
    m.tag(2, WireType.VARINT);
    m.varint(t.dataType);
    if (t.segment) {
      const seg = t.segment;
      m.message(3, (s) => {
        s.tag(1, WireType.VARINT);
        s.int64(seg.begin);
        s.tag(2, WireType.VARINT);
        s.int64(seg.end);
      });
    }
    optString(m, 8, t.name);
    optString(m, 12, t.docString);
    const d = t.data;
    const bytesLength = (): number => byteSize(t.dataType, elementCount(t.dims));
    const ext = st.external;
    const movable = d.kind === 'raw' || d.kind === 'bytes' || d.kind === 'typed' || (d.kind === 'external' && ext !== undefined);
    if (ext && movable && d.kind !== 'typed' && bytesLength() >= ext.threshold) {
      // Move to the external data file, aligned to 4 KiB so it can be memory-mapped.
      const pad = (4096 - (ext.offset % 4096)) % 4096;
      if (pad) {
        ext.chunks.push(new Uint8Array(pad));
        ext.offset += pad;
      }
      const length = d.kind === 'raw' ? d.span.length : d.kind === 'bytes' ? d.bytes.byteLength : bytesLength();
      if (d.kind === 'raw') ext.chunks.push(...pieces(d.source, d.span));
      else ext.chunks.push({ length, read: () => tensorBytes(t, st.model) });
      const list: StringEntry[] = [
        { key: 'location', value: ext.location },
        { key: 'offset', value: String(ext.offset) },
        { key: 'length', value: String(length) },
      ];
      ext.offset += length;
      entries(m, 13, list);
      m.tag(14, WireType.VARINT);
      m.varint(1);
    } else {
      switch (d.kind) {
        case 'none':
          break;
        case 'bytes':
          m.lenField(9, d.bytes);
          break;
        case 'raw': {
          const { source, span } = d;
          if (span.length < 4096) {
            m.lenField(9, source.read(span.offset, span.length));
          } else {
            m.tag(9, WireType.LEN);
            m.varint(span.length);
            for (const piece of pieces(source, span)) m.raw(piece);
          }
          break;
        }
        case 'typed': {
          const fieldNo = FIELD_NUMBERS[d.field]!;
          const loose = d.loose.length ? packLoose(d.field, d.loose) : new Uint8Array(0);
          const total = d.packed.reduce((a, s) => a + s.length, 0) + loose.byteLength;
          m.tag(fieldNo, WireType.LEN);
          m.varint(total);
          for (const span of d.packed) {
            const { source } = d;
            m.raw(span.length < 4096 ? source.read(span.offset, span.length) : { length: span.length, read: () => source.read(span.offset, span.length) });
          }
          if (loose.byteLength) m.raw(loose);
          break;
        }
        case 'strings':
          for (const s of d.values) m.lenField(6, s);
          break;
        case 'external':
          entries(
            m,
            13,
            d.entries.length
              ? d.entries
              : [
                  { key: 'location', value: d.location },
                  ...(d.offset ? [{ key: 'offset', value: String(d.offset) }] : []),
                  ...(d.length !== undefined ? [{ key: 'length', value: String(d.length) }] : []),
                ],
          );
          m.tag(14, WireType.VARINT);
          m.varint(1);
          break;
      }
    }
    entries(m, 16, t.metadataProps);
  });
}

function sparseTensor(w: Writer, field: number, s: SparseTensor, st: EncodeState): void {
  w.message(field, (m) => {
    tensor(m, 1, s.values, st);
    tensor(m, 2, s.indices, st);
    for (const d of s.dims) {
      m.tag(3, WireType.VARINT);
      m.int64(d);
    }
  });
}

function attribute(w: Writer, field: number, a: Attribute, st: EncodeState): void {
  const TYPE_CODES: Record<string, number> = {
    float: 1,
    int: 2,
    string: 3,
    tensor: 4,
    graph: 5,
    sparse_tensor: 11,
    type_proto: 13,
    floats: 6,
    ints: 7,
    strings: 8,
    tensors: 9,
    graphs: 10,
    sparse_tensors: 12,
    type_protos: 14,
  };
  w.message(field, (m) => {
    m.stringField(1, a.name);
    optString(m, 13, a.docString);
    if (a.type === 'ref') {
      m.stringField(21, a.refAttrName);
      m.tag(20, WireType.VARINT);
      m.varint(a.refType);
      return;
    }
    m.tag(20, WireType.VARINT);
    m.varint(TYPE_CODES[a.type]!);
    switch (a.type) {
      case 'float':
        m.tag(2, WireType.I32);
        m.float32(a.value);
        break;
      case 'int':
        m.tag(3, WireType.VARINT);
        m.int64(a.value);
        break;
      case 'string':
        m.lenField(4, a.value);
        break;
      case 'tensor':
        tensor(m, 5, a.value, st);
        break;
      case 'graph':
        m.message(6, (g) => graph(g, a.value, st));
        break;
      case 'sparse_tensor':
        sparseTensor(m, 22, a.value, st);
        break;
      case 'type_proto':
        m.message(14, (t) => typeProto(t, a.value));
        break;
      case 'floats':
        for (const v of a.value) {
          m.tag(7, WireType.I32);
          m.float32(v);
        }
        break;
      case 'ints':
        for (const v of a.value) {
          m.tag(8, WireType.VARINT);
          m.int64(v);
        }
        break;
      case 'strings':
        for (const v of a.value) m.lenField(9, v);
        break;
      case 'tensors':
        for (const v of a.value) tensor(m, 10, v, st);
        break;
      case 'graphs':
        for (const v of a.value) m.message(11, (g) => graph(g, v, st));
        break;
      case 'sparse_tensors':
        for (const v of a.value) sparseTensor(m, 23, v, st);
        break;
      case 'type_protos':
        for (const v of a.value) m.message(15, (t) => typeProto(t, v));
        break;
    }
  });
}

function node(w: Writer, field: number, n: Node, st: EncodeState): void {
  w.message(field, (m) => {
    for (const i of n.inputs) m.stringField(1, i);
    for (const o of n.outputs) m.stringField(2, o);
    optString(m, 3, n.name);
    m.stringField(4, n.opType);
    for (const a of n.attributes) attribute(m, 5, a, st);
    optString(m, 6, n.docString);
    optString(m, 7, n.domain);
    optString(m, 8, n.overload);
    entries(m, 9, n.metadataProps);
  });
}

function annotation(w: Writer, a: TensorAnnotation): void {
  w.message(14, (m) => {
    m.stringField(1, a.tensorName);
    entries(m, 2, a.quantParameterTensorNames);
  });
}

function graph(w: Writer, g: Graph, st: EncodeState): void {
  for (const n of g.nodes) node(w, 1, n, st);
  optString(w, 2, g.name);
  for (const t of g.initializers) tensor(w, 5, t, st);
  optString(w, 10, g.docString);
  for (const v of g.inputs) valueInfo(w, 11, v);
  for (const v of g.outputs) valueInfo(w, 12, v);
  for (const v of g.valueInfo) valueInfo(w, 13, v);
  for (const a of g.quantizationAnnotation ?? []) annotation(w, a);
  for (const s of g.sparseInitializers) sparseTensor(w, 15, s, st);
  entries(w, 16, g.metadataProps);
}

function opsets(w: Writer, field: number, list: OpsetId[]): void {
  for (const o of list) {
    w.message(field, (m) => {
      optString(m, 1, o.domain);
      m.tag(2, WireType.VARINT);
      m.int64(o.version);
    });
  }
}

function functionDef(w: Writer, f: FunctionDef, st: EncodeState): void {
  w.message(25, (m) => {
    m.stringField(1, f.name);
    for (const i of f.inputs) m.stringField(4, i);
    for (const o of f.outputs) m.stringField(5, o);
    for (const a of f.attributeNames) m.stringField(6, a);
    for (const n of f.nodes) node(m, 7, n, st);
    optString(m, 8, f.docString);
    opsets(m, 9, f.opsetImports);
    optString(m, 10, f.domain);
    for (const a of f.attributeDefaults) attribute(m, 11, a, st);
    for (const v of f.valueInfo) valueInfo(m, 12, v);
    optString(m, 13, f.overload);
    entries(m, 14, f.metadataProps);
  });
}

function encode(model: Model, st: EncodeState): Chunk[] {
  const w = new Writer();
  w.tag(1, WireType.VARINT);
  w.int64(model.irVersion);
  optString(w, 2, model.producerName);
  optString(w, 3, model.producerVersion);
  optString(w, 4, model.domain);
  if (model.modelVersion) {
    w.tag(5, WireType.VARINT);
    w.int64(model.modelVersion);
  }
  optString(w, 6, model.docString);
  w.message(7, (g) => graph(g, model.graph, st));
  opsets(w, 8, model.opsetImports);
  entries(w, 14, model.metadataProps);
  for (const x of model.extraFields) w.raw(x.bytes);
  for (const f of model.functions) functionDef(w, f, st);
  return w.finish();
}

function materialize(c: Chunk): Uint8Array {
  return c instanceof Uint8Array ? c : c.read();
}

/** The model as one buffer (all tensor bytes are read into it). */
export function serializeModel(model: Model): Buffer {
  const chunks = encode(model, { model });
  return Buffer.concat(chunks.map(materialize));
}

/** Write the chunks one after another at fd's position (`file` names it in errors). */
function writeAll(fd: number, chunks: Chunk[], file: string): void {
  for (const c of chunks) {
    // Written before the next chunk is read, so a generated piece may be a view of reused memory.
    const bytes = c instanceof Uint8Array ? c : (c.view?.() ?? c.read());
    if (bytes.byteLength !== chunkLength(c)) throw new Error(`tensor payload changed size while writing ${file}`);
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
  }
}

/**
 * Write chunks to a temp file then rename over `file`, so a crash never leaves half a file.
 * `length` extends the file to that many bytes with a hole (sparse: nothing written), e.g. the data
 * file of a model described by dims alone.
 */
export function writeChunksAtomic(file: string, chunks: Chunk[], options: { length?: number; durable?: boolean } = {}): void {
  replaceFileAtomic(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, chunks, file);
      if (options.length !== undefined) fs.ftruncateSync(fd, options.length);
      if (options.durable !== false) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Write chunks over `file` from its start, in place (created when absent; never truncated). */
function writeChunksInPlace(file: string, chunks: Chunk[]): void {
  // 'r+' opens at the first byte and keeps what lies past the chunks' end.
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w');
  try {
    writeAll(fd, chunks, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write the model to `file` (atomic), optionally with large tensors in an external data file. */
export function writeModel(model: Model, file: string, options: WriteOptions = {}): void {
  const st: EncodeState = { model };
  if (options.externalData) {
    const loc = options.externalData.location;
    if (path.isAbsolute(loc) || loc.split(/[\\/]/).includes('..')) {
      throw new Error(`external data location '${loc}' must be a plain file name relative to the model`);
    }
    st.external = { location: loc, threshold: options.externalData.threshold ?? 1024, chunks: [], offset: 0 };
  }
  const chunks = encode(model, st);
  const durable = options.durable;
  if (st.external) {
    const data = path.join(path.dirname(file), st.external.location);
    if (options.externalData?.overwrite) writeChunksInPlace(data, st.external.chunks);
    else writeChunksAtomic(data, st.external.chunks, { durable });
  }
  writeChunksAtomic(file, chunks, { durable });
}
