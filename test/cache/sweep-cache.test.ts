/**
 * A `::complexity` sweep is counted once and then read from the cache (issue 13: a warm build of the
 * example re-built and re-profiled the Swin and attention sweeps, 1.6 s). Self-attention's MACs are
 * 2·n²·d (QKᵀ and the weighted sum, one n×n×d product each): n = 64, 128 at d = 32 give 262,144 and
 * 1,048,576. A latency not yet measured (NaN) comes back as NaN; `--refresh` counts again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromJsonSafe, toJsonSafe } from '../../src/cache/store.js';
import { ModelRegistry } from '../../src/measure/registry.js';
import { familyNamed } from '../../src/zoo/families.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = { vary: [{ name: 'n', values: [64, 128] }], at: { d: 32 } };
const entries = (): string[] =>
  readdirSync(path.join(dir, 'sweep'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

describe('family sweeps through the cache', () => {
  it('counts once, stores the points, and reads them back with the latency still NaN', () => {
    const family = familyNamed('self_attention');
    const first = new ModelRegistry({ cacheDir: dir }).sweep(family, request, ['macs', 'latency']);
    expect(first.points.map((p) => p.values.macs)).toEqual([2 * 64 * 64 * 32, 2 * 128 * 128 * 32]);
    expect(entries()).toHaveLength(1);
    const again = new ModelRegistry({ cacheDir: dir }).sweep(family, request, ['macs', 'latency']);
    expect(again.family).toBe(family);
    expect(again.points.map((p) => p.values.macs)).toEqual([262_144, 1_048_576]);
    expect(Number.isNaN(again.points[0]!.values.latency)).toBe(true);
    expect(again.fits.find((f) => f.metric === 'macs')!.exponents.n).toBeCloseTo(2, 10);
  });

  it('is read from the cache, not counted again, unless refreshed', () => {
    const family = familyNamed('self_attention');
    // Change the stored count: a build that reads the cache gives the changed number.
    const [file] = entries();
    const entry = JSON.parse(readFileSync(file!, 'utf8')) as { value: { points: { values: { macs: number } }[] } };
    entry.value.points[0]!.values.macs = 7;
    writeFileSync(file!, JSON.stringify(entry));
    expect(new ModelRegistry({ cacheDir: dir }).sweep(family, request, ['macs', 'latency']).points[0]!.values.macs).toBe(7);
    expect(new ModelRegistry({ cacheDir: dir, refresh: true }).sweep(family, request, ['macs', 'latency']).points[0]!.values.macs).toBe(262_144);
  });

  it('keeps NaN and infinities through JSON', () => {
    const v = { a: [1, Number.NaN, Number.POSITIVE_INFINITY], b: { c: Number.NEGATIVE_INFINITY, d: 'x' } };
    expect(fromJsonSafe(JSON.parse(JSON.stringify(toJsonSafe(v))))).toEqual(v);
  });
});
