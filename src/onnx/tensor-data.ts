/**
 * Reading a tensor's element bytes, only when asked: raw_data spans of the model file, typed fields,
 * external data files (confined to the model's folder), or bytes made in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { byteSize, dtypeName } from './dtypes.js';
import { ModelLoadError } from './errors.js';
import { bfloat16ToNumber, float16ToNumber } from './half.js';
import type { Attribute, Graph, Model, Node, SparseTensor, Tensor, TypedField } from './model.js';
import { elementCount } from './model.js';
import { BufferCursor } from './wire.js';

/** Bytes each element occupies in a typed field once written as raw little-endian data. */
function fieldElementBytes(field: TypedField, dataType: number): number {
  switch (field) {
    case 'float_data':
      return 4;
    case 'double_data':
      return 8;
    case 'int64_data':
      return 8;
    case 'uint64_data':
      return dataType === 12 ? 4 : 8;
    case 'int32_data':
      return Math.max(1, byteSize(dataType, 1));
  }
}

/** Decode the elements of a typed field (packed spans then loose elements) as numbers. */
function typedNumbers(t: Tensor & { data: { kind: 'typed' } }): number[] {
  const { field, source, packed, loose } = t.data;
  const out: number[] = [];
  for (const span of packed) {
    const cur = new BufferCursor(source.read(span.offset, span.length));
    while (!cur.done()) {
      switch (field) {
        case 'float_data':
          out.push(cur.float32());
          break;
        case 'double_data':
          out.push(cur.float64());
          break;
        case 'int32_data':
          out.push(cur.int32());
          break;
        case 'int64_data':
          out.push(cur.int64());
          break;
        case 'uint64_data':
          out.push(cur.uint64());
          break;
      }
    }
  }
  out.push(...loose);
  return out;
}

/**
 * Call `fn` for every tensor of the model wherever it appears: initializers and sparse initializers
 * (values and indices) of the main graph and of every sub-graph, tensors held by node attributes
 * (tensor, tensors, sparse_tensor(s), at any depth of graph attributes), and the nodes and attribute
 * defaults of model-local functions. Iterative, so no nesting depth can overflow the stack.
 */
export function forEachTensor(model: Pick<Model, 'graph' | 'functions'>, fn: (t: Tensor) => void): void {
  const graphs: Graph[] = [model.graph];
  const attrs: Attribute[] = [];
  const nodes: Node[] = [];
  for (const f of model.functions) {
    nodes.push(...f.nodes);
    attrs.push(...f.attributeDefaults);
  }
  const sparse = (s: SparseTensor): void => {
    fn(s.values);
    fn(s.indices);
  };
  for (;;) {
    const g = graphs.pop();
    if (g) {
      g.initializers.forEach(fn);
      g.sparseInitializers.forEach(sparse);
      nodes.push(...g.nodes);
    }
    let n: Node | undefined;
    while ((n = nodes.pop())) attrs.push(...n.attributes);
    let a: Attribute | undefined;
    while ((a = attrs.pop())) {
      switch (a.type) {
        case 'tensor':
          fn(a.value);
          break;
        case 'tensors':
          a.value.forEach(fn);
          break;
        case 'sparse_tensor':
          sparse(a.value);
          break;
        case 'sparse_tensors':
          a.value.forEach(sparse);
          break;
        case 'graph':
          graphs.push(a.value);
          break;
        case 'graphs':
          graphs.push(...a.value);
          break;
        default:
          break;
      }
    }
    if (graphs.length === 0) return;
  }
}

function checkNotAbsolute(where: string, tensor: Tensor, location: string): void {
  if (path.isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) {
    throw new ModelLoadError(where, `tensor '${tensor.name}': external data location '${location}' is absolute; it must be relative to the model's folder`);
  }
}

/** A location must be a relative path that stays inside its folder (checked without a folder). */
export function checkRelativeLocation(where: string, tensor: Tensor, location: string): void {
  checkNotAbsolute(where, tensor, location);
  if (location.split(/[\\/]/).includes('..') || location.includes('\0') || location === '') {
    throw new ModelLoadError(where, `tensor '${tensor.name}': external data location '${location}' leaves the model's folder`);
  }
}

/** Check and resolve an external data location against the model's folder. */
export function resolveExternalPath(model: Pick<Model, 'path'>, tensor: Tensor, location: string): string {
  const where = model.path ?? '<memory>';
  if (!model.path) {
    throw new ModelLoadError(where, `tensor '${tensor.name}' has external data '${location}', but the model was not read from a file`);
  }
  checkNotAbsolute(where, tensor, location);
  if (location.includes('\0')) throw new ModelLoadError(where, `tensor '${tensor.name}': external data location contains a NUL byte`);
  const dir = path.dirname(model.path);
  const resolved = path.resolve(dir, location);
  const rel = path.relative(dir, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelLoadError(where, `tensor '${tensor.name}': external data location '${location}' leaves the model's folder`);
  }
  if (fs.existsSync(resolved)) {
    const realDir = fs.realpathSync(dir);
    const real = fs.realpathSync(resolved);
    const realRel = path.relative(realDir, real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel)) {
      throw new ModelLoadError(where, `tensor '${tensor.name}': external data '${location}' is a link that leaves the model's folder`);
    }
  }
  return resolved;
}

/**
 * The tensor's elements as raw little-endian bytes (raw_data layout). `model` is needed for external
 * data (its path locates the data file). Strings are not representable this way and throw.
 */
export function tensorBytes(t: Tensor, model: Pick<Model, 'path'> = {}): Uint8Array {
  const d = t.data;
  switch (d.kind) {
    case 'none':
      return new Uint8Array(0);
    case 'bytes':
      return d.bytes;
    case 'raw':
      return d.source.read(d.span.offset, d.span.length);
    case 'strings':
      throw new Error(`tensor '${t.name}' holds strings, not bytes`);
    case 'typed': {
      const values = typedNumbers(t as Tensor & { data: typeof d });
      const count = values.length;
      const perElement = fieldElementBytes(d.field, t.dataType);
      const out = new Uint8Array(count * perElement);
      const view = new DataView(out.buffer);
      for (let i = 0; i < count; i++) {
        const v = values[i]!;
        if (t.dataType === 1 || t.dataType === 14) view.setFloat32(i * 4, v, true);
        else if (t.dataType === 11 || t.dataType === 15) view.setFloat64(i * 8, v, true);
        else if (t.dataType === 7) view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        else if (t.dataType === 13) view.setBigUint64(i * 8, BigInt(Math.trunc(v)), true);
        else if (t.dataType === 12) view.setUint32(i * 4, v, true);
        else if (t.dataType === 6) view.setInt32(i * 4, v, true);
        else if (t.dataType === 5) view.setInt16(i * 2, v, true);
        else if (t.dataType === 4 || t.dataType === 10 || t.dataType === 16) view.setUint16(i * 2, v, true);
        else if (t.dataType === 3) view.setInt8(i, v);
        else view.setUint8(i, v);
      }
      return out;
    }
    case 'external': {
      const file = resolveExternalPath(model, t, d.location);
      const expected = byteSize(t.dataType, elementCount(t.dims));
      const length = d.length ?? expected;
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        throw new ModelLoadError(model.path ?? '<memory>', `tensor '${t.name}': external data file '${d.location}' does not exist`);
      }
      if (d.offset + length > size) {
        throw new ModelLoadError(
          model.path ?? '<memory>',
          `tensor '${t.name}': external data '${d.location}' offset ${d.offset} + length ${length} exceeds the file size ${size}`,
        );
      }
      const out = Buffer.alloc(length);
      const fd = fs.openSync(file, 'r');
      try {
        let done = 0;
        while (done < length) {
          const n = fs.readSync(fd, out, done, length - done, d.offset + done);
          if (n === 0) break;
          done += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    }
  }
}

/**
 * The tensor's elements as JS numbers (int64 values beyond 2^53 lose precision), or undefined for
 * external data, strings and types we do not decode. Used for value propagation of small tensors.
 */
export function tensorNumbers(t: Tensor, model: Pick<Model, 'path'> = {}): number[] | undefined {
  if (t.data.kind === 'external' || t.data.kind === 'strings') return undefined;
  if (t.data.kind === 'typed' && t.dataType !== 10 && t.dataType !== 16) {
    return typedNumbers(t as Tensor & { data: { kind: 'typed' } });
  }
  const view = elementView(t, model);
  const count = elementCount(t.dims);
  // A type not decoded has no numbers; an empty tensor of one has none to give.
  if (view === undefined) return count === 0 ? [] : undefined;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = element(view, t.dataType, i);
  return out;
}

/**
 * True when some element of the tensor satisfies `test` (false when none does), read in place with
 * no list of the numbers made; undefined where tensorNumbers gives undefined.
 */
export function someTensorNumber(t: Tensor, model: Pick<Model, 'path'>, test: (x: number) => boolean): boolean | undefined {
  if (t.data.kind === 'external' || t.data.kind === 'strings') return undefined;
  if (t.data.kind === 'typed' && t.dataType !== 10 && t.dataType !== 16) {
    return typedNumbers(t as Tensor & { data: { kind: 'typed' } }).some(test);
  }
  const view = elementView(t, model);
  if (view === undefined) return undefined;
  const count = elementCount(t.dims);
  for (let i = 0; i < count; i++) if (test(element(view, t.dataType, i))) return true;
  return false;
}

/** Element types tensorNumbers decodes from bytes. */
const DECODED = new Set([1, 11, 2, 9, 3, 4, 5, 6, 12, 7, 13, 10, 16]);

/** The tensor's bytes as a DataView holding all its elements, or undefined for a type not decoded. */
function elementView(t: Tensor, model: Pick<Model, 'path'>): DataView | undefined {
  // A type not decoded gives no numbers: its bytes are not read for nothing.
  if (!DECODED.has(t.dataType)) return undefined;
  // Decoded at once, so a raw payload is read as a view where its source can give one (no copy).
  const d = t.data;
  const bytes = d.kind === 'raw' && d.source.view !== undefined ? d.source.view(d.span.offset, d.span.length) : tensorBytes(t, model);
  const need = byteSize(t.dataType, elementCount(t.dims));
  if (bytes.byteLength < need) {
    throw new Error(`tensor '${t.name}' holds ${bytes.byteLength} bytes, ${dtypeName(t.dataType)}[${t.dims.join(',')}] needs ${need}`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Element i of a little-endian tensor of a DECODED type. */
function element(view: DataView, dataType: number, i: number): number {
  switch (dataType) {
    case 1:
      return view.getFloat32(i * 4, true);
    case 11:
      return view.getFloat64(i * 8, true);
    case 2:
    case 9:
      return view.getUint8(i);
    case 3:
      return view.getInt8(i);
    case 4:
      return view.getUint16(i * 2, true);
    case 5:
      return view.getInt16(i * 2, true);
    case 6:
      return view.getInt32(i * 4, true);
    case 12:
      return view.getUint32(i * 4, true);
    case 7:
      return Number(view.getBigInt64(i * 8, true));
    case 13:
      return Number(view.getBigUint64(i * 8, true));
    case 10:
      return float16ToNumber(view.getUint16(i * 2, true));
    default:
      return bfloat16ToNumber(view.getUint16(i * 2, true));
  }
}
