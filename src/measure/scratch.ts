/**
 * Where a build writes the zoo models it benchmarks when it keeps results in a results store (then
 * no zoo file is kept): one folder per process, made on first use and removed when the process exits.
 * Each benchmark writes its model's graph there, deleted after the benchmark, and its weights over
 * one shared data file, written in place (writer.ts `overwrite`): a cold example build writes 2.9 GB
 * of weights, and overwriting the pages of the previous model's file instead of allocating new ones
 * took the kernel's share of that from about 2.6 s to a fraction of it (issue 13). The file is as
 * large as the largest model's weights (VGG-16: 553 MB) until the process ends; a process killed by
 * a signal leaves the folder in the system's temporary folder.
 *
 * A benchmark holds the data file for as long as it runs (`leaseWeights`): a second one at the same
 * time gets a file of its own, deleted when it is released, so two models never share the bytes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let folder: string | undefined;
let cleanupRegistered = false;
let shared = { inUse: false };
let next = 1;

/** The process's scratch folder for benchmarked zoo models. */
export function scratchFolder(): string {
  if (folder && existsSync(folder)) return folder;
  folder = mkdtempSync(path.join(os.tmpdir(), 'modelpress-zoo-'));
  shared = { inUse: false };
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', () => {
      if (folder) rmSync(folder, { recursive: true, force: true });
    });
  }
  return folder;
}

/** A data file for one benchmark's weights, by name in the scratch folder, and its release. */
export function leaseWeights(): { location: string; release: () => void } {
  const dir = scratchFolder();
  if (!shared.inUse) {
    const lease = shared;
    lease.inUse = true;
    return { location: 'weights.bin', release: () => void (lease.inUse = false) };
  }
  const location = `weights-${next++}.bin`;
  return { location, release: () => rmSync(path.join(dir, location), { force: true }) };
}
