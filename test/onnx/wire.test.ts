/**
 * The wire cursor's small pieces: tags read without a pair per field (same checks as before), ASCII and
 * UTF-8 strings, and FileSource's windowed small reads (bytes equal to the file's, a copy, a file
 * rewritten between two bursts of work read afresh) and views (the same bytes, without a copy).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferCursor, FileSource, WireError } from '../../src/onnx/wire.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-wire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Cursor', () => {
  it('reads a tag as field and wire type, and refuses field 0 and wire types above 5', () => {
    // 0x0a = field 1, wire type 2; 0x98 0x01 = 152 = field 19, wire type 0.
    const c = new BufferCursor(Uint8Array.from([0x0a, 0x98, 0x01]));
    expect(c.tag()).toEqual([1, 2]);
    const t = c.tagValue();
    expect([Math.floor(t / 8), t % 8]).toEqual([19, 0]);
    expect(() => new BufferCursor(Uint8Array.from([0x02])).tagValue()).toThrow(new WireError('invalid field number 0 at byte 0', 0));
    expect(() => new BufferCursor(Uint8Array.from([0x0e])).tagValue()).toThrow(new WireError('invalid wire type 6 at byte 0', 0));
  });

  it('decodes ASCII and UTF-8 strings alike', () => {
    const ascii = Buffer.from('/layer1/Conv_output_0', 'utf8');
    const utf8 = Buffer.from('卷积/Conv', 'utf8');
    const bad = Uint8Array.from([0x61, 0xff, 0x62]);
    expect(new BufferCursor(ascii).string(ascii.length)).toBe('/layer1/Conv_output_0');
    expect(new BufferCursor(utf8).string(utf8.length)).toBe('卷积/Conv');
    // Invalid UTF-8 still becomes U+FFFD, as the TextDecoder gives it.
    expect(new BufferCursor(bad).string(3)).toBe('a\uFFFDb');
  });
});

describe('FileSource', () => {
  it('serves small reads from a window with the file’s bytes, as copies, and reads a rewritten file afresh', async () => {
    const file = path.join(dir, 'bytes.bin');
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251;
    writeFileSync(file, bytes);
    const source = new FileSource(file, bytes.length);
    for (const [offset, length] of [
      [0, 16],
      [100, 64],
      [65_000, 4096],
      [65_530, 100],
      [199_990, 10],
      [5_000, 10_000],
    ] as const) {
      expect(source.read(offset, length).equals(bytes.subarray(offset, offset + length))).toBe(true);
    }
    const piece = source.read(10, 4);
    piece[0] = 0;
    expect(source.read(10, 4).equals(bytes.subarray(10, 14))).toBe(true);
    // The next burst of work (after setImmediate) sees the file as it is then.
    await new Promise((resolve) => setImmediate(resolve));
    const changed = Buffer.from(bytes);
    changed[20] = 99;
    writeFileSync(file, changed);
    expect(source.read(20, 1)[0]).toBe(99);
  });

  it('gives views with the bytes read gives: small ones inside the window, without a copy', () => {
    const file = path.join(dir, 'view.bin');
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13) % 251;
    writeFileSync(file, bytes);
    const source = new FileSource(file, bytes.length);
    const spans = [
      [0, 16],
      [65_530, 100],
      [65_000, 4096],
      [199_990, 10],
      [5_000, 10_000],
    ] as const;
    for (const [offset, length] of spans) {
      expect(Buffer.from(source.view(offset, length)).equals(bytes.subarray(offset, offset + length)), `${offset}+${length}`).toBe(true);
    }
    // Two views inside one window share its memory: the second is the first's buffer, further on.
    const a = source.view(70_000, 8);
    const b = source.view(70_100, 8);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset - a.byteOffset).toBe(100);
    expect(() => source.view(199_995, 10)).toThrow(/runs past the end/);
  });
});
