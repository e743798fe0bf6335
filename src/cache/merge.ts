/**
 * `modelpress results merge DIR…`: import result files made elsewhere (a cluster's workers, a
 * co-author's machine) into the results store. Each file keeps its place (`bench/<machine>/…`,
 * `profile/…`), so merging is a copy — idempotent: a file the store already holds (the same key and
 * value) is left alone. Two different results at one place are a conflict: the store's stays where
 * it is, the incoming one is kept beside it (`<name>.conflict-<hash>.json`) and the merge warns, so
 * no measurement is lost and the user decides which to keep.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseResultFile, resultJsonFiles, type ResultFile } from './results.js';
import { canonicalJson, sha256Hex, writeFileAtomic } from './store.js';

export interface MergeReport {
  /** Store paths written (new results). */
  imported: string[];
  /** Incoming files the store already held. */
  unchanged: string[];
  /** Different results at the same place: both kept. */
  conflicts: { file: string; kept: string; reason: string }[];
  /** Files that are not results (or not where results belong), with why. */
  skipped: { file: string; reason: string }[];
  /** Folders that could not be read at all. */
  unreadable: { dir: string; reason: string }[];
}

/** The same measurement: the same key and the same value (when it was stored does not matter). */
function sameResult(a: ResultFile<unknown>, b: ResultFile<unknown>): boolean {
  return a.key === b.key && canonicalJson(a.value) === canonicalJson(b.value);
}

/** Merge every result file under each folder into the store at `root`. */
export function mergeResults(root: string, dirs: string[]): MergeReport {
  const report: MergeReport = { imported: [], unchanged: [], conflicts: [], skipped: [], unreadable: [] };
  for (const dir of dirs) {
    let files: string[];
    try {
      files = resultJsonFiles(dir);
    } catch (err) {
      report.unreadable.push({ dir, reason: (err as Error).message });
      continue;
    }
    for (const file of files) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      const text = readFileSync(file, 'utf8');
      const entry = parseResultFile(text);
      if (typeof entry === 'string') {
        report.skipped.push({ file, reason: entry });
        continue;
      }
      const segments = rel.split('/');
      const top = segments[0];
      if (top !== entry.kind || (entry.kind === 'bench' && segments.length !== 4) || (entry.kind === 'profile' && segments.length !== 3)) {
        report.skipped.push({
          file,
          reason: `a ${entry.kind} result belongs at ${entry.kind === 'bench' ? 'bench/<machine>/<model>/<config>.json' : 'profile/<model>/<input>.json'} inside the folder, not at ${rel}`,
        });
        continue;
      }
      if (entry.kind === 'bench' && entry.machine !== undefined && entry.machine !== segments[1]) {
        report.skipped.push({ file, reason: `measured on machine '${entry.machine}' but filed under bench/${segments[1]}/` });
        continue;
      }
      const dest = path.join(root, ...segments);
      let existing: string | undefined;
      try {
        existing = readFileSync(dest, 'utf8');
      } catch {
        existing = undefined;
      }
      if (existing === undefined) {
        writeFileAtomic(dest, text);
        report.imported.push(dest);
        continue;
      }
      const held = parseResultFile(existing);
      if (typeof held !== 'string' && sameResult(held, entry)) {
        report.unchanged.push(dest);
        continue;
      }
      // Both kept: the incoming one beside the store's, named by its content (merging it again finds it there).
      const kept = dest.replace(/\.json$/, `.conflict-${sha256Hex(text).slice(0, 8)}.json`);
      const already = (() => {
        try {
          return readFileSync(kept, 'utf8') === text;
        } catch {
          return false;
        }
      })();
      if (!already) writeFileAtomic(kept, text);
      const reason =
        typeof held === 'string'
          ? `the store's file cannot be read as a result (${held})`
          : held.key !== entry.key
            ? `measured with other key parts (store ${held.key.slice(0, 12)}…, stored ${held.storedAt}; incoming ${entry.key.slice(0, 12)}…, stored ${entry.storedAt})`
            : `the same configuration measured twice with different numbers (store: stored ${held.storedAt}; incoming: stored ${entry.storedAt})`;
      report.conflicts.push({ file: dest, kept, reason });
    }
  }
  return report;
}
