/**
 * `modelpress bench <model.onnx>`: latency and throughput with onnxruntime-node, measured by the
 * protocol of docs/benchmark.md. Progress goes to stderr on a TTY; the result to stdout (text, or
 * `--json`: a BenchReport). Exit 1 when any configuration failed.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { bindInputs, InputBindingError } from '../analysis/bind.js';
import type { Model } from '../onnx/model.js';
import { parseInputFlag } from '../runtime/input-shapes.js';
import { traceNodeLabel } from '../runtime/trace.js';
// The reader, the analysis and the benchmark orchestrator are imported when the command runs.
import type { BenchReport, BenchResult, ExecutionProvider, GraphOptimizationLevel, LatencyStats, MachineLoad } from '../runtime/types.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`${flag} expects a positive integer, got '${value}'`);
    return Number(value);
  };
}

function positiveIntList(flag: string) {
  const one = positiveInt(flag);
  return (value: string): number[] => value.split(',').map((v) => one(v));
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive number, got '${value}'`);
    return n;
  };
}

function providerList(value: string): ExecutionProvider[] {
  return value.split(',').map((p) => {
    const name = p.trim().toLowerCase();
    if (name !== 'cpu' && name !== 'cuda') throw new InvalidArgumentError(`--provider expects cpu or cuda, got '${p}'`);
    return name;
  });
}

interface BenchFlags {
  input?: string;
  batch?: number[];
  threads?: number[];
  provider?: ExecutionProvider[];
  processes: number;
  extraProcesses: number;
  minTime?: number;
  runs?: number;
  precise?: boolean;
  trace?: boolean;
  flops?: number;
  floor: boolean;
  optimization: GraphOptimizationLevel;
  timeout?: number;
  json?: boolean;
}

const ms = (v: number | null): string => (v === null ? '—' : v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(3) : v.toFixed(4));

function statsLine(s: LatencyStats): string {
  const std = s.stdMs === null ? '—' : ms(s.stdMs);
  return (
    `n=${s.n}  mean ${ms(s.meanMs)} ± ${std}  median ${ms(s.medianMs)} [95% CI ${ms(s.medianCi95Ms[0])}–${ms(s.medianCi95Ms[1])}]  ` +
    `IQR ${ms(s.iqrMs)}  p90 ${ms(s.p90Ms)}  p95 ${ms(s.p95Ms)}  p99 ${ms(s.p99Ms)}  min ${ms(s.minMs)}  max ${ms(s.maxMs)} ms  ` +
    `outliers ${s.outliersLow} low / ${s.outliersHigh} high${s.unstable ? `  UNSTABLE (IQR/median ${(s.relativeIqr * 100).toFixed(1)}% > 10%)` : ''}`
  );
}

/**
 * Why the pooled median differs from the headline latency, when it does by 1% or more: the headline is
 * the median of the per-process medians (each process one vote); the pool counts every run, so a
 * process that ran faster, and so fitted more runs into the same time, weighs more in it.
 */
export function pooledNote(headlineMs: number, pooledMs: number, processes: { medianMs: number; runs: number }[]): string[] {
  if (!(headlineMs > 0) || Math.abs(pooledMs - headlineMs) / headlineMs < 0.01) return [];
  const pct = (Math.abs(pooledMs - headlineMs) / headlineMs) * 100;
  const each = processes.map((p) => `${ms(p.medianMs)} ms over ${p.runs} runs`).join(', ');
  return [
    `               the pooled median ${ms(pooledMs)} ms is ${pct.toFixed(1)}% ${pooledMs < headlineMs ? 'below' : 'above'} the latency ${ms(headlineMs)} ms: the latency is the median of the per-process medians (${each}), one vote per process; the pool counts runs, and a faster process fits more runs into the same time`,
  ];
}

function resultText(r: BenchResult): string[] {
  const c = r.config;
  const head = `${c.label}  inputs ${c.inputs.map((i) => `${i.name}=${i.shape.join('x')} ${i.dtype}`).join(', ')}  inter-op ${c.interOpNumThreads}  optimisation ${c.graphOptimizationLevel}`;
  if (r.status === 'failed') return [head, `  FAILED: ${r.reason}`];
  const lines = [
    head,
    `  latency      ${ms(r.latencyMedianMs)} ms/batch [95% CI ${ms(r.latencyCi95Ms[0])}–${ms(r.latencyCi95Ms[1])}] (median of the kept per-process medians: ${r.processes.map((p, i) => `${ms(p.latency.medianMs)}${r.stability.discarded.some((d) => d.index === i) ? ' (discarded: outlier)' : ''}`).join(', ')})`,
    `  throughput   ${r.throughputPerSecond.toFixed(1)} samples/s (batch ÷ median latency); wall-time ${r.throughputWallPerSecond.toFixed(1)} samples/s (batch × runs ÷ timed wall time)`,
    `  stability    ${r.stability.unstable ? `UNSTABLE (${r.stability.reasons.join('; ')})` : 'stable'}; ${r.stability.extraProcesses} extra process${r.stability.extraProcesses === 1 ? '' : 'es'}; stopped: ${r.stability.stoppedBecause}`,
    `  pooled       every timed run of every process together: ${statsLine(r.pooled)}`,
    ...pooledNote(
      r.latencyMedianMs,
      r.pooled.medianMs,
      r.processes.map((p) => ({ medianMs: p.latency.medianMs, runs: p.latency.n })),
    ),
    `  session      create ${r.processes.map((p) => ms(p.sessionCreateMs)).join(', ')} ms; first run ${r.processes.map((p) => ms(p.firstRunMs)).join(', ')} ms; warm-up ${r.processes.map((p) => p.warmupRuns).join(', ')} runs`,
    r.floor ? `  floor        ${ms(r.floor.latencyMedianMs)} ms per call (Identity model, same I/O shapes)` : `  floor        not available: ${r.floorError}`,
  ];
  if (r.achieved) {
    const a = r.achieved;
    const peak =
      a.fractionOfPeak === null ? '' : `, ${(a.fractionOfPeak * 100).toFixed(1)}% of an estimated peak of ${(a.peakFlopsPerSecond! / 1e9).toFixed(1)} GFLOP/s`;
    lines.push(`  achieved     ${(a.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s${peak}`);
  }
  if (r.trace) {
    lines.push(`  kernel time by op type (mean of ${r.trace.runs} profiled runs, ${r.trace.kernelTimeUs.toFixed(1)} µs per run):`);
    for (const op of r.trace.byOpType.slice(0, 12)) {
      lines.push(
        `    ${op.opType.padEnd(24)} ${op.timeUs.toFixed(1).padStart(10)} µs  ${(op.share * 100).toFixed(1).padStart(5)}%  (${op.nodeCount} node${op.nodeCount === 1 ? '' : 's'})`,
      );
    }
    lines.push('  slowest nodes:');
    for (const n of r.trace.byNode.slice(0, 10)) {
      lines.push(`    ${traceNodeLabel(n)}  ${n.opType}  ${n.timeUs.toFixed(1)} µs  ${(n.share * 100).toFixed(1)}%`);
    }
  } else if (r.traceError && !r.traceError.startsWith('not requested')) {
    lines.push(`  per-node breakdown failed: ${r.traceError}`);
  }
  return lines;
}

function formatReport(report: BenchReport, idleWords: (load: MachineLoad) => string): string {
  const e = report.environment;
  const p = report.protocol;
  return [
    `model        ${report.model.path}  opset ${report.model.opset ?? '—'}  sha256 ${report.model.sha256.slice(0, 16)}…`,
    `machine      ${e.cpuModel}, ${e.physicalCores} physical / ${e.logicalCores} logical cores, ${(e.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${e.os} ${e.arch}`,
    ...(e.gpus ?? []).map(
      (g, i) =>
        `gpu ${String(i).padEnd(8)} ${g.name}, ${(g.memoryBytes / 2 ** 30).toFixed(1)} GiB, driver ${g.driverVersion}${g.cudaVersion ? `, CUDA ${g.cudaVersion}` : ''}`,
    ),
    `software     Node ${e.nodeVersion}, onnxruntime-node ${e.onnxruntimeVersion}  (fingerprint ${e.fingerprint})`,
    `protocol     ${p.processes} process${p.processes === 1 ? '' : 'es'} per configuration; warm-up ≥ ${p.warmupMinRuns} runs and ≥ ${p.warmupMinMs / 1000} s; timed ≥ ${p.minRuns} runs and ≥ ${p.minTimeMs / 1000} s, cap ${p.maxRuns} runs / ${p.maxTimeMs / 1000} s; when unstable up to ${p.effort.extraProcesses} extra processes (${p.effort.runsFactor}× the minimums, ≤ ${p.effort.budgetMs / 1000} s in all)`,
    `load         ${e.load ? (e.load.busy ? `BUSY: ${e.load.reason}` : idleWords(e.load)) : 'not sampled'}`,
    '',
    ...report.results.flatMap((r) => [...resultText(r), '']),
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure latency (ms per batch) and throughput of an ONNX model with onnxruntime-node, with the method recorded')
    .argument('<model>', 'the .onnx model file')
    .option('--input <shapes>', 'input shapes: name=1x3x224x224,other=1x128 or a bare 1x3x224x224 for a single-input model')
    .option('--batch <n>', 'batch size(s), comma-separated (sets a dynamic leading dimension)', positiveIntList('--batch'))
    .option('--threads <n>', 'intraOpNumThreads, comma-separated (default: physical cores)', positiveIntList('--threads'))
    .option('--provider <name>', 'execution provider(s): cpu, cuda (comma-separated)', providerList)
    .option('--processes <n>', 'child processes per configuration', positiveInt('--processes'), 3)
    .option(
      '--extra-processes <n>',
      'extra processes at most for a configuration that comes out unstable (0: none)',
      (v: string) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--extra-processes must be a whole number ≥ 0');
        return Number(v);
      },
      2,
    )
    .option('--min-time <s>', 'minimum timed phase, seconds (default 2, 5 with --precise)', positiveNumber('--min-time'))
    .option('--runs <n>', 'minimum timed runs (default 30, 100 with --precise)', positiveInt('--runs'))
    .option('--precise', 'timed phase ≥ 5 s and ≥ 100 runs')
    .option('--trace', 'add a per-node breakdown from a separate profiled pass')
    .option(
      '--flops <n>',
      'FLOPs of one sample for achieved FLOP/s (default: counted by modelpress profile at the benchmarked shapes)',
      positiveNumber('--flops'),
    )
    .option('--no-floor', 'skip measuring the binding floor (Identity model)')
    .addOption(new Option('--optimization <level>', 'ORT graph optimisation level').choices(['disabled', 'basic', 'extended', 'all']).default('all'))
    .option('--timeout <s>', 'kill a worker process after this many seconds', positiveNumber('--timeout'))
    .option('--json', 'print the BenchReport as JSON')
    .action(async (modelPath: string, flags: BenchFlags) => {
      try {
        await runBench(modelPath, flags);
      } catch (err) {
        // Shapes that do not bind are the user's to fix: usage exit code, as in `modelpress profile`.
        if (!(err instanceof InputBindingError)) throw err;
        process.stderr.write(`modelpress bench: ${err.message}\n`);
        process.exitCode = 2;
      }
    });
}

/** Notes for leading (batch) dims neither --batch nor --input sized: the default profile and documents use too. */
function assumedBatchLines(model: Model, flags: BenchFlags): string {
  if (flags.batch !== undefined) return '';
  try {
    const { assumed } = bindInputs(model.graph, flags.input !== undefined ? parseInputFlag(flags.input) : undefined);
    return assumed
      .map(
        (a) =>
          `note: input '${a.input}': its leading dim (${typeof a.dim === 'string' ? `'${a.dim}'` : 'unnamed'}) was not given and is assumed ${a.value}; set it with --batch or --input\n`,
      )
      .join('');
  } catch {
    return ''; // shapes that do not bind were reported by the run itself
  }
}

async function runBench(modelPath: string, flags: BenchFlags): Promise<void> {
  const [{ profileModel }, { readModel }, { runBenchmark }, { protocolFromFlags }, { idleWords }] = await Promise.all([
    import('../analysis/profile.js'),
    import('../onnx/reader.js'),
    import('../runtime/orchestrator.js'),
    import('../runtime/protocol.js'),
    import('../runtime/load.js'),
  ]);
  const model = readModel(modelPath);
  const protocol = protocolFromFlags({ precise: flags.precise, runs: flags.runs, minTimeS: flags.minTime });
  const showProgress = process.stderr.isTTY === true;
  const report = await runBenchmark({
    modelPath,
    model,
    inputShapes: flags.input !== undefined ? parseInputFlag(flags.input) : undefined,
    batches: flags.batch,
    threads: flags.threads,
    providers: flags.provider,
    processes: flags.processes,
    effort: { extraProcesses: flags.extraProcesses },
    protocol,
    floor: flags.floor,
    trace: flags.trace === true,
    flopsPerSample: flags.flops,
    // Without --flops, achieved FLOP/s comes from counting the model at each configuration's shapes.
    countFlops: (inputs) => profileModel(model, { inputs: Object.fromEntries(inputs.map((i) => [i.name, i.shape])) }).totals.flops,
    modelSha256: (await import('../cache/file-hash.js')).projectSha256(modelPath),
    graphOptimizationLevel: flags.optimization,
    childTimeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : undefined,
    onProgress: showProgress ? (m) => process.stderr.write(`${m}\n`) : undefined,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, idleWords)}\n${assumedBatchLines(model, flags)}`);
  if (report.environment.load?.busy)
    process.stderr.write(
      `modelpress bench: warning: the machine was busy (${report.environment.load.reason}); latencies may be slower and noisier than on an idle machine\n`,
    );
  for (const r of report.results) {
    if (r.status === 'ok' && r.stability.unstable)
      process.stderr.write(
        `modelpress bench: warning: ${r.config.label} is unstable after extra effort (${r.stability.reasons.join('; ')}; stopped: ${r.stability.stoppedBecause})\n`,
      );
  }
  if (report.results.some((r) => r.status === 'failed')) process.exitCode = 1;
}
