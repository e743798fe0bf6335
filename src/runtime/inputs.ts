/**
 * Seeded random input tensors of the declared shapes, made once per process and reused for every run
 * (BENCHMARK.md §5), so no run pays for making its inputs.
 *
 * Values: floating types uniform in [0, 1); integer types 0 or 1 (valid as indices into any non-empty
 * axis and as masks, so embedding lookups never go out of range); bool random.
 */
import * as ort from 'onnxruntime-node';
import { float32ToFloat16Bits } from '../onnx/half.js';
import { seededRandom } from '../onnx/random.js';
import { elementCount } from '../onnx/model.js';
import type { InputSpec } from './types.js';

type Data =
  | string[]
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

function fill(dtype: string, count: number, rand: () => number): Data {
  const bit = (): number => (rand() < 0.5 ? 0 : 1);
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: count }, rand);
    case 'float64':
      return Float64Array.from({ length: count }, rand);
    case 'float16':
      return Uint16Array.from({ length: count }, () => float32ToFloat16Bits(rand()));
    case 'int8':
      return Int8Array.from({ length: count }, bit);
    case 'int16':
      return Int16Array.from({ length: count }, bit);
    case 'int32':
      return Int32Array.from({ length: count }, bit);
    case 'int64':
      return BigInt64Array.from({ length: count }, () => BigInt(bit()));
    case 'uint8':
    case 'bool':
      return Uint8Array.from({ length: count }, bit);
    case 'uint16':
      return Uint16Array.from({ length: count }, bit);
    case 'uint32':
      return Uint32Array.from({ length: count }, bit);
    case 'uint64':
      return BigUint64Array.from({ length: count }, () => BigInt(bit()));
    // Strings: '0' or '1' (a model that parses or looks them up gets a valid, small vocabulary).
    case 'string':
      return Array.from({ length: count }, () => String(bit()));
    default:
      throw new InputSpecError(`inputs of type ${dtype} cannot be generated (supported: ${GENERATED_TYPES})`);
  }
}

const GENERATED_TYPES = 'float32, float64, float16, int8–64, uint8–64, bool, string';

/** Bytes per element of the generated types (strings counted at 16, their JS cost). */
const ELEMENT_BYTES: Record<string, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  string: 16,
};

/** Random inputs of all inputs together are made only up to this many bytes (1 GiB). */
const MAX_GENERATED_INPUT_BYTES = 2 ** 30;

/** An input that cannot be generated: a bad dim, an unsupported type, or too many bytes. */
export class InputSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputSpecError';
  }
}

/**
 * Check input specs before anything is allocated: every dim a whole number ≥ 0 (a file may declare
 * negative, huge or INT64_MIN dims), a type inputs can be made for, and all inputs together at most
 * MAX_GENERATED_INPUT_BYTES. The message names the input and the remedy.
 */
export function checkInputSpecs(inputs: readonly InputSpec[]): void {
  let total = 0;
  for (const input of inputs) {
    input.shape.forEach((d, i) => {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new InputSpecError(
          `input '${input.name}' dim ${i} is ${d}: a dimension must be a whole number ≥ 0 (the model file declares it; fix the input's type or re-export the model)`,
        );
      }
    });
    const per = ELEMENT_BYTES[input.dtype];
    if (per === undefined) {
      throw new InputSpecError(`input '${input.name}' has type ${input.dtype}; random inputs can be made only of ${GENERATED_TYPES}`);
    }
    total += elementCount(input.shape) * per;
    if (!(total <= MAX_GENERATED_INPUT_BYTES)) {
      throw new InputSpecError(
        `input '${input.name}' of shape ${input.shape.join('x') || 'scalar'} (${input.dtype}) would need ${(total / 2 ** 30).toFixed(1)} GiB of random data with the inputs before it; ` +
          `modelpress makes at most ${MAX_GENERATED_INPUT_BYTES / 2 ** 30} GiB: give smaller shapes with --input ${input.name}=…`,
      );
    }
  }
}

/** The feeds for `session.run()`: one tensor per input, each seeded from `seed` and its position. */
export function makeFeeds(inputs: readonly InputSpec[], seed: number): Record<string, ort.Tensor> {
  checkInputSpecs(inputs);
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((input, i) => {
    const data = fill(input.dtype, elementCount(input.shape), seededRandom(seed + i));
    feeds[input.name] = new ort.Tensor(input.dtype as ort.Tensor.Type, data, input.shape);
  });
  return feeds;
}
