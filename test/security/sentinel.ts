/**
 * A strace-free check that nothing reads a file: the sentinel's access time is set an hour before its
 * modification time, so under the default `relatime` mount option the first read of it moves the
 * access time (a stat or an open without a read does not). Its content is also distinctive, so a
 * leak into an output is found by value: four int64 dims 7, 11, 13, 17 and an ASCII marker.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SENTINEL_NAME = 'sentinel.bin';
export const SENTINEL_DIMS = [7, 11, 13, 17];
export const SENTINEL_MARKER = 'MODELPRESS-SENTINEL-19';

export interface Sentinel {
  file: string;
  atimeMs: number;
}

export function prepareSentinel(dir: string): Sentinel {
  const file = path.join(dir, SENTINEL_NAME);
  const dims = Buffer.alloc(32);
  SENTINEL_DIMS.forEach((d, i) => dims.writeBigInt64LE(BigInt(d), i * 8));
  fs.writeFileSync(file, Buffer.concat([dims, Buffer.from(SENTINEL_MARKER)]));
  const now = Date.now();
  fs.utimesSync(file, new Date(now - 3_600_000), new Date(now));
  return { file, atimeMs: fs.statSync(file).atimeMs };
}

export function sentinelWasRead(s: Sentinel): boolean {
  return fs.statSync(s.file).atimeMs !== s.atimeMs;
}

/** Whether this file system records reads in the access time (noatime mounts do not). */
export function atimeDetectsReads(dir: string): boolean {
  const probe = prepareSentinel(fs.mkdtempSync(path.join(dir, 'probe-')));
  fs.readFileSync(probe.file);
  const works = sentinelWasRead(probe);
  fs.rmSync(path.dirname(probe.file), { recursive: true, force: true });
  return works;
}

/** Whether `text` (a JSON output, a message) carries the sentinel's dims or marker. */
export function leakedIn(text: string): boolean {
  return text.includes(SENTINEL_MARKER) || /7\D{1,3}11\D{1,3}13\D{1,3}17/.test(text);
}
