/**
 * The Transformer paper's Table 1 (Vaswani et al. 2017), measured: per-layer complexity exponents
 * from MACs counted on graphs built in code, within ±0.05 of the claims, and the sequential
 * operations from the graph depth (an RNN over n steps counts n). ViT-B/16 against Swin-T over the
 * image side: attention MACs quadratic against linear in the tokens.
 */
import { describe, expect, it } from 'vitest';
import { activationMatmulMacs, sweepFamily, SweepError } from '../../src/analysis/complexity.js';
import { profileModel } from '../../src/analysis/profile.js';
import { familyNamed } from '../../src/zoo/families.js';

describe('Attention Is All You Need, Table 1, measured', () => {
  const cases: [string, string[], Record<string, number>][] = [
    ['self_attention', ['n', 'd'], { n: 2, d: 1 }],
    ['recurrent', ['n', 'd'], { n: 1, d: 2 }],
    ['convolutional', ['n', 'k'], { n: 1, k: 1 }],
    ['convolutional', ['d'], { d: 2 }],
    ['restricted_attention', ['n', 'r'], { n: 1, r: 1 }],
    ['restricted_attention', ['d'], { d: 1 }],
  ];
  for (const [name, vary, claimed] of cases) {
    it(`${name}: MACs exponents in ${vary.join(', ')} are the claim ± 0.05`, () => {
      const family = familyNamed(name);
      const small = vary.map((v) => ({ name: v, values: family.variables[v]!.sweep.slice(0, 4) }));
      const s = sweepFamily(family, { vary: small });
      const macs = s.fits.find((f) => f.metric === 'macs')!;
      for (const [v, e] of Object.entries(claimed)) {
        expect(Math.abs(macs.exponents[v]! - e), `${name} ${v}`).toBeLessThan(0.05);
        // …and they agree with the claim table the family states.
        expect(family.claim.exponents[v]).toBe(e);
      }
      expect(macs.fit!.r2).toBeGreaterThan(0.999);
    });
  }

  it('exact MACs, by hand: self-attention 2·n²·d, RNN 2·n·d², convolution k·n·d², restricted 2·r·n·d', () => {
    const at = (name: string, vars: Record<string, number>) => {
      const { model, inputs } = familyNamed(name).build(vars, 1);
      return profileModel(model, { inputs }).totals.macs;
    };
    expect(at('self_attention', { n: 100, d: 32 })).toBe(2 * 100 * 100 * 32);
    expect(at('recurrent', { n: 100, d: 32 })).toBe(100 * 32 * (32 + 32));
    expect(at('convolutional', { n: 100, d: 32, k: 5 })).toBe(5 * 100 * 32 * 32);
    expect(at('restricted_attention', { n: 100, d: 32, r: 9 })).toBe(2 * 9 * 100 * 32);
  });

  it("sequential operations: the RNN's depth is n, the others' does not grow with n", () => {
    const depthExponent = (name: string) => {
      const s = sweepFamily(familyNamed(name), { vary: [{ name: 'n', values: [64, 128, 256] }] });
      return { fit: s.fits.find((f) => f.metric === 'depth')!.exponents.n!, depths: s.points.map((p) => p.values.depth) };
    };
    const rnn = depthExponent('recurrent');
    expect(rnn.depths).toEqual([64, 128, 256]);
    expect(rnn.fit).toBeCloseTo(1, 10);
    for (const name of ['self_attention', 'convolutional', 'restricted_attention']) {
      const d = depthExponent(name);
      expect(new Set(d.depths).size, name).toBe(1);
      expect(d.fit).toBeCloseTo(0, 10);
    }
  });

  it('maximum path length is derived from the construction', () => {
    expect(familyNamed('self_attention').pathLength!.value({ n: 512, d: 64 })).toBe(1);
    expect(familyNamed('recurrent').pathLength!.value({ n: 512, d: 64 })).toBe(511);
    // Width-3 windows move one position per layer: 511 layers from one end to the other.
    expect(familyNamed('convolutional').pathLength!.value({ n: 512, d: 64, k: 3 })).toBe(511);
    expect(familyNamed('restricted_attention').pathLength!.value({ n: 512, d: 64, r: 17 })).toBe(Math.ceil(1022 / 16));
  });

  it('bad sweeps are refused before anything is built, naming the remedy', () => {
    expect(() => sweepFamily(familyNamed('self_attention'), { vary: [{ name: 'k' }] })).toThrow(/has no variable 'k'; its variables are n, d/);
    expect(() => sweepFamily(familyNamed('convolutional'), { vary: [{ name: 'k', values: [3, 4] }] })).toThrow(/odd/);
    expect(() => sweepFamily(familyNamed('recurrent'), { vary: [{ name: 'n', values: [8, 8] }] })).toThrow(SweepError);
    // Sizes a document could ask for but no one can build in a build: bounded, with the limit named.
    expect(() => sweepFamily(familyNamed('recurrent'), { vary: [{ name: 'n', values: [8, 1e9] }] })).toThrow(
      /n = 1000000000 is larger than this family builds \(at most 65536\)/,
    );
    expect(() => sweepFamily(familyNamed('vit_b_16'), { vary: [{ name: 'side', values: [224, 160000] }] })).toThrow(/at most 2048/);
    expect(() => sweepFamily(familyNamed('restricted_attention'), { vary: [{ name: 'n', values: [128, 65536] }], at: { r: 1025 } })).toThrow(/window indices/);
    const many = Array.from({ length: 9 }, (_, i) => 2 ** (i + 3));
    expect(() =>
      sweepFamily(familyNamed('self_attention'), {
        vary: [
          { name: 'n', values: many },
          { name: 'd', values: many },
        ],
      }),
    ).toThrow(/81 points is more than one sweep measures \(at most 64\)/);
  });
});

describe('a decoder over its context length (issue 18: ::complexity sweeps context)', () => {
  it('one llama_tiny decode step: attention MACs 2·layers·H·d·n = 2,048·n (exponent 1), the rest constant, depth constant', () => {
    const s = sweepFamily(familyNamed('llama_decode'), { vary: [{ name: 'n', values: [128, 256, 512, 1024] }] }, ['macs', 'attention_macs', 'depth']);
    // llama_tiny: 4 layers, 8 query heads of d = 32 (H·d = 256): QKᵀ and A·V each H·d·n per layer.
    expect(s.points.map((p) => p.values.attention_macs)).toEqual([128, 256, 512, 1024].map((n) => 2 * 4 * 256 * n));
    // Everything else (projections, SwiGLU, head) is the same at every n: 4,128,768 − 2,048·128 at n = 128.
    const rest = s.points.map((p) => p.values.macs - p.values.attention_macs);
    expect(new Set(rest)).toEqual(new Set([4_128_768 - 2048 * 128]));
    const exp = (m: string) => s.fits.find((f) => f.metric === m)!.exponents.n!;
    expect(Math.abs(exp('attention_macs') - 1)).toBeLessThan(0.05);
    expect(exp('depth')).toBeCloseTo(0, 6);
  });
});

describe('ViT-B/16 against Swin-T over the image side', () => {
  it('attention MACs: quadratic in the tokens for ViT, linear for Swin (± 0.05)', () => {
    const vit = sweepFamily(familyNamed('vit_b_16'), { vary: [{ name: 'side', values: [224, 448, 896] }] }, ['macs', 'attention_macs']);
    const swin = sweepFamily(familyNamed('swin_t'), { vary: [{ name: 'side', values: [224, 448, 896] }] }, ['macs', 'attention_macs']);
    const exp = (s: typeof vit, m: string) => s.fits.find((f) => f.metric === m)!.exponents.tokens!;
    expect(Math.abs(exp(vit, 'attention_macs') - 2)).toBeLessThan(0.05);
    expect(Math.abs(exp(swin, 'attention_macs') - 1)).toBeLessThan(0.05);
    // ViT's attention at 224: 12 layers × 2 products × N²·d, N = 197, d = 768.
    expect(vit.points[0]!.values.attention_macs).toBe(12 * 2 * 197 * 197 * 768);
    // Swin-T's at 224: per block (windows·49²·C·2), stage sides 56/28/14/7, widths 96/192/384/768, 2-2-6-2 blocks.
    const swinAttention = [
      [56, 96, 2],
      [28, 192, 2],
      [14, 384, 6],
      [7, 768, 2],
    ].reduce((t, [s, c, b]) => t + b! * (s! / 7) ** 2 * 2 * 49 * 49 * c!, 0);
    expect(swin.points[0]!.values.attention_macs).toBe(swinAttention);
    // The total is dominated by the linear layers at these sizes: ViT's total grows slower than N².
    expect(exp(vit, 'macs')).toBeLessThan(1.6);
    expect(exp(swin, 'macs')).toBeLessThan(1.05);
  });

  it('activationMatmulMacs leaves out MatMuls with a weight', () => {
    const { model, inputs } = familyNamed('self_attention').build({ n: 10, d: 4 }, 1);
    expect(activationMatmulMacs(model, profileModel(model, { inputs }))).toBe(2 * 10 * 10 * 4);
  });
});
