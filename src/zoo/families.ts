/**
 * Model families for measured complexity (`::complexity`, `modelpress complexity`): graphs built in
 * code whose size variables can be swept. The four layer types of "Attention Is All You Need"
 * (Vaswani et al. 2017, Table 1) over a sequence of n vectors of width d, and two vision
 * Transformers over the image side; and one decode step of a Llama-style decoder over its context.
 *
 * Each family states what the paper claims (per-layer complexity, sequential operations, maximum
 * path length). Complexity and sequential operations are measured from the graphs; the maximum path
 * length is not a property a profiler can see (it is about a stack of such layers), so it is derived
 * from the construction, and labelled so wherever it is shown.
 *
 * The layers are the operations the paper's table prices: self-attention is softmax(x·xᵀ/√d)·x, the
 * n²·d part (the query/key/value projections are n·d² each, a point-wise layer the table accounts
 * separately); the recurrent layer is an ONNX RNN (tanh) with input and hidden size d; the
 * convolutional layer a 1-D convolution of width k from d to d channels; restricted self-attention
 * lets each position attend to the r positions of a window centred on it (r odd; the sequence is
 * zero-padded by (r − 1)/2 at both ends).
 */
import type { FamilyVariable, ModelFamily } from '../types/family.js';
import { en } from '../i18n/en.js';
import { phrase, type Said, SaidError } from '../i18n/index.js';
import { buildLlama, llamaTiny } from './llama.js';
import { Net } from './nn.js';
import { swinT } from './swin.js';
import { vitB16 } from './vit.js';

/** Bounds keep a sweep to graphs that build in seconds (a document cannot ask for a 10⁹-token layer). */
const bounded = (name: string, max: number, v: number): Said | undefined => (v > max ? phrase('family.check.bounded', { name, value: v, max }) : undefined);
const odd = (name: string, max: number) => (v: number) =>
  Number.isInteger(v) && v % 2 === 1 ? bounded(name, max, v) : phrase('family.check.odd', { name, value: v });
const positive = (name: string, max: number) => (v: number) =>
  Number.isInteger(v) && v >= 1 ? bounded(name, max, v) : phrase('family.check.positive', { name, value: v });

const seqVars = (): Record<string, FamilyVariable> => ({
  n: { description: 'sequence length', default: 512, sweep: [128, 256, 512, 1024, 2048], check: positive('n', 65_536) },
  d: { description: 'representation width', default: 256, sweep: [64, 128, 256, 512], check: positive('d', 8192) },
});

/** softmax(q·kᵀ / √d)·v for q [1, n, d], keys kT [.., d, m] and values v [.., m, d]. */
function attend(net: Net, q: string, kT: string, v: string, d: number): string {
  const scores = net.op('Div', [net.op('MatMul', [q, kT]), net.sqrtOf(d)]);
  return net.op('MatMul', [net.op('Softmax', [scores], { axis: -1 }), v]);
}

function sequenceNet(name: string, seed: number, d: number): { net: Net; x: string } {
  const net = new Net({ name, seed, opset: 17 });
  const x = net.b.input('x', 'float32', [1, 'n', d]);
  return { net, x };
}

const selfAttention: ModelFamily = {
  name: 'self_attention',
  label: en['family.self_attention.label'],
  description: en['family.self_attention.description'],
  variables: seqVars(),
  claim: { exponents: { n: 2, d: 1 }, text: 'O(n²·d)' },
  sequential: { exponents: { n: 0, d: 0 }, text: 'O(1)' },
  pathLength: { text: 'O(1)', derivation: en['family.self_attention.derivation'], value: () => 1 },
  claimMetric: 'macs',
  build({ n, d }, seed) {
    const { net, x } = sequenceNet('self_attention', seed, d!);
    const y = net.scope('attention', () => attend(net, x, net.transpose(x, [0, 2, 1]), x, d!));
    net.output('y', y, [1, 'n', d!]);
    return { model: net.build(), inputs: { x: [1, n!, d!] } };
  },
};

const recurrent: ModelFamily = {
  name: 'recurrent',
  label: en['family.recurrent.label'],
  description: en['family.recurrent.description'],
  variables: seqVars(),
  claim: { exponents: { n: 1, d: 2 }, text: 'O(n·d²)' },
  sequential: { exponents: { n: 1, d: 0 }, text: 'O(n)' },
  pathLength: { text: 'O(n)', derivation: en['family.recurrent.derivation'], value: ({ n }) => n! - 1 },
  claimMetric: 'macs',
  build({ n, d }, seed) {
    const net = new Net({ name: 'recurrent', seed, opset: 17 });
    const x = net.b.input('x', 'float32', ['n', 1, d!]);
    const ys = net.scope('rnn', () => {
      const bound = 1 / Math.sqrt(d!);
      const w = net.param('weight_ih', [1, d!, d!], { uniform: [-bound, bound] });
      const r = net.param('weight_hh', [1, d!, d!], { uniform: [-bound, bound] });
      const b = net.param('bias', [1, 2 * d!], { uniform: [-bound, bound] });
      return net.ops('RNN', [x, w, r, b], 2, { hidden_size: d! });
    });
    net.output('y', ys[0]!, ['n', 1, 1, d!]);
    net.output('h', ys[1]!, [1, 1, d!]);
    return { model: net.build(), inputs: { x: [n!, 1, d!] } };
  },
};

const convolutional: ModelFamily = {
  name: 'convolutional',
  label: en['family.convolutional.label'],
  description: en['family.convolutional.description'],
  variables: { ...seqVars(), k: { description: 'kernel width', default: 3, sweep: [3, 5, 9, 17, 33], check: odd('k', 1025) } },
  claim: { exponents: { n: 1, d: 2, k: 1 }, text: 'O(k·n·d²)' },
  sequential: { exponents: { n: 0, d: 0, k: 0 }, text: 'O(1)' },
  pathLength: {
    text: 'O(n/k)',
    derivation: en['family.convolutional.derivation'],
    value: ({ n, k }) => Math.ceil((2 * (n! - 1)) / (k! - 1)),
  },
  claimMetric: 'macs',
  build({ n, d, k }, seed) {
    const net = new Net({ name: 'convolutional', seed, opset: 17 });
    const x = net.b.input('x', 'float32', [1, d!, 'n']);
    const y = net.scope('conv', () => {
      const bound = Math.sqrt(6 / (d! * k!));
      const w = net.param('weight', [d!, d!, k!], { uniform: [-bound, bound] });
      const b = net.param('bias', [d!], { uniform: [-0.01, 0.01] });
      const pad = (k! - 1) / 2;
      return net.op('Conv', [x, w, b], { dilations: [1], group: 1, kernel_shape: [k!], pads: [pad, pad], strides: [1] });
    });
    net.output('y', y, [1, d!, 'n']);
    return { model: net.build(), inputs: { x: [1, d!, n!] } };
  },
};

const restricted: ModelFamily = {
  name: 'restricted_attention',
  label: en['family.restricted_attention.label'],
  description: en['family.restricted_attention.description'],
  variables: { ...seqVars(), r: { description: 'neighbourhood size', default: 17, sweep: [5, 9, 17, 33, 65], check: odd('r', 1025) } },
  claim: { exponents: { n: 1, d: 1, r: 1 }, text: 'O(r·n·d)' },
  sequential: { exponents: { n: 0, d: 0, r: 0 }, text: 'O(1)' },
  pathLength: {
    text: 'O(n/r)',
    derivation: en['family.restricted_attention.derivation'],
    value: ({ n, r }) => Math.ceil((2 * (n! - 1)) / (r! - 1)),
  },
  claimMetric: 'macs',
  checkPoint: ({ n, r }) => (n! * r! > 4_194_304 ? phrase('family.check.windows', { value: n! * r! }) : undefined),
  build({ n, d, r }, seed) {
    // The window index depends on n, so this graph is built for one n (no symbolic sequence).
    const net = new Net({ name: 'restricted_attention', seed, opset: 17 });
    const x = net.b.input('x', 'float32', [1, n!, d!]);
    const half = (r! - 1) / 2;
    const y = net.scope('attention', () => {
      const padded = net.op('Pad', [x, net.ints([0, half, 0, 0, half, 0])], { mode: 'constant' });
      const index: number[] = [];
      for (let i = 0; i < n!; i++) for (let j = 0; j < r!; j++) index.push(i + j);
      const windows = net.op('Gather', [padded, net.ints(index, [n!, r!])], { axis: 1 }); // [1, n, r, d]
      const q = net.unsqueeze(x, [2]); // [1, n, 1, d]
      const out = attend(net, q, net.transpose(windows, [0, 1, 3, 2]), windows, d!); // [1, n, 1, d]
      return net.reshape(out, [1, n!, d!]);
    });
    net.output('y', y, [1, n!, d!]);
    return { model: net.build(), inputs: { x: [1, n!, d!] } };
  },
};

const vit: ModelFamily = {
  name: 'vit_b_16',
  label: 'ViT-B/16',
  description: en['family.vit_b_16.description'],
  variables: {
    side: {
      description: 'image side in pixels (a multiple of 16)',
      default: 224,
      sweep: [224, 448, 896, 1792],
      check: (v) => (Number.isInteger(v) && v % 16 === 0 ? bounded('side', 2048, v) : phrase('family.check.side16', { value: v })),
    },
  },
  axes: ({ side }) => ({ tokens: (side! / 16) ** 2 + 1 }),
  claim: { exponents: { tokens: 2 }, text: en['family.vit_b_16.claim'] },
  sequential: { exponents: { tokens: 0 }, text: en['family.vit_b_16.sequential'] },
  claimMetric: 'attention_macs',
  build({ side }, seed) {
    return { model: vitB16({ seed, height: side, width: side }, true), inputs: { input: [1, 3, side!, side!] } };
  },
};

const swin: ModelFamily = {
  name: 'swin_t',
  label: 'Swin-T',
  description: en['family.swin_t.description'],
  variables: {
    side: {
      description: 'image side in pixels (a multiple of 224)',
      default: 224,
      sweep: [224, 448, 896, 1792],
      check: (v) => (Number.isInteger(v) && v % 224 === 0 ? bounded('side', 2240, v) : phrase('family.check.side224', { value: v })),
    },
  },
  axes: ({ side }) => ({ tokens: (side! / 4) ** 2 }),
  claim: { exponents: { tokens: 1 }, text: en['family.swin_t.claim'] },
  sequential: { exponents: { tokens: 0 }, text: en['family.swin_t.sequential'] },
  claimMetric: 'attention_macs',
  build({ side }, seed) {
    return { model: swinT({ seed, height: side, width: side }), inputs: { input: [1, 3, side!, side!] } };
  },
};

/**
 * One decode step of llama_tiny (src/zoo/llama.ts: 4 layers, D 256, 8 query heads over 2 KV heads)
 * with n − 1 tokens in the KV cache: the new token's query attends to n keys, so per layer QKᵀ and
 * A·V cost H·d·n MACs each (2·4·256·n = 2,048·n in all), linear in the context, while the projections
 * and the MLP cost the same at every n.
 */
const llamaDecode: ModelFamily = {
  name: 'llama_decode',
  label: en['family.llama_decode.label'],
  description: en['family.llama_decode.description'],
  variables: {
    n: {
      description: 'context length in tokens (cached + the new one)',
      default: 512,
      sweep: [128, 256, 512, 1024, 2048],
      check: (v) => (Number.isInteger(v) && v >= 2 ? bounded('n', 32768, v) : phrase('family.check.context', { value: v })),
    },
  },
  claim: { exponents: { n: 1 }, text: en['family.llama_decode.claim'] },
  sequential: { exponents: { n: 0 }, text: en['family.llama_decode.sequential'] },
  claimMetric: 'attention_macs',
  build({ n }, seed) {
    const c = llamaTiny;
    const { model } = buildLlama(c, { seed, form: 'plain', kvCache: true, name: 'llama_decode' });
    const inputs: Record<string, number[]> = { input_ids: [1, 1] };
    for (let l = 0; l < c.layers; l++) for (const k of ['key', 'value']) inputs[`past_key_values.${l}.${k}`] = [1, c.kvHeads, n! - 1, c.dModel / c.heads];
    return { model, inputs };
  },
};

export const families: readonly ModelFamily[] = [selfAttention, recurrent, convolutional, restricted, vit, swin, llamaDecode];

/** The family named `name`, or an error listing those that exist. */
export function familyNamed(name: string): ModelFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new SaidError(phrase('family.unknown', { name, known: families.map((x) => x.name).join(', ') }));
  return f;
}
