import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheStore, cacheKey, canonicalJson } from '../../src/cache/store.js';
import { FileHashes } from '../../src/cache/file-hash.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isNumbers = (v: unknown): v is { n: number } => typeof (v as { n?: unknown })?.n === 'number';

describe('cache store', () => {
  it('keys by content: key order does not matter, any value does', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(cacheKey({ a: 1, b: 2 })).toBe(cacheKey({ b: 2, a: 1 }));
    expect(cacheKey({ a: 1, b: 2 })).not.toBe(cacheKey({ a: 1, b: 3 }));
    // sha256 of '{"a":1}' (printf '{"a":1}' | sha256sum)
    expect(cacheKey({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  });

  it('stores and reads back; writes leave no temp files', () => {
    const store = new CacheStore(dir);
    const key = cacheKey({ x: 1 });
    expect(store.get('profile', key, isNumbers)).toEqual({ status: 'absent' });
    store.put('profile', key, { x: 1 }, { n: 42 });
    const hit = store.get('profile', key, isNumbers);
    expect(hit.status).toBe('hit');
    expect(hit.status === 'hit' && hit.value).toEqual({ n: 42 });
    expect(readdirSync(path.join(dir, 'profile', key.slice(0, 2)))).toEqual([`${key}.json`]);
  });

  it('reports a truncated or foreign entry as corrupt, and a rewrite fixes it', () => {
    const store = new CacheStore(dir);
    const key = cacheKey({ x: 2 });
    store.put('profile', key, { x: 2 }, { n: 1 });
    const file = path.join(dir, 'profile', key.slice(0, 2), `${key}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 20));
    expect(store.get('profile', key, isNumbers).status).toBe('corrupt');
    writeFileSync(file, JSON.stringify({ schema: 1, kind: 'bench', key, value: { n: 1 } }));
    expect(store.get('profile', key, isNumbers).status).toBe('corrupt');
    writeFileSync(file, JSON.stringify({ schema: 1, kind: 'profile', key, value: { m: 1 } }));
    expect(store.get('profile', key, isNumbers).status).toBe('corrupt');
    store.put('profile', key, { x: 2 }, { n: 3 });
    const hit = store.get('profile', key, isNumbers);
    expect(hit.status === 'hit' && hit.value.n).toBe(3);
  });

  it('hashes files once per (size, mtime) and remembers across instances', () => {
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, 'abc');
    const memo = path.join(dir, 'hashes.json');
    const hashes = new FileHashes(memo);
    // sha256("abc"), FIPS 180-2 test vector.
    expect(hashes.sha256(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    hashes.save();
    const remembered = JSON.parse(readFileSync(memo, 'utf8'));
    expect(remembered[file].sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    writeFileSync(file, 'abcd');
    // sha256("abcd")
    expect(new FileHashes(memo).sha256(file)).toBe('88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589');
  });
});
