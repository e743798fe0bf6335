/**
 * `modelpress complexity <family…> --vary n[,d]`: its options. The sweeps, the zoo families and the
 * benchmark harness are imported when the command runs (complexity-run.ts), so `--help` stays light.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { COMPLEXITY_METRICS, type ComplexityMetric } from '../analysis/complexity-metrics.js';
import { CONVENTIONS, type Convention } from '../analysis/types.js';
import type { ComplexityOptions } from './complexity-run.js';

function parseList(value: string): string[] {
  const words = value.split(/[\s,]+/).filter((w) => w !== '');
  if (words.length === 0) throw new InvalidArgumentError('give at least one name');
  return words;
}

function parseAssignments(value: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const part of value.split(/\s+/).filter((p) => p !== '')) {
    const m = /^([A-Za-z_]\w*)=([\d.,]+)$/.exec(part);
    const values = m
      ? m[2]!
          .split(',')
          .filter((x) => x !== '')
          .map(Number)
      : [];
    if (!m || values.length === 0 || values.some((x) => !Number.isFinite(x) || x <= 0)) {
      throw new InvalidArgumentError(`'${part}' is not name=value[,value…] with positive values, e.g. "n=128,256,512 d=64"`);
    }
    out[m[1]!] = values;
  }
  return out;
}

function parseMetrics(value: string): ComplexityMetric[] {
  const words = parseList(value);
  for (const w of words)
    if (!(COMPLEXITY_METRICS as readonly string[]).includes(w)) throw new InvalidArgumentError(`unknown metric '${w}'; use ${COMPLEXITY_METRICS.join(', ')}`);
  return words as ComplexityMetric[];
}

function parseConvention(value: string): Convention {
  if (!(CONVENTIONS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${CONVENTIONS.join(', ')}`);
  return value as Convention;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('complexity [families...]')
    .description('sweep one or two size variables of model families built in code, fit power laws, print measured vs claimed order')
    .option('--vary <vars>', 'the variables to sweep, e.g. n or n,d', parseList)
    .option('--values <assignments>', 'swept values, e.g. "n=128,256,512 d=64,128" (default: each family\'s)', parseAssignments)
    .option('--at <assignments>', 'values of the variables not swept, e.g. "d=512"', parseAssignments)
    .option('--metrics <list>', `what to count: ${COMPLEXITY_METRICS.join(', ')}`, parseMetrics, ['macs', 'flops', 'depth'] as ComplexityMetric[])
    .option('--convention <name>', 'counting convention', parseConvention, 'exact' as Convention)
    .option('--points', 'also print every point of the sweep')
    .option('--latency', 'also time every point (onnxruntime, one process) and fit the latencies')
    .option('--min-time <s>', 'with --latency: timed seconds per point (default 0.5)', parsePositive)
    .option('--threads <n>', 'with --latency: intra-op threads', parsePositive)
    .option('--svg <file>', 'write the log–log chart of the claimed metric against the first variable')
    .option('--json', 'print the sweeps (points, exponents, R²) as JSON')
    .option('--list', 'list the families with their variables and claims')
    .action(async (names: string[], opts: ComplexityOptions) => {
      const { runComplexity } = await import('./complexity-run.js');
      await runComplexity(names, opts);
    });
}
