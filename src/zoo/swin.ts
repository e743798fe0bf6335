/**
 * Swin-T as torchvision defines it (swin_t): patch size 4, embedding 96, depths 2-2-6-2, heads
 * 3-6-12-24, 7×7 windows, MLP ratio 4: 28,288,354 parameters (the relative position bias tables
 * included), 4.49 GMACs at 224×224.
 *
 * As an export of torchvision's `shifted_window_attention` looks:
 * - window partition and reverse are Reshape/Transpose;
 * - the cyclic shift is torch.roll, which ONNX lacks: Slice + Concat;
 * - the relative position bias is Gather(table, index) per block, the table a parameter and the
 *   index an integer constant;
 * - the shifted-window mask (0 where query and key come from the same region, −100 elsewhere) is
 *   stored as booleans and made float by Where, so it is not mistaken for a weight.
 * Stage 4's map is 7×7, one window: torchvision then sets the shift to 0, so its second block
 * is not shifted and has no mask.
 */
import type { Model } from '../onnx/model.js';
import { makeTensor } from '../onnx/builder.js';
import { Net, type BuildOptions } from './nn.js';

const embed = 96;
const depths = [2, 2, 6, 2];
const headsPerStage = [3, 6, 12, 24];
const window = 7;
const patch = 4;

/** torchvision's relative_position_index: for each (query, key) pair of a window, a row of the table. */
export function relativePositionIndex(w: number): number[] {
  const index: number[] = [];
  for (let i = 0; i < w * w; i++) {
    for (let j = 0; j < w * w; j++) {
      const dy = Math.floor(i / w) - Math.floor(j / w) + (w - 1);
      const dx = (i % w) - (j % w) + (w - 1);
      index.push(dy * (2 * w - 1) + dx);
    }
  }
  return index;
}

/**
 * Where a query and a key of one shifted window come from different regions of an H×W map
 * (torchvision's region ids of the three bands per axis): 1 there, 0 where they share a region, as
 * [windows, w², w²] bytes. One byte per pair: at side 1792 stage 1 has 4,096 windows of 49×49 pairs,
 * 9.8 million entries, which as a JS number array (and a mapped copy of it) cost over 150 MB per block.
 */
export function shiftedWindowCrossings(height: number, width: number, w: number, shift: number): Uint8Array {
  const bands = (n: number): number[] => Array.from({ length: n }, (_, i) => (i < n - w ? 0 : i < n - shift ? 1 : 2));
  const rows = bands(height);
  const cols = bands(width);
  const tokens = w * w;
  const out = new Uint8Array((height / w) * (width / w) * tokens * tokens);
  const region = new Uint8Array(tokens);
  let k = 0;
  for (let wy = 0; wy < height / w; wy++) {
    for (let wx = 0; wx < width / w; wx++) {
      for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) region[y * w + x] = rows[wy * w + y]! * 3 + cols[wx * w + x]!;
      for (let i = 0; i < tokens; i++) for (let j = 0; j < tokens; j++) out[k++] = region[i] === region[j] ? 0 : 1;
    }
  }
  return out;
}

/**
 * torchvision's attention mask for a shifted window on an H×W map: region ids of the three bands
 * per axis, then −100 where a query and a key of one window come from different regions.
 * Returned as [windows, w², w²] values.
 */
export function shiftedWindowMask(height: number, width: number, w: number, shift: number): number[] {
  return Array.from(shiftedWindowCrossings(height, width, w, shift), (c) => (c === 0 ? 0 : -100));
}

/** ShiftedWindowAttention on x [B, H, W, C]. */
function windowAttention(net: Net, x: string, size: number, dim: number, heads: number, shift: number): string {
  const perSide = size / window;
  const tokens = window * window;
  const headDim = dim / heads;
  const table = net.param('relative_position_bias_table', [(2 * window - 1) ** 2, heads], { uniform: [-0.04, 0.04] });
  if (shift > 0) x = net.roll(net.roll(x, -shift, 1, size), -shift, 2, size);
  // Partition into windows: [B, H/7, 7, W/7, 7, C] → [B·nW, 49, C].
  let y = net.reshape(x, [-1, perSide, window, perSide, window, dim]);
  y = net.reshape(net.transpose(y, [0, 1, 3, 2, 4, 5]), [-1, tokens, dim]);
  const bound = 1 / Math.sqrt(dim);
  const qkvW = net.param('qkv.weight', [dim, 3 * dim], { uniform: [-bound, bound] });
  const qkvB = net.param('qkv.bias', [3 * dim], { uniform: [-bound, bound] });
  let [q, k, v] = net.splitHeads(net.op('Add', [qkvB, net.op('MatMul', [y, qkvW])]), dim, heads);
  // q * head_dim^-0.5, before the product as torchvision does.
  q = net.op('Div', [q, net.sqrtOf(headDim)]);
  let scores = net.op('MatMul', [q, net.transpose(k, [0, 1, 3, 2])]);
  // relative_position_bias_table[index] → [49, 49, heads] → [1, heads, 49, 49].
  const bias = net.op('Gather', [table, net.ints(relativePositionIndex(window))], { axis: 0 });
  scores = net.add(scores, net.unsqueeze(net.transpose(net.reshape(bias, [tokens, tokens, heads]), [2, 0, 1]), [0]));
  if (shift > 0) {
    const windows = perSide * perSide;
    const crossesRegions = shiftedWindowCrossings(size, size, window, shift);
    const mask = net.op('Constant', [], { value: makeTensor('value', 'bool', [1, windows, 1, tokens, tokens], crossesRegions) });
    const additive = net.op('Where', [mask, net.floatFromInt(-100), net.floatFromInt(0)]);
    scores = net.reshape(scores, [-1, windows, heads, tokens, tokens]);
    scores = net.reshape(net.add(scores, additive), [-1, heads, tokens, tokens]);
  }
  const probs = net.op('Softmax', [scores], { axis: -1 });
  y = net.mergeHeads(net.op('MatMul', [probs, v]), dim);
  const projW = net.param('proj.weight', [dim, dim], { uniform: [-bound, bound] });
  const projB = net.param('proj.bias', [dim], { uniform: [-bound, bound] });
  y = net.op('Add', [projB, net.op('MatMul', [y, projW])]);
  // Reverse the partition: [B, H/7, W/7, 7, 7, C] → [B, H, W, C].
  y = net.reshape(y, [-1, perSide, perSide, window, window, dim]);
  y = net.reshape(net.transpose(y, [0, 1, 3, 2, 4, 5]), [-1, size, size, dim]);
  if (shift > 0) y = net.roll(net.roll(y, shift, 1, size), shift, 2, size);
  return y;
}

function swinBlock(net: Net, input: string, size: number, dim: number, heads: number, shift: number): string {
  let x = net.layerNorm(input, 'norm1', dim);
  x = net.scope('attn', () => windowAttention(net, x, size, dim, heads, shift));
  x = net.add(input, x);
  let y = net.layerNorm(x, 'norm2', dim);
  y = net.scope('mlp', () => {
    // MLP: Linear (0), GELU (1), Dropout (2), Linear (3), Dropout (4).
    const h = net.gelu(net.linear(y, 0, dim, 4 * dim), 'none', '1');
    return net.linear(h, 3, 4 * dim, dim);
  });
  return net.add(x, y);
}

/** PatchMerging: the four 2×2-strided sub-grids concatenated, LayerNorm(4C), Linear 4C → 2C. */
function patchMerging(net: Net, x: string, dim: number): string {
  const part = (r: number, c: number): string =>
    net.op('Slice', [x, net.ints([r, c]), net.ints([2 ** 31 - 1, 2 ** 31 - 1]), net.ints([1, 2]), net.ints([2, 2])]);
  let y = net.concat([part(0, 0), part(1, 0), part(0, 1), part(1, 1)], -1);
  y = net.layerNorm(y, 'norm', 4 * dim);
  return net.linear(y, 'reduction', 4 * dim, 2 * dim, { bias: false });
}

export function swinT(o: BuildOptions): Model {
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  if (height !== width || height % (patch * 8 * window) !== 0) {
    throw new Error(
      `swin_t here takes square images whose side is a multiple of ${patch * 8 * window} (every stage's map a whole number of 7×7 windows); got ${height}×${width}`,
    );
  }
  const net = new Net({ name: 'swin_t', seed: o.seed, opset: 20 });
  let x = net.imageInput(3, height, width);
  let size = height / patch;
  let dim = embed;
  x = net.scope('features', () => {
    let y = net.scope(0, () => {
      let z = net.conv2d(x, 0, 3, embed, patch, { stride: patch });
      z = net.scope(1, () => net.transpose(z, [0, 2, 3, 1]));
      return net.layerNorm(z, 2, embed);
    });
    let index = 1;
    depths.forEach((count, stage) => {
      const heads = headsPerStage[stage]!;
      y = net.scope(index++, () => {
        let z = y;
        for (let i = 0; i < count; i++) {
          // Odd blocks shift by half a window, unless the map is a single window.
          const shift = i % 2 === 1 && size > window ? Math.floor(window / 2) : 0;
          z = net.scope(i, () => swinBlock(net, z, size, dim, heads, shift));
        }
        return z;
      });
      if (stage < depths.length - 1) {
        y = net.scope(index++, () => patchMerging(net, y, dim));
        dim *= 2;
        size /= 2;
      }
    });
    return y;
  });
  x = net.layerNorm(x, 'norm', dim);
  x = net.scope('permute', () => net.transpose(x, [0, 3, 1, 2]));
  x = net.adaptiveAvgPool2d(x, 1, 1, 1, 'avgpool');
  x = net.flatten(x);
  x = net.linear(x, 'head', dim, 1000, { rank2: true });
  net.output('output', x, ['batch', 1000]);
  return net.build();
}
