/**
 * `modelpress clean`: remove the generated output folder and the measurement cache (`.modelpress/`).
 * `--keep-cache` removes only the output (measurements are expensive to redo).
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../cache/project.js';

async function clean(cwd: string, options: { out?: string; keepCache?: boolean } = {}): Promise<string[]> {
  const { root, configFile } = projectRoot(path.resolve(cwd));
  let out = options.out;
  // The config schema (zod) is loaded only when there is a config to read.
  if (out === undefined && configFile) out = (await import('../document/settings.js')).readProjectConfig(configFile).out;
  const targets = [path.resolve(root, out ?? 'output')];
  if (!options.keepCache) targets.push(path.join(root, '.modelpress'));
  const removed = targets.filter((t) => existsSync(t));
  for (const t of removed) rmSync(t, { recursive: true, force: true });
  return removed;
}

export function register(program: Command): void {
  program
    .command('clean')
    .description('remove the output folder and the measurement cache (.modelpress/)')
    .option('--out <dir>', 'output folder (default: config "out", else output/)')
    .option('--keep-cache', 'keep .modelpress/ (stored profiles and benchmarks)')
    .action(async (flags: { out?: string; keepCache?: boolean }) => {
      const removed = await clean(process.cwd(), flags);
      for (const r of removed) process.stdout.write(`removed ${path.relative(process.cwd(), r) || r}\n`);
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
    });
}
