// The profile views on torchvision ResNet-18 (BatchNorm kept, 1×3×224×224), snapshot-free: each row
// checked below is derived by hand from the architecture (torchvision/models/resnet.py).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeModule, describeNode, isLayer } from '../../src/analysis/layer-kind.js';
import { profileModel } from '../../src/analysis/profile.js';
import { formatBytes, moduleRows, renderProfileView } from '../../src/cli/profile-view.js';
import { readModel } from '../../src/onnx/reader.js';
import { buildResNet18 } from '../helpers/resnet18.js';

const p = profileModel(buildResNet18());
const view = (format: 'table' | 'csv' | 'markdown', o: Partial<{ depth: number; units: 'si' | 'binary'; params: boolean }> = {}) =>
  renderProfileView(p, format, { depth: o.depth ?? 3, top: 0, units: o.units ?? 'si', params: o.params ?? false });
const line = (text: string, start: RegExp): string => text.split('\n').find((l) => start.test(l)) ?? '';

describe('module rows', () => {
  const rows = new Map(moduleRows(p, 3).map((r) => [r.path, r]));

  it('conv1: Conv 3→64, k7 s2 p3 from 1×3×224×224 to 1×64×112×112', () => {
    // params 64·3·7² = 9,408; MACs 64·112²·3·7² = 118,013,952; output 64·112²·4 B = 3,211,264 B.
    expect(rows.get('conv1')).toMatchObject({
      kind: 'Conv 3→64, k7 s2 p3',
      input: '1×3×224×224',
      output: '1×64×112×112',
      params: 9408,
      macs: 118013952,
      activationBytes: 3211264,
    });
  });

  it('the first stride-2 block: its conv1, the downsample branch and the block boundary', () => {
    expect(rows.get('layer2/layer2.0/conv1')).toMatchObject({ kind: 'Conv 64→128, k3 s2 p1', input: '1×64×56×56', output: '1×128×28×28', params: 73728 });
    // downsample = 1×1 conv 64→128 stride 2 (8,192) + BN weight and bias (256); a container, no kind
    expect(rows.get('layer2/layer2.0/downsample')).toMatchObject({ kind: '', input: '1×64×56×56', output: '1×128×28×28', params: 8448 });
    // the block reads layer1's output and hands on its own: 3·3·64·128 + 3·3·128·128 + 8,448 + 2·256 BN = 230,144
    expect(rows.get('layer2/layer2.0')).toMatchObject({ input: '1×64×56×56', output: '1×128×28×28', params: 230144 });
  });

  it('bn1, maxpool and fc', () => {
    expect(rows.get('bn1')).toMatchObject({ kind: 'BatchNorm 64', params: 128 });
    expect(rows.get('maxpool')).toMatchObject({ kind: 'MaxPool k3 s2 p1', output: '1×64×56×56', activationBytes: 64 * 56 * 56 * 4 });
    // 512·1000 + 1000 = 513,000 params, 512,000 MACs
    expect(rows.get('fc')).toMatchObject({ kind: 'Linear 512→1000', input: '1×512', output: '1×1000', params: 513000, macs: 512000 });
  });
});

describe('formats', () => {
  it('table: kind, shapes, counts and shares on the conv1 row; trainable and buffer totals', () => {
    const text = view('table');
    // 9,408 / 11,689,512 = 0.08% → 0.1%; 118,013,952 / 1,814,073,344 = 6.5%; 3,211,264 / 32,923,552 = 9.8%
    expect(line(text, /^ {2}conv1 /)).toMatch(
      /^ {2}conv1 +Conv 3→64, k7 s2 p3 +1×3×224×224 +1×64×112×112 +9\.41 K +0\.1% +118\.01 M +6\.5% +235\.23 M +6\.5% +3\.21 MB +9\.8%$/,
    );
    expect(text).toContain('params        11,689,512 trainable (46.76 MB: 46.76 MB float32)');
    // 20 BNs × (running mean + var) = 2 · 4,800
    expect(text).toContain('buffers       9,600');
  });

  it('one unit system: decimal SI by default, binary on request', () => {
    expect(formatBytes(3211264)).toBe('3.21 MB');
    expect(formatBytes(3211264, 'binary')).toBe('3.06 MiB'); // 3,211,264 / 2²⁰
    // 6,422,528 B / 2²⁰ = 6.125 exactly, printed 6.13; 32,923,552 B / 2²⁰ = 31.398…
    expect(view('table', { units: 'binary' })).toContain('activations   peak 6.13 MiB, total 31.40 MiB');
    expect(view('table')).toContain('activations   peak 6.42 MB, total 32.92 MB');
  });

  it('csv: plain integers, one row per module', () => {
    const text = view('csv', { depth: 1 });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('module,depth,layer,input,output,params,macs,flops,activation_bytes');
    // exact FLOPs of conv1 without bias: (2·3·49 − 1)·64·112² = 235,225,088
    expect(lines).toContain('conv1,1,"Conv 3→64, k7 s2 p3",1×3×224×224,1×64×112×112,9408,118013952,235225088,3211264');
    expect(lines[1]).toBe('(model),0,,1×3×224×224,1×1000,11689512,1814073344,3635321856,32923552');
    // (model) + conv1, bn1, relu, maxpool, layer1–4, avgpool, fc
    expect(lines).toHaveLength(1 + 1 + 10);
  });

  it('markdown: a pipe table with right-aligned number columns', () => {
    const text = view('markdown', { depth: 1 });
    expect(text).toContain('| module | layer | input | output | params | % | MACs | % | FLOPs | % | activations | % |');
    expect(text).toContain('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    expect(text).toContain('| · fc | Linear 512→1000 | 1×512 | 1×1000 | 513.00 K | 4.4% | 512.00 K | 0.0% | 1.02 M | 0.0% | 4.00 KB | 0.0% |');
  });

  it('--params lists parameter and buffer tensors with shapes and owners', () => {
    const text = view('table', { params: true });
    expect(line(text, /^conv1\.weight /)).toMatch(/^conv1\.weight +64×3×7×7 +float32 +9,408 +parameter +\/conv1\/Conv$/);
    expect(line(text, /^bn1\.running_mean /)).toMatch(/^bn1\.running_mean +64 +float32 +64 +buffer +\/bn1\/BatchNormalization$/);
    expect(p.tensors.filter((t) => t.kind === 'parameter').reduce((s, t) => s + t.count, 0)).toBe(11689512);
    expect(p.tensors.filter((t) => t.kind === 'buffer')).toHaveLength(40);
  });
});

describe('the JSON keeps what rebuilds the graph', () => {
  it('node input/output names, constant inputs and attributes', () => {
    const conv1 = p.nodes.find((n) => n.name === '/conv1/Conv')!;
    expect(conv1.inputs).toEqual(['input', 'conv1.weight']);
    expect(conv1.outputs).toHaveLength(1);
    expect(conv1.constantInputs).toEqual([1]);
    expect(conv1.attributes).toEqual({ kernel_shape: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3], dilations: [1, 1], group: 1 });
    expect(JSON.parse(JSON.stringify(p)).nodes[0].attributes.kernel_shape).toEqual([7, 7]);
  });
});

describe('layer kinds', () => {
  it('groups, dilation, asymmetric kernels and transposed convs', () => {
    const conv = { domain: '', params: 1, macs: 1, flops: 1, outputShapes: [] };
    expect(
      describeNode({
        ...conv,
        opType: 'Conv',
        inputShapes: [
          [1, 32, 9, 9],
          [32, 1, 3, 3],
        ],
        attributes: { group: 32, strides: [2, 2], pads: [2, 2, 2, 2], dilations: [2, 2] },
      }),
    ).toBe('Conv 32→32, k3 s2 p2 d2 g32');
    expect(
      describeNode({
        ...conv,
        opType: 'Conv',
        inputShapes: [
          [1, 4, 9, 9],
          [8, 4, 3, 1],
        ],
        attributes: { pads: [1, 0, 1, 0] },
      }),
    ).toBe('Conv 4→8, k3×1 p1×0');
    // ConvTranspose W is [C_in, C_out/g, …]: 8 → 2·2 = 4
    expect(
      describeNode({
        ...conv,
        opType: 'ConvTranspose',
        inputShapes: [
          [1, 8, 7, 7],
          [8, 2, 4, 4],
        ],
        attributes: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] },
      }),
    ).toBe('ConvTranspose 8→4, k4 s2 p1 g2');
    expect(
      describeNode({
        ...conv,
        opType: 'Gather',
        inputShapes: [
          [100, 32],
          [1, 16],
        ],
      }),
    ).toBe('Embedding 100×32');
    expect(describeNode({ ...conv, opType: 'LSTM', inputShapes: [[10, 1, 16]], attributes: { hidden_size: 32 } })).toBe('LSTM 16→32');
    expect(describeNode({ ...conv, opType: 'Reshape', params: 0, macs: 0, flops: 0, inputShapes: [] })).toBeUndefined();
  });

  it('isLayer is exactly "describeNode gives a text", for every op and cost it distinguishes', () => {
    const ops = ['Conv', 'ConvInteger', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization', 'InstanceNormalization', 'GroupNormalization'];
    ops.push('LayerNormalization', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'Gather', 'LSTM', 'GRU', 'RNN', 'Relu', 'Einsum');
    ops.push('Add', 'Reshape', 'Transpose', 'Softmax', 'Sigmoid');
    let cases = 0;
    for (const opType of ops) {
      for (const domain of ['', 'ai.onnx', 'com.microsoft']) {
        for (const [params, macs, flops] of [
          [0, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ] as const) {
          for (const inputShapes of [[], [[100, 32]], [[1, 16, 32]]]) {
            const n = { opType, domain, params, macs, flops, inputShapes, outputShapes: [] };
            expect(isLayer(n), `${domain}.${opType} ${params}/${macs}/${flops} ${JSON.stringify(inputShapes)}`).toBe(describeNode(n) !== undefined);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(24 * 3 * 4 * 3);
  });

  it('a module of one MatMul and its bias Add is a Linear; of MatMul, Relu and Add a container', () => {
    const node = (opType: string, macs: number, params: number) => ({
      opType,
      domain: '',
      params,
      macs,
      flops: 2 * macs,
      inputShapes: [
        [1, 16],
        [16, 8],
      ],
      outputShapes: [[1, 8]],
    });
    const nodes = [node('MatMul', 128, 128), node('Add', 0, 8), node('Relu', 0, 0)];
    expect(describeModule(nodes, [0, 1])).toBe('Linear 16→8');
    // Relu is a layer of its own (ReLU): two computing nodes besides the Add, no single kind
    expect(describeModule(nodes, [0, 1, 2])).toBeUndefined();
    expect(describeModule(nodes, [2])).toBe('ReLU');
    expect(describeModule(nodes, [])).toBeUndefined();
  });
});

describe('module kinds and boundaries on real PyTorch exports (test/fixtures/pytorch/roles.json)', () => {
  const fixture = (file: string, input: Record<string, number[]>) => profileModel(readModel(path.resolve('test/fixtures/pytorch', file)), { inputs: input });

  it('BERT-like encoder: Linear exported as MatMul + Add, LayerNorm decomposed at opset 14', () => {
    const rows = new Map(moduleRows(fixture('bert-like-encoder.onnx', { input_ids: [1, 16] }), 3).map((r) => [r.path, r]));
    // q: 32·32 + 32 = 1,056 params, 16·32·32 = 16,384 MACs
    expect(rows.get('layers.0/attn/q')).toMatchObject({ kind: 'Linear 32→32', input: '1×16×32', output: '1×16×32', params: 1056, macs: 16384 });
    expect(rows.get('ln')).toMatchObject({ kind: 'LayerNorm 32', params: 64 });
    expect(rows.get('word')).toMatchObject({ kind: 'Embedding 100×32', input: '1×16', output: '1×16×32' });
    // the attention block is a container: six dot-product nodes
    expect(rows.get('layers.0/attn')!.kind).toBe('');
  });

  it('LSTM LM: a stacked LSTM, and module activations that add up to the total (100%)', () => {
    const p = fixture('lstm-lm.onnx', { input_ids: [1, 10] });
    const rows = new Map(moduleRows(p, 1).map((r) => [r.path, r]));
    // the module's tensors: embeddings 1×10×16 in, hidden states 1×10×32 out (shape arithmetic left out)
    expect(rows.get('rnn')).toMatchObject({ kind: 'LSTM 16→32, 2 layers', input: '1×10×16', output: '1×10×32' });
    expect(rows.get('')!.activationBytes).toBe(p.totals.activationsTotalBytes);
  });
});
