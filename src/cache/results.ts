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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheKey, type Entry, writeFileAtomic } from './store.js';

export const RESULTS_SCHEMA = 1;
export const DEFAULT_RESULTS_DIR = 'modelpress-results';

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

  read<T>(file: string, kind: ResultFile<T>['kind'], check: (value: unknown) => value is T): ResultLookup<T> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', file };
      return { status: 'corrupt', file, reason: `cannot read it: ${(err as Error).message}` };
    }
    let entry: Partial<ResultFile<unknown>>;
    try {
      entry = JSON.parse(text) as Partial<ResultFile<unknown>>;
    } catch (err) {
      return { status: 'corrupt', file, reason: `not valid JSON (${(err as Error).message})` };
    }
    if (!entry || typeof entry !== 'object' || entry.schema !== RESULTS_SCHEMA || entry.kind !== kind || !entry.parts || typeof entry.key !== 'string') {
      return { status: 'corrupt', file, reason: `not a modelpress ${kind} result of schema ${RESULTS_SCHEMA}` };
    }
    if (!check(entry.value)) return { status: 'corrupt', file, reason: 'the stored value is incomplete' };
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
