// README / docs/counting.md "BatchNorm folding": MACs of ResNet-18 with BatchNorm folded into the
// convolutions (the default eval-mode export) and with BatchNorm kept (TrainingMode.PRESERVE), under
// each convention. The BN layers' output elements, by hand (1×3×224×224): bn1 64·112² = 802,816;
// layer1 4 × 64·56² = 802,816; layer2 5 × 128·28² = 501,760; layer3 5 × 256·14² = 250,880;
// layer4 5 × 512·7² = 125,440 (downsample BNs included) → n = 2,483,712.
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import type { Convention } from '../../src/analysis/types.js';
import { buildResNet18 } from '../helpers/resnet18.js';

const n = 802816 + 802816 + 501760 + 250880 + 125440;
const kept = buildResNet18();
const folded = buildResNet18({ foldBn: true });
const macs = (m: typeof kept, convention: Convention): number => profileModel(m, { convention }).totals.macs;

describe('ResNet-18, BatchNorm folded vs kept', () => {
  it('n = 2,483,712 BN output elements', () => expect(n).toBe(2483712));

  it('exact, deepspeed and torch: the same MACs (BN and conv biases are no dot-product work)', () => {
    for (const c of ['exact', 'deepspeed', 'torch'] as const) expect(macs(kept, c)).toBe(macs(folded, c));
    expect(macs(kept, 'exact')).toBe(1814073344);
  });

  it('ptflops: BN costs 2n (affine), the folded conv bias n → kept is n higher (+0.14%)', () => {
    expect(macs(kept, 'ptflops') - macs(folded, 'ptflops')).toBe(n);
    expect(macs(kept, 'ptflops')).toBe(1822930408);
    expect(macs(folded, 'ptflops')).toBe(1820446696);
  });

  it('fvcore: BN 2n, conv bias ignored → 2n higher (+0.27%)', () => {
    expect(macs(kept, 'fvcore') - macs(folded, 'fvcore')).toBe(2 * n);
  });

  it('thop: BN 4n (affine), conv bias ignored → 4n higher (+0.55%)', () => {
    expect(macs(kept, 'thop') - macs(folded, 'thop')).toBe(4 * n);
  });

  it('params: 11,689,512 kept, 11,684,712 folded (9,600 BN weights become 4,800 conv biases)', () => {
    expect(profileModel(kept).totals.params).toBe(11689512);
    expect(profileModel(folded).totals.params).toBe(11684712);
    // and the BN running statistics are buffers: 2 · 4,800
    expect(profileModel(kept).totals.buffers).toBe(9600);
    expect(profileModel(folded).totals.buffers).toBe(0);
  });
});
