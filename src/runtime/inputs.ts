/**
 * Seeded random input tensors of the declared shapes, made once per process and reused for every run
 * (BENCHMARK.md §5), so no run pays for making its inputs.
 *
 * Values: floating types uniform in [0, 1); integer types 0 or 1 (valid as indices into any non-empty
 * axis and as masks, so embedding lookups never go out of range); bool random.
 */
import * as ort from 'onnxruntime-node';
import { float32ToFloat16Bits, seededRandom } from '../onnx/builder.js';
import { elementCount } from '../onnx/model.js';
import type { InputSpec } from './types.js';

type Data = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function fill(dtype: string, count: number, rand: () => number): Data {
  const bit = (): number => (rand() < 0.5 ? 0 : 1);
  switch (dtype) {
    case 'float32': return Float32Array.from({ length: count }, rand);
    case 'float64': return Float64Array.from({ length: count }, rand);
    case 'float16': return Uint16Array.from({ length: count }, () => float32ToFloat16Bits(rand()));
    case 'int8': return Int8Array.from({ length: count }, bit);
    case 'int16': return Int16Array.from({ length: count }, bit);
    case 'int32': return Int32Array.from({ length: count }, bit);
    case 'int64': return BigInt64Array.from({ length: count }, () => BigInt(bit()));
    case 'uint8': case 'bool': return Uint8Array.from({ length: count }, bit);
    case 'uint16': return Uint16Array.from({ length: count }, bit);
    case 'uint32': return Uint32Array.from({ length: count }, bit);
    case 'uint64': return BigUint64Array.from({ length: count }, () => BigInt(bit()));
    default: throw new Error(`inputs of type ${dtype} cannot be generated for benchmarking (supported: float32, float64, float16, int8–64, uint8–64, bool)`);
  }
}

/** The feeds for `session.run()`: one tensor per input, each seeded from `seed` and its position. */
export function makeFeeds(inputs: readonly InputSpec[], seed: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((input, i) => {
    const data = fill(input.dtype, elementCount(input.shape), seededRandom(seed + i));
    feeds[input.name] = new ort.Tensor(input.dtype as ort.Tensor.Type, data, input.shape);
  });
  return feeds;
}
