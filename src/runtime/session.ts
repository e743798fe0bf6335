/**
 * Creating an onnxruntime-node session for a benchmark configuration: threads always explicit, the
 * execution provider checked first so a missing CUDA provider fails with a message that says how to
 * install it, not with a native loader error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider, GraphOptimizationLevel } from './types.js';

export interface SessionSettings {
  provider: ExecutionProvider;
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  /** Profiled pass only: ORT writes `<prefix>_<date>_<time>.json` at release. */
  profileFilePrefix?: string;
}

export function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: settings.intraOpNumThreads,
    interOpNumThreads: settings.interOpNumThreads,
    graphOptimizationLevel: settings.graphOptimizationLevel,
    executionMode: 'sequential',
  };
  if (settings.profileFilePrefix !== undefined) {
    options.enableProfiling = true;
    options.profileFilePrefix = settings.profileFilePrefix;
  }
  return options;
}

/** The folder holding onnxruntime-node's native binaries for this platform. */
function ortBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * How to get the CUDA provider, from onnxruntime-node 1.30's install script (script/install.js and
 * install-utils.js): the postinstall downloads the provider libraries from the
 * Microsoft.ML.OnnxRuntime.Gpu.Linux NuGet package, only on linux/x64. This project keeps it from
 * running (package.json `allowScripts` denies it on npm 11; ONNXRUNTIME_NODE_INSTALL=skip on older
 * npm), so the opt-in runs the script by hand with the flag set to cuda12.
 */
export const CUDA_INSTALL_HINT =
  'the CUDA provider of onnxruntime-node is not installed (this project keeps its install script from downloading it). ' +
  'On linux/x64 with CUDA 12 and cuDNN 9, opt in with: (cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js) ' +
  '(it downloads libonnxruntime_providers_cuda.so from the Microsoft.ML.OnnxRuntime.Gpu.Linux NuGet package into node_modules/onnxruntime-node/bin)';

/** null when the provider can be used, else the reason in words. */
export function providerProblem(
  provider: ExecutionProvider,
  /** Where the native binaries are, and the platform (injectable: tests mock an installed provider). */
  where: { binaries?: string; platform?: string } = {},
): string | null {
  if (provider === 'cpu') return null;
  const platform = where.platform ?? `${process.platform}/${process.arch}`;
  if (platform !== 'linux/x64') {
    return `--provider cuda: onnxruntime-node 1.30 ships a CUDA provider only for linux/x64, not ${platform}`;
  }
  const library = path.join(where.binaries ?? ortBinaryFolder(), 'libonnxruntime_providers_cuda.so');
  if (!existsSync(library)) return `--provider cuda: ${CUDA_INSTALL_HINT}`;
  return null;
}

/** Make the session from a model file or the model's bytes, timing only `InferenceSession.create`. */
export async function createSession(model: string | Uint8Array, settings: SessionSettings): Promise<{ session: ort.InferenceSession; createMs: number }> {
  const problem = providerProblem(settings.provider);
  if (problem) throw new Error(problem);
  const options = sessionOptions(settings);
  const t0 = process.hrtime.bigint();
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { session, createMs };
}
