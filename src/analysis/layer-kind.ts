/**
 * A module row's layer kind and hyper-parameters, torchinfo-style: `Conv 3→64, k7 s2 p3`,
 * `Linear 512→1000`, `BatchNorm 64`, `MaxPool k3 s2 p1`, `Embedding 100×32`, `LSTM 16→32`. Read from
 * the node's attributes and shapes (the layer's own weights give the channel counts).
 */
import type { Dim } from '../onnx/model.js';
import type { JsonAttribute } from './node-attrs.js';

export interface LayerNode {
  opType: string;
  domain: string;
  inputShapes: (Dim[] | null)[];
  outputShapes: (Dim[] | null)[];
  params: number;
  macs: number;
  flops: number;
  attributes?: Record<string, JsonAttribute> | undefined;
}

const ints = (a: JsonAttribute | undefined): number[] | undefined => (Array.isArray(a) && a.every((x) => typeof x === 'number') ? (a as number[]) : undefined);
const int = (a: JsonAttribute | undefined, fallback: number): number => (typeof a === 'number' ? a : fallback);
const str = (a: JsonAttribute | undefined): string | undefined => (typeof a === 'string' ? a : undefined);

/** `[3, 3]` → `3`, `[3, 1]` → `3×1`. */
function compact(xs: readonly number[]): string {
  return xs.every((x) => x === xs[0]) ? String(xs[0]) : xs.join('×');
}

/** Pads `[b1, b2, e1, e2]` → `1` when symmetric and equal, else per axis begin/end. */
function padText(pads: readonly number[]): string {
  const rank = pads.length / 2;
  const begin = pads.slice(0, rank);
  const end = pads.slice(rank);
  if (begin.every((b, i) => b === end[i])) return compact(begin);
  return `${begin.join('×')}/${end.join('×')}`;
}

/** Window hyper-parameters: `k3 s2 p1` (+ `d2`, `same`), defaults left out except the kernel. */
function windowText(attrs: Record<string, JsonAttribute>, kernel: readonly number[] | undefined): string[] {
  const parts: string[] = [];
  const rank = kernel?.length ?? 0;
  if (kernel && kernel.length > 0) parts.push(`k${compact(kernel)}`);
  const strides = ints(attrs.strides);
  if (strides?.some((s) => s !== 1)) parts.push(`s${compact(strides)}`);
  const autoPad = str(attrs.auto_pad);
  if (autoPad && autoPad !== 'NOTSET') {
    parts.push(autoPad === 'VALID' ? 'p0' : 'same');
  } else {
    const pads = ints(attrs.pads);
    if (pads?.some((p) => p !== 0)) parts.push(`p${padText(pads)}`);
    else if (rank > 0 && pads === undefined) parts.push('p0');
  }
  const dilations = ints(attrs.dilations);
  if (dilations?.some((d) => d !== 1)) parts.push(`d${compact(dilations)}`);
  return parts;
}

const dimText = (d: Dim | undefined): string => (d === undefined || d === null ? '?' : String(d));

/** The description of one node as a layer, or undefined for ops that are no layer of their own. */
export function describeNode(n: LayerNode): string | undefined {
  const attrs = n.attributes ?? {};
  const x = n.inputShapes[0] ?? undefined;
  const w = n.inputShapes[1] ?? undefined;
  if (n.domain !== '' && n.domain !== 'ai.onnx') return `${n.domain}.${n.opType}`;
  switch (n.opType) {
    case 'Conv':
    case 'ConvInteger':
    case 'ConvTranspose': {
      const group = int(attrs.group, 1);
      const kernel = ints(attrs.kernel_shape) ?? (w ? (w.slice(2).filter((d) => typeof d === 'number') as number[]) : undefined);
      const cin = x?.[1];
      const cout = n.opType === 'ConvTranspose' ? (typeof w?.[1] === 'number' ? w[1] * group : undefined) : w?.[0];
      const parts = windowText(attrs, kernel);
      if (group !== 1) parts.push(`g${group}`);
      const name = n.opType === 'ConvTranspose' ? 'ConvTranspose' : 'Conv';
      return `${name} ${dimText(cin)}→${dimText(cout)}${parts.length ? `, ${parts.join(' ')}` : ''}`;
    }
    case 'Gemm': {
      if (n.params === 0 || !w) return 'Gemm';
      const transB = int(attrs.transB, 0) === 1;
      const k = transB ? w[1] : w[0];
      const out = transB ? w[0] : w[1];
      return `Linear ${dimText(k)}→${dimText(out)}`;
    }
    case 'MatMul':
      if (n.params > 0 && w && w.length === 2) return `Linear ${dimText(w[0])}→${dimText(w[1])}`;
      return 'MatMul';
    case 'BatchNormalization':
      return `BatchNorm ${dimText(x?.[1])}`;
    case 'InstanceNormalization':
      return `InstanceNorm ${dimText(x?.[1])}`;
    case 'GroupNormalization':
      return `GroupNorm ${int(attrs.num_groups, 0)}×${dimText(x?.[1])}`;
    case 'LayerNormalization':
      return `LayerNorm ${dimText(x?.[x.length - 1])}`;
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool':
      return [n.opType === 'AveragePool' ? 'AvgPool' : n.opType, ...windowText(attrs, ints(attrs.kernel_shape))].join(' ');
    case 'GlobalAveragePool':
      return 'GlobalAvgPool';
    case 'Gather':
      if (n.params > 0 && x && x.length === 2) return `Embedding ${dimText(x[0])}×${dimText(x[1])}`;
      return undefined;
    case 'LSTM':
    case 'GRU':
    case 'RNN': {
      const dir = str(attrs.direction);
      return `${n.opType} ${dimText(x?.[2])}→${int(attrs.hidden_size, 0)}${dir === 'bidirectional' ? ', bidirectional' : ''}`;
    }
    case 'Relu':
      return 'ReLU';
    case 'Einsum':
      return `Einsum ${str(attrs.equation) ?? ''}`.trim();
    default:
      // shape plumbing is no layer; anything that computes is named by its op type
      return n.params > 0 || n.macs > 0 || n.flops > 0 ? n.opType : undefined;
  }
}

const RECURRENT = new Set(['LSTM', 'GRU', 'RNN']);

/** Ops describeNode always describes (every other op of the default domain only when it computes). */
const ALWAYS_LAYERS = new Set([
  'Conv',
  'ConvInteger',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'InstanceNormalization',
  'GroupNormalization',
  'LayerNormalization',
  'MaxPool',
  'AveragePool',
  'LpPool',
  'GlobalAveragePool',
  'LSTM',
  'GRU',
  'RNN',
  'Relu',
  'Einsum',
]);

/** True when describeNode(n) gives a description: the test, without making the text. */
export function isLayer(n: LayerNode): boolean {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return true;
  if (ALWAYS_LAYERS.has(n.opType)) return true;
  if (n.opType === 'Gather') {
    const x = n.inputShapes[0];
    return n.params > 0 && x !== null && x !== undefined && x.length === 2;
  }
  return n.params > 0 || n.macs > 0 || n.flops > 0;
}

/**
 * A module's kind: the description of its one computing node; else of its one dot-product node (a
 * Linear exported as MatMul + Add); a stacked RNN as `LSTM 16→32, 2 layers`; a LayerNorm the exporter
 * decomposed (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add) as `LayerNorm D`. Undefined for containers.
 *
 * `members` are the module's nodes by position in `nodes`. One pass that only classifies them: a
 * large graph has a module per handful of nodes, and only the one description given is made.
 */
export function describeModule(nodes: readonly LayerNode[], members: readonly number[]): string | undefined {
  let computing = 0;
  let first: LayerNode | undefined;
  let dots = 0;
  let dot: LayerNode | undefined;
  // The computing nodes that are no dot product are all Adds; the dot products all one recurrent op.
  let restAreAdds = true;
  let sameRecurrent = true;
  let reduceMean = false;
  let sqrt = false;
  let div = false;
  for (let k = 0; k < members.length; k++) {
    const n = nodes[members[k]!]!;
    const op = n.opType;
    if (op === 'ReduceMean') reduceMean = true;
    else if (op === 'Sqrt') sqrt = true;
    else if (op === 'Div') div = true;
    if (!isLayer(n)) continue;
    computing++;
    first ??= n;
    if (n.macs > 0) {
      dots++;
      dot ??= n;
      if (!RECURRENT.has(op) || op !== dot.opType) sameRecurrent = false;
    } else if (op !== 'Add') {
      restAreAdds = false;
    }
  }
  if (computing === 1) return describeNode(first!);
  if (dots === 1 && restAreAdds) return describeNode(dot!);
  if (dots > 1 && sameRecurrent) return `${describeNode(dot!)}, ${dots} layers`;
  if (dots === 0 && reduceMean && sqrt && div && members.length > 0) {
    const y = nodes[members[members.length - 1]!]!.outputShapes[0];
    return `LayerNorm ${dimText(y?.[y.length - 1])}`;
  }
  return undefined;
}
