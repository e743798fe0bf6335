/**
 * `modelpress run-unit --plan plan.json [--index N | --shard i/n] [--results DIR]`: measure one work
 * unit of a plan (or every n-th) and write its result file atomically into DIR (default: the
 * project's results store). Without --index the unit comes from SLURM_ARRAY_TASK_ID or
 * JOB_COMPLETION_INDEX. A failing unit says why and the command exits 1; with --shard the other
 * units still run. Exit codes: 0 ok, 1 a unit failed, 2 usage errors.
 */
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { UsageError } from '../project/formats.js';

interface RunUnitFlags {
  plan: string;
  index?: string;
  shard?: string;
  results?: string;
}

export function register(program: Command): void {
  program
    .command('run-unit')
    .description('run one work unit of a plan (a scheduler array task) and write its result file')
    .requiredOption('--plan <file>', 'the plan made by modelpress plan')
    .option('--index <n>', 'the unit (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX)')
    .option('--shard <i/n>', 'run every n-th unit, starting at unit i')
    .option('--results <dir>', "where to write the result (default: the plan's results store)")
    .action(async (flags: RunUnitFlags) => {
      // The plan's schema (zod) and the measuring code load only when a unit runs.
      const [{ describeUnit, runUnit, selectUnits }, { PlanError, readPlan }] = await Promise.all([
        import('../project/run-unit.js'),
        import('../cache/work-unit.js'),
      ]);
      let plan;
      let indexes: number[];
      try {
        plan = readPlan(flags.plan);
        indexes = selectUnits(plan.units.length, flags);
      } catch (err) {
        if (err instanceof PlanError || err instanceof UsageError) {
          process.stderr.write(`modelpress run-unit: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      const root = path.resolve(path.dirname(flags.plan), plan.root);
      const results = path.resolve(flags.results ?? path.join(root, plan.results));
      let failed = 0;
      for (const i of indexes) {
        const unit = plan.units[i]!;
        const outcome = await runUnit(plan, flags.plan, unit, results);
        if (outcome.ok) {
          process.stdout.write(`${describeUnit(unit)}: ${outcome.cached ? 'already measured' : 'measured'}: ${path.relative(process.cwd(), outcome.file)}\n`);
        } else {
          failed++;
          process.stderr.write(`${pc.red('error')} ${describeUnit(unit)} failed: ${outcome.reason}\n`);
        }
      }
      if (indexes.length > 1 && failed > 0) process.stderr.write(`modelpress run-unit: ${failed} of ${indexes.length} units failed (the others are written)\n`);
      process.exitCode = failed > 0 ? 1 : 0;
    });
}
