/**
 * The GPUs of the machine, for the environment record (BENCHMARK.md §9): model, memory, driver and
 * CUDA versions from `nvidia-smi`, which ships with every NVIDIA driver. The command is run through
 * an injectable runner so the parsing is tested with recorded output where no GPU is present;
 * `MODELPRESS_NVIDIA_SMI` names another executable (a driver installed off the PATH).
 */
import { spawnSync } from 'node:child_process';
import type { GpuInfo } from './types.js';

/** Runs nvidia-smi with these arguments: its stdout, or undefined when it is absent or fails. */
export type NvidiaSmi = (args: string[]) => string | undefined;

export const QUERY_ARGS = ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'];

/** What nvidia-smi answered lately, by command and arguments: GPUs do not change within a build. */
const answers = new Map<string, { at: number; stdout: string | undefined }>();
/** How long an answer stands (a long `watch` session asks again). */
export const GPU_QUERY_REUSE_MS = 10 * 60_000;

/**
 * The system's nvidia-smi (or MODELPRESS_NVIDIA_SMI's), asked once per GPU_QUERY_REUSE_MS: a document
 * build describes the machine for every benchmark, and each call is a process (tens of milliseconds
 * with a driver, a failed spawn without one).
 */
export const systemNvidiaSmi: NvidiaSmi = (args) => {
  const command = process.env.MODELPRESS_NVIDIA_SMI || 'nvidia-smi';
  const key = JSON.stringify([command, ...args]);
  const known = answers.get(key);
  if (known && Date.now() - known.at < GPU_QUERY_REUSE_MS) return known.stdout;
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const stdout = run.error || run.status !== 0 ? undefined : run.stdout;
  answers.set(key, { at: Date.now(), stdout });
  return stdout;
};

/**
 * `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`: one line
 * per GPU, `NVIDIA H200, 143771, 550.54.15` (memory in MiB). Lines that do not parse are skipped.
 */
export function parseGpuQuery(text: string, cudaVersion: string | null): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // The name may hold commas only in theory; the last two fields are numbers and a version.
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 3) continue;
    const driverVersion = fields.pop()!;
    const mib = Number(fields.pop());
    const name = fields.join(', ');
    if (!name || !Number.isFinite(mib) || mib <= 0 || !/^\d+(\.\d+)*$/.test(driverVersion)) continue;
    gpus.push({ name, memoryBytes: mib * 2 ** 20, driverVersion, cudaVersion });
  }
  return gpus;
}

/** The CUDA version in nvidia-smi's banner: `| NVIDIA-SMI 550.54.15  Driver Version: 550.54.15  CUDA Version: 12.4 |`. */
export function parseCudaVersion(banner: string): string | null {
  return /CUDA Version:\s*(\d+(?:\.\d+)*)/.exec(banner)?.[1] ?? null;
}

/** Every NVIDIA GPU of the machine; empty without nvidia-smi (no NVIDIA driver) or when it fails. */
export function describeGpus(run: NvidiaSmi = systemNvidiaSmi): GpuInfo[] {
  const query = run(QUERY_ARGS);
  if (query === undefined) return [];
  const banner = run([]);
  return parseGpuQuery(query, banner === undefined ? null : parseCudaVersion(banner));
}
