import { describe, expect, it } from 'vitest';
import { achievedFlops, fp32SimdLanes, hardwareFingerprint, parseCpuinfo, peakFlopsEstimate } from '../../src/runtime/environment.js';
import type { Environment } from '../../src/runtime/types.js';

// Four logical CPUs on two physical cores (two hyper-threads each), in /proc/cpuinfo's format.
const cpuinfo = [0, 1, 2, 3]
  .map((p) =>
    [
      `processor\t: ${p}`,
      'model name\t: AMD EPYC',
      'cpu MHz\t\t: 2596.142',
      'physical id\t: 0',
      `core id\t\t: ${p % 2}`,
      'flags\t\t: fpu sse sse2 avx avx2 fma avx512f',
      '',
    ].join('\n'),
  )
  .join('\n');

describe('environment', () => {
  it('counts physical cores as distinct (physical id, core id) pairs and reads clock and flags', () => {
    const facts = parseCpuinfo(cpuinfo);
    expect(facts.physicalCores).toBe(2);
    expect(facts.clockMhz).toBe(2596.142);
    expect(fp32SimdLanes(facts.flags, 'x64')).toBe(16);
    expect(fp32SimdLanes(new Set(['sse2', 'avx2', 'fma']), 'x64')).toBe(8);
    expect(fp32SimdLanes(new Set(['sse2']), 'x64')).toBe(4);
    expect(fp32SimdLanes(new Set(), 'x64')).toBeNull();
  });

  it('peak = cores × clock × lanes × 2 and achieved = FLOPs × batch ÷ median', () => {
    // 2 cores × 2.596e9 Hz × 16 lanes × 2 = 166.144e9 FLOP/s
    expect(peakFlopsEstimate({ physicalCores: 2, cpuClockMhz: 2596, fp32SimdLanes: 16 })).toBeCloseTo(166.144e9, 0);
    expect(peakFlopsEstimate({ physicalCores: 2, cpuClockMhz: 0, fp32SimdLanes: 16 })).toBeNull();
    // 1e9 FLOPs × batch 2 ÷ 4 ms = 5e11 FLOP/s; ÷ 1e12 peak = 0.5
    expect(achievedFlops(1e9, 2, 4, 1e12)).toEqual({ flopsPerSample: 1e9, flopsPerSecond: 5e11, peakFlopsPerSecond: 1e12, fractionOfPeak: 0.5 });
    expect(achievedFlops(1e9, 2, 4, null).fractionOfPeak).toBeNull();
  });

  it('the fingerprint ignores the clock and the kernel release but not the core count', () => {
    const base: Omit<Environment, 'fingerprint'> = {
      cpuModel: 'AMD EPYC',
      physicalCores: 2,
      logicalCores: 2,
      cpuClockMhz: 2596,
      fp32SimdLanes: 16,
      memoryBytes: 25276514304,
      os: 'Linux',
      arch: 'x64',
      nodeVersion: 'v20.20.2',
      onnxruntimeVersion: '1.30.0',
    };
    const fp = hardwareFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(hardwareFingerprint({ ...base, cpuClockMhz: 3100, nodeVersion: 'v20.11.0' })).toBe(fp);
    expect(hardwareFingerprint({ ...base, physicalCores: 4 })).not.toBe(fp);
    expect(hardwareFingerprint({ ...base, onnxruntimeVersion: '1.29.0' })).not.toBe(fp);
  });
});
