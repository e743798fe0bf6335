// Parameters by role, einsum order and ConvTranspose, checked on real PyTorch 1.13 exports. The .onnx
// files and roles.json are made by test/fixtures/pytorch/export_roles.py; roles.json holds what PyTorch
// itself reported at export time (sum(p.numel() for p in model.parameters())) and the models'
// hyper-parameters, from which every MAC count below is derived by hand. CI has no torch: these tests
// only read the committed files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { Convention } from '../../src/analysis/types.js';
import { constantNodeTensor } from '../../src/analysis/infer.js';
import type { Model } from '../../src/onnx/model.js';
import { readModel } from '../../src/onnx/reader.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pytorch');

interface Entry {
  file: string;
  input: Record<string, number[]>;
  params: number;
  [k: string]: unknown;
}
const roles = JSON.parse(fs.readFileSync(path.join(dir, 'roles.json'), 'utf8')) as Record<string, Entry>;
const load = (file: string): Model => readModel(path.join(dir, file));
const profile = (key: string, convention: Convention = 'exact') => {
  const e = roles[key]!;
  return profileModel(load(e.file), { inputs: e.input, convention });
};

/** Float Constant-node tensors of rank ≥ 1 in the file, with their consumers (what the exporter folded). */
function floatConstantNodes(m: Model): { elements: number; consumers: string[] }[] {
  const out: { elements: number; consumers: string[] }[] = [];
  for (const n of m.graph.nodes) {
    if (n.opType !== 'Constant') continue;
    const t = constantNodeTensor(n);
    if (!t || t.dims.length === 0 || ![1, 10, 11].includes(t.dataType)) continue;
    out.push({ elements: t.dims.reduce((a, b) => a * b, 1), consumers: m.graph.nodes.filter((c) => c.inputs.includes(n.outputs[0]!)).map((c) => c.opType) });
  }
  return out;
}

describe('BERT-like encoder called without an attention mask (the exporter folds a zero padding mask)', () => {
  const e = roles['bert-like-encoder']!;
  const p = profile('bert-like-encoder');

  it('holds the folded mask: one 1×1×1×16 Constant per layer, added to the attention scores', () => {
    expect(floatConstantNodes(load(e.file))).toEqual([
      { elements: 16, consumers: ['Add'] },
      { elements: 16, consumers: ['Add'] },
    ]);
  });

  it("counts PyTorch's 20,864 parameters, not the 32 mask values", () => {
    // By hand (V=100, 16 positions, D=32, FF=64, 2 layers): embeddings 3,200 + 512, LayerNorm 64;
    // per layer q/k/v/o 4·(32² + 32) = 4,224, two LayerNorms 128, fc1 32·64 + 64 = 2,112,
    // fc2 64·32 + 32 = 2,080 → 8,544; total 3,776 + 2·8,544 = 20,864 = PyTorch's sum(p.numel()).
    expect(e.params).toBe(20864);
    expect(p.totals.params).toBe(e.params);
  });

  it('MACs 294,912 by hand', () => {
    // Per layer, N=16, D=32: projections 4·N·D² = 65,536; scores and weighted sum 2·N²·D = 16,384;
    // FFN 2·N·D·FF = 65,536 → 147,456; two layers 294,912.
    expect(p.totals.macs).toBe(294912);
    expect(p.uncounted).toEqual([]);
  });
});

describe('causal decoder (the −inf mask is made in forward())', () => {
  const e = roles['causal-decoder']!;
  const p = profile('causal-decoder');

  it('holds the 12×12 −inf matrix as a Constant read by Trilu', () => {
    expect(floatConstantNodes(load(e.file))).toEqual([{ elements: 144, consumers: ['Trilu'] }]);
  });

  it("counts PyTorch's 20,338 parameters, not the 144 mask values", () => {
    // Embedding 50·32 = 1,600; two layers as in the encoder above (8,544 each); head 32·50 + 50 = 1,650.
    expect(e.params).toBe(1600 + 2 * 8544 + 1650);
    expect(p.totals.params).toBe(e.params);
  });

  it('MACs 234,240 by hand', () => {
    // N=12: per layer 4·12·32² + 2·12²·32 + 2·12·32·64 = 49,152 + 9,216 + 49,152 = 107,520; ×2;
    // head 12·32·50 = 19,200.
    expect(p.totals.macs).toBe(2 * 107520 + 19200);
  });
});

describe('LSTM and GRU language models with zero initial states', () => {
  it("LSTM: PyTorch's 17,984 parameters; the zero h0/c0 constants are state", () => {
    const e = roles['lstm-lm']!;
    const p = profile('lstm-lm');
    // four 1×1×32 zero Constants (h0, c0 of two layers), expanded to the batch
    expect(floatConstantNodes(load(e.file)).map((c) => c.elements)).toEqual([32, 32, 32, 32]);
    // By hand (V=64, E=16, H=32): embedding 1,024; layer 1 4H·E + 4H·H + 8H = 2,048 + 4,096 + 256;
    // layer 2 4H·H + 4H·H + 8H = 8,448; head 32·64 + 64 = 2,112.
    expect(e.params).toBe(1024 + 6400 + 8448 + 2112);
    expect(p.totals.params).toBe(e.params);
    // MACs: 10 steps of 4H(I + H): 4·32·48 + 4·32·64 = 14,336 per step → 143,360; head 10·32·64 = 20,480.
    expect(p.totals.macs).toBe(143360 + 20480);
  });

  it("GRU: PyTorch's 14,272 parameters", () => {
    const e = roles['gru-lm']!;
    const p = profile('gru-lm');
    // layer 1 3H·E + 3H·H + 6H = 1,536 + 3,072 + 192; layer 2 3,072 + 3,072 + 192.
    expect(e.params).toBe(1024 + 4800 + 6336 + 2112);
    expect(p.totals.params).toBe(e.params);
    // 10 steps of 3H(I + H): 4,608 + 6,144 → 107,520; head 20,480.
    expect(p.totals.macs).toBe(107520 + 20480);
  });
});

describe('three-operand einsum bn,nd,de->be (B=64, N=8, D=64, E=8)', () => {
  const e = roles.einsum3!;

  it('exact and torch count the pairwise left-to-right order onnxruntime and PyTorch execute', () => {
    expect(profile('einsum3').totals.params).toBe(e.params); // w1 8·64 + w2 64·8 = 1,024
    expect(e.params).toBe(1024);
    // (x·W1): B·N·D = 32,768, then (·W2): B·D·E = 32,768 → 65,536 MACs.
    expect(profile('einsum3').totals.macs).toBe(65536);
    // FLOPs: 2·65,536 minus one add per result element of each step (B·D + B·E = 4,608).
    expect(profile('einsum3').totals.flops).toBe(131072 - 4608);
    expect(profile('einsum3', 'torch').totals).toMatchObject({ macs: 65536, flops: 131072 });
  });

  it("fvcore keeps numpy's optimal path, 8× fewer", () => {
    // The optimal path contracts W1·W2 first (N·D·E = 4,096 products) then x·(W1W2) (B·N·E = 4,096);
    // numpy's estimate is 2·4,096 + 2·4,096 + 1 = 16,385, printed by einsum_path as 1.638e+04 (Python's
    // '%.3e' rounds the tie to even), and fvcore reports floor(16,380 / 2) = 8,190 — 8× below what the
    // runtimes execute.
    expect(profile('einsum3', 'fvcore').totals.macs).toBe(8190);
  });
});

describe('ConvTranspose2d (8→4, k3 s2 p1 op1; then 4→4, k4 s2 p1 groups 2, no bias) on 1×8×7×7', () => {
  const e = roles['conv-transpose']!;

  it("PyTorch's 420 parameters and the output shapes", () => {
    // 8·4·3·3 + 4 = 292; grouped weight [4, 2, 4, 4] = 128.
    expect(e.params).toBe(420);
    const p = profile('conv-transpose');
    expect(p.totals.params).toBe(420);
    expect(p.outputs[0]!.shape).toEqual(e.output);
    expect(e.output).toEqual([1, 4, 28, 28]);
  });

  it('MACs per input element (exact) and ptflops 0.7.5 over the input volume', () => {
    // exact: C_in·∏in·(C_out/g)·∏K: 8·49·4·9 = 14,112 and 4·196·2·16 = 25,088 → 39,200.
    expect(profile('conv-transpose').totals.macs).toBe(39200);
    // ptflops 0.7.5: the same products over the input volume, plus the bias once per output element
    // of the first layer (4·14·14 = 784) → 39,984.
    expect(profile('conv-transpose', 'ptflops').totals.macs).toBe(39984);
  });

  it('Conv1d and Conv3d: parameters and MACs by hand', () => {
    const c = roles['conv1d-conv3d']!;
    const p = profile('conv1d-conv3d');
    // Conv1d 4→8 k5: 160 + 8; Conv3d 2→4 k3³: 216 + 4.
    expect(c.params).toBe(388);
    expect(p.totals.params).toBe(388);
    // Conv1d: 8·20·4·5 = 3,200; Conv3d stride (1,2,2) on 4×8×8 → 4×4×4: 4·64·2·27 = 13,824.
    expect(p.totals.macs).toBe(3200 + 13824);
    expect(p.outputs.map((o) => o.shape)).toEqual(c.outputs);
  });
});

describe('encoder–decoder Transformer, cross-attention with kdim ≠ vdim ≠ d, scripted Loop', () => {
  it("nn.Transformer (1+1 layers, D=32, FF 64): PyTorch's 21,504 parameters; the 7×7 −inf target mask is not one", () => {
    const e = roles['seq2seq-transformer']!;
    expect(floatConstantNodes(load(e.file))).toEqual([{ elements: 49, consumers: ['Trilu'] }]);
    // encoder layer 8,544 (as above); decoder layer: two attentions 2·4,224, FFN 4,192, three
    // LayerNorms 192 = 12,832; the encoder's and decoder's final LayerNorms 128.
    expect(e.params).toBe(8544 + 12832 + 128);
    const p = profile('seq2seq-transformer');
    expect(p.totals.params).toBe(e.params);
    // MACs, S=10, T=7: encoder 4·S·D² + 2·S²·D + 2·S·D·FF = 40,960 + 6,400 + 40,960 = 88,320;
    // decoder self-attention 4·T·D² + 2·T²·D = 28,672 + 3,136; cross-attention T·D² (q) + 2·S·D² (k, v)
    // + 2·T·S·D + T·D² (out) = 7,168 + 20,480 + 4,480 + 7,168; FFN 2·T·D·FF = 28,672 → 99,776.
    expect(p.totals.macs).toBe(88320 + 99776);
  });

  it("cross-attention (D=32, kdim 16, vdim 24, 5 queries, 9 keys): PyTorch's 3,456 parameters", () => {
    const e = roles['cross-attention']!;
    // q/k/v projections 32·32 + 32·16 + 32·24, in-projection bias 96, out projection 32·32 + 32
    expect(e.params).toBe(1024 + 512 + 768 + 96 + 1056);
    const p = profile('cross-attention');
    expect(p.totals.params).toBe(e.params);
    // 5·32·32 + 9·16·32 + 9·24·32 + 2·5·9·32 + 5·32·32 = 5,120 + 4,608 + 6,912 + 2,880 + 5,120
    expect(p.totals.macs).toBe(24640);
  });

  it('scripted Loop: the Linear in the body counts once (72), the folded zeros_like accumulator not', () => {
    const e = roles['scripted-loop']!;
    // the accumulator torch.zeros_like(x), x static 2×8, folded into a Constant fed to the Loop
    expect(floatConstantNodes(load(e.file))).toEqual([{ elements: 16, consumers: ['Loop'] }]);
    expect(e.params).toBe(8 * 8 + 8);
    const p = profileModel(load(e.file), { inputs: { x: [2, 8], n: [] } });
    expect(p.totals.params).toBe(72);
    // the trip count is the data input n: the Loop is listed as not counted, never silently 0
    expect(p.uncounted.map((u) => u.opType)).toEqual(['Loop']);
  });
});
