/**
 * Tensors from numbers: ONNX dtype codes from names, little-endian raw_data encoding and small tensors
 * made in code. Kept apart from the builder so that analysis (Constant nodes with value_int(s) and
 * value_float(s)) does not load the graph builder and its weight generator.
 */
import { byteSize, dtypeFromName, type DtypeName } from './dtypes.js';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './half.js';
import { elementCount, type Tensor } from './model.js';

export function dtypeCode(dtype: DtypeName | number): number {
  if (typeof dtype === 'number') return dtype;
  const code = dtypeFromName(dtype);
  if (code === undefined) throw new Error(`unknown dtype '${dtype}'`);
  return code;
}

/** Encode numbers as little-endian bytes of the given ONNX type (raw_data layout). */
export function encodeValues(dataType: number, values: ArrayLike<number> | ArrayLike<bigint>, count: number): Uint8Array {
  const bytes = new Uint8Array(byteSize(dataType, count));
  const view = new DataView(bytes.buffer);
  const num = (i: number): number => Number(values[i]);
  for (let i = 0; i < count; i++) {
    switch (dataType) {
      case 1:
        view.setFloat32(i * 4, num(i), true);
        break;
      case 11:
        view.setFloat64(i * 8, num(i), true);
        break;
      case 2:
      case 9:
        view.setUint8(i, num(i));
        break;
      case 3:
        view.setInt8(i, num(i));
        break;
      case 4:
        view.setUint16(i * 2, num(i), true);
        break;
      case 5:
        view.setInt16(i * 2, num(i), true);
        break;
      case 6:
        view.setInt32(i * 4, num(i), true);
        break;
      case 12:
        view.setUint32(i * 4, num(i), true);
        break;
      case 7:
        view.setBigInt64(i * 8, BigInt(values[i] as number | bigint), true);
        break;
      case 13:
        view.setBigUint64(i * 8, BigInt(values[i] as number | bigint), true);
        break;
      case 10:
        view.setUint16(i * 2, float32ToFloat16Bits(num(i)), true);
        break;
      case 16:
        view.setUint16(i * 2, float32ToBfloat16Bits(num(i)), true);
        break;
      default:
        throw new Error(`cannot encode values of ONNX dtype ${dataType}`);
    }
  }
  return bytes;
}

/** Make a tensor from values held in memory. */
export function makeTensor(name: string, dtype: DtypeName | number, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): Tensor {
  const dataType = dtypeCode(dtype);
  return { name, dataType, dims: [...dims], data: { kind: 'bytes', bytes: encodeValues(dataType, values, elementCount(dims)) } };
}
