/**
 * The results store: small, human-readable JSON files, one per measured thing, meant to be committed
 * (as Quarto users commit `_freeze/`) so a `--frozen` build on another machine — without the models'
 * benchmark hardware, without onnxruntime — prints the same numbers. docs/results.md describes it.
 *
 *     modelpress-results/
 *       profile/<model>/<input>.<convention>.json          counted: the same on every machine
 *       bench/<machine>/<model>/<input>.batch<B>.threads<T>.<provider>.json
 *
 * `<machine>` is a short name (default: the host name), so several machines' results live side by side.
 * Each file holds the key parts it was computed from (model sha256, inputs, settings, tool version):
 * a lookup whose parts differ is stale, never served as current. Regenerable artifacts (zoo ONNX
 * files, file-hash memos) stay in `.modelpress/`, which is not committed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statIdentity } from './file-hash.js';
import { cacheKey, type Entry, writeFileAtomic } from './store.js';

export const RESULTS_SCHEMA = 1;
export const DEFAULT_RESULTS_DIR = 'modelpress-results';

/** Every `.json` file under `dir`, in sorted order (a results store, or a folder of results to merge). */
export function resultJsonFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/** A result file's entry, or why it is not one. */
export function parseResultFile(text: string): ResultFile<unknown> | string {
  let entry: Partial<ResultFile<unknown>>;
  try {
    entry = JSON.parse(text) as Partial<ResultFile<unknown>>;
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  if (
    !entry ||
    typeof entry !== 'object' ||
    entry.schema !== RESULTS_SCHEMA ||
    (entry.kind !== 'bench' && entry.kind !== 'profile') ||
    !entry.parts ||
    typeof entry.key !== 'string' ||
    entry.value === undefined
  ) {
    return `not a modelpress result of schema ${RESULTS_SCHEMA}`;
  }
  return entry as ResultFile<unknown>;
}

/** A path segment made of safe characters: `ResNet-18 (v1)` → `ResNet-18-v1`. */
export function slug(text: string): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return (s || 'x').slice(0, 100);
}

/** The machine's short name: given, else the host name's first label. */
export function machineName(explicit?: string): string {
  return slug(explicit ?? os.hostname().split('.')[0] ?? 'machine');
}

/**
 * JSON for people and for git: objects indented down to `depth` levels, anything deeper on one line,
 * and a list of objects (a profile's nodes, a benchmark's processes) one element per line. About the
 * size of compact JSON (a ResNet-152 profile: 0.3 MB instead of 0.5 MB indented), and a change to
 * one node is a one-line diff.
 */
export function readableJson(value: unknown, depth = 3, indent = ''): string {
  const inner = `${indent} `;
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    return `[\n${value.map((v) => `${inner}${JSON.stringify(v)}`).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (depth <= 0 || entries.length === 0) return JSON.stringify(value);
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${readableJson(v, depth - 1, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export interface ResultFile<T> extends Entry<T> {
  kind: 'profile' | 'bench';
  /** The machine that measured it (benchmarks only). */
  machine?: string | undefined;
}

export type ResultLookup<T> =
  | { status: 'hit'; entry: ResultFile<T>; file: string }
  | { status: 'absent'; file: string }
  | { status: 'corrupt'; file: string; reason: string };

/** The parts whose values differ between two key records (for "stale because the model changed"). */
export function differingParts(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => cacheKey({ v: a[k] ?? null }) !== cacheKey({ v: b[k] ?? null }));
}

/**
 * The big lists of a stored profile, parsed only when something reads them: a table of totals reads
 * none of a ResNet's nodes, tensors or module tree, which are 95% of its file.
 */
const DEFERRED_KEYS = ['nodes', 'tensors', 'modules'];

/** A field of `value` cut out of the text, as written: `[`…`]` or `{`…`}`. */
interface Deferred {
  key: string;
  text: string;
}

/**
 * JSON.parse of a result file, with the deferred fields of its value cut out when the file is laid out
 * as `readableJson` writes it (the value's fields at two spaces, each field's elements on deeper lines,
 * so the first line that is two spaces and the closing bracket ends the field). The empty list or
 * object left in its stead (`[]`, `{}`) keeps the value's shape for the check; a file laid out otherwise is parsed whole.
 */
function parseDeferring(text: string): { entry: Partial<ResultFile<unknown>>; deferred: Deferred[] } {
  const valueAt = text.indexOf('\n "value": {\n');
  if (valueAt < 0) return { entry: JSON.parse(text) as Partial<ResultFile<unknown>>, deferred: [] };
  const deferred: Deferred[] = [];
  const pieces: string[] = [];
  let from = 0;
  const field = /\n {2}"(\w+)": ([[{])\n/g;
  field.lastIndex = valueAt;
  for (let m = field.exec(text); m; m = field.exec(text)) {
    if (!DEFERRED_KEYS.includes(m[1]!)) continue;
    const open = m.index + m[0].length - 2;
    const close = text.indexOf(`\n  ${m[2] === '[' ? ']' : '}'}`, open);
    // The field ends its line: a comma before the next field, or the value's end.
    if (close < 0 || !/[,\n]/.test(text[close + 4] ?? '')) break;
    deferred.push({ key: m[1]!, text: text.slice(open, close + 4) });
    pieces.push(text.slice(from, open), m[2] === '[' ? '[]' : '{}');
    from = close + 4;
    field.lastIndex = from;
  }
  pieces.push(text.slice(from));
  return { entry: JSON.parse(pieces.join('')) as Partial<ResultFile<unknown>>, deferred };
}

/** Put a getter in the empty stand-in's place: it parses the field once, on first use. */
function parseOnFirstUse(value: Record<string, unknown>, d: Deferred, file: string): void {
  const settle = (v: unknown): unknown => {
    Object.defineProperty(value, d.key, { value: v, writable: true, enumerable: true, configurable: true });
    return v;
  };
  Object.defineProperty(value, d.key, {
    enumerable: true,
    configurable: true,
    get() {
      let parsed: unknown;
      try {
        parsed = JSON.parse(d.text);
      } catch (err) {
        throw new Error(
          `${file}: the stored ${d.key} are not valid JSON (${(err as Error).message}); delete the file, or build with --refresh, to measure again`,
        );
      }
      return settle(parsed);
    },
    set: settle,
  });
}

/** Result files parsed by this process, by path, with the file's identity when read (ResultsStore.read). */
const readMemo = new Map<string, { stamp: string; kind: string; check: (value: unknown) => boolean; lookup: ResultLookup<unknown> }>();

export class ResultsStore {
  constructor(
    readonly root: string,
    readonly machine: string = machineName(),
  ) {}

  profileFile(model: string, input: string, convention: string): string {
    return path.join(this.root, 'profile', slug(model), `${slug(input || 'declared')}.${slug(convention)}.json`);
  }

  benchFile(model: string, config: string, machine: string = this.machine): string {
    return path.join(this.root, 'bench', slug(machine), slug(model), `${slug(config)}.json`);
  }

  /** Machines that have a result for this model and configuration: this one first, then the others by name. */
  benchMachines(model: string, config: string): string[] {
    let names: string[];
    try {
      names = readdirSync(path.join(this.root, 'bench')).sort();
    } catch {
      return [];
    }
    const have = names.filter((m) => existsSync(this.benchFile(model, config, m)));
    return [...have.filter((m) => m === this.machine), ...have.filter((m) => m !== this.machine)];
  }

  /**
   * One result file, checked. A file read before and unchanged since (same inode, size and mtime) is
   * served from this process's memo: a survey and its translation read the same profiles, and a
   * document that names one model three ways reads its file once. Writes go through
   * `writeFileAtomic` (a new inode), so a rewritten file is always read again.
   */
  read<T>(file: string, kind: ResultFile<T>['kind'], check: (value: unknown) => value is T): ResultLookup<T> {
    let stamp: string;
    try {
      stamp = statIdentity(statSync(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', file };
      return { status: 'corrupt', file, reason: `cannot read it: ${(err as Error).message}` };
    }
    const known = readMemo.get(file);
    if (known && known.stamp === stamp && known.kind === kind && known.check === check) return known.lookup as ResultLookup<T>;
    const lookup = this.readAgain(file, kind, check);
    if (lookup.status !== 'absent') readMemo.set(file, { stamp, kind, check, lookup });
    return lookup;
  }

  private readAgain<T>(file: string, kind: ResultFile<T>['kind'], check: (value: unknown) => value is T): ResultLookup<T> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', file };
      return { status: 'corrupt', file, reason: `cannot read it: ${(err as Error).message}` };
    }
    let entry: Partial<ResultFile<unknown>>;
    let deferred: Deferred[];
    try {
      ({ entry, deferred } = parseDeferring(text));
    } catch (err) {
      return { status: 'corrupt', file, reason: `not valid JSON (${(err as Error).message})` };
    }
    if (!entry || typeof entry !== 'object' || entry.schema !== RESULTS_SCHEMA || entry.kind !== kind || !entry.parts || typeof entry.key !== 'string') {
      return { status: 'corrupt', file, reason: `not a modelpress ${kind} result of schema ${RESULTS_SCHEMA}` };
    }
    if (!check(entry.value)) return { status: 'corrupt', file, reason: 'the stored value is incomplete' };
    for (const d of deferred) parseOnFirstUse(entry.value as Record<string, unknown>, d, file);
    return { status: 'hit', entry: entry as ResultFile<T>, file };
  }

  /** Write one result file atomically, as `readableJson` (small, and diffs line by line in git). */
  write<T>(file: string, kind: ResultFile<T>['kind'], parts: Record<string, unknown>, value: T, machine?: string): void {
    const entry: ResultFile<T> = {
      schema: RESULTS_SCHEMA,
      kind,
      ...(machine ? { machine } : {}),
      key: cacheKey(parts),
      parts,
      storedAt: new Date().toISOString(),
      value,
    };
    writeFileAtomic(file, `${readableJson(entry)}\n`);
  }
}
