/**
 * Where a benchmark ran (BENCHMARK.md §9): the hardware and software record that makes a latency
 * reproducible, a fingerprint of its stable parts for cache keys, and the model's identity.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { hashFile } from '../cache/file-hash.js';
import type { Model } from '../onnx/model.js';
import { opsetVersion } from '../onnx/model.js';
import { describeGpus, type NvidiaSmi, systemNvidiaSmi } from './gpu.js';
import type { AchievedFlops, Environment, ModelIdentity } from './types.js';

function readCpuinfo(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}

/** What /proc/cpuinfo says, for the parts `os` does not give reliably. */
export interface CpuinfoFacts {
  physicalCores: number | null;
  clockMhz: number | null;
  flags: Set<string>;
}

export function parseCpuinfo(text: string): CpuinfoFacts {
  const cores = new Set<string>();
  const flags = new Set<string>();
  let physicalId = '0';
  let clockMhz: number | null = null;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'physical id') physicalId = value;
    else if (key === 'core id') cores.add(`${physicalId}:${value}`);
    else if (key === 'cpu MHz' && clockMhz === null && Number(value) > 0) clockMhz = Number(value);
    else if ((key === 'flags' || key === 'Features') && flags.size === 0) for (const f of value.split(/\s+/)) flags.add(f);
  }
  return { physicalCores: cores.size > 0 ? cores.size : null, clockMhz, flags };
}

/** fp32 lanes of the widest FMA-capable SIMD the CPU advertises; null when unknown. */
export function fp32SimdLanes(flags: ReadonlySet<string>, arch: string = process.arch): number | null {
  if (flags.has('avx512f')) return 16;
  if (flags.has('avx2') && flags.has('fma')) return 8;
  if (arch === 'arm64' && (flags.has('asimd') || flags.size === 0)) return 4; // NEON is mandatory on arm64
  if (flags.has('sse2')) return 4;
  return null;
}

/** onnxruntime-node is needed only to benchmark: a `--frozen` build reads stored results without it. */
export const ONNXRUNTIME_MISSING =
  'onnxruntime-node is not installed, and benchmarks need it: install it (npm install onnxruntime-node), or build with --frozen from a committed results store (docs/results.md)';

/** What describeEnvironment records when onnxruntime-node is absent (benchmarking then fails with ONNXRUNTIME_MISSING). */
export const NOT_INSTALLED = 'not installed';

function installedOnnxruntime(): string {
  try {
    return onnxruntimeVersion();
  } catch {
    return NOT_INSTALLED;
  }
}

function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = require.resolve('onnxruntime-node/package.json');
  } catch {
    throw new Error(ONNXRUNTIME_MISSING);
  }
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return pkg.version;
}

/** The stable parts of the environment, hashed: same hardware and runtime → same fingerprint. */
export function hardwareFingerprint(env: Omit<Environment, 'fingerprint'>): string {
  const stable = {
    cpuModel: env.cpuModel,
    physicalCores: env.physicalCores,
    logicalCores: env.logicalCores,
    fp32SimdLanes: env.fp32SimdLanes,
    // Rounded: the kernel reports slightly different totals across boots.
    memoryGiB: Math.round(env.memoryBytes / 2 ** 30),
    os: env.os,
    arch: env.arch,
    onnxruntimeVersion: env.onnxruntimeVersion,
    nodeMajor: env.nodeVersion.replace(/^v/, '').split('.')[0],
    // Only where there are GPUs, so a CPU machine's fingerprint (and its stored results) stay as they were.
    ...(env.gpus && env.gpus.length > 0
      ? { gpus: env.gpus.map((g) => ({ name: g.name, memoryGiB: Math.round(g.memoryBytes / 2 ** 30), driver: g.driverVersion, cuda: g.cudaVersion })) }
      : {}),
  };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}

export function describeEnvironment(cpuinfoText: string | undefined = readCpuinfo(), nvidiaSmi: NvidiaSmi = systemNvidiaSmi): Environment {
  const cpus = os.cpus();
  const facts = cpuinfoText !== undefined ? parseCpuinfo(cpuinfoText) : { physicalCores: null, clockMhz: null, flags: new Set<string>() };
  const logicalCores = os.availableParallelism?.() ?? cpus.length;
  const osSpeed = cpus[0]?.speed ?? 0;
  const base: Omit<Environment, 'fingerprint'> = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    // In a container the cpuinfo may list cores this process cannot use: never report more than available.
    physicalCores: Math.min(facts.physicalCores ?? logicalCores, logicalCores),
    logicalCores,
    cpuClockMhz: osSpeed > 0 ? osSpeed : Math.round(facts.clockMhz ?? 0),
    fp32SimdLanes: fp32SimdLanes(facts.flags),
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    nodeVersion: process.version,
    onnxruntimeVersion: installedOnnxruntime(),
  };
  const gpus = describeGpus(nvidiaSmi);
  if (gpus.length > 0) base.gpus = gpus;
  return { ...base, fingerprint: hardwareFingerprint({ ...base, os: os.type() }) };
}

/** The model's identity for the record; pass a sha256 already known (e.g. from a hash memo) to skip hashing. */
export function identifyModel(file: string, model: Model, sha256?: string): ModelIdentity {
  return {
    path: path.resolve(file),
    sha256: sha256 ?? hashFile(file),
    bytes: statSync(file).size,
    opset: opsetVersion(model) ?? null,
  };
}

/** Peak fp32 estimate: physical cores × clock × FMA lanes × 2 (an FMA is two FLOPs); null when a factor is unknown. */
export function peakFlopsEstimate(env: Pick<Environment, 'physicalCores' | 'cpuClockMhz' | 'fp32SimdLanes'>): number | null {
  if (env.cpuClockMhz <= 0 || env.fp32SimdLanes === null) return null;
  return env.physicalCores * env.cpuClockMhz * 1e6 * env.fp32SimdLanes * 2;
}

/** Achieved FLOP/s = FLOPs per sample × batch ÷ median latency; with the fraction of peak when a peak is known. */
export function achievedFlops(flopsPerSample: number, batch: number, latencyMedianMs: number, peakFlopsPerSecond: number | null): AchievedFlops {
  if (!(flopsPerSample >= 0) || !Number.isFinite(flopsPerSample)) throw new Error(`FLOPs must be a non-negative number, got ${flopsPerSample}`);
  const flopsPerSecond = (flopsPerSample * batch) / (latencyMedianMs / 1000);
  return {
    flopsPerSample,
    flopsPerSecond,
    peakFlopsPerSecond,
    fractionOfPeak: peakFlopsPerSecond !== null && peakFlopsPerSecond > 0 ? flopsPerSecond / peakFlopsPerSecond : null,
  };
}
