/**
 * Dual Path Networks (Chen et al. 2017) — DPN-68, DPN-68b, DPN-92, DPN-98, DPN-107, DPN-131 — as the
 * `pretrainedmodels` package (Cadene; Ross Wightman's port of the MXNet release) defines them, the
 * networks the seed's ptflops table measured. dpn68 holds 12,611,602 parameters, dpn131 79,254,504.
 *
 * A dual path block reads a residual path and a densely connected path:
 * - `c1x1_a` (BN → ReLU → 1×1 conv to r channels), `c1x1_b`… as BnActConv2d modules (BN eps 0.001);
 *   `c3x3_b` is a grouped 3×3 convolution (the ResNeXt part), strided in the first block of a stage;
 * - `c1x1_c` makes bw + inc channels: the first bw are added to the residual path, the last inc
 *   concatenated to the dense path (DPN-68b: a BN–ReLU then two separate 1×1 convolutions
 *   `c1x1_c1` and `c1x1_c2`);
 * - the first block of a stage projects its (concatenated) input with `c1x1_w_s1` / `c1x1_w_s2` to
 *   bw + 2·inc channels, split into the residual path and the start of the dense path.
 * The classifier is a 1×1 convolution with bias after global average pooling: the graph of the
 * model as constructed (the path ptflops measures). In eval mode the package's test-time pool
 * (AvgPool 7×7 stride 1, classifier, then mean+max over the map) computes the same at 224×224,
 * where the last map is 7×7.
 */
import type { Model } from '../onnx/model.js';
import { Net, windowOut, type BuildOptions } from './nn.js';

export type DpnName = 'dpn68' | 'dpn68b' | 'dpn92' | 'dpn98' | 'dpn107' | 'dpn131';

interface DpnConfig {
  small: boolean;
  b: boolean;
  init: number;
  kR: number;
  groups: number;
  kSec: [number, number, number, number];
  incSec: [number, number, number, number];
}

const configs: Record<DpnName, DpnConfig> = {
  dpn68: { small: true, b: false, init: 10, kR: 128, groups: 32, kSec: [3, 4, 12, 3], incSec: [16, 32, 32, 64] },
  dpn68b: { small: true, b: true, init: 10, kR: 128, groups: 32, kSec: [3, 4, 12, 3], incSec: [16, 32, 32, 64] },
  dpn92: { small: false, b: false, init: 64, kR: 96, groups: 32, kSec: [3, 4, 20, 3], incSec: [16, 32, 24, 128] },
  dpn98: { small: false, b: false, init: 96, kR: 160, groups: 40, kSec: [3, 6, 20, 3], incSec: [16, 32, 32, 128] },
  dpn107: { small: false, b: false, init: 128, kR: 200, groups: 50, kSec: [4, 8, 20, 3], incSec: [20, 64, 64, 128] },
  dpn131: { small: false, b: false, init: 128, kR: 160, groups: 40, kSec: [4, 8, 28, 3], incSec: [16, 32, 32, 128] },
};

const eps = 0.001;

/** BnActConv2d: BN → ReLU → conv (no bias). */
function bnActConv(net: Net, x: string, name: string, cin: number, cout: number, k: number, stride: number, groups = 1): string {
  return net.scope(name, () => {
    const y = net.relu(net.batchNorm2d(x, 'bn', cin, eps), 'act');
    return net.conv2d(y, 'conv', cin, cout, k, { stride, padding: (k - 1) / 2, groups, bias: false });
  });
}

/** The two paths between blocks: [residual, dense] (a single tensor before the first block). */
type Paths = string | [string, string];

interface BlockSpec {
  cin: number;
  r: number;
  bw: number;
  inc: number;
  groups: number;
  kind: 'proj' | 'down' | 'normal';
  b: boolean;
}

function dualPathBlock(net: Net, x: Paths, s: BlockSpec): [string, string] {
  const xIn = typeof x === 'string' ? x : net.concat(x, 1);
  let residual: string;
  let dense: string;
  if (s.kind === 'normal') {
    if (typeof x === 'string') throw new Error('a normal dual path block needs both paths');
    [residual, dense] = x;
  } else {
    const stride = s.kind === 'down' ? 2 : 1;
    const xs = bnActConv(net, xIn, stride === 2 ? 'c1x1_w_s2' : 'c1x1_w_s1', s.cin, s.bw + 2 * s.inc, 1, stride);
    residual = net.slice(xs, 1, 0, s.bw);
    dense = net.slice(xs, 1, s.bw, s.bw + 2 * s.inc);
  }
  let y = bnActConv(net, xIn, 'c1x1_a', s.cin, s.r, 1, 1);
  y = bnActConv(net, y, 'c3x3_b', s.r, s.r, 3, s.kind === 'down' ? 2 : 1, s.groups);
  let out1: string;
  let out2: string;
  if (s.b) {
    y = net.scope('c1x1_c', () => net.relu(net.batchNorm2d(y, 'bn', s.r, eps), 'act'));
    out1 = net.conv2d(y, 'c1x1_c1', s.r, s.bw, 1, { bias: false });
    out2 = net.conv2d(y, 'c1x1_c2', s.r, s.inc, 1, { bias: false });
  } else {
    y = bnActConv(net, y, 'c1x1_c', s.r, s.bw + s.inc, 1, 1);
    out1 = net.slice(y, 1, 0, s.bw);
    out2 = net.slice(y, 1, s.bw, s.bw + s.inc);
  }
  return [net.add(residual, out1), net.concat([dense, out2], 1)];
}

export function dpn(name: DpnName, o: BuildOptions): Model {
  const c = configs[name];
  const height = o.height ?? 224;
  const width = o.width ?? 224;
  const k = c.small ? 3 : 7;
  windowOut(windowOut(height, k, 2, (k - 1) / 2), 3, 2, 1);
  windowOut(windowOut(width, k, 2, (k - 1) / 2), 3, 2, 1);
  const bwFactor = c.small ? 1 : 4;
  const net = new Net({ name, seed: o.seed, opset: 17 });
  const input = net.imageInput(3, height, width);
  let channels = 0;
  const features = net.scope('features', () => {
    let x: Paths = net.scope('conv1_1', () => {
      const y = net.conv2d(input, 'conv', 3, c.init, k, { stride: 2, padding: (k - 1) / 2, bias: false });
      return net.maxPool2d(net.relu(net.batchNorm2d(y, 'bn', c.init, eps), 'act'), 3, 2, 1, { module: 'pool' });
    });
    let cin = c.init;
    for (let stage = 0; stage < 4; stage++) {
      const bw = 64 * 2 ** stage * bwFactor;
      const inc = c.incSec[stage]!;
      const r = Math.floor((c.kR * bw) / (64 * bwFactor));
      for (let i = 1; i <= c.kSec[stage]!; i++) {
        const kind = i > 1 ? 'normal' : stage === 0 ? 'proj' : 'down';
        const spec: BlockSpec = { cin, r, bw, inc, groups: c.groups, kind, b: c.b };
        const paths: Paths = x;
        x = net.scope(`conv${stage + 2}_${i}`, () => dualPathBlock(net, paths, spec));
        cin = i === 1 ? bw + 3 * inc : cin + inc;
      }
    }
    channels = cin;
    const last = x as [string, string];
    return net.scope('conv5_bn_ac', () => net.relu(net.batchNorm2d(net.concat(last, 1), 'bn', cin, eps), 'act'));
  });
  let y = net.adaptiveAvgPool2d(features, 1, 1, 1);
  y = net.conv2d(y, 'classifier', channels, 1000, 1);
  y = net.flatten(y);
  net.output('output', y, ['batch', 1000]);
  return net.build();
}
