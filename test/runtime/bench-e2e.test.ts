/**
 * End to end: real child processes, real onnxruntime sessions, on small models built in code.
 * No timing is asserted (the machine is shared); what is asserted is the structure the protocol
 * guarantees and the arithmetic that ties the reported numbers together.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { readModel } from '../../src/onnx/reader.js';
import { writeModel } from '../../src/onnx/writer.js';
import { runBenchmark, runInChild } from '../../src/runtime/orchestrator.js';
import { providerProblem } from '../../src/runtime/session.js';
import { median } from '../../src/runtime/stats.js';
import type { BenchReport } from '../../src/runtime/types.js';
import { QUICK_PROTOCOL } from '../helpers/protocol.js';

const quick = QUICK_PROTOCOL;

let dir: string;
let modelPath: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-bench-test-'));
  // x[batch, 16] → MatMul [16, 10] → Relu → Reshape to a fixed [1, 10]: runs at batch 1, fails at batch 2
  // (20 elements cannot become 1×10), which gives one failing configuration beside a working one.
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['batch', 16]);
  const w = b.weight('fc.weight', [16, 10]);
  const y = b.op('MatMul', [x, w], {}, '/fc/MatMul');
  const r = b.op('Relu', [y], {}, '/act/Relu');
  const shape = b.int64s('target_shape', [1, 10]);
  b.output(b.op('Reshape', [r, shape], {}, '/reshape/Reshape'));
  modelPath = path.join(dir, 'tiny.onnx');
  writeModel(b.build(), modelPath);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
// main() reports through process.exitCode; do not let one CLI test's code leak into the next.
afterEach(() => {
  process.exitCode = undefined;
});

describe('runBenchmark in child processes', () => {
  let report: BenchReport;
  beforeAll(async () => {
    report = await runBenchmark({
      modelPath,
      model: readModel(modelPath),
      batches: [1, 2],
      threads: [1],
      processes: 2,
      protocol: quick,
      // No extra processes: the test checks the structure of exactly two (effort.test.ts covers the extra effort).
      effort: { extraProcesses: 0 },
      trace: true,
      traceRuns: 5,
      // MatMul 16×10 per sample: 160 MACs = 320 FLOPs (Relu and Reshape not counted here)
      flopsPerSample: 320,
    });
  }, 120_000);

  it('measures the working configuration in 2 processes and aggregates them as specified', () => {
    const ok = report.results[0]!;
    expect(ok.config.label).toBe('batch=1 threads=1 cpu');
    if (ok.status !== 'ok') throw new Error(`expected ok, got: ${ok.reason}`);
    expect(ok.config.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 16] }]);
    expect(ok.config.intraOpNumThreads).toBe(1);
    expect(ok.processes).toHaveLength(2);
    expect(new Set(ok.processes.map((p) => p.pid)).size).toBe(2);
    for (const p of ok.processes) {
      expect(p.latency.n).toBeGreaterThanOrEqual(quick.minRuns);
      expect(p.warmupRuns).toBeGreaterThanOrEqual(quick.warmupMinRuns);
      expect(p.outputs).toEqual([{ name: '/reshape/Reshape_output_0', dtype: 'float32', shape: [1, 10] }]);
      // wall-time throughput = batch × runs ÷ wall time of the timed loop
      expect(p.throughputWallPerSecond).toBeCloseTo((1 * p.latency.n) / (p.timedWallMs / 1000), 6);
      expect(p.sessionCreateMs).toBeGreaterThan(0);
      expect(p.firstRunMs).toBeGreaterThan(0);
    }
    // median of the per-process medians; of two values it is their mean
    expect(ok.latencyMedianMs).toBeCloseTo(median(ok.processes.map((p) => p.latency.medianMs)), 12);
    expect(ok.latencyMedianMs).toBeCloseTo((ok.processes[0]!.latency.medianMs + ok.processes[1]!.latency.medianMs) / 2, 12);
    // the one throughput is batch ÷ median latency (issue 12: it must agree with the latency printed beside it)
    expect(ok.throughputPerSecond).toBeCloseTo(1 / (ok.latencyMedianMs / 1000), 9);
    // the headline CI brackets the headline median
    expect(ok.latencyCi95Ms[0]).toBeLessThanOrEqual(ok.latencyMedianMs);
    expect(ok.latencyCi95Ms[1]).toBeGreaterThanOrEqual(ok.latencyMedianMs);
    expect(ok.stability.extraProcesses).toBe(0);
    // pooled statistics cover every timed sample of both processes
    expect(ok.pooled.n).toBe(ok.processes[0]!.latency.n + ok.processes[1]!.latency.n);
    // achieved FLOP/s = 320 × 1 ÷ median latency (s)
    expect(ok.achieved!.flopsPerSecond).toBeCloseTo(320 / (ok.latencyMedianMs / 1000), 3);
  });

  it('reports the binding floor and the per-node breakdown of a separate profiled pass', () => {
    const ok = report.results[0]!;
    if (ok.status !== 'ok') throw new Error('expected ok');
    expect(ok.floorError).toBeNull();
    expect(ok.floor!.latency.n).toBeGreaterThanOrEqual(quick.minRuns);
    expect(ok.traceError).toBeNull();
    const trace = ok.trace!;
    expect(trace.runs).toBe(5);
    // every node ORT kept maps back to a name in the model
    const names = ['/fc/MatMul', '/act/Relu', '/reshape/Reshape'];
    for (const n of trace.byNode) {
      if (n.originalName !== null) expect(names).toContain(n.originalName);
      else expect(n.nearestOriginalName === null || names.includes(n.nearestOriginalName)).toBe(true);
    }
    expect(trace.byNode.length).toBeGreaterThan(0);
    // shares of kernel time add up to 1
    expect(trace.byOpType.reduce((s, o) => s + o.share, 0)).toBeCloseTo(1, 9);
  });

  it("fails the batch-2 configuration with onnxruntime's reason and still finishes the other", () => {
    const failed = report.results[1]!;
    expect(failed.config.label).toBe('batch=2 threads=1 cpu');
    if (failed.status !== 'failed') throw new Error('expected the batch-2 configuration to fail');
    expect(failed.reason).toMatch(/Reshape/);
    expect(failed.processes).toEqual([]);
    expect(report.results[0]!.status).toBe('ok');
  });

  it('records the environment and the model identity', () => {
    expect(report.environment.onnxruntimeVersion).toBe('1.30.0');
    expect(report.environment.logicalCores).toBeGreaterThanOrEqual(report.environment.physicalCores);
    expect(report.model.opset).toBe(17);
    expect(report.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.protocol.processes).toBe(2);
  });
});

describe('the binding floor of identical inputs and outputs', () => {
  // Two models with the same input and output (names, dtypes, shapes) but other weights, and one whose
  // output differs: the floor model is built from the inputs and outputs alone, so the first two share it.
  const tinyModel = (seed: number, out: number): string => {
    const b = new GraphBuilder({ opset: 17, seed });
    const x = b.input('x', 'float32', [1, 16]);
    b.output(b.op('Relu', [b.op('MatMul', [x, b.weight('fc.weight', [16, out])], {}, '/fc/MatMul')], {}, '/act/Relu'), 'float32', [1, out]);
    const file = path.join(dir, `floor-${seed}-${out}.onnx`);
    writeModel(b.build(), file);
    return file;
  };
  const bench = async (file: string, said: string[]) => {
    const r = (
      await runBenchmark({
        modelPath: file,
        model: readModel(file),
        batches: [1],
        threads: [1],
        processes: 1,
        protocol: quick,
        effort: { extraProcesses: 0 },
        onProgress: (m) => said.push(m),
      })
    ).results[0]!;
    if (r.status !== 'ok' || !r.floor) throw new Error('expected a measured result with a floor');
    return r.floor;
  };

  it('is measured once and reused; a different output gets its own', async () => {
    const said: string[][] = [[], [], []];
    const first = await bench(tinyModel(1, 8), said[0]!);
    const second = await bench(tinyModel(2, 8), said[1]!);
    const other = await bench(tinyModel(3, 4), said[2]!);
    const measured = /binding floor: median [\d.]+ ms over \d+ runs$/;
    expect(said[0]!.some((m) => measured.test(m))).toBe(true);
    expect(said[1]!.some((m) => measured.test(m))).toBe(false);
    expect(said[1]!.some((m) => /binding floor of the same inputs and outputs measured \d+ s ago/.test(m))).toBe(true);
    expect(second).toEqual(first);
    expect(said[2]!.some((m) => measured.test(m))).toBe(true);
    expect(other.latency.n).toBeGreaterThanOrEqual(quick.minRuns);
  }, 120_000);
});

describe('a floor that cannot be measured', () => {
  it('leaves the measurement of its process as it is, with the reason in floorError', async () => {
    // x → Cast to string (ONNX TensorProto.STRING = 8): a string output has no floor model.
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', 'float32', [1, 4]);
    b.output(b.op('Cast', [x], { to: 8 }, '/cast/Cast'), 'string', [1, 4]);
    const file = path.join(dir, 'string-output.onnx');
    writeModel(b.build(), file);
    const r = (
      await runBenchmark({ modelPath: file, model: readModel(file), batches: [1], threads: [1], processes: 1, protocol: quick, effort: { extraProcesses: 0 } })
    ).results[0]!;
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.latencyMedianMs).toBeGreaterThan(0);
    expect(r.processes[0]!.latency.n).toBeGreaterThanOrEqual(quick.minRuns);
    expect(r.floor).toBeNull();
    expect(r.floorError).toBe("cannot build the floor model: output '/cast/Cast_output_0' is a string tensor: no floor model for string outputs");
  }, 60_000);
});

describe('failures in a child', () => {
  it('a model onnxruntime cannot load is reported with the load error', async () => {
    const b = new GraphBuilder();
    b.output(b.op('NoSuchOperator', [b.input('x', 'float32', [1])]));
    const bad = path.join(dir, 'bad.onnx');
    writeModel(b.build(), bad);
    const reply = await runInChild(
      {
        kind: 'measure',
        protocol: quick,
        config: {
          label: 'bad',
          modelPath: bad,
          inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
          batch: 1,
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          provider: 'cpu',
          graphOptimizationLevel: 'all',
          inputSeed: 1,
        },
      },
      60_000,
    );
    expect(reply.kind).toBe('error');
    if (reply.kind === 'error') expect(reply.message).toMatch(/^onnxruntime cannot load .*bad\.onnx: .*NoSuchOperator/);
  });

  it('a child that does not answer in time is killed and reported as a time-out', async () => {
    const reply = await runInChild(
      {
        kind: 'measure',
        protocol: quick,
        config: {
          label: 't',
          modelPath,
          inputs: [{ name: 'x', dtype: 'float32', shape: [1, 16] }],
          batch: 1,
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          provider: 'cpu',
          graphOptimizationLevel: 'all',
          inputSeed: 1,
        },
      },
      50,
    );
    expect(reply).toEqual({ kind: 'error', message: 'timed out after 50 ms (worker killed)' });
  });

  it('--provider cuda without the CUDA provider fails with how to install it', async () => {
    const problem = providerProblem('cuda');
    if (problem === null) return; // this machine has the CUDA provider: nothing to check here
    expect(problem).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js');
  });
});

describe('modelpress bench (CLI)', () => {
  function capture(): { out: () => string; restore: () => void } {
    let text = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
    return { out: () => text, restore: () => void (process.stdout.write = write) };
  }

  it('--json prints a BenchReport for the given input shape and thread count', async () => {
    const c = capture();
    let code: number;
    try {
      code = await main([
        'bench',
        modelPath,
        '--input',
        '1x16',
        '--threads',
        '1',
        '--processes',
        '1',
        '--min-time',
        '0.05',
        '--runs',
        '5',
        '--no-floor',
        '--json',
      ]);
    } finally {
      c.restore();
    }
    expect(code).toBe(0);
    const report = JSON.parse(c.out()) as BenchReport;
    expect(report.results).toHaveLength(1);
    const r = report.results[0]!;
    expect(r.status).toBe('ok');
    expect(r.config.inputs[0]!.shape).toEqual([1, 16]);
    expect(report.protocol).toMatchObject({ minRuns: 5, minTimeMs: 50, processes: 1 });
    if (r.status === 'ok') {
      expect(r.floorError).toBe('not measured (--no-floor)');
      // Without --flops the CLI counts the model at the benchmarked shape: MatMul 1×16·16×10 =
      // 1·10·(2·16 − 1) = 310 FLOPs, Relu 10, Reshape 0 → 320 FLOPs per sample (batch 1).
      expect(r.achieved!.flopsPerSample).toBe(320);
    }
  }, 60_000);

  it('without --batch or --input the symbolic batch is 1, and the text report says it assumed so', async () => {
    const c = capture();
    let code: number;
    try {
      code = await main(['bench', modelPath, '--threads', '1', '--processes', '1', '--min-time', '0.05', '--runs', '5', '--no-floor']);
    } finally {
      c.restore();
    }
    expect(code).toBe(0);
    expect(c.out()).toContain('x=1x16');
    expect(c.out()).toContain("note: input 'x': its leading dim ('batch') was not given and is assumed 1; set it with --batch or --input");
  }, 60_000);

  it('a symbolic dimension without a size is a clear error before anything runs', async () => {
    const b = new GraphBuilder();
    b.output(b.op('Relu', [b.input('ids', 'float32', ['batch', 'sequence'])]));
    const seq = path.join(dir, 'seq.onnx');
    writeModel(b.build(), seq);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['bench', seq]);
    } finally {
      process.stderr.write = write;
    }
    // a binding error is a usage error: exit code 2, as for `modelpress profile`
    expect(code).toBe(2);
    expect(errors.join('')).toContain(
      `modelpress bench: cannot bind the input shapes: input 'ids' 1×sequence: dim 1 ('sequence') unknown. Give them with --input 1xN`,
    );
  });
});

describe('corrupt model file', () => {
  it('the CLI names the file when it is not an ONNX model', async () => {
    const junk = path.join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['bench', junk]);
    } finally {
      process.stderr.write = write;
    }
    expect(code).toBe(1);
    expect(errors.join('')).toContain(junk);
  });
});
