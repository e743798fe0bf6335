/**
 * `modelpress` as a child process, run from this checkout's sources whatever the child's working
 * folder: `spawn(process.execPath, [...CLI_ARGS, 'build', …], { cwd })`. The in-process runner is
 * test/helpers/cli.ts.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `--import` this for TypeScript: this checkout's tsx, not the one of the child's folder. */
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const CLI_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
/** node's arguments before modelpress's own. */
export const CLI_ARGS: readonly string[] = ['--import', TSX, CLI_MAIN];
