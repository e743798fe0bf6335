/**
 * PyTorch-module-like helpers for writing the zoo: each call emits the ONNX nodes PyTorch's exporter
 * emits for that module, with its naming:
 *
 * - node names carry the module scope, `/layer1/layer1.0/conv1/Conv` (a numbered child of a
 *   Sequential is named after its parent, `layer1.0`, as the exporter does);
 * - initializers carry the parameter's state-dict name, `layer1.0.conv1.weight`;
 * - node outputs are `<node name>_output_0`.
 *
 * One invariant keeps parameter counts honest: every floating-point initializer is a parameter
 * (or a BatchNorm running statistic, a buffer). Constants the maths needs (√d_head, a mask value,
 * ReLU6's bounds) are made from integer constants by `Cast`, so no float scalar can be mistaken for
 * a weight by a counter that counts float tensors.
 */
import { GraphBuilder, makeTensor, type AttrValue } from '../onnx/builder.js';
import type { Dim, Model } from '../onnx/model.js';

export interface NetOptions {
  /** Graph name (the architecture). */
  name: string;
  /** Seed of the weight generator. */
  seed: number;
  /** Default-domain opset. */
  opset: number;
}

type Pair = number | [number, number];

/**
 * He (Kaiming) uniform, bound √(6/fan_in): the scale torchvision's CNNs are initialised at, and the
 * one that keeps activations input-dependent through deep ReLU stacks (PyTorch's bare default,
 * ±1/√fan_in, shrinks the signal threefold per layer until the logits ignore the image).
 */
function heUniform(fanIn: number): { uniform: [number, number] } {
  const bound = Math.sqrt(6 / fanIn);
  return { uniform: [-bound, bound] };
}

/** Biases: small and distinct (zeros would make identical tensors an exporter merges). */
const smallBias: { uniform: [number, number] } = { uniform: [-0.01, 0.01] };

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

interface Frame {
  /** Segment used in node names (`layer1.0`). */
  segment: string;
  /** Local attribute name (`0`), used in parameter names. */
  local: string;
  /** How many times each child segment was entered (a module called twice gets `relu_1`). */
  entered: Map<string, number>;
  /** Op counter per op type within this scope (`Add`, `Add_1`). */
  ops: Map<string, number>;
}

/** A graph under construction with a module-scope stack: the zoo's `nn.Module`. */
export class Net {
  readonly b: GraphBuilder;
  private readonly stack: Frame[] = [{ segment: '', local: '', entered: new Map(), ops: new Map() }];

  constructor(options: NetOptions) {
    this.b = new GraphBuilder({ opset: options.opset, seed: options.seed, name: options.name, producerName: 'modelpress-zoo' });
  }

  // ---- scopes and names ---------------------------------------------------------------------

  /** Run `fn` inside the child module `local` (an attribute name, or an index of a Sequential). */
  scope<T>(local: string | number, fn: () => T): T {
    const name = String(local);
    const parent = this.stack[this.stack.length - 1]!;
    const base = /^\d+$/.test(name) && parent.segment !== '' ? `${parent.segment}.${name}` : name;
    const times = parent.entered.get(base) ?? 0;
    parent.entered.set(base, times + 1);
    const segment = times === 0 ? base : `${base}_${times}`;
    this.stack.push({ segment, local: name, entered: new Map(), ops: new Map() });
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }

  /** Run `fn` inside nested scopes given as a dotted path (`features.0`). */
  scopes<T>(dotted: string, fn: () => T): T {
    const parts = dotted.split('.');
    const run = (i: number): T => (i === parts.length ? fn() : this.scope(parts[i]!, () => run(i + 1)));
    return run(0);
  }

  /** State-dict name of a parameter of the current module. */
  paramName(local: string): string {
    const path = this.stack.slice(1).map((f) => f.local);
    return [...path, local].join('.');
  }

  private nodeName(opType: string): string {
    const frame = this.stack[this.stack.length - 1]!;
    const n = frame.ops.get(opType) ?? 0;
    frame.ops.set(opType, n + 1);
    const prefix = this.stack
      .slice(1)
      .map((f) => `/${f.segment}`)
      .join('');
    return `${prefix}/${n === 0 ? opType : `${opType}_${n}`}`;
  }

  // ---- raw nodes ------------------------------------------------------------------------------

  op(opType: string, inputs: (string | null)[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.b.node(opType, inputs, attrs, { name: this.nodeName(opType) })[0]!;
  }

  ops(opType: string, inputs: (string | null)[], outputs: number, attrs: Record<string, AttrValue | undefined> = {}): string[] {
    return this.b.node(opType, inputs, attrs, { name: this.nodeName(opType), outputs });
  }

  /** A node of another operator domain (com.microsoft fused ops), named in the current scope. */
  domainOp(
    domain: string,
    opType: string,
    inputs: (string | null)[],
    attrs: Record<string, AttrValue | undefined> = {},
    outputs: number | string[] = 1,
  ): string[] {
    return this.b.node(opType, inputs, attrs, { name: this.nodeName(opType), outputs, domain });
  }

  /** A parameter of the current module (`<module path>.<local>`). */
  param(local: string, dims: number[], init: Parameters<GraphBuilder['weight']>[2] = 'kaiming'): string {
    return this.b.weight(this.paramName(local), dims, init);
  }

  /** An int64 constant (shapes, axes, indices) as a Constant node, as the exporter emits them. */
  ints(values: number[], dims: number[] = [values.length]): string {
    return this.op('Constant', [], { value: makeTensor('value', 'int64', dims, values) });
  }

  /** An int64 scalar constant. */
  int(value: number): string {
    return this.ints([value], []);
  }

  /** A float32 scalar made from an integer by Cast (see the file comment: no float constants). */
  floatFromInt(value: number): string {
    if (!Number.isInteger(value)) throw new Error(`floatFromInt needs an integer, got ${value}`);
    return this.op('Cast', [this.int(value)], { to: 1 });
  }

  // ---- graph inputs and outputs -----------------------------------------------------------------

  imageInput(channels: number, height: number, width: number): string {
    return this.b.input('input', 'float32', ['batch', channels, height, width]);
  }

  tokenInput(): string {
    return this.b.input('input_ids', 'int64', ['batch', 'sequence']);
  }

  /**
   * Declare `value` a graph output named `name`, renaming the producing node's output as the
   * exporter's `output_names` does (no extra Identity node).
   */
  output(name: string, value: string, shape: Dim[]): void {
    const graph = this.b.graph();
    const producer = graph.nodes.find((n) => n.outputs.includes(value));
    if (!producer) throw new Error(`no node produces '${value}'`);
    if (graph.nodes.some((n) => n.inputs.includes(value))) throw new Error(`'${value}' is consumed inside the graph and cannot be renamed to output '${name}'`);
    producer.outputs = producer.outputs.map((o) => (o === value ? name : o));
    this.b.output(name, 'float32', shape);
  }

  build(): Model {
    return this.b.build();
  }

  // ---- modules ------------------------------------------------------------------------------------

  /** nn.Conv2d (weight [C_out, C_in/groups, K_h, K_w]). */
  conv2d(x: string, name: string | number, cin: number, cout: number, kernel: Pair, o: Conv2dOptions = {}): string {
    return this.scope(name, () => {
      const [kh, kw] = pair(kernel);
      const [sh, sw] = pair(o.stride ?? 1);
      const [ph, pw] = pair(o.padding ?? 0);
      const [dh, dw] = pair(o.dilation ?? 1);
      const groups = o.groups ?? 1;
      if (cin % groups !== 0 || cout % groups !== 0) throw new Error(`conv ${this.paramName('')}: channels ${cin}→${cout} not divisible by groups ${groups}`);
      const w = this.param('weight', [cout, cin / groups, kh, kw], heUniform((cin / groups) * kh * kw));
      const b = o.bias === false ? null : this.param('bias', [cout], smallBias);
      return this.op('Conv', b === null ? [x, w] : [x, w, b], {
        dilations: [dh, dw],
        group: groups,
        kernel_shape: [kh, kw],
        pads: [ph, pw, ph, pw],
        strides: [sh, sw],
      });
    });
  }

  /** nn.ConvTranspose2d (weight [C_in, C_out/groups, K_h, K_w]). */
  convTranspose2d(x: string, name: string | number, cin: number, cout: number, kernel: Pair, stride: Pair): string {
    return this.scope(name, () => {
      const [kh, kw] = pair(kernel);
      const [sh, sw] = pair(stride);
      // Each output pixel of a stride-2, 2×2 transposed convolution sees C_in inputs.
      const w = this.param('weight', [cin, cout, kh, kw], heUniform((cin * kh * kw) / (sh * sw)));
      const b = this.param('bias', [cout], smallBias);
      return this.op('ConvTranspose', [x, w, b], {
        dilations: [1, 1],
        group: 1,
        kernel_shape: [kh, kw],
        pads: [0, 0, 0, 0],
        strides: [sh, sw],
      });
    });
  }

  /**
   * nn.BatchNorm2d in eval mode, kept as a BatchNormalization node (an export with
   * training=PRESERVE). Affine weights and running statistics are seeded near identity so deep
   * networks stay finite; running mean/var are buffers, not parameters.
   */
  batchNorm2d(x: string, name: string | number, channels: number, eps = 1e-5, o: { residualBranch?: boolean } = {}): string {
    return this.scope(name, () => {
      // The last BN of a residual branch gets a small scale (the idea of torchvision's
      // zero_init_residual), so fifty stacked additions do not grow the signal 2^50-fold.
      const gamma = this.param('weight', [channels], o.residualBranch ? { uniform: [0.1, 0.3] } : { uniform: [0.8, 1.2] });
      const beta = this.param('bias', [channels], { uniform: [-0.1, 0.1] });
      const mean = this.param('running_mean', [channels], { uniform: [-0.1, 0.1] });
      const variance = this.param('running_var', [channels], { uniform: [0.8, 1.2] });
      return this.op('BatchNormalization', [x, gamma, beta, mean, variance], { epsilon: { float: eps }, momentum: { float: 0.9 } });
    });
  }

  /** nn.LayerNorm over the last axis (LayerNormalization, opset 17). */
  layerNorm(x: string, name: string | number, dim: number, eps = 1e-5): string {
    return this.scope(name, () => {
      const gamma = this.param('weight', [dim], { uniform: [0.8, 1.2] });
      const beta = this.param('bias', [dim], { uniform: [-0.1, 0.1] });
      return this.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: { float: eps } });
    });
  }

  /**
   * nn.Linear. On a 2-D input the exporter emits Gemm with the weight as stored ([out, in],
   * transB=1); on a 3-D or larger input it emits MatMul with the weight transposed to [in, out]
   * and an Add of the bias. The zoo stores that transposed weight under the parameter's name.
   */
  linear(x: string, name: string | number, inFeatures: number, outFeatures: number, o: { bias?: boolean; rank2?: boolean } = {}): string {
    return this.scope(name, () => {
      const bound = 1 / Math.sqrt(inFeatures);
      if (o.rank2) {
        // Classifier layers of the CNNs: He scale like their convolutions, so the logits depend on the image.
        const w = this.param('weight', [outFeatures, inFeatures], heUniform(inFeatures));
        const b = o.bias === false ? null : this.param('bias', [outFeatures], smallBias);
        return this.op('Gemm', b === null ? [x, w] : [x, w, b], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 });
      }
      const w = this.param('weight', [inFeatures, outFeatures], { uniform: [-bound, bound] });
      const y = this.op('MatMul', [x, w]);
      if (o.bias === false) return y;
      const b = this.param('bias', [outFeatures], { uniform: [-bound, bound] });
      return this.op('Add', [b, y]);
    });
  }

  // ---- functional ops (named in the calling module's scope) -------------------------------------

  relu(x: string, module?: string): string {
    return module === undefined ? this.op('Relu', [x]) : this.scope(module, () => this.op('Relu', [x]));
  }

  /** nn.ReLU6 → Clip(0, 6); the bounds are made by Cast from integers (file comment). */
  relu6(x: string, module?: string): string {
    const emit = (): string => this.op('Clip', [x, this.floatFromInt(0), this.floatFromInt(6)]);
    return module === undefined ? emit() : this.scope(module, emit);
  }

  /** nn.GELU (exact erf form) or GPT-2's tanh form: the Gelu op of opset 20. */
  gelu(x: string, approximate: 'none' | 'tanh' = 'none', module?: string): string {
    const emit = (): string => this.op('Gelu', [x], approximate === 'none' ? {} : { approximate: 'tanh' });
    return module === undefined ? emit() : this.scope(module, emit);
  }

  maxPool2d(x: string, kernel: Pair, stride: Pair, padding: Pair = 0, o: { ceil?: boolean; module?: string } = {}): string {
    const [kh, kw] = pair(kernel);
    const [sh, sw] = pair(stride);
    const [ph, pw] = pair(padding);
    const emit = (): string =>
      this.op('MaxPool', [x], { ceil_mode: o.ceil ? 1 : 0, dilations: [1, 1], kernel_shape: [kh, kw], pads: [ph, pw, ph, pw], strides: [sh, sw] });
    return o.module === undefined ? emit() : this.scope(o.module, emit);
  }

  /** F.avg_pool2d / nn.AvgPool2d (count_include_pad=True is PyTorch's default). */
  avgPool2d(x: string, kernel: Pair, stride: Pair, padding: Pair = 0, o: { module?: string } = {}): string {
    const [kh, kw] = pair(kernel);
    const [sh, sw] = pair(stride);
    const [ph, pw] = pair(padding);
    const emit = (): string =>
      this.op('AveragePool', [x], { ceil_mode: 0, count_include_pad: 1, kernel_shape: [kh, kw], pads: [ph, pw, ph, pw], strides: [sh, sw] });
    return o.module === undefined ? emit() : this.scope(o.module, emit);
  }

  /**
   * nn.AdaptiveAvgPool2d to `out`×`out` on an `inH`×`inW` map: GlobalAveragePool for 1×1, else the
   * AveragePool with kernel = stride = in/out that the exporter emits (sizes must divide).
   */
  adaptiveAvgPool2d(x: string, inH: number, inW: number, out: number, module?: string): string {
    const emit = (): string => {
      if (out === 1) return this.op('GlobalAveragePool', [x]);
      if (inH % out !== 0 || inW % out !== 0) {
        throw new Error(
          `adaptive average pool from ${inH}×${inW} to ${out}×${out} is not a plain AveragePool; use an input size whose feature map divides ${out}`,
        );
      }
      const kh = inH / out;
      const kw = inW / out;
      return this.op('AveragePool', [x], { ceil_mode: 0, count_include_pad: 1, kernel_shape: [kh, kw], pads: [0, 0, 0, 0], strides: [kh, kw] });
    };
    return module === undefined ? emit() : this.scope(module, emit);
  }

  flatten(x: string, axis = 1): string {
    return this.op('Flatten', [x], { axis });
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }

  concat(xs: string[], axis: number): string {
    return this.op('Concat', xs, { axis });
  }

  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.ints(shape)], { allowzero: 0 });
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.ints(axes)]);
  }

  /** x.size(axis) as an int64 scalar, computed from the runtime shape (symbolic dims stay symbolic). */
  sizeOf(x: string, axis: number): string {
    return this.op('Gather', [this.op('Shape', [x]), this.int(axis)], { axis: 0 });
  }

  /** torch.arange(n) for an int64 scalar n made in the graph. */
  arange(n: string): string {
    return this.op('Range', [this.int(0), n, this.int(1)]);
  }

  /** x[start:end:step] along one axis. */
  slice(x: string, axis: number, start: number, end: number, step = 1): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis]), this.ints([step])]);
  }

  /** x[index] along one axis (the axis disappears), as the exporter emits integer indexing. */
  select(x: string, axis: number, index: number): string {
    return this.op('Gather', [x, this.int(index)], { axis });
  }

  /**
   * torch.roll(x, shift, dim): ONNX has no Roll, the exporter emits Slice + Concat.
   * A positive shift moves elements towards higher indices.
   */
  roll(x: string, shift: number, axis: number, size: number): string {
    const s = ((shift % size) + size) % size;
    if (s === 0) return x;
    const tail = this.slice(x, axis, size - s, size);
    const head = this.slice(x, axis, 0, size - s);
    return this.concat([tail, head], axis);
  }

  /** √(head dim) as a float scalar, computed from the integer like `q.size(-1) ** 0.5`. */
  sqrtOf(n: number): string {
    return this.op('Sqrt', [this.floatFromInt(n)]);
  }

  /**
   * Scaled dot-product attention on q, k, v shaped [B, H, N, d]: softmax(q·kᵀ/√d + bias)·v,
   * the MatMul/Div/Softmax/MatMul sequence of an exported attention. `addToScores` may add bias
   * and mask terms to the [B, H, N, N] scores before the softmax.
   */
  attention(q: string, k: string, v: string, headDim: number, addToScores?: (scores: string) => string): string {
    const kT = this.transpose(k, [0, 1, 3, 2]);
    let scores = this.op('Div', [this.op('MatMul', [q, kT]), this.sqrtOf(headDim)]);
    if (addToScores) scores = addToScores(scores);
    const probs = this.op('Softmax', [scores], { axis: -1 });
    return this.op('MatMul', [probs, v]);
  }

  /**
   * The packed q/k/v projection of nn.MultiheadAttention (`in_proj_weight`, `in_proj_bias`), split
   * into heads: [B, N, E] → three [B, H, N, d] tensors.
   */
  packedQkv(x: string, embed: number, heads: number, names: { weight: string; bias: string }): [string, string, string] {
    const bound = 1 / Math.sqrt(embed);
    const w = this.param(names.weight, [embed, 3 * embed], { uniform: [-bound, bound] });
    const b = this.param(names.bias, [3 * embed], { uniform: [-bound, bound] });
    const qkv = this.op('Add', [b, this.op('MatMul', [x, w])]);
    return this.splitHeads(qkv, embed, heads);
  }

  /** [B, N, 3E] → q, k, v each [B, H, N, E/H] (reshape, permute(2,0,3,1,4), index 0/1/2). */
  splitHeads(qkv: string, embed: number, heads: number): [string, string, string] {
    const r = this.reshape(qkv, [0, 0, 3, heads, embed / heads]);
    const p = this.transpose(r, [2, 0, 3, 1, 4]);
    return [this.select(p, 0, 0), this.select(p, 0, 1), this.select(p, 0, 2)];
  }

  /** [B, H, N, d] → [B, N, H·d]. */
  mergeHeads(x: string, embed: number): string {
    return this.reshape(this.transpose(x, [0, 2, 1, 3]), [0, 0, embed]);
  }
}

/** What every zoo architecture is built from: the weight seed and, for images, the input size. */
export interface BuildOptions {
  seed: number;
  /** Input height and width (images); each architecture has a default. */
  height?: number | undefined;
  width?: number | undefined;
  /** Inception-v3 only: include the auxiliary classifier (a second output). */
  aux?: boolean | undefined;
}

/** Output length of a convolution or pooling window along one axis (floor, or ceil_mode). */
export function windowOut(size: number, kernel: number, stride: number, pad: number, dilation = 1, ceil = false): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (out < 1) throw new Error(`input of size ${size} is too small for a window of ${kernel} (stride ${stride}, padding ${pad})`);
  return out;
}
