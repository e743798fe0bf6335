/**
 * sha256 of model files, remembered by (path, size, mtime) so a warm rebuild does not re-read
 * hundreds of megabytes of weights. A file whose size or mtime changed is hashed again; the cache key
 * is always the content hash, so a touched-but-identical file still hits the result cache.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { cacheDirOf, projectRoot } from './project.js';
import { writeFileAtomic } from './store.js';

interface Remembered {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Hash a file in 4 MiB chunks (no whole-file buffer for large models). */
/** A file's identity without reading it: size, mtime and inode (a rename-into-place write changes the inode). */
export function statIdentity(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

export function hashFile(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export class FileHashes {
  private memo: Record<string, Remembered> | undefined;
  private dirty = false;

  /** `file`: where the memo lives (`.modelpress/cache/file-hashes.json`); undefined keeps it in memory only. */
  constructor(private readonly file?: string) {}

  private load(): Record<string, Remembered> {
    if (this.memo) return this.memo;
    this.memo = {};
    if (this.file) {
      try {
        const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) this.memo = parsed as Record<string, Remembered>;
      } catch {
        // Absent or unreadable: start afresh (it is only a memo of hashes that can be recomputed).
      }
    }
    return this.memo;
  }

  /** sha256 of the file; throws the fs error (ENOENT…) when it cannot be read. */
  sha256(file: string): string {
    const abs = path.resolve(file);
    const st = statSync(abs);
    const memo = this.load();
    const known = memo[abs];
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && typeof known.sha256 === 'string') return known.sha256;
    const sha256 = hashFile(abs);
    memo[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    this.dirty = true;
    return sha256;
  }

  save(): void {
    if (this.file && this.dirty && this.memo) {
      writeFileAtomic(this.file, JSON.stringify(this.memo));
      this.dirty = false;
    }
  }
}

/** The hash memo of the project around `cwd` (`<root>/.modelpress/cache/file-hashes.json`). */
export function projectFileHashes(cwd: string): FileHashes {
  return new FileHashes(path.join(cacheDirOf(projectRoot(cwd).root), 'file-hashes.json'));
}

/** sha256 of one file through the project's (path, size, mtime) memo, saved at once: re-profiling or re-benchmarking does not re-hash. */
export function projectSha256(file: string, cwd: string = process.cwd()): string {
  const hashes = projectFileHashes(cwd);
  const sha256 = hashes.sha256(file);
  hashes.save();
  return sha256;
}
