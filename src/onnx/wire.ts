/**
 * Protocol-buffer wire format, by hand: no protobuf library can decode a message from a file while
 * seeking past the fields it does not need (weights), which is what keeps a 560 MB model's load at a
 * few MB of memory. `FileCursor` reads through a small window; `BufferCursor` over bytes in memory.
 */
import fs from 'node:fs';
import type { ByteSource } from './model.js';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** Thrown by cursors on malformed or truncated input; the reader turns it into a ModelLoadError. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly truncated = false,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8');

/** Common decoding over an abstract byte window; subclasses supply `ensure`. */
export abstract class Cursor {
  /** Absolute position of the next byte. */
  pos = 0;
  protected buf: Buffer = Buffer.alloc(0);
  /** Absolute position of buf[0]. */
  protected bufStart = 0;

  abstract readonly size: number;

  /** Make bytes [pos, pos+n) available in buf (n is clipped at end of input). */
  protected abstract ensure(n: number): void;

  done(limit = this.size): boolean {
    return this.pos >= limit;
  }

  private byte(): number {
    if (this.pos >= this.size) throw new WireError('unexpected end of data', this.pos, true);
    if (this.pos >= this.bufStart + this.buf.length) this.ensure(16);
    return this.buf[this.pos++ - this.bufStart]!;
  }

  /** An unsigned varint as a JS number (exact below 2^53; int64 sentinels keep their magnitude). */
  varint(): number {
    const b = this.oneByteVarint();
    return b >= 0 ? b : this.longVarint();
  }

  /**
   * Tags, lengths and small ints are one-byte varints nearly always: such a byte read straight from
   * the window, or −1 when the varint is longer or the window ends here.
   */
  private oneByteVarint(): number {
    const i = this.pos - this.bufStart;
    const buf = this.buf;
    if (i < buf.length) {
      const b = buf[i]!;
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    return -1;
  }

  private longVarint(): number {
    const start = this.pos;
    let lo = 0;
    let shift = 0;
    let b: number;
    // first 4 bytes fit in 28 bits
    do {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) return lo >>> 0;
    } while (shift < 28);
    let result = lo >>> 0;
    let mul = 2 ** 28;
    for (let i = 4; i < 10; i++) {
      b = this.byte();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return result;
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /** A varint interpreted as a two's-complement int64 (negative numbers are 10-byte varints). */
  int64(): number {
    const b = this.oneByteVarint();
    return b >= 0 ? b : this.longInt64();
  }

  private longInt64(): number {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    let b: number;
    let i = 0;
    for (; i < 4; i++) {
      b = this.byte();
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return lo >>> 0;
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        b = this.byte();
        hi |= (b & 0x7f) << (7 * i + 3);
        if (b < 0x80) break;
      }
      if (b! >= 0x80) throw new WireError('varint longer than 10 bytes', start);
    }
    if (hi & 0x80000000) {
      // negative: value = -(~v + 1)
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO_32 + nlo);
    }
    return (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  uint64(): number {
    return this.varint();
  }

  int32(): number {
    // int32 negatives are sign-extended 10-byte varints
    return this.int64();
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  private fixed(n: number): number {
    if (this.pos + n > this.size) throw new WireError('unexpected end of data', this.pos, true);
    if (this.pos + n > this.bufStart + this.buf.length) this.ensure(n);
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  float32(): number {
    return this.buf.readFloatLE(this.fixed(4));
  }

  float64(): number {
    return this.buf.readDoubleLE(this.fixed(8));
  }

  fixed32(): number {
    return this.buf.readUInt32LE(this.fixed(4));
  }

  /** A length prefix, checked against the end of the enclosing message. */
  length(limit: number): number {
    const at = this.pos;
    const n = this.varint();
    if (this.pos + n > limit) {
      throw new WireError(`length ${n} at byte ${at} runs past the end of its message`, at, this.pos + n > this.size);
    }
    return n;
  }

  /** Copy n bytes out. */
  bytes(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const at = this.fixed(n);
    return Uint8Array.prototype.slice.call(this.buf, at, at + n);
  }

  string(n: number): string {
    if (n === 0) return '';
    const at = this.fixed(n);
    const buf = this.buf;
    // Names and op types are ASCII: decoded as Latin-1 (the same string for bytes below 0x80) without
    // a TextDecoder call, which costs more than the copy for strings this short.
    let i = at;
    const stop = at + n;
    while (i < stop && buf[i]! < 0x80) i++;
    if (i === stop) return buf.toString('latin1', at, stop);
    return utf8.decode(buf.subarray(at, stop));
  }

  /**
   * A string of n bytes through the cache `names`: a name met recently comes back as the string made
   * for it then, without a string being made (the bytes are compared in place), which for a node's
   * inputs (mostly its producers' outputs) and op type is nearly every time.
   */
  name(n: number, names: NameTable): string {
    if (n === 0) return '';
    const at = this.fixed(n);
    return names.get(this.buf, at, n);
  }

  /** Move past n bytes without reading them. */
  skip(n: number): void {
    if (this.pos + n > this.size) throw new WireError('unexpected end of data', this.pos, true);
    this.pos += n;
  }

  /** Skip a field's payload of the given wire type. */
  skipField(wireType: number, limit: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.skip(8);
        return;
      case WireType.LEN:
        this.skip(this.length(limit));
        return;
      case WireType.I32:
        this.skip(4);
        return;
      case WireType.SGROUP: {
        // Deprecated groups: skip nested fields until the matching end-group.
        for (;;) {
          const at = this.pos;
          const tag = this.varint();
          const wt = tag & 7;
          if (wt === WireType.EGROUP) return;
          if (tag >>> 3 === 0) throw new WireError(`invalid field number 0 at byte ${at}`, at);
          this.skipField(wt, limit);
        }
      }
      default:
        throw new WireError(`invalid wire type ${wireType} at byte ${this.pos}`, this.pos);
    }
  }

  /** Read a tag; returns [field, wireType]. */
  tag(): [number, number] {
    const t = this.tagValue();
    return [Math.floor(t / 8), t % 8];
  }

  /**
   * Read a tag as its raw value, checked: the field is `Math.floor(t / 8)`, the wire type `t % 8`.
   * No pair is made per field (a model has several fields per node; the pairs were garbage).
   */
  tagValue(): number {
    const at = this.pos;
    const t = this.varint();
    if (t < 8) throw new WireError(`invalid field number 0 at byte ${at}`, at);
    const wireType = t % 8;
    if (wireType > 5) throw new WireError(`invalid wire type ${wireType} at byte ${at}`, at);
    return t;
  }
}

/** Most slots of a name cache (12 bytes each: hash and string); a small input gets fewer (one per 32 bytes of it). */
const MAX_NAME_SLOTS = 1 << 16;
const MIN_NAME_SLOTS = 1 << 8;

/**
 * A cache that gives a name read again as the string made for it the first time, found by its bytes
 * without a string being made: a node's inputs are mostly the outputs of the nodes just before it.
 * Direct-mapped: a name whose slot was taken by another since is made afresh (an equal string, so only
 * sharing is lost: on the 100k-node benchmark graph the heap holds 2 % more than with every name
 * shared, while a complete table, growing to the model's name count, made the read 20 % slower). So no
 * input makes a lookup cost more than hashing and comparing its bytes once. ASCII only: other names
 * go through a Map keyed by the decoded string (a UTF-8 string never equals an ASCII one).
 */
export class NameTable {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  private readonly keys: string[];
  /** Seeded per table, so which names share a slot cannot be chosen by the file. */
  private readonly seed = (Math.random() * 0x100000000) | 0;
  private utf8Names: Map<string, string> | undefined;

  /** For an input of `size` bytes. */
  constructor(size: number) {
    let slots = MIN_NAME_SLOTS;
    while (slots < MAX_NAME_SLOTS && slots * 32 < size) slots *= 2;
    this.mask = slots - 1;
    this.hashes = new Int32Array(slots);
    this.keys = new Array<string>(slots).fill('');
  }

  /** The name with bytes buf[at, at + n), n > 0. */
  get(buf: Buffer, at: number, n: number): string {
    const stop = at + n;
    let h = this.seed ^ n;
    for (let i = at; i < stop; i++) {
      const b = buf[i]!;
      if (b >= 0x80) return this.utf8(utf8.decode(buf.subarray(at, stop)));
      h = Math.imul(h ^ b, 0x01000193);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const slot = h & this.mask;
    // An empty slot holds '' (length 0), which no name of n > 0 bytes matches.
    if (this.hashes[slot] === h) {
      const k = this.keys[slot]!;
      if (k.length === n && sameBytes(k, buf, at, n)) return k;
    }
    // ASCII, where Latin-1 is the same string and costs no TextDecoder call.
    const s = buf.toString('latin1', at, stop);
    this.hashes[slot] = h;
    this.keys[slot] = s;
    return s;
  }

  private utf8(s: string): string {
    const map = (this.utf8Names ??= new Map());
    const known = map.get(s);
    if (known !== undefined) return known;
    map.set(s, s);
    return s;
  }
}

function sameBytes(s: string, buf: Buffer, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== buf[at + i]) return false;
  return true;
}

export class BufferCursor extends Cursor {
  readonly size: number;

  constructor(bytes: Uint8Array, base = 0) {
    super();
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bufStart = base;
    this.pos = base;
    this.size = base + bytes.byteLength;
  }

  protected ensure(): void {
    throw new WireError('unexpected end of data', this.pos, true);
  }
}

/** Reads a file through a reused window; skipping moves the position without reading. */
export class FileCursor extends Cursor {
  readonly size: number;
  private readonly window: Buffer;
  /** Bytes physically read, for the benchmark's accounting. */
  bytesRead = 0;

  constructor(
    private readonly fd: number,
    size: number,
    windowSize = 64 * 1024,
  ) {
    super();
    this.size = size;
    this.window = Buffer.allocUnsafe(windowSize);
  }

  protected ensure(n: number): void {
    const want = Math.min(Math.max(n, this.window.length), this.size - this.pos);
    const target = want <= this.window.length ? this.window : Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, target, got, want - got, this.pos + got);
      if (r === 0) break;
      got += r;
    }
    this.bytesRead += got;
    this.buf = target.subarray(0, got);
    this.bufStart = this.pos;
    if (got < Math.min(n, this.size - this.pos)) throw new WireError('unexpected end of file', this.pos + got, true);
  }
}

/**
 * A ByteSource over a file path. The file is opened on the first read and closed once the current
 * synchronous work is done (setImmediate): the analysis reads thousands of small constants in one
 * burst through one descriptor, and no descriptor outlives it.
 */
/** Reads up to this many bytes are served from a window (FileSource.small). */
const SMALL_READ = 4096;
const SMALL_WINDOW = 64 * 1024;

export class FileSource implements ByteSource {
  private fd: number | undefined;

  constructor(
    readonly name: string,
    readonly size: number,
  ) {}

  /** Bytes [windowStart, windowStart + window.length) of the file, read in this burst (dropped with the descriptor). */
  private window: Buffer | undefined;
  private windowStart = 0;

  private descriptor(): number {
    if (this.fd === undefined) {
      const fd = fs.openSync(this.name, 'r');
      this.fd = fd;
      setImmediate(() => {
        this.fd = undefined;
        this.window = undefined;
        fs.closeSync(fd);
      }).unref();
    }
    return this.fd;
  }

  /**
   * A small read (a bias, a shape constant) served from a 64 KiB window of the file: the small
   * tensors of a model sit side by side, so one read serves hundreds of them instead of one system
   * call each. The window lives only as long as the descriptor (this burst of work), so a file
   * rewritten between two analyses is read afresh; the bytes handed out are a copy.
   */
  private small(offset: number, length: number): Buffer {
    const w = this.windowed(offset, length);
    const out = Buffer.allocUnsafe(length);
    w.copy(out, 0, offset - this.windowStart, offset - this.windowStart + length);
    return out;
  }

  /** The window holding bytes [offset, offset + length), read afresh when it does not. */
  private windowed(offset: number, length: number): Buffer {
    const fd = this.descriptor();
    let w = this.window;
    if (w === undefined || offset < this.windowStart || offset + length > this.windowStart + w.length) {
      const want = Math.min(SMALL_WINDOW, this.size - offset);
      w = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const r = fs.readSync(fd, w, got, want - got, offset + got);
        if (r === 0) break;
        got += r;
      }
      if (got < length) throw new Error(`${this.name}: file shrank while reading`);
      w = w.subarray(0, got);
      this.window = w;
      this.windowStart = offset;
    }
    return w;
  }

  /**
   * ByteSource.view: a small read as a view of the window (no copy, no allocation of its own), valid
   * until the next read of this source; larger ones as `read`.
   */
  view(offset: number, length: number): Uint8Array {
    if (offset + length > this.size) throw new Error(`${this.name}: read of ${length} bytes at ${offset} runs past the end (${this.size} bytes)`);
    if (length > SMALL_READ) return this.read(offset, length);
    const w = this.windowed(offset, length);
    return w.subarray(offset - this.windowStart, offset - this.windowStart + length);
  }

  read(offset: number, length: number): Buffer {
    if (offset + length > this.size) throw new Error(`${this.name}: read of ${length} bytes at ${offset} runs past the end (${this.size} bytes)`);
    if (length <= SMALL_READ) return this.small(offset, length);
    const out = Buffer.allocUnsafe(length);
    const fd = this.descriptor();
    let got = 0;
    while (got < length) {
      const r = fs.readSync(fd, out, got, length - got, offset + got);
      if (r === 0) throw new Error(`${this.name}: file shrank while reading`);
      got += r;
    }
    return out;
  }
}

export class MemorySource implements ByteSource {
  readonly size: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly name = '<memory>',
  ) {
    this.size = bytes.byteLength;
  }

  read(offset: number, length: number): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + offset, length);
  }

  view(offset: number, length: number): Uint8Array {
    return this.read(offset, length);
  }
}

// ---------- encoding ----------

/** A payload written later: its length is known now, its bytes are read only when written out. */
export interface LazyChunk {
  readonly length: number;
  read(): Uint8Array;
  /** The bytes in memory the next read may reuse (ByteSource.view), for a writer that writes them at once. */
  view?(): Uint8Array;
}

export type Chunk = Uint8Array | LazyChunk;

export function chunkLength(c: Chunk): number {
  return c instanceof Uint8Array ? c.byteLength : c.length;
}

/** A growable byte sink for small messages; large or lazy payloads are referenced, not copied. */
export class Writer {
  /** Finished pieces: small encoded buffers and large payloads by reference. */
  readonly chunks: Chunk[] = [];
  private cur = Buffer.allocUnsafe(256);
  private n = 0;
  private flushed = 0;

  get length(): number {
    return this.flushed + this.n;
  }

  private room(k: number): void {
    if (this.n + k <= this.cur.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.cur.length * 2, this.n + k));
    this.cur.copy(next, 0, 0, this.n);
    this.cur = next;
  }

  varint(v: number): void {
    if (v < 0) {
      this.int64(v);
      return;
    }
    if (v >= 2 ** 63) {
      // int64 sentinels (INT64_MAX read back as 2^63): write exactly INT64_MAX
      this.bigVarint(0x7fffffffffffffffn);
      return;
    }
    this.room(10);
    while (v >= 0x80) {
      this.cur[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.cur[this.n++] = v;
  }

  /** Two's-complement int64 as a varint (negative numbers take 10 bytes). */
  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    this.bigVarint(BigInt.asUintN(64, BigInt(Math.max(v, -9223372036854775808))));
  }

  private bigVarint(big: bigint): void {
    this.room(10);
    while (big >= 0x80n) {
      this.cur[this.n++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.cur[this.n++] = Number(big);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  float32(v: number): void {
    this.room(4);
    this.cur.writeFloatLE(v, this.n);
    this.n += 4;
  }

  float64(v: number): void {
    this.room(8);
    this.cur.writeDoubleLE(v, this.n);
    this.n += 8;
  }

  /** Append bytes: small ones are copied, large and lazy ones referenced. */
  raw(chunk: Chunk): void {
    if (chunk instanceof Uint8Array && chunk.byteLength < 4096) {
      this.room(chunk.byteLength);
      this.cur.set(chunk, this.n);
      this.n += chunk.byteLength;
      return;
    }
    this.flush();
    this.chunks.push(chunk);
    this.flushed += chunkLength(chunk);
  }

  /** A length-delimited payload: tag, length, bytes. */
  lenField(field: number, chunk: Chunk): void {
    this.tag(field, WireType.LEN);
    this.varint(chunkLength(chunk));
    this.raw(chunk);
  }

  stringField(field: number, s: string): void {
    this.lenField(field, Buffer.from(s, 'utf8'));
  }

  /** A nested message written by `fill` into its own Writer, then prefixed with its length. */
  message(field: number, fill: (w: Writer) => void): void {
    const inner = new Writer();
    fill(inner);
    inner.flush();
    this.tag(field, WireType.LEN);
    this.varint(inner.length);
    this.flush();
    for (const c of inner.chunks) this.chunks.push(c);
    this.flushed += inner.length;
  }

  flush(): void {
    if (this.n === 0) return;
    this.chunks.push(this.cur.subarray(0, this.n));
    this.flushed += this.n;
    this.cur = Buffer.allocUnsafe(256);
    this.n = 0;
  }

  finish(): Chunk[] {
    this.flush();
    return this.chunks;
  }
}
