/**
 * `modelpress results merge DIR…`: import result files (from run-unit on a cluster, or another
 * checkout's store) into the results store. Idempotent; a conflict keeps both files and warns.
 * Exit codes: 0 ok (conflicts are warnings), 1 a folder could not be read, 2 usage errors.
 */
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { UsageError } from '../project/formats.js';

export function register(program: Command): void {
  const results = program.command('results').description('the results store (modelpress-results/)');
  results
    .command('merge')
    .description('import result files from folders (run-unit outputs, other stores) into the results store')
    .argument('<dirs...>', 'folders holding bench/… and profile/… result files')
    .option('--results <dir>', 'the store to merge into (default: the project\'s, config "results", else modelpress-results/)')
    .action(async (dirs: string[], flags: { results?: string }) => {
      const { projectResultsDir } = await import('../project/store.js');
      let store: string;
      try {
        store = flags.results ? path.resolve(flags.results) : projectResultsDir();
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`modelpress results merge: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      const { mergeResults } = await import('../cache/merge.js');
      const report = mergeResults(
        store,
        dirs.map((d) => path.resolve(d)),
      );
      const rel = (f: string) => path.relative(process.cwd(), f) || f;
      for (const u of report.unreadable) process.stderr.write(`${pc.red('error')} cannot read ${rel(u.dir)}: ${u.reason}\n`);
      for (const s of report.skipped) process.stderr.write(`${pc.yellow('warning')} skipped ${rel(s.file)}: ${s.reason}\n`);
      for (const c of report.conflicts) {
        process.stderr.write(
          `${pc.yellow('warning')} conflict at ${rel(c.file)}: ${c.reason}; kept both: the incoming one as ${rel(c.kept)} (delete the one you do not want; only ${path.basename(c.file)} is read)\n`,
        );
      }
      process.stdout.write(
        `${rel(store)}: ${report.imported.length} imported, ${report.unchanged.length} already there, ${report.conflicts.length} conflict${report.conflicts.length === 1 ? '' : 's'}` +
          `${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}\n`,
      );
      process.exitCode = report.unreadable.length > 0 ? 1 : 0;
    });
}
