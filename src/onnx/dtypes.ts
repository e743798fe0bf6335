/**
 * ONNX element types (TensorProto.DataType) with their names, byte widths and typed-array views.
 * One table so every stage agrees on what "float16" or "int64" means and how many bytes it takes.
 */

export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

/** The short, user-facing dtype names used in the CLI, the builder and reports. */
export type DtypeName =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1'
  | 'float8e8m0'
  | 'uint2'
  | 'int2';

interface DtypeInfo {
  name: DtypeName;
  /** Bits per element; 0 for strings (variable length). */
  bits: number;
  isFloat: boolean;
}

const INFO: Record<number, DtypeInfo> = {
  1: { name: 'float32', bits: 32, isFloat: true },
  2: { name: 'uint8', bits: 8, isFloat: false },
  3: { name: 'int8', bits: 8, isFloat: false },
  4: { name: 'uint16', bits: 16, isFloat: false },
  5: { name: 'int16', bits: 16, isFloat: false },
  6: { name: 'int32', bits: 32, isFloat: false },
  7: { name: 'int64', bits: 64, isFloat: false },
  8: { name: 'string', bits: 0, isFloat: false },
  9: { name: 'bool', bits: 8, isFloat: false },
  10: { name: 'float16', bits: 16, isFloat: true },
  11: { name: 'float64', bits: 64, isFloat: true },
  12: { name: 'uint32', bits: 32, isFloat: false },
  13: { name: 'uint64', bits: 64, isFloat: false },
  14: { name: 'complex64', bits: 64, isFloat: true },
  15: { name: 'complex128', bits: 128, isFloat: true },
  16: { name: 'bfloat16', bits: 16, isFloat: true },
  17: { name: 'float8e4m3fn', bits: 8, isFloat: true },
  18: { name: 'float8e4m3fnuz', bits: 8, isFloat: true },
  19: { name: 'float8e5m2', bits: 8, isFloat: true },
  20: { name: 'float8e5m2fnuz', bits: 8, isFloat: true },
  21: { name: 'uint4', bits: 4, isFloat: false },
  22: { name: 'int4', bits: 4, isFloat: false },
  23: { name: 'float4e2m1', bits: 4, isFloat: true },
  24: { name: 'float8e8m0', bits: 8, isFloat: true },
  25: { name: 'uint2', bits: 2, isFloat: false },
  26: { name: 'int2', bits: 2, isFloat: false },
};

const BY_NAME = new Map<string, number>(Object.entries(INFO).map(([code, info]) => [info.name, Number(code)]));
// Common aliases users type.
for (const [alias, code] of [
  ['float', 1],
  ['double', 11],
  ['half', 10],
  ['fp32', 1],
  ['fp16', 10],
  ['bf16', 16],
  ['fp64', 11],
] as const) {
  BY_NAME.set(alias, code);
}

export function dtypeName(code: number): string {
  return INFO[code]?.name ?? `dtype(${code})`;
}

export function dtypeFromName(name: string): number | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Bits per element, or undefined for unknown codes. Strings report 0. */
function dtypeBits(code: number): number | undefined {
  return INFO[code]?.bits;
}

export function isFloatType(code: number): boolean {
  return INFO[code]?.isFloat ?? false;
}

export function isIntegerType(code: number): boolean {
  const info = INFO[code];
  return info !== undefined && !info.isFloat && info.name !== 'string' && info.name !== 'bool';
}

/** Bytes needed to store `count` elements of this type (sub-byte types round up). */
export function byteSize(code: number, count: number): number {
  const bits = dtypeBits(code) ?? 0;
  return Math.ceil((bits * count) / 8);
}
