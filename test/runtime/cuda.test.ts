/**
 * The CUDA path for real, where it can run: on a linux/x64 machine with an NVIDIA GPU (nvidia-smi
 * reports one) and onnxruntime-node's CUDA provider installed (README "Benchmarks on a GPU"). It
 * benchmarks a small Gemm model with `--provider cuda` and a profiled pass, and checks that the
 * Gemm ran on the CUDA execution provider, that the environment names the GPU, and that the timed
 * runs (which wait for the outputs on the host) and the binding floor were measured. Elsewhere it
 * skips, printing why; test/runtime/gpu.test.ts covers the same code with the provider mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { readModel } from '../../src/onnx/reader.js';
import { writeModel } from '../../src/onnx/writer.js';
import { describeGpus } from '../../src/runtime/gpu.js';
import { runBenchmark } from '../../src/runtime/orchestrator.js';
import { providerProblem } from '../../src/runtime/session.js';

const gpus = describeGpus();
const problem = gpus.length === 0 ? 'no NVIDIA GPU (nvidia-smi reports none)' : providerProblem('cuda');
if (problem) console.warn(`skipping the real CUDA benchmark: ${problem}`);

let dir: string | undefined;
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe.skipIf(problem !== null)('--provider cuda on this GPU', () => {
  it('runs the Gemm on the CUDA execution provider and records the GPU', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mp-cuda-real-'));
    // x [N, 256] · W [256, 256] + b: 256·256 = 65,536 MACs per sample.
    const b = new GraphBuilder({ opset: 17, name: 'gpu_gemm' });
    const x = b.input('x', 'float32', ['N', 256]);
    b.output(b.op('Gemm', [x, b.weight('fc.weight', [256, 256]), b.weight('fc.bias', [256])], {}, '/fc/Gemm'), 'float32');
    const file = path.join(dir, 'gemm.onnx');
    writeModel(b.build(), file);
    const report = await runBenchmark({
      modelPath: file,
      model: readModel(file),
      batches: [8],
      threads: [1],
      providers: ['cuda'],
      processes: 1,
      effort: { extraProcesses: 0 },
      protocol: { warmupMinRuns: 5, warmupMinMs: 50, minRuns: 30, minTimeMs: 200, maxRuns: 5000, maxTimeMs: 10_000 },
      trace: true,
      traceRuns: 10,
    });
    const r = report.results[0]!;
    expect(r.status, r.status === 'failed' ? r.reason : '').toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.config.provider).toBe('cuda');
    expect(report.environment.gpus?.[0]?.name).toBe(gpus[0]!.name);
    expect(r.floor?.latencyMedianMs).toBeGreaterThan(0);
    expect(r.latencyMedianMs).toBeGreaterThan(0);
    // The profiled pass names the provider of each kernel: the Gemm is CUDA's, not the CPU fallback's.
    const gemm = r.trace?.byNode.find((n) => n.opType === 'Gemm' || n.originalName === '/fc/Gemm');
    expect(gemm?.provider).toBe('CUDAExecutionProvider');
  }, 120_000);
});
