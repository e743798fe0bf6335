/**
 * Stamps of outputs that an expensive step makes from known inputs (the PDF, printed by Chromium from
 * its HTML and the assets the page loads): for each output, the sha256 of its inputs and of the bytes
 * written, in one JSON file under `.modelpress/cache/`. An output is up to date when it still holds
 * the stamped bytes and its inputs hash the same, so a rebuild with nothing changed launches nothing.
 * A missing or unreadable stamp file only means "make it again".
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashFile } from './file-hash.js';
import { writeFileAtomic } from './store.js';

interface Stamp {
  inputs: string;
  output: string;
}

/** sha256 over a list of parts, each length-prefixed so ('ab','c') and ('a','bc') differ. */
export function hashParts(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    h.update(`${bytes.byteLength}:`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/** The file's sha256 (the one file hasher, file-hash.ts), or undefined when it cannot be read. */
function fileSha256(file: string): string | undefined {
  try {
    return hashFile(file);
  } catch {
    return undefined;
  }
}

export class OutputStamps {
  private stamps: Record<string, Stamp> | undefined;

  constructor(private readonly file: string) {}

  private load(): Record<string, Stamp> {
    if (this.stamps) return this.stamps;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      this.stamps = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Stamp>) : {};
    } catch {
      this.stamps = {};
    }
    return this.stamps;
  }

  /** True when `output` exists with the bytes stamped for these inputs. */
  upToDate(output: string, inputs: string): boolean {
    const stamp = this.load()[output];
    if (!stamp || stamp.inputs !== inputs) return false;
    return fileSha256(output) === stamp.output;
  }

  /** Remember that `output` (as it is now on disk) was made from `inputs`. */
  record(output: string, inputs: string): void {
    const sha = fileSha256(output);
    if (sha === undefined) return;
    const stamps = this.load();
    stamps[output] = { inputs, output: sha };
    try {
      writeFileAtomic(this.file, `${JSON.stringify(stamps, null, 1)}\n`);
    } catch {
      // A stamp that cannot be written costs one more print next time, never this build.
    }
  }
}
