/**
 * Tiny models for the document tests, small enough that every number is counted by hand.
 *
 * `conv.onnx`: x [N, 1, H, W] → Conv 3×3, 1→2 channels, padding 1, no bias (`/features/conv/Conv`)
 * → Relu (`/features/relu/Relu`) → GlobalAveragePool (`/head/pool/GlobalAveragePool`) → [N, 2, 1, 1].
 *   params = 2·1·3·3 = 18 (COUNTING.md: initializers consumed as data).
 *   At H×W (N = 1):
 *     Conv   MACs = C_out·H·W·C_in·K² = 2·H·W·9 = 18·H·W;  FLOPs = (2·1·3² − 1)·2·H·W = 34·H·W
 *     Relu   FLOPs = 1 per element = 2·H·W
 *     GAP    FLOPs = (H·W − 1) adds + 1 divide per channel = 2·H·W
 *     total  MACs = 18·H·W, FLOPs = 38·H·W
 *   6×6: MACs 648, FLOPs 1368 (conv 1224 = (2×1×3²−1)×2×6²);  8×8: MACs 1152, FLOPs 2432.
 *
 * `gemm.onnx`: x [N, 4] → Gemm with W [4, 3] and bias [3] (`/fc/Gemm`) → [N, 3].
 *   params = 4·3 + 3 = 15; at N = 1: MACs = 1·4·3 = 12, FLOPs = M·N·2K = 1·3·8 = 24 (bias adds included).
 *
 * `tokens.onnx`: x [batch, seq, 8] → MatMul with W [8, 4]: `seq` has no size unless input= gives one.
 * `broken.onnx`: not an ONNX file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';

export function convModel() {
  const b = new GraphBuilder({ opset: 17, name: 'tiny_conv' });
  const x = b.input('x', 'float32', ['N', 1, 'H', 'W']);
  const w = b.weight('features.conv.weight', [2, 1, 3, 3]);
  const y = b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/features/conv/Conv');
  const r = b.op('Relu', [y], {}, '/features/relu/Relu');
  b.output(b.op('GlobalAveragePool', [r], {}, '/head/pool/GlobalAveragePool'), 'float32');
  return b.build();
}

export function gemmModel(seed = 1) {
  const b = new GraphBuilder({ opset: 17, name: 'tiny_gemm', seed });
  const x = b.input('x', 'float32', ['N', 4]);
  const w = b.weight('fc.weight', [4, 3]);
  const c = b.weight('fc.bias', [3]);
  b.output(b.op('Gemm', [x, w, c], {}, '/fc/Gemm'), 'float32');
  return b.build();
}

export function tokensModel() {
  const b = new GraphBuilder({ opset: 17, name: 'tokens' });
  const x = b.input('x', 'float32', ['batch', 'seq', 8]);
  const w = b.weight('proj.weight', [8, 4]);
  b.output(b.op('MatMul', [x, w], {}, '/proj/MatMul'), 'float32');
  return b.build();
}

/** Write the tiny models into `<dir>/models/`. */
export function writeTinyModels(dir: string): void {
  const models = path.join(dir, 'models');
  mkdirSync(models, { recursive: true });
  writeModel(convModel(), path.join(models, 'conv.onnx'));
  writeModel(gemmModel(), path.join(models, 'gemm.onnx'));
  writeModel(tokensModel(), path.join(models, 'tokens.onnx'));
  writeFileSync(path.join(models, 'broken.onnx'), 'this is not a protobuf, just text\n');
}

/** Front-matter lines that make benchmarks in test documents take milliseconds, not seconds (batch 2). */
export const QUICK_BENCH = `min_time: 0.02
warmup: 0.01
runs: 3
warmup_runs: 1
processes: 1
floor: false
threads: 1
batch: 2
`;
