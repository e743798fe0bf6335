/**
 * A content-addressed store of JSON results under `.modelpress/cache/`: the key is the sha256 of the
 * canonical JSON of everything the result depends on, so a changed input can never be served an old
 * result. Writes are atomic (temp file + rename): an interrupted build leaves the old entry or the new
 * one, never half of one. An entry that cannot be read back (truncated, hand-edited, another schema)
 * is a miss, reported as corrupt so the caller recomputes and overwrites it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Sort object keys recursively so the same data always serialises to the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The key of a result: sha256 of the canonical JSON of what it depends on. */
export function cacheKey(parts: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(parts));
}

/** True when `file` exists and holds exactly `bytes` (sizes compared first, so a changed file is rarely read). */
export function sameContent(file: string, bytes: Uint8Array): boolean {
  try {
    if (statSync(file).size !== bytes.byteLength) return false;
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}

/**
 * The project's one atomic writer: `fill` writes a temporary file beside `file`, which then replaces
 * `file` by a rename, so readers see the old or the new content, never a partial one; a failure
 * removes the temporary file and leaves `file` as it was.
 */
export function replaceFileAtomic(file: string, fill: (temp: string) => void): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fill(temp);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Write a file atomically (replaceFileAtomic). A file that already holds this content is left alone
 * (not rewritten, its mtime kept), so a rebuild with nothing changed writes nothing. Returns whether
 * the file was written.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): boolean {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (sameContent(file, bytes)) return false;
  replaceFileAtomic(file, (temp) => writeFileSync(temp, bytes));
  return true;
}

/** Copy a file atomically (replaceFileAtomic). */
export function copyFileAtomic(from: string, to: string): void {
  replaceFileAtomic(to, (temp) => copyFileSync(from, temp));
}

const SCHEMA = 1;

/** One stored result, in the cache and (with its machine) in the results store (results.ts). */
export interface Entry<T> {
  schema: number;
  kind: string;
  /** sha256 of the canonical JSON of `parts`. */
  key: string;
  /** What the key was computed from, kept readable for `cat`-debugging and for --frozen lookups. */
  parts: Record<string, unknown>;
  storedAt: string;
  value: T;
}

export type CacheLookup<T> = { status: 'hit'; value: T; storedAt: string } | { status: 'absent' } | { status: 'corrupt'; reason: string };

export class CacheStore {
  constructor(readonly root: string) {}

  private file(kind: string, key: string): string {
    return path.join(this.root, kind, key.slice(0, 2), `${key}.json`);
  }

  /** Read an entry; `check` decides whether the stored value still has the expected shape. */
  get<T>(kind: string, key: string, check: (value: unknown) => value is T): CacheLookup<T> {
    let text: string;
    try {
      text = readFileSync(this.file(kind, key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent' };
      return { status: 'corrupt', reason: `cannot read the entry: ${(err as Error).message}` };
    }
    let entry: Partial<Entry<unknown>>;
    try {
      entry = JSON.parse(text) as Partial<Entry<unknown>>;
    } catch (err) {
      return { status: 'corrupt', reason: `not valid JSON (${(err as Error).message})` };
    }
    if (!entry || typeof entry !== 'object' || entry.schema !== SCHEMA || entry.kind !== kind || entry.key !== key) {
      return { status: 'corrupt', reason: 'the entry does not belong to this key or schema' };
    }
    if (!check(entry.value)) return { status: 'corrupt', reason: 'the stored value is incomplete' };
    return { status: 'hit', value: entry.value, storedAt: String(entry.storedAt ?? '') };
  }

  put<T>(kind: string, key: string, parts: Record<string, unknown>, value: T): void {
    const entry: Entry<T> = { schema: SCHEMA, kind, key, parts, storedAt: new Date().toISOString(), value };
    writeFileAtomic(this.file(kind, key), JSON.stringify(entry));
  }

  /** A small pointer entry (e.g. the latest benchmark key for a hardware-independent key). */
  getPointer(kind: string, key: string): string | undefined {
    const hit = this.get(kind, key, (v): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));
    return hit.status === 'hit' ? hit.value : undefined;
  }

  putPointer(kind: string, key: string, parts: Record<string, unknown>, target: string): void {
    this.put(kind, key, parts, target);
  }

  /** Remove the whole store. */
  clear(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * A value with every number JSON can hold: NaN and ±Infinity (a latency not yet measured, a fit that
 * does not exist) become `{ "$number": "NaN" }`, which `fromJsonSafe` turns back.
 */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v)]));
  return value;
}

export function fromJsonSafe(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonSafe);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '$number' && typeof entries[0]![1] === 'string') return Number(entries[0]![1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, fromJsonSafe(v)]));
  }
  return value;
}
