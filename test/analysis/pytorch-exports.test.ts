// The counting rules of COUNTING.md ("Parameters" above all) checked on real PyTorch 1.13 exports.
// The .onnx files and expected.json are made by test/fixtures/pytorch/export.py (see the README
// there); expected.json holds what PyTorch itself reported at export time: sum(p.numel() for p in
// model.parameters()), buffer counts, and MACs from the script's hand-written counter. CI has no torch:
// these tests only read the committed files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { Model } from '../../src/onnx/model.js';
import { readModel } from '../../src/onnx/reader.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pytorch');

interface Expected {
  'small-cnn': {
    files: { eval: string; preserve: string };
    input: Record<string, number[]>;
    params: number;
    runningStatistics: number;
    macs: number;
    batchNorm: { layers: number; channels: number; weightAndBias: number };
  };
  'small-cnn-fresh': { file: string; input: Record<string, number[]>; params: number; runningStatistics: number; macs: number };
  'transformer-block': { file: string; dModel: number; heads: number; params: number; buffers: number; macsBySeq: Record<string, number> };
  'tiny-gpt': {
    file: string;
    vocab: number;
    context: number;
    dModel: number;
    layers: number;
    input: Record<string, number[]>;
    params: number;
    paramsCountingTiedTwice: number;
    tied: { numel: number };
    macs: number;
  };
}

const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
const load = (file: string): Model => readModel(path.join(dir, file));

const countOps = (m: Model, opType: string): number => m.graph.nodes.filter((n) => n.opType === opType).length;

/** Identity nodes that hand out a copy of an initializer (the exporter's deduplication). */
const identityCopies = (m: Model): string[] => {
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  return m.graph.nodes.filter((n) => n.opType === 'Identity' && inits.has(n.inputs[0] ?? '')).map((n) => n.outputs[0]!);
};

describe('small CNN (Conv+BN+ReLU, MaxPool, residual add, GAP, Linear), PyTorch eval() export', () => {
  const e = expected['small-cnn'];
  const preserveModel = load(e.files.preserve);
  const evalModel = load(e.files.eval);
  const preserve = profileModel(preserveModel, { inputs: e.input });
  const folded = profileModel(evalModel, { inputs: e.input });

  it('PyTorch reports 10,138 parameters and 1,917,248 MACs (hand count below)', () => {
    // conv1 3→16 3×3: 432; block.conv1/conv2 16→16 3×3: 2 × 2,304; down 16→32 3×3: 4,608;
    // 4 BN (16+16+16+32 = 80 channels): 2 × 80 = 160; fc 32→10: 330. Sum 10,138.
    expect(e.params).toBe(432 + 2 * 2304 + 4608 + 160 + 330);
    // MACs: conv1 16·32²·3·9 = 442,368; block convs 2 × 16·16²·16·9 = 1,179,648; down 32·8²·16·9
    // = 294,912; fc 10·32 = 320. Sum 1,917,248 (the script's counter agrees).
    expect(e.macs).toBe(442_368 + 1_179_648 + 294_912 + 320);
  });

  it("TrainingMode.PRESERVE on an eval() model keeps BatchNorm: params equal PyTorch's count exactly", () => {
    // torch 1.13 runs the Conv+BN fold (_jit_pass_onnx_eval_peephole) only for training=EVAL, so
    // PRESERVE with model.eval() exports inference-mode BatchNormalization nodes with their stats.
    const bns = preserveModel.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
    expect(bns).toHaveLength(e.batchNorm.layers);
    for (const bn of bns) {
      expect(bn.outputs).toHaveLength(1);
      expect(bn.attributes.find((a) => a.name === 'training_mode')).toMatchObject({ type: 'int', value: 0 });
    }
    expect(preserve.uncounted).toEqual([]);
    expect(preserve.totals.params).toBe(e.params);
    // The 160 running mean/variance values are initializers of the file but BN inputs 3 and 4 are
    // buffers (COUNTING.md), so they are not in the count.
    const initializerValues = preserveModel.graph.initializers.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0);
    expect(initializerValues).toBe(e.params + e.runningStatistics);
  });

  it('the default (EVAL) export folds BN into the convs: PyTorch − BN weight/bias + one conv bias per BN channel', () => {
    expect(countOps(evalModel, 'BatchNormalization')).toBe(0);
    expect(folded.uncounted).toEqual([]);
    // 10,138 − 160 (BN γ, β) + 80 (a bias per output channel of the 4 convs that absorbed a BN) = 10,058.
    expect(folded.totals.params).toBe(e.params - e.batchNorm.weightAndBias + e.batchNorm.channels);
    expect(folded.totals.params).toBe(10_058);
  });

  it("MACs are identical in both exports and equal PyTorch's", () => {
    expect(preserve.totals.macs).toBe(e.macs);
    expect(folded.totals.macs).toBe(e.macs);
  });

  it('exact FLOPs differ by one per BN output element (BN 2/elem vs a folded conv bias 1/elem)', () => {
    // BN outputs: bn1 16·32² = 16,384; block.bn1, block.bn2 16·16² = 4,096 each; bn_down 32·8² = 2,048.
    expect(preserve.totals.flops - folded.totals.flops).toBe(16_384 + 2 * 4096 + 2048);
  });
});

describe("the same CNN at PyTorch's initialisation, PRESERVE: BN parameters and statistics merged by the exporter", () => {
  const e = expected['small-cnn-fresh'];
  const model = load(e.file);

  it("BN weights, biases and running stats are Identity copies of 4 initializers; params still = PyTorch's", () => {
    // Fresh BN: weight = running_var = 1, bias = running_mean = 0. The exporter keeps bn1.weight,
    // bn1.bias (16) and bn_down.weight, bn_down.bias (32) and hands out the other 12 BN inputs through
    // Identity nodes, e.g. bn1.running_var = Identity(bn1.weight), block.bn1.bias = Identity(bn1.bias).
    const copies = identityCopies(model);
    expect(copies).toHaveLength(12);
    expect(copies).toContain('bn1.running_var');
    expect(copies).toContain('block.bn1.bias');
    const p = profileModel(model, { inputs: e.input });
    expect(p.uncounted).toEqual([]);
    // A copy feeding BN input 1 or 2 is a parameter; one feeding input 3 or 4 is a buffer, even when
    // its source is a parameter of the same BN.
    expect(p.totals.params).toBe(e.params);
    expect(p.totals.params).toBe(10_138);
    expect(p.nodes.find((n) => n.name === '/bn1/BatchNormalization')!.params).toBe(2 * 16);
    expect(p.nodes.find((n) => n.name === '/block/bn1/BatchNormalization')!.params).toBe(2 * 16);
    expect(p.totals.macs).toBe(e.macs);
  });
});

describe('pre-norm transformer block (nn.MultiheadAttention, LayerNorm, GELU), opset 14, dynamic sequence', () => {
  const e = expected['transformer-block'];
  const model = load(e.file);
  const D = e.dModel;

  it('has a symbolic sequence axis that must be bound', () => {
    expect(() => profileModel(model)).toThrow(/seq/);
  });

  it('the exporter hands out 3 deduplicated initializers through Identity nodes', () => {
    // Fresh LayerNorm weights are all 1 and biases all 0, out_proj.bias is 0: ln2.weight, ln2.bias and
    // attn.out_proj.bias become Identity copies of ln1.weight / ln1.bias.
    expect(identityCopies(model).sort()).toEqual(['attn.out_proj.bias', 'ln2.bias', 'ln2.weight']);
  });

  for (const N of [8, 17]) {
    it(`N=${N}: params = PyTorch's 12,704 (Identity copies counted), MACs = 12D²N + 2N²D`, () => {
      const p = profileModel(model, { inputs: { x: [1, N, D] } });
      expect(p.uncounted).toEqual([]);
      // 2 LayerNorms 4D + in_proj 3D² + 3D + out_proj D² + D + fc1 4D² + 4D + fc2 4D² + D = 12D² + 13D.
      expect(e.params).toBe(12 * D * D + 13 * D);
      expect(p.totals.params).toBe(e.params);
      // Projections 3D²N + QKᵀ N²D + AV N²D + out-proj D²N + FFN 4D²N + 4D²N (one sequence).
      const macs = 3 * D * D * N + N * N * D + N * N * D + D * D * N + 8 * D * D * N;
      expect(macs).toBe(e.macsBySeq[String(N)]);
      expect(p.totals.macs).toBe(macs);
      // Each Identity copy belongs to the op that consumes it: ln2's Mul (γ) and Add (β), and the
      // out-projection Gemm (D² weight + D bias).
      expect(p.modules.children.find((m) => m.name === 'ln2')!.params).toBe(2 * D);
      expect(p.nodes.find((n) => n.name === '/attn/Gemm')!.params).toBe(D * D + D);
    });
  }

  it("--dedupe leaves the exporter's Identity copies alone: they stand for distinct PyTorch parameters", () => {
    // The three Identity copies (ln2.weight, ln2.bias, attn.out_proj.bias) share ln1's stored bytes;
    // they are separate parameters in PyTorch, so dedupe finds no duplicate and keeps PyTorch's count.
    const p = profileModel(model, { inputs: { x: [1, 8, D] }, dedupe: true });
    expect(p.dedupe!.params).toBe(e.params);
    expect(p.dedupe!.duplicates).toEqual([]);
  });
});

describe('tiny GPT with tied token embedding / LM head, default constant folding', () => {
  const e = expected['tiny-gpt'];
  const model = load(e.file);
  const { vocab: V, dModel: D, layers: L } = e;
  const N = e.context;

  it('the graph holds the embedding [V, D] and a constant-folded transposed copy [D, V] for the LM head', () => {
    const wte = model.graph.initializers.find((t) => t.name === 'wte.weight')!;
    expect(wte.dims).toEqual([V, D]);
    const head = model.graph.nodes.find((n) => n.name === '/lm_head/MatMul')!;
    const headWeight = model.graph.initializers.find((t) => t.name === head.inputs[1]);
    expect(headWeight?.dims).toEqual([D, V]);
  });

  it("default params = what the graph holds = PyTorch's count + V·D", () => {
    const p = profileModel(model, { inputs: e.input });
    expect(p.uncounted).toEqual([]);
    // PyTorch: wte V·D + wpe N·D + L blocks × (12D² + 13D) + ln_f 2D = 3,072 + 512 + 2 × 12,704 + 64.
    expect(e.params).toBe(V * D + N * D + L * (12 * D * D + 13 * D) + 2 * D);
    expect(p.totals.params).toBe(e.params + V * D);
    expect(p.totals.params).toBe(e.paramsCountingTiedTwice);
    // The causal masks are bool buffers (one initializer and its Identity copy): not parameters.
    expect(p.totals.paramsBytesByDtype).toEqual({ float32: 4 * (e.params + V * D) });
  });

  it("with dedupe the transposed copy is found and the count equals PyTorch's", () => {
    const p = profileModel(model, { inputs: e.input, dedupe: true });
    expect(p.totals.params).toBe(e.params + V * D);
    expect(p.dedupe!.params).toBe(e.params);
    expect(p.dedupe!.duplicates).toHaveLength(1);
    expect(p.dedupe!.duplicates[0]).toMatchObject({ of: 'wte.weight', transposed: true, params: e.tied.numel });
  });

  it("MACs = L·(12D²N + 2N²D) + D·V·N, PyTorch's count", () => {
    const p = profileModel(model, { inputs: e.input });
    const macs = L * (12 * D * D * N + 2 * N * N * D) + D * V * N;
    expect(macs).toBe(e.macs);
    expect(p.totals.macs).toBe(macs);
  });
});
