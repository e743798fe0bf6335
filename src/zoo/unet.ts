/**
 * A UNet for image reconstruction (Ronneberger et al., 2015), written as the widely used PyTorch
 * implementation milesial/Pytorch-UNet with `bilinear=False`: four 2× max-pool downsamplings
 * (64 → 1024 channels), ConvTranspose 2×2 stride-2 upsampling, skip connections by concatenation,
 * every 3×3 convolution followed by BatchNorm and ReLU, a 1×1 output convolution.
 * One input and one output channel (a speckle pattern in, an intensity image out, as in the
 * scattering-imaging models the seed compares): 31,036,481 parameters.
 *
 * Any size from 16×16 works, including sizes not divisible by 16 (200×200): max pooling floors,
 * and each upsampled map is zero-padded on its bottom/right to its skip connection's size before
 * the concatenation (the implementation's `F.pad` by the size difference). At 200×200 the
 * deepest map is 12×12, upsampled to 24×24 and padded to 25×25.
 */
import type { Model } from '../onnx/model.js';
import { Net, type BuildOptions } from './nn.js';

const widths = [64, 128, 256, 512, 1024];

function doubleConv(net: Net, x: string, cin: number, cout: number): string {
  return net.scope('double_conv', () => {
    let y = net.conv2d(x, 0, cin, cout, 3, { padding: 1, bias: false });
    y = net.relu(net.batchNorm2d(y, 1, cout), '2');
    y = net.conv2d(y, 3, cout, cout, 3, { padding: 1, bias: false });
    return net.relu(net.batchNorm2d(y, 4, cout), '5');
  });
}

/** Up: ConvTranspose (C → C/2), pad to the skip's size, concat [skip, up], DoubleConv. */
function up(net: Net, x: string, skip: string, cin: number, cout: number, from: [number, number], to: [number, number]): string {
  let y = net.convTranspose2d(x, 'up', cin, cin / 2, 2, 2);
  const diffY = to[0] - 2 * from[0];
  const diffX = to[1] - 2 * from[1];
  if (diffY > 0 || diffX > 0) {
    const top = Math.floor(diffY / 2);
    const left = Math.floor(diffX / 2);
    y = net.op('Pad', [y, net.ints([0, 0, top, left, 0, 0, diffY - top, diffX - left])], { mode: 'constant' });
  }
  return net.scope('conv', () => doubleConv(net, net.concat([skip, y], 1), cin, cout));
}

export function unet(o: BuildOptions): Model {
  const height = o.height ?? 256;
  const width = o.width ?? 256;
  if (height < 16 || width < 16) throw new Error(`unet needs at least 16×16 (four 2× downsamplings); got ${height}×${width}`);
  const net = new Net({ name: 'unet', seed: o.seed, opset: 17 });
  const input = net.imageInput(1, height, width);
  const sizes: [number, number][] = [[height, width]];
  for (let i = 1; i < widths.length; i++) sizes.push([Math.floor(sizes[i - 1]![0] / 2), Math.floor(sizes[i - 1]![1] / 2)]);
  const skips = [net.scope('inc', () => doubleConv(net, input, 1, widths[0]!))];
  for (let i = 1; i < widths.length; i++) {
    const prev = skips[i - 1]!;
    skips.push(
      net.scope(`down${i}`, () =>
        net.scope('maxpool_conv', () => {
          const pooled = net.maxPool2d(prev, 2, 2, 0, { module: '0' });
          return net.scope(1, () => doubleConv(net, pooled, widths[i - 1]!, widths[i]!));
        }),
      ),
    );
  }
  let x = skips[widths.length - 1]!;
  for (let i = 1; i < widths.length; i++) {
    const level = widths.length - 1 - i;
    const current = x;
    x = net.scope(`up${i}`, () => up(net, current, skips[level]!, widths[level + 1]!, widths[level]!, sizes[level + 1]!, sizes[level]!));
  }
  x = net.scope('outc', () => net.conv2d(x, 'conv', widths[0]!, 1, 1));
  net.output('output', x, ['batch', 1, height, width]);
  return net.build();
}
