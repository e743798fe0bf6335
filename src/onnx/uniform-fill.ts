/**
 * The zoo's generated float32 weights, four at a time: element i of a tensor seeded `seed` is
 * lo + (hi − lo) · u/2³², u = Mulberry32's output after i + 1 steps (builder.ts `drawAt`). A cold
 * build generates ~700 M of them (2.9 GB for the example's benchmarks); scalar JavaScript makes one
 * in ~3.5 ns on the example's machine, this WebAssembly SIMD loop four in about as long.
 *
 * The result is bit-identical to the scalar definition: the 32-bit steps wrap as Math.imul and the
 * JavaScript `^`, `|`, `>>>` do; u is converted to a double exactly, and u·2⁻³² is exactly u/2³²;
 * span·x and then lo + … are rounded to double as JavaScript rounds them (WebAssembly has no fused
 * multiply-add); the demotion to float32 rounds to nearest, ties to even, as a Float32Array store
 * does. test/onnx/uniform-fill.test.ts checks it against the scalar loop. Where WebAssembly SIMD is
 * not available the scalar loop runs instead.
 *
 * The module is assembled here from its instructions (no binary file, no toolchain): `fill(ptr,
 * groups, s0, lo, span)` writes 4·groups float32 at byte `ptr` of its memory, lane k of the first
 * group from state s0 + k·K, each group K·4 further on.
 */

/** Mulberry32's increment. */
const K = 0x6d2b79f5;

/** Elements made per call into the module's memory (4 MB), then copied out. */
const CHUNK = 1 << 20;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

const sleb32 = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};

const i32x4 = (lanes: number[]): number[] => [...new Uint8Array(Int32Array.from(lanes).buffer)];
const f64x2 = (x: number): number[] => [...new Uint8Array(Float64Array.from([x, x]).buffer)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Instructions used (core, then SIMD after the 0xfd prefix).
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32const = (n: number) => [0x41, ...sleb32(n)];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_EQZ = [0x45];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const V128_CONST = (bytes: number[]) => simd(0x0c, ...bytes);
const SHUFFLE = (lanes: number[]) => simd(0x0d, ...lanes);
const I32X4_SPLAT = simd(0x11);
const F64X2_SPLAT = simd(0x14);
const V128_OR = simd(0x50);
const V128_XOR = simd(0x51);
const F32X4_DEMOTE_F64X2_ZERO = simd(0x5e);
const I32X4_SHR_U = simd(0xad);
const I32X4_ADD = simd(0xae);
const I32X4_MUL = simd(0xb5);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const F64X2_CONVERT_LOW_I32X4_U = simd(0xff);
const V128_STORE = simd(0x0b, 4, 0); // align 2^4, offset 0

// Parameters: 0 ptr, 1 groups, 2 s0, 3 lo, 4 span; locals: 5 state, 6 t, 7 u, 8 span×2, 9 lo×2.
const [PTR, GROUPS, S0, LO, SPAN, STATE, T, U, SPAN2, LO2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** t ^ (t >>> shift), lane by lane. */
const xorShifted = (shift: number): number[] => [...get(T), ...get(T), ...i32const(shift), ...I32X4_SHR_U, ...V128_XOR];

/** imul(t ^ (t >>> shift), t | or), lane by lane: Mulberry32's two mixing steps. */
const mixed = (shift: number, or: number): number[] => [...xorShifted(shift), ...get(T), ...V128_CONST(i32x4([or, or, or, or])), ...V128_OR, ...I32X4_MUL];

/** Lanes 0–1 (or 2–3, moved down first) of u as doubles: span·(u·2⁻³²) + lo, demoted to float32. */
const lanesToFloats = (high: boolean): number[] => [
  ...get(SPAN2),
  ...get(U),
  ...(high ? [...get(U), ...SHUFFLE([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])] : []),
  ...F64X2_CONVERT_LOW_I32X4_U,
  ...V128_CONST(f64x2(2 ** -32)),
  ...F64X2_MUL,
  ...F64X2_MUL,
  ...get(LO2),
  ...F64X2_ADD,
  ...F32X4_DEMOTE_F64X2_ZERO,
];

const body: number[] = [
  ...[1, 5, 0x7b], // five v128 locals
  ...get(S0),
  ...I32X4_SPLAT,
  ...V128_CONST(i32x4([0, K, Math.imul(2, K), Math.imul(3, K)])),
  ...I32X4_ADD,
  ...set(STATE),
  ...get(SPAN),
  ...F64X2_SPLAT,
  ...set(SPAN2),
  ...get(LO),
  ...F64X2_SPLAT,
  ...set(LO2),
  ...[0x02, 0x40], // block
  ...get(GROUPS),
  ...I32_EQZ,
  ...[0x0d, 0], // br_if out
  ...[0x03, 0x40], // loop
  // t = state; state += 4K
  ...get(STATE),
  ...set(T),
  ...get(STATE),
  ...V128_CONST(i32x4([0, 0, 0, 0].map(() => Math.imul(4, K)))),
  ...I32X4_ADD,
  ...set(STATE),
  // t = imul(t ^ (t >>> 15), t | 1)
  ...mixed(15, 1),
  ...set(T),
  // t ^= t + imul(t ^ (t >>> 7), t | 61)
  ...get(T),
  ...get(T),
  ...mixed(7, 61),
  ...I32X4_ADD,
  ...V128_XOR,
  ...set(T),
  // u = t ^ (t >>> 14)
  ...xorShifted(14),
  ...set(U),
  // store the four floats at ptr
  ...get(PTR),
  ...lanesToFloats(false),
  ...lanesToFloats(true),
  ...SHUFFLE([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]),
  ...V128_STORE,
  ...get(PTR),
  ...i32const(16),
  ...I32_ADD,
  ...set(PTR),
  ...get(GROUPS),
  ...i32const(1),
  ...I32_SUB,
  ...tee(GROUPS),
  ...[0x0d, 0], // br_if loop
  0x0b, // end loop
  0x0b, // end block
  0x0b, // end function
];

function moduleBytes(): Uint8Array {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7c, 0x7c, 0]), // (i32, i32, i32, f64, f64) → ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, CHUNK / 16384]), // memory: CHUNK float32 = 4·CHUNK bytes, in 64 KiB pages
    ...section(7, [2, ...name('fill'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

interface Kernel {
  fill: (ptr: number, groups: number, s0: number, lo: number, span: number) => void;
  out: Float32Array;
}

let kernel: Kernel | null | undefined;

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { fill: Kernel['fill']; memory: { buffer: ArrayBuffer } } };
}

/** The compiled module, or null where WebAssembly SIMD is not available. */
export function simdKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const bytes = moduleBytes();
    if (!wasm?.validate(bytes)) return (kernel = null);
    const exports = new wasm.Instance(new wasm.Module(bytes)).exports;
    kernel = { fill: exports.fill, out: new Float32Array(exports.memory.buffer, 0, CHUNK) };
  } catch {
    kernel = null;
  }
  return kernel;
}

/**
 * The i-th draw (0-based) of `seededRandom(seed)` (random.ts), directly: Mulberry32's state after
 * i + 1 steps is seed + (i + 1)·K, so any range of a tensor is made without making what comes before.
 */
export function drawAt(seed: number, i: number): number {
  let t = (seed + Math.imul(i + 1, K)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Scalar: out[j] = lo + span · draw (first + j) of `seed`, for j in [from, out.length). */
function fillScalar(out: Float32Array, seed: number, first: number, lo: number, span: number, from: number): void {
  for (let j = from; j < out.length; j++) out[j] = lo + span * drawAt(seed, first + j);
}

/**
 * Fill `out` with elements [first, first + out.length) of a float32 tensor seeded `seed`, uniform in
 * [lo, hi): SIMD where it is available (`useSimd` false forces the scalar loop, for tests).
 */
export function fillUniformFloat32(out: Float32Array, seed: number, first: number, lo: number, hi: number, useSimd = true): void {
  const k = useSimd ? simdKernel() : null;
  let done = 0;
  if (k) {
    const whole = out.length - (out.length % 4);
    while (done < whole) {
      const n = Math.min(CHUNK, whole - done);
      out.set(fillKernel(k, seed, first + done, n, lo, hi - lo), done);
      done += n;
    }
  }
  fillScalar(out, seed, first, lo, hi - lo, done);
}

/** The kernel's memory made to hold elements [first, first + n): a view of it, n ≤ CHUNK. */
function fillKernel(k: Kernel, seed: number, first: number, n: number, lo: number, span: number): Float32Array {
  const whole = n - (n % 4);
  k.fill(0, whole / 4, (seed + Math.imul(first + 1, K)) | 0, lo, span);
  const out = k.out.subarray(0, n);
  fillScalar(out, seed, first, lo, span, whole);
  return out;
}

/**
 * Elements [first, first + count) as a view of the kernel's memory, made in place: no allocation and
 * no copy, valid only until the next call of this module (for a caller that writes them out at once).
 * Null without the SIMD kernel or for more than 2^20 elements (then fillUniformFloat32).
 */
export function uniformFloat32View(seed: number, first: number, count: number, lo: number, hi: number): Float32Array | null {
  const k = simdKernel();
  return k && count <= CHUNK ? fillKernel(k, seed, first, count, lo, hi - lo) : null;
}
