/**
 * The zoo's float32 weights made four at a time (src/onnx/uniform-fill.ts) are the values of their
 * definition, bit for bit: element i of a tensor seeded s is lo + (hi − lo) · draw i of
 * seededRandom(s) (Mulberry32, src/onnx/random.ts), stored as float32. The reference here draws them
 * one after another from seededRandom, independently of the builder's direct `drawAt`.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { seededRandom } from '../../src/onnx/random.js';
import { tensorBytes } from '../../src/onnx/tensor-data.js';
import { fillUniformFloat32, simdKernel, uniformFloat32View } from '../../src/onnx/uniform-fill.js';

/** Elements [first, first + n) by drawing from the start of the stream. */
function reference(seed: number, first: number, n: number, lo: number, hi: number): Float32Array {
  const rand = seededRandom(seed);
  for (let i = 0; i < first; i++) rand();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

const differences = (a: Float32Array, b: Float32Array): number => a.reduce((d, x, i) => d + (Object.is(x, b[i]) ? 0 : 1), 0);

describe('fillUniformFloat32', () => {
  it('runs the WebAssembly SIMD kernel on this machine (Node 20 has WebAssembly SIMD on x64 and arm64)', () => {
    expect(simdKernel()).not.toBeNull();
  });

  // Counts around the 4-lane groups and the 2^20-element chunks, offsets that are not multiples of 4,
  // a seed at the top of the 32-bit range, and ranges of both signs.
  const cases: [seed: number, first: number, n: number, lo: number, hi: number][] = [
    [1, 0, 1, -1, 1],
    [1, 0, 7, -0.25, 0.25],
    [12345, 3, 4099, -0.0361, 0.0361],
    [0xffffffff, 1001, 2 ** 20 + 5, 0, 1],
    [0x9e3779b1, 17, 2 * 2 ** 20 + 3, -3.5, -1.25],
  ];
  it.each(cases)('seed %i, elements from %i, %i of them, in [%f, %f): bit for bit the scalar definition, with SIMD and without', (seed, first, n, lo, hi) => {
    const expected = reference(seed, first, n, lo, hi);
    for (const simd of [true, false]) {
      const out = new Float32Array(n);
      fillUniformFloat32(out, seed, first, lo, hi, simd);
      expect(differences(out, expected)).toBe(0);
    }
  });

  it('made in place (uniformFloat32View): the same values, in memory the next call reuses; none past 2^20 elements', () => {
    const a = uniformFloat32View(11, 5, 1003, -0.1, 0.1)!;
    expect(differences(a, reference(11, 5, 1003, -0.1, 0.1))).toBe(0);
    const b = uniformFloat32View(12, 0, 8, 0, 1)!;
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(uniformFloat32View(11, 0, 2 ** 20 + 1, 0, 1)).toBeNull();
  });

  it('is what the builder generates for a weight, any range of it read on its own', () => {
    // A 64 × 4,100-element weight (1 MiB + 1,600 B): lazy, generated as it is read.
    const b = new GraphBuilder({ seed: 3 });
    b.weight('w', [64, 4100], { uniform: [-0.5, 0.5] });
    const w = b.graph().initializers[0]!;
    const all = new Float32Array(tensorBytes(w).slice().buffer);
    expect(all.length).toBe(64 * 4100);
    if (w.data.kind !== 'raw') throw new Error('expected a generated (lazy) weight');
    const middle = w.data.source.read(4 * 1001, 4 * 5000);
    expect(differences(new Float32Array(Uint8Array.from(middle).buffer), all.subarray(1001, 6001))).toBe(0);
    // The first generated tensor of a builder seeded 3 draws from seed 3·0x9e3779b1 + 1·0x85ebca6b
    // (mod 2^32: builder.ts tensorSeed, n = 0).
    const seed = (Math.imul(3, 0x9e3779b1) + Math.imul(1, 0x85ebca6b)) >>> 0;
    expect(differences(all, reference(seed, 0, all.length, -0.5, 0.5))).toBe(0);
  });
});
