/**
 * Where a build writes the zoo models it benchmarks when it keeps results in a results store (then
 * no zoo file is kept): one folder per process, made on first use and removed when the process exits.
 * Each benchmark writes its model's graph there, deleted after the benchmark, and its weights over
 * one shared data file, written in place (writer.ts `overwrite`): a cold example build writes 2.9 GB
 * of weights, and overwriting the pages of the previous model's file instead of allocating new ones
 * took the kernel's share of that from about 2.6 s to a fraction of it (issue 13). The file is as
 * large as the largest model's weights (VGG-16: 553 MB) until the process ends. A process stopped by
 * a signal leaves its folder behind; the next build removes the folders of processes that are gone.
 *
 * A benchmark holds the data file for as long as it runs (`leaseWeights`): a second one at the same
 * time gets a file of its own, deleted when it is released, so two models never share the bytes.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `modelpress-scratch-<pid>-` and six random characters (mkdtemp): the pid says whose folder it is. */
const PREFIX = 'modelpress-scratch-';
const OWNER = new RegExp(`^${PREFIX}(\\d+)-`);

let folder: string | undefined;
let cleanupRegistered = false;
let shared = { inUse: false };
let next = 1;

/** The process's scratch folder for benchmarked zoo models. */
export function scratchFolder(): string {
  if (folder && existsSync(folder)) return folder;
  removeOrphans(os.tmpdir());
  folder = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  shared = { inUse: false };
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', removeScratchFolder);
  }
  return folder;
}

/**
 * Scratch folders of processes that are gone: a build stopped by a signal (Ctrl-C) ends without its
 * 'exit' event, and its folder would keep the largest model's weights in the temporary folder.
 */
export function removeOrphans(tmp: string): void {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(OWNER.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(path.join(tmp, name), { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists (ours or another user's: EPERM means it does). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Remove the scratch folder now (at exit, or where a process ends without an 'exit' event: a test worker). */
export function removeScratchFolder(): void {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
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
