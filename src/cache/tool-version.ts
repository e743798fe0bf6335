/**
 * The tool version that goes into every cache key: a new modelpress may count differently, so its
 * results never mix with an older version's. Read from package.json (two folders up from src/ or dist/).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
