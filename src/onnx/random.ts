/**
 * The project's seeded random numbers: the zoo's generated weights (onnx/builder.ts), the benchmark's
 * random inputs and the bootstrap of its statistics (runtime/) draw from the same small generator,
 * kept apart from the graph builder so that runtime/ does not depend on it.
 */

/** Mulberry32: tiny, fast, good enough for reproducible weights. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
