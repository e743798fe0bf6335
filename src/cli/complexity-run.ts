/**
 * What `modelpress complexity <family…> --vary n[,d]`: measured complexity from the terminal. Builds each
 * family at every point of the sweep, counts MACs, FLOPs and depth, fits a power law per variable and
 * prints the claimed order beside the measured exponents (the table of `::complexity`), or JSON.
 *
 *   modelpress complexity self_attention recurrent convolutional restricted_attention --vary n
 *   modelpress complexity self_attention --vary n,d --values "n=128,256,512 d=64,128" --points
 *   modelpress complexity vit_b_16 swin_t --vary side --metrics macs,attention_macs --svg sides.svg
 *   modelpress complexity self_attention --vary n --latency --min-time 0.5   (also time each point)
 *   modelpress complexity --list
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addLatency, type ComplexityMetric, type FamilySweep, sweepFamily, SweepError } from '../analysis/complexity.js';
import type { Convention } from '../analysis/types.js';
import { writeFileAtomic } from '../cache/store.js';
import { writeModel } from '../onnx/writer.js';
import { runBenchmark } from '../runtime/orchestrator.js';
import { protocolFromFlags } from '../runtime/protocol.js';
import { chartToSvg } from '../render/chart.js';
import { complexityChart, complexityTable } from '../render/complexity.js';
import { resolveFormat } from '../render/format.js';
import type { TableData } from '../render/types.js';
import { families, familyNamed } from '../zoo/families.js';

/** A TableData as aligned text columns (numbers right-aligned), then its footnotes. */
export function tableText(t: TableData): string {
  const columns = t.groups.flatMap((g) => g.columns);
  const head = [t.stubHeader, ...columns.map((c) => c.header)];
  const rows = t.rows.map((r) => [r.label, ...r.cells.map((c) => c.text)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i > 0 && columns[i - 1]!.numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line), '', ...t.footnotes.map((f) => `  ${f}`)].join('\n') + '\n';
}

function pointsText(sweeps: FamilySweep[], metrics: ComplexityMetric[]): string {
  const lines: string[] = [];
  for (const s of sweeps) {
    lines.push(`${s.family.label}:`);
    for (const p of s.points) {
      const vars = Object.entries(p.vars)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      lines.push(`  ${vars}  ${metrics.map((m) => `${m} ${p.values[m].toLocaleString('en-US')}`).join('  ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

export interface ComplexityOptions {
  vary?: string[];
  values?: Record<string, number[]>;
  at?: Record<string, number[]>;
  metrics: ComplexityMetric[];
  convention: Convention;
  json?: boolean;
  points?: boolean;
  svg?: string;
  list?: boolean;
  latency?: boolean;
  minTime?: number;
  threads?: number;
}

/** Median latency (ms) of one run of `model` at `inputs`, with the benchmark harness (one process, no floor). */
async function timePoint(
  model: Parameters<typeof writeModel>[0],
  inputs: Record<string, number[]>,
  opts: ComplexityOptions,
  dir: string,
  index: number,
): Promise<number> {
  const file = path.join(dir, `point-${index}.onnx`);
  writeModel(model, file);
  const report = await runBenchmark({
    modelPath: file,
    model,
    inputShapes: new Map(Object.entries(inputs)),
    processes: 1,
    floor: false,
    threads: opts.threads !== undefined ? [opts.threads] : undefined,
    protocol: { ...protocolFromFlags({ minTimeS: opts.minTime ?? 0.5 }), warmupMinMs: 200, warmupMinRuns: 3, minRuns: 5, maxTimeMs: 20_000 },
  });
  const r = report.results[0];
  if (!r) throw new Error('the benchmark returned no result');
  if (r.status !== 'ok') throw new Error(`benchmark failed: ${r.reason}`);
  return r.latencyMedianMs;
}

/** The command's work, loaded only when it runs (src/cli/complexity.ts declares its options). */
export async function runComplexity(names: string[], opts: ComplexityOptions): Promise<void> {
  if (opts.list || names.length === 0) {
    const lines = families.map(
      (f) =>
        `${f.name.padEnd(22)} ${f.claim.text.padEnd(30)} variables: ${Object.entries(f.variables)
          .map(([k, v]) => `${k} (${v.description}, default ${v.default})`)
          .join('; ')}`,
    );
    process.stdout.write(lines.join('\n') + '\n');
    if (!opts.list) {
      process.stderr.write('modelpress complexity: name one or more families (above) and --vary\n');
      process.exitCode = 2;
    }
    return;
  }
  if (!opts.vary) {
    process.stderr.write('modelpress complexity: --vary is required, e.g. --vary n or --vary n,d\n');
    process.exitCode = 2;
    return;
  }
  const at = Object.fromEntries(Object.entries(opts.at ?? {}).map(([k, v]) => [k, v[0]!]));
  const sweeps: FamilySweep[] = [];
  for (const name of names) {
    let family;
    try {
      family = familyNamed(name);
    } catch (err) {
      process.stderr.write(`modelpress complexity: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const vary = opts.vary.filter((v) => v in family.variables).map((v) => ({ name: v, values: opts.values?.[v] }));
    if (vary.length === 0) {
      process.stderr.write(
        `modelpress complexity: ${name} has none of the variables ${opts.vary.join(', ')}; its variables are ${Object.keys(family.variables).join(', ')}\n`,
      );
      process.exitCode = 2;
      return;
    }
    try {
      const ownAt = Object.fromEntries(Object.entries(at).filter(([k]) => k in family.variables));
      sweeps.push(sweepFamily(family, { vary, at: ownAt, convention: opts.convention }, opts.metrics));
    } catch (err) {
      if (!(err instanceof SweepError)) throw err;
      process.stderr.write(`modelpress complexity: ${err.message}; change --values or --at\n`);
      process.exitCode = 2;
      return;
    }
  }
  if (opts.latency) {
    if (!opts.metrics.includes('latency')) opts.metrics = [...opts.metrics, 'latency'];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-complexity-'));
    try {
      let index = 0;
      for (const s of sweeps) {
        await addLatency(s, (model, inputs, p) => {
          process.stderr.write(
            `${s.family.name} ${Object.entries(p.vars)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}: timing…\n`,
          );
          return timePoint(model, inputs, opts, dir, index++);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (opts.metrics.includes('latency')) {
    process.stderr.write('modelpress complexity: latency is timed with --latency\n');
    process.exitCode = 2;
    return;
  }
  if (opts.svg) {
    const spec = complexityChart(sweeps, resolveFormat(undefined));
    const file = path.resolve(opts.svg);
    writeFileAtomic(file, chartToSvg(spec));
    process.stderr.write(`${file}: chart written\n`);
  }
  if (opts.json) {
    const out = sweeps.map((s) => ({
      family: s.family.name,
      claim: s.family.claim,
      sequential: s.family.sequential,
      pathLength: s.family.pathLength ? { text: s.family.pathLength.text, derivation: s.family.pathLength.derivation, derived: true } : undefined,
      varied: s.varied,
      axes: s.axes,
      convention: s.convention,
      points: s.points,
      fits: s.fits.map((f) => ({ metric: f.metric, exponents: f.exponents, r2: f.fit?.r2, coefficient: f.fit?.coefficient, problem: f.problem })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(tableText(complexityTable(sweeps, { metrics: opts.metrics })));
  if (opts.points) process.stdout.write(`\n${pointsText(sweeps, opts.metrics)}`);
}
