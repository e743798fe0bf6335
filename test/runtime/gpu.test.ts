/**
 * The GPU code paths without a GPU (issue 17): nvidia-smi's output parsed from a recording, the
 * environment and its fingerprint with a mocked nvidia-smi, the CUDA provider's session options and
 * its install check with a mocked binary folder, and GPU timing that includes the completed work.
 * On a GPU machine the CUDA path runs for real: README "Benchmarks on a GPU".
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEnvironment, hardwareFingerprint } from '../../src/runtime/environment.js';
import { describeGpus, parseCudaVersion, parseGpuQuery, QUERY_ARGS } from '../../src/runtime/gpu.js';
import { completedRun, timedRun } from '../../src/runtime/measure.js';
import { runPhase } from '../../src/runtime/protocol.js';
import { CUDA_INSTALL_HINT, providerProblem, sessionOptions } from '../../src/runtime/session.js';

// Recorded from an 8-GPU H200 node (driver 550.54.15) and a workstation; the banner's first lines.
const QUERY = 'NVIDIA H200, 143771, 550.54.15\nNVIDIA H200, 143771, 550.54.15\n';
const BANNER = `Tue Dec  1 10:00:00 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
`;

const fake = (answers: Record<string, string | undefined>) => {
  const calls: string[][] = [];
  const run = (args: string[]) => {
    calls.push(args);
    return answers[args.join(' ')];
  };
  return { run, calls };
};

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-gpu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('nvidia-smi', () => {
  it('parses model, memory, driver and CUDA version', () => {
    expect(parseCudaVersion(BANNER)).toBe('12.4');
    // 143771 MiB = 143771 · 2^20 B = 150,754,820,096 B (140.4 GiB).
    expect(parseGpuQuery(QUERY, '12.4')).toEqual([
      { name: 'NVIDIA H200', memoryBytes: 150_754_820_096, driverVersion: '550.54.15', cudaVersion: '12.4' },
      { name: 'NVIDIA H200', memoryBytes: 150_754_820_096, driverVersion: '550.54.15', cudaVersion: '12.4' },
    ]);
    // A name with a comma keeps it; lines that are not GPUs (an error text) are skipped.
    expect(parseGpuQuery('Quadro RTX 8000, Max-Q, 48601, 535.104.05\nNo devices were found\n', null).map((g) => [g.name, g.memoryBytes / 2 ** 20])).toEqual([
      ['Quadro RTX 8000, Max-Q', 48601],
    ]);
    expect(parseCudaVersion('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.')).toBeNull();
  });

  it('asks nvidia-smi once for the GPUs and once for its banner; no nvidia-smi, no GPUs', () => {
    const smi = fake({ [QUERY_ARGS.join(' ')]: QUERY, '': BANNER });
    expect(describeGpus(smi.run)).toHaveLength(2);
    expect(smi.calls).toEqual([QUERY_ARGS, []]);
    const none = fake({});
    expect(describeGpus(none.run)).toEqual([]);
    expect(none.calls).toEqual([QUERY_ARGS]);
  });

  it('asks the system nvidia-smi once for each question within a build', () => {
    const log = path.join(tmp, 'smi-calls.log');
    const smi = path.join(tmp, 'nvidia-smi-logged');
    writeFileSync(
      smi,
      `#!/bin/sh\necho "call:$1" >> '${log}'\nif [ "$1" = "${QUERY_ARGS[0]}" ]; then printf '%s' '${QUERY.trim()}'; else cat <<'EOF'\n${BANNER}EOF\nfi\n`,
    );
    chmodSync(smi, 0o755);
    const saved = process.env.MODELPRESS_NVIDIA_SMI;
    try {
      process.env.MODELPRESS_NVIDIA_SMI = smi;
      const first = describeGpus();
      expect(describeGpus()).toEqual(first);
      expect(first).toHaveLength(2);
      // The query and the banner, each run once for the two descriptions.
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([`call:${QUERY_ARGS[0]}`, 'call:']);
    } finally {
      if (saved === undefined) delete process.env.MODELPRESS_NVIDIA_SMI;
      else process.env.MODELPRESS_NVIDIA_SMI = saved;
    }
  });

  it('runs the nvidia-smi that MODELPRESS_NVIDIA_SMI names', () => {
    const smi = path.join(tmp, 'nvidia-smi');
    writeFileSync(smi, `#!/bin/sh\nif [ "$1" = "${QUERY_ARGS[0]}" ]; then printf '%s' '${QUERY.trim()}'; else cat <<'EOF'\n${BANNER}EOF\nfi\n`);
    chmodSync(smi, 0o755);
    const saved = process.env.MODELPRESS_NVIDIA_SMI;
    try {
      process.env.MODELPRESS_NVIDIA_SMI = smi;
      expect(describeGpus().map((g) => [g.name, g.memoryBytes, g.driverVersion, g.cudaVersion])).toEqual([
        ['NVIDIA H200', 150_754_820_096, '550.54.15', '12.4'],
        ['NVIDIA H200', 150_754_820_096, '550.54.15', '12.4'],
      ]);
      process.env.MODELPRESS_NVIDIA_SMI = path.join(tmp, 'absent');
      expect(describeGpus()).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.MODELPRESS_NVIDIA_SMI;
      else process.env.MODELPRESS_NVIDIA_SMI = saved;
    }
  });

  it('records the GPUs in the environment and its fingerprint; a CPU machine keeps its fingerprint', () => {
    const cpuinfo = 'processor : 0\nphysical id : 0\ncore id : 0\nflags : sse2 avx2 fma\n';
    const cpu = describeEnvironment(cpuinfo, fake({}).run);
    const gpu = describeEnvironment(cpuinfo, fake({ [QUERY_ARGS.join(' ')]: QUERY, '': BANNER }).run);
    expect(cpu.gpus).toBeUndefined();
    expect(gpu.gpus?.map((g) => [g.name, g.driverVersion, g.cudaVersion])).toEqual([
      ['NVIDIA H200', '550.54.15', '12.4'],
      ['NVIDIA H200', '550.54.15', '12.4'],
    ]);
    expect(gpu.fingerprint).not.toBe(cpu.fingerprint);
    // Without GPUs the fingerprint is the hash of exactly the fields it hashed before GPUs were recorded.
    const { fingerprint: _f, load: _l, gpus: _g, ...base } = cpu;
    const before = {
      cpuModel: base.cpuModel,
      physicalCores: base.physicalCores,
      logicalCores: base.logicalCores,
      fp32SimdLanes: base.fp32SimdLanes,
      memoryGiB: Math.round(base.memoryBytes / 2 ** 30),
      os: os.type(),
      arch: base.arch,
      onnxruntimeVersion: base.onnxruntimeVersion,
      nodeMajor: base.nodeVersion.replace(/^v/, '').split('.')[0],
    };
    expect(cpu.fingerprint).toBe(createHash('sha256').update(JSON.stringify(before)).digest('hex').slice(0, 16));
    expect(hardwareFingerprint({ ...base, os: os.type() })).toBe(cpu.fingerprint);
  });
});

describe('the CUDA execution provider', () => {
  it('asks onnxruntime for CUDA with the CPU as fallback for unsupported ops', () => {
    const base = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
    expect(sessionOptions({ ...base, provider: 'cuda' }).executionProviders).toEqual(['cuda', 'cpu']);
    expect(sessionOptions({ ...base, provider: 'cpu' }).executionProviders).toEqual(['cpu']);
  });

  it('checks that the provider library is installed (a mocked binary folder)', () => {
    const binaries = path.join(tmp, 'bin');
    mkdirSync(binaries);
    expect(providerProblem('cuda', { binaries, platform: 'linux/x64' })).toBe(`--provider cuda: ${CUDA_INSTALL_HINT}`);
    writeFileSync(path.join(binaries, 'libonnxruntime_providers_cuda.so'), '');
    expect(providerProblem('cuda', { binaries, platform: 'linux/x64' })).toBeNull();
    expect(providerProblem('cuda', { binaries, platform: 'darwin/arm64' })).toMatch(/only for linux\/x64, not darwin\/arm64/);
    expect(providerProblem('cpu', { binaries: '/nowhere', platform: 'win32/x64' })).toBeNull();
  });

  it('times a GPU run until its outputs are on the host', async () => {
    // A fake clock in ms: run() returns after 1 ms with an output still on the device, whose download
    // takes 4 ms more (the kernel finishing). A timed GPU sample is 1 + 4 = 5 ms, a CPU one 1 ms.
    let now = 0n;
    const clock = () => now * 1_000_000n;
    const downloads: string[] = [];
    const run = async () => {
      now += 1n;
      return {
        y: {
          location: 'gpu-buffer',
          getData: async () => {
            now += 4n;
            downloads.push('y');
            return new Float32Array(1);
          },
        },
        host: {
          location: 'cpu',
          getData: async () => {
            throw new Error('a host tensor is not downloaded');
          },
        },
      };
    };
    const rules = { minRuns: 3, maxRuns: 3, minTimeMs: 0, maxTimeMs: 1e9 };
    expect((await runPhase(timedRun('cuda', run), rules, clock)).samplesMs).toEqual([5, 5, 5]);
    expect(downloads).toEqual(['y', 'y', 'y']);
    expect((await runPhase(timedRun('cpu', run), rules, clock)).samplesMs).toEqual([1, 1, 1]);
    expect(downloads).toHaveLength(3);
    // The same wrapper serves the binding floor (measureConfig times every model through timedRun).
    expect(await completedRun(async () => ({ a: { location: 'cpu' } }))()).toEqual({ a: { location: 'cpu' } });
  });
});
