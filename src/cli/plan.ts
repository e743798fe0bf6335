/**
 * `modelpress plan [content…] --machine NAME [--provider cuda] [--out plan.json]`: the benchmarks the
 * documents need that the results store lacks for that machine, as work units for a scheduler
 * (docs/cluster.md). Prints how many units there are and the array size to ask for.
 * Exit codes: 0 ok, 1 document errors, 2 usage errors.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { UsageError } from '../project/formats.js';

interface PlanFlags {
  machine: string;
  provider?: 'cpu' | 'cuda';
  out: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('list the benchmarks the documents need that the results store lacks for a machine, as work units for a scheduler')
    .argument('[content...]', 'Markdown files or folders (default: config "content", else content/)')
    .requiredOption('--machine <name>', 'the machine the units are for (its short name in the results store)')
    .addOption(new Option('--provider <provider>', "that machine's execution provider").choices(['cpu', 'cuda']))
    .option('--out <file>', 'where to write the plan', 'plan.json')
    .action(async (content: string[], flags: PlanFlags) => {
      const [{ makePlan }, diagnostics] = await Promise.all([import('../project/plan.js'), import('./diagnostics.js')]);
      let made;
      try {
        made = await makePlan({ inputs: content, machine: flags.machine, provider: flags.provider });
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`modelpress plan: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      const out = path.resolve(flags.out);
      // Model paths are relative to the project root; the plan names the root relative to itself.
      made.plan.root = path.relative(path.dirname(out), made.root).split(path.sep).join('/') || '.';
      const [{ readableJson }, { writeFileAtomic }] = await Promise.all([import('../cache/results.js'), import('../cache/store.js')]);
      writeFileAtomic(out, `${readableJson(made.plan, 2)}\n`);
      // Diagnostics as `build` prints them: one line each, file:line:col: severity: message [rule].
      const report = diagnostics.formatDiagnostics(made.files, { color: pc.isColorSupported && Boolean(process.stderr.isTTY) });
      if (report) process.stderr.write(`${report}\n`);
      for (const f of made.failures) process.stderr.write(`${pc.red('error')} ${f}\n`);
      const n = made.plan.units.length;
      process.stdout.write(
        `${path.relative(process.cwd(), out) || out}: ${n} unit${n === 1 ? '' : 's'} for machine ${made.plan.machine} (${made.stored} already stored)` +
          (n > 0
            ? `; run them with modelpress run-unit --plan ${path.relative(process.cwd(), out)} --index 0…${n - 1} (sbatch --array=0-${n - 1}, or a Job with completions: ${n})`
            : '') +
          '\n',
      );
      // A model that cannot be counted or bound cannot be planned either: exit 1, as a build would fail it.
      const unplannable = ['missing-model', 'model-load', 'unbound-dim', 'input-binding', 'analysis'];
      const errors = made.failures.length > 0 || made.files.some((f) => f.messages.some((m) => unplannable.includes(m.ruleId ?? '')));
      process.exitCode = errors ? 1 : 0;
    });
}
