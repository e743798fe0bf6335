/**
 * Zoo models on disk: built once per (architecture, input size, seed, tool version) under
 * `.modelpress/cache/zoo/`, written atomically, so `::model{zoo=…}` and `modelpress zoo export`
 * reuse the file instead of regenerating hundreds of megabytes of weights. Counting never needs the
 * file (a built zoo model holds no weight bytes); it is written, streaming, only to be benchmarked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { toolVersion } from '../cache/tool-version.js';
import { writeModel } from '../onnx/writer.js';
import { zooEntry, type ZooEntry } from './registry.js';

export interface ZooRequest {
  name: string;
  seed: number;
  /** Input height and width for resizable image models; the entry's default otherwise. */
  height?: number | undefined;
  width?: number | undefined;
}

export interface ZooFile {
  path: string;
  entry: ZooEntry;
  /** True when the file was already in the cache. */
  cached: boolean;
}

/** Check a request against its entry and fill in the default size. */
export function resolveRequest(request: ZooRequest): { entry: ZooEntry; seed: number; height?: number; width?: number } {
  const entry = zooEntry(request.name);
  if (!Number.isSafeInteger(request.seed) || request.seed < 0) throw new Error(`zoo seed must be a non-negative integer, got ${request.seed}`);
  if (entry.input.name !== 'input') {
    if (request.height !== undefined || request.width !== undefined) throw new Error(`${entry.name} takes token ids, not images: it has no input size to set`);
    return { entry, seed: request.seed };
  }
  const [, , defaultH, defaultW] = entry.input.shape as [string, number, number, number];
  const height = request.height ?? defaultH;
  const width = request.width ?? defaultW;
  if (!entry.resizable && (height !== defaultH || width !== defaultW)) {
    throw new Error(`${entry.name} is built at ${defaultH}×${defaultW} only; got ${height}×${width}`);
  }
  for (const v of [height, width]) if (!Number.isSafeInteger(v) || v < 1) throw new Error(`zoo input size must be positive integers, got ${height}×${width}`);
  return { entry, seed: request.seed, height, width };
}

/** The file of a request in a zoo folder: one name per (architecture, size, seed, tool version). */
export function zooFileIn(dir: string, request: ZooRequest): string {
  const r = resolveRequest(request);
  const size = r.height === undefined ? '' : `-${r.height}x${r.width}`;
  return path.join(dir, `${r.entry.name}${size}-seed${r.seed}-v${toolVersion()}.onnx`);
}

/** The cache file of a request, under `<root>/.modelpress/cache/zoo/` (documents write theirs there too). */
export function zooCachePath(root: string, request: ZooRequest): string {
  return zooFileIn(path.join(root, '.modelpress', 'cache', 'zoo'), request);
}

/** The model file of a request: from the cache, or built and written there (atomically) first. */
export function ensureZooModel(request: ZooRequest, root: string = process.cwd()): ZooFile {
  const r = resolveRequest(request);
  const file = zooCachePath(root, request);
  if (fs.existsSync(file)) return { path: file, entry: r.entry, cached: true };
  if (r.entry.write) {
    r.entry.write(file, { seed: r.seed });
    return { path: file, entry: r.entry, cached: false };
  }
  let model;
  try {
    model = r.entry.build({ seed: r.seed, height: r.height, width: r.width });
  } catch (err) {
    const size = r.height === undefined ? '' : ` at ${r.height}×${r.width}`;
    throw new Error(`cannot build ${r.entry.name}${size}: ${err instanceof Error ? err.message : String(err)}`);
  }
  writeModel(model, file);
  return { path: file, entry: r.entry, cached: false };
}
