// `modelpress profile` end to end on small models written to test/.tmp: exit codes, the JSON
// schema of docs/profile-json.md, and the terminal table.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { buildGpt } from '../helpers/gpt.js';

const dir = path.resolve('test/.tmp/cli-profile');
const mlpFile = path.join(dir, 'mlp.onnx');
const gptFile = path.join(dir, 'gpt.onnx');

const run = runCli;

beforeAll(() => {
  fs.mkdirSync(dir, { recursive: true });
  // A two-layer MLP named like a PyTorch export: x[batch,16] → fc1 (16→32) → ReLU → fc2 (32→4).
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['batch', 16]);
  const h = b.op('Gemm', [x, b.weight('fc1.weight', [32, 16]), b.weight('fc1.bias', [32])], { transB: 1 }, '/fc1/Gemm');
  const r = b.op('Relu', [h], {}, '/act/Relu');
  b.output(b.op('Gemm', [r, b.weight('fc2.weight', [4, 32]), b.weight('fc2.bias', [4])], { transB: 1 }, '/fc2/Gemm'));
  writeModel(b.build(), mlpFile);
  writeModel(buildGpt({ vocab: 50, width: 16, heads: 2, layers: 1, context: 32 }), gptFile);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('modelpress profile', () => {
  it('prints the Profile JSON with totals, nodes, modules and the file hash', async () => {
    const { code, out } = await run(['profile', mlpFile, '--input', 'x=2x16', '--json']);
    expect(code).toBe(0);
    const p = JSON.parse(out);
    // params: 16·32 + 32 + 32·4 + 4 = 676. MACs: 2·16·32 + 2·32·4 = 1280.
    // FLOPs (exact): fc1 2·32·2·16 = 2048 (2K per output with bias), ReLU 64, fc2 2·4·2·32 = 512 → 2624.
    expect(p.totals).toMatchObject({ params: 676, paramsBytes: 2704, macs: 1280, flops: 2624, depth: 3 });
    // Peak: fc1 output (2·32·4 = 256 B) + ReLU output (256 B) = 512 B; input x (128 B) dies at fc1.
    expect(p.totals.activationsPeakBytes).toBe(512);
    // Total: 256 + 256 + fc2 output 2·4·4 = 32 → 544 B.
    expect(p.totals.activationsTotalBytes).toBe(544);
    expect(p.model.sha256).toBe(createHash('sha256').update(fs.readFileSync(mlpFile)).digest('hex'));
    expect(p.model).toMatchObject({ path: mlpFile, opset: 17 });
    expect(p.convention).toBe('exact');
    expect(p.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [2, 16] }]);
    expect(p.nodes.map((n: { name: string; scope: string[] }) => [n.name, n.scope])).toEqual([
      ['/fc1/Gemm', ['fc1']],
      ['/act/Relu', ['act']],
      ['/fc2/Gemm', ['fc2']],
    ]);
    expect(p.nodes[0]).toMatchObject({ opType: 'Gemm', inputShapes: [[2, 16], [32, 16], [32]], outputShapes: [[2, 32]], params: 544, macs: 1024, flops: 2048 });
    expect(p.modules.children.map((m: { name: string }) => m.name)).toEqual(['fc1', 'act', 'fc2']);
    expect(p.byOpType.map((o: { opType: string; nodes: number }) => [o.opType, o.nodes])).toEqual([
      ['Gemm', 2],
      ['Relu', 1],
    ]);
    expect(p.uncounted).toEqual([]);
  });

  it('prints the module tree with percentages', async () => {
    const { code, out } = await run(['profile', mlpFile, '--input', '2x16', '--convention', 'fvcore']);
    expect(code).toBe(0);
    // fvcore counts Gemm without bias and ignores ReLU: fc1 1024 MACs = 80.0% of 1280.
    // The row also names the layer and its input/output shapes (issue 14's torchinfo-like view).
    expect(out).toMatch(/^ {2}fc1 +Linear 16→32 +2×16 +2×32 +544 +80\.5% +1\.02 K +80\.0%/m);
    expect(out).toContain('convention fvcore');
    expect(out).toContain('params        676 trainable');
  });

  it('--format csv / markdown / json, --params, and a batch assumed when not given', async () => {
    const csv = await run(['profile', mlpFile, '--input', 'x=2x16', '--format', 'csv']);
    expect(csv.code).toBe(0);
    // fc1: 16·32 + 32 = 544 params, 2·16·32 = 1,024 MACs, output 2·32·4 = 256 B
    expect(csv.out.split('\n')).toContain('fc1,1,Linear 16→32,2×16,2×32,544,1024,2048,256');
    const md = await run(['profile', mlpFile, '--input', 'x=2x16', '--format', 'markdown', '--params']);
    expect(md.out).toContain('| · fc2 | Linear 32→4 | 2×32 | 2×4 | 132 |');
    expect(md.out).toContain('| fc1.weight | 32×16 | float32 | 512 | parameter | /fc1/Gemm |');
    expect(JSON.parse((await run(['profile', mlpFile, '--input', 'x=2x16', '--format', 'json'])).out).totals.params).toBe(676);
    // No --input: the symbolic batch is assumed 1, as bench does, and the note says so.
    const assumed = await run(['profile', mlpFile]);
    expect(assumed.code).toBe(0);
    expect(assumed.out).toContain('inputs: x 1×16 float32');
    expect(assumed.out).toContain("note: input 'x': its leading dim ('batch') was not given and is assumed 1, as bench does");
  });

  it('profiles the decoder at the sequence length given', async () => {
    const { code, out } = await run(['profile', gptFile, '--input', 'input_ids=1x8', '--json']);
    expect(code).toBe(0);
    const p = JSON.parse(out);
    // One layer, T = 8, D = 16, V = 50: 12·T·D² + 2·T²·D = 24,576 + 2,048 = 26,624, + LM head T·D·V = 6,400 → 33,024.
    expect(p.totals.macs).toBe(33_024);
  });

  it('exits 2 with one line naming the unknown dims, and on bad flags', async () => {
    const missing = await run(['profile', gptFile]);
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    // the batch dim is assumed 1 (as bench does); the sequence must be given
    expect(missing.err).toContain("input 'input_ids' batch×sequence: dim 1 ('sequence') unknown");
    expect((await run(['profile', mlpFile, '--input', 'x=2x16', '--convention', 'nope'])).code).toBe(2);
    expect((await run(['profile', mlpFile, '--input', 'x=2x17'])).code).toBe(2);
    expect((await run(['profile', mlpFile, '--input', 'x=2x16', '--depth', 'deep'])).code).toBe(2);
  });

  it('exits 1 with one clear line for a missing or broken model', async () => {
    const gone = await run(['profile', path.join(dir, 'missing.onnx')]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/missing\.onnx: file not found/);
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, Buffer.from([0x08, 0x07, 0x12, 0xff, 0xff]));
    const bad = await run(['profile', broken]);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
  });

  it('uses runtime shapes when asked', async () => {
    const { code, out } = await run(['profile', gptFile, '--input', 'input_ids=1x8', '--shapes', 'runtime', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out).totals.macs).toBe(33_024);
  });
});
