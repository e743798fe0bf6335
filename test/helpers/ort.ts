/** Test helpers: ONNX tensors ↔ onnxruntime tensors, and running a model once. */
import * as ort from 'onnxruntime-node';
import type { Model, Tensor } from '../../src/onnx/model.js';
import { tensorBytes } from '../../src/onnx/tensor-data.js';
import { elementCount } from '../../src/onnx/model.js';
import { seededRandom } from '../../src/onnx/random.js';

const ORT_TYPES: Record<number, ort.Tensor.Type> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

export function ortType(dataType: number): ort.Tensor.Type {
  const t = ORT_TYPES[dataType];
  if (!t) throw new Error(`no onnxruntime type for ONNX dtype ${dataType}`);
  return t;
}

/** Convert a decoded ONNX tensor into an onnxruntime tensor (copying its bytes). */
export function toOrt(t: Tensor, model: Pick<Model, 'path'> = {}): ort.Tensor {
  const type = ortType(t.dataType);
  if (type === 'string') {
    const values = t.data.kind === 'strings' ? t.data.values.map((v) => new TextDecoder().decode(v)) : [];
    return new ort.Tensor('string', values, t.dims);
  }
  const bytes = tensorBytes(t, model);
  const copy = new Uint8Array(bytes); // aligned copy
  const buf = copy.buffer;
  const n = elementCount(t.dims);
  const arrays: Record<string, () => ort.Tensor.DataType> = {
    float32: () => new Float32Array(buf, 0, n),
    float64: () => new Float64Array(buf, 0, n),
    int8: () => new Int8Array(buf, 0, n),
    uint8: () => new Uint8Array(buf, 0, n),
    int16: () => new Int16Array(buf, 0, n),
    uint16: () => new Uint16Array(buf, 0, n),
    int32: () => new Int32Array(buf, 0, n),
    uint32: () => new Uint32Array(buf, 0, n),
    int64: () => new BigInt64Array(buf, 0, n),
    uint64: () => new BigUint64Array(buf, 0, n),
    bool: () => new Uint8Array(buf, 0, n),
    float16: () => new Uint16Array(buf, 0, n),
  };
  return new ort.Tensor(type, arrays[type]!(), t.dims);
}

/** Seeded random input of the given ONNX dtype and shape (floats in [-1, 1), ints in [0, 4)). */
export function randomOrt(dataType: number, dims: number[], seed: number): ort.Tensor {
  const rand = seededRandom(seed);
  const n = elementCount(dims);
  const type = ortType(dataType);
  switch (type) {
    case 'float32':
      return new ort.Tensor(
        type,
        Float32Array.from({ length: n }, () => rand() * 2 - 1),
        dims,
      );
    case 'float64':
      return new ort.Tensor(
        type,
        Float64Array.from({ length: n }, () => rand() * 2 - 1),
        dims,
      );
    case 'int64':
      return new ort.Tensor(
        type,
        BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rand() * 4))),
        dims,
      );
    case 'int32':
      return new ort.Tensor(
        type,
        Int32Array.from({ length: n }, () => Math.floor(rand() * 4)),
        dims,
      );
    case 'bool':
      return new ort.Tensor(
        type,
        Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0)),
        dims,
      );
    default:
      throw new Error(`randomOrt: unsupported type ${type}`);
  }
}

/** Largest absolute difference between two tensors' values (Infinity if shapes or types differ). */
export function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  if (a.type !== b.type || a.dims.join() !== b.dims.join()) return Infinity;
  const x = a.data as ArrayLike<number | bigint | string>;
  const y = b.data as ArrayLike<number | bigint | string>;
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (typeof u === 'string' || typeof v === 'string') {
      if (u !== v) return Infinity;
      continue;
    }
    const un = Number(u);
    const vn = Number(v);
    if (Number.isNaN(un) && Number.isNaN(vn)) continue;
    if (un === vn) continue; // also equal infinities
    worst = Math.max(worst, Math.abs(un - vn));
  }
  return worst;
}

export function bytesEqual(a: ort.Tensor, b: ort.Tensor): boolean {
  if (a.type !== b.type || a.dims.join() !== b.dims.join()) return false;
  if (a.type === 'string') return (a.data as string[]).join('\u0000') === (b.data as string[]).join('\u0000');
  const x = a.data as ArrayBufferView;
  const y = b.data as ArrayBufferView;
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
}
