/**
 * Resize family: output sizes across Resize opsets 10/11/13/18 and Upsample 1/7/9, interpolation FLOPs
 * (nearest 0, linear 3·(2^d − 1), cubic 7·(4^d − 1)/3 per output element), the preset tools' upsample
 * rules, GridSample, DepthToSpace/SpaceToDepth and Col2Im.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import type { Attribute, Node } from '../../../src/onnx/model.js';
import { serializeModel } from '../../../src/onnx/writer.js';
import { makeCostContext, makeNodeContext } from '../../../src/analysis/context.js';
import { ruleFor } from '../../../src/analysis/ops/index.js';
import { interpolationFlops } from '../../../src/analysis/ops/resize.js';
import { AnalysisError, type Convention, type ValueFacts } from '../../../src/analysis/types.js';

const F32 = 1;
const I64 = 7;
const enc = new TextEncoder();
const int = (name: string, value: number): Attribute => ({ name, type: 'int', value });
const ints = (name: string, value: number[]): Attribute => ({ name, type: 'ints', value });
const floats = (name: string, value: number[]): Attribute => ({ name, type: 'floats', value });
const float = (name: string, value: number): Attribute => ({ name, type: 'float', value });
const str = (name: string, value: string): Attribute => ({ name, type: 'string', value: enc.encode(value) });

function run(opType: string, names: string[], inputs: (ValueFacts | undefined)[], opset: number, attrs: Attribute[] = []) {
  const n: Node = { name: `/${opType}`, opType, domain: '', inputs: names, outputs: ['y'], attributes: attrs };
  const rule = ruleFor('', opType);
  if (!rule) throw new Error(`no rule for ${opType}`);
  const ctx = makeNodeContext(n, inputs, opset);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs);
  return { out: outputs[0]!, cost: (c: Convention) => rule.cost(cctx, c), rule, ctx };
}

const t = (dtype: number, shape: (number | string | null)[], value?: number[]): ValueFacts => ({ dtype, shape, value });
const scales = (v: number[]) => t(F32, [v.length], v);
const EMPTY = t(F32, [0], []);

// Resize-13 as PyTorch exports F.interpolate(scale_factor=2): X, roi '', scales, sizes omitted.
function resize13(x: ValueFacts, s: number[], mode = 'nearest') {
  return run('Resize', ['x', '', 's'], [x, undefined, scales(s)], 13, [str('mode', mode)]);
}

describe('interpolation FLOPs per output element', () => {
  it('linear 3·(2^d − 1), cubic 7·(4^d − 1)/3', () => {
    // d = 1: 2 multiplies + 1 add = 3; d = 2: two lerps along one axis (6) + one along the other (3) = 9
    expect(interpolationFlops([2])).toBe(3);
    expect(interpolationFlops([2, 2])).toBe(9);
    expect(interpolationFlops([2, 2, 2])).toBe(21); // 3·(8 − 1)
    // bicubic: 4 rows of 4 taps (4 × 7) + one row (7) = 35 = 7·(16 − 1)/3 (thop's "ops_solve_p = 35")
    expect(interpolationFlops([4, 4])).toBe(35);
  });
});

describe('Resize: output size', () => {
  it('floors in × scale (opset 10 scales input, opset 13 optional inputs)', () => {
    // floor(5 × 1.5) = 7, floor(7 × 1.5) = 10
    expect(run('Resize', ['x', 's'], [t(F32, [1, 3, 5, 7]), scales([1, 1, 1.5, 1.5])], 10).out.shape).toEqual([1, 3, 7, 10]);
    expect(resize13(t(F32, [1, 3, 4, 4]), [1, 1, 2, 2]).out.shape).toEqual([1, 3, 8, 8]);
    // symbolic batch survives a scale of 1; symbolic spatial dims scaled by 2 become unknown
    expect(resize13(t(F32, ['batch', 3, 'h', 'w']), [1, 1, 2, 2]).out.shape).toEqual(['batch', 3, null, null]);
    // scales not known: the resized dims are unknown, the rank is kept
    expect(run('Resize', ['x', '', 's'], [t(F32, [1, 3, 4, 4]), undefined, t(F32, [4])], 13).out.shape).toEqual([null, null, null, null]);
  });

  it('takes sizes as given (empty scales placeholder, as PyTorch exports size=…)', () => {
    const r = run('Resize', ['x', 'roi', 's', 'sz'], [t(F32, [1, 3, 4, 4]), EMPTY, EMPTY, t(I64, [4], [1, 3, 5, 7])], 11);
    expect(r.out.shape).toEqual([1, 3, 5, 7]);
  });

  it('applies Resize-18 axes and keep_aspect_ratio_policy', () => {
    const x = t(F32, [1, 3, 4, 4]);
    const sizes = t(I64, [2], [6, 9]);
    // stretch: [6, 9]
    expect(run('Resize', ['x', '', '', 'sz'], [x, undefined, undefined, sizes], 18, [ints('axes', [2, 3])]).out.shape).toEqual([1, 3, 6, 9]);
    // not_larger: scale = min(6/4, 9/4) = 1.5 → round(6) = 6 on both axes
    const small = run('Resize', ['x', '', '', 'sz'], [x, undefined, undefined, sizes], 18, [
      ints('axes', [2, 3]),
      str('keep_aspect_ratio_policy', 'not_larger'),
    ]);
    expect(small.out.shape).toEqual([1, 3, 6, 6]);
    // not_smaller: scale = 2.25 → 9 on both axes
    const big = run('Resize', ['x', '', '', 'sz'], [x, undefined, undefined, sizes], 18, [
      ints('axes', [-2, -1]),
      str('keep_aspect_ratio_policy', 'not_smaller'),
    ]);
    expect(big.out.shape).toEqual([1, 3, 9, 9]);
  });

  it('crops with tf_crop_and_resize: floor(in × (end − start) × scale)', () => {
    // 4 × (0.5 − 0) × 2 = 4 on the last two axes
    const roi = t(F32, [8], [0, 0, 0, 0, 1, 1, 0.5, 0.5]);
    const r = run('Resize', ['x', 'roi', 's'], [t(F32, [1, 1, 4, 4]), roi, scales([1, 1, 2, 2])], 13, [
      str('coordinate_transformation_mode', 'tf_crop_and_resize'),
    ]);
    expect(r.out.shape).toEqual([1, 1, 4, 4]);
  });

  it('rejects malformed requests', () => {
    const x = t(F32, [1, 3, 4, 4]);
    expect(() => run('Resize', ['x', '', 's', 'sz'], [x, undefined, scales([1, 1, 2, 2]), t(I64, [4], [1, 3, 8, 8])], 13)).toThrow(/not both/);
    expect(() => run('Resize', ['x', '', 's'], [x, undefined, scales([2, 2])], 13)).toThrow(/2 values for 4 axes/);
    expect(() => run('Resize', ['x'], [x], 13)).toThrow(/scales or sizes/);
    expect(() => resize13(x, [1, 1, 2, 2], 'area')).toThrow(AnalysisError);
  });
});

describe('Upsample', () => {
  it('reads scales from attributes (opset 7), an input (opset 9), or height/width_scale (opset 1)', () => {
    expect(run('Upsample', ['x'], [t(F32, [1, 3, 4, 4])], 7, [floats('scales', [1, 1, 2, 2])]).out.shape).toEqual([1, 3, 8, 8]);
    expect(run('Upsample', ['x', 's'], [t(F32, [1, 3, 4, 4]), scales([1, 1, 3, 3])], 9).out.shape).toEqual([1, 3, 12, 12]);
    const v1 = run('Upsample', ['x'], [t(F32, [1, 3, 4, 4])], 1, [float('height_scale', 2), float('width_scale', 3), str('mode', 'bilinear')]);
    expect(v1.out.shape).toEqual([1, 3, 8, 12]);
    // bilinear over 2 axes: 9 per element × 3×8×12 = 2,592
    expect(v1.cost('exact')!.flops).toBe(2592);
    // scales, roi and sizes are never parameters
    const nonParams = (r: ReturnType<typeof run>) => (typeof r.rule.nonParamInputs === 'function' ? r.rule.nonParamInputs(r.ctx) : r.rule.nonParamInputs);
    expect(nonParams(run('Upsample', ['x', 's'], [t(F32, [1, 3, 4, 4]), scales([1, 1, 2, 2])], 9))).toEqual([1]);
    expect(nonParams(resize13(t(F32, [1, 3, 4, 4]), [1, 1, 2, 2]))).toEqual([1, 2, 3]);
    expect(nonParams(run('Resize', ['x', 's'], [t(F32, [1, 3, 4, 4]), scales([1, 1, 2, 2])], 10))).toEqual([1]);
  });
});

describe('Resize: cost', () => {
  // FPN/UNet-style 2× upsampling of [1, 3, 4, 4]: N = 3×8×8 = 192 output elements.
  const X = t(F32, [1, 3, 4, 4]);
  const N = 192;

  it('nearest: 0 FLOPs exact; every tool counts output elements its own way', () => {
    const r = resize13(X, [1, 1, 2, 2]);
    expect(r.cost('exact')).toEqual({ macs: 0, flops: 0, formula: { template: 'resize', vars: { N, d: 2, c: 0 }, symbolic: '0', substituted: '0' } });
    expect(r.cost('ptflops')).toMatchObject({ macs: N, flops: 2 * N }); // nn.Upsample: output elements
    expect(r.cost('fvcore')).toMatchObject({ macs: N }); // upsample_nearest2d: 1 per output element
    expect(r.cost('thop')).toMatchObject({ macs: N }); // count_upsample nearest
    expect(r.cost('deepspeed')).toMatchObject({ macs: 0, flops: N });
    expect(r.cost('torch')).toBeNull();
  });

  it('bilinear: 3·(2² − 1) = 9 per element; fvcore 4, thop 11', () => {
    const r = resize13(X, [1, 1, 2, 2], 'linear');
    // 9 × 192 = 1,728
    expect(r.cost('exact')).toEqual({
      macs: 0,
      flops: 1728,
      formula: { template: 'resize', vars: { N, d: 2, c: 9 }, symbolic: '3·(2^d − 1)·N', substituted: '3×(2²−1)×3×8²' },
    });
    expect(r.cost('fvcore')).toMatchObject({ macs: 768 }); // 4 × 192
    expect(r.cost('thop')).toMatchObject({ macs: 2112 }); // 11 × 192
    expect(r.cost('ptflops')).toMatchObject({ macs: N });
  });

  it('bicubic: 35 per element; thop 259; fvcore does not handle it', () => {
    const r = resize13(X, [1, 1, 2, 2], 'cubic');
    expect(r.cost('exact')!.flops).toBe(6720); // 35 × 192
    expect(r.cost('exact')!.formula!.substituted).toBe('7×(4²−1)/3×3×8²');
    expect(r.cost('thop')).toMatchObject({ macs: 49728 }); // 259 × 192
    expect(r.cost('fvcore')).toBeNull();
  });

  it('trilinear (5-D): 21 per element; thop counts it zero, fvcore ignores it', () => {
    // [1,1,2,2,2] → [1,1,4,4,4]: N = 64, 3·(2³ − 1) = 21 → 1,344
    const r = resize13(t(F32, [1, 1, 2, 2, 2]), [1, 1, 2, 2, 2], 'linear');
    expect(r.cost('exact')!.flops).toBe(1344);
    expect(r.cost('thop')).toMatchObject({ macs: 0, flops: 0 });
    expect(r.cost('fvcore')).toBeNull();
  });

  it('counts only the axes whose size changes', () => {
    // [1, 3, 4, 4] → [1, 3, 4, 8]: d = 1, 3 per element × 96 = 288
    expect(resize13(X, [1, 1, 1, 2], 'linear').cost('exact')!.flops).toBe(288);
  });

  it('widens the filter when antialiasing a downscale (opset 18)', () => {
    // [1,1,8,8] → [1,1,4,4], scale 0.5: taps = ⌈2/0.5⌉ = 4 per axis → (2·4−1)·4 + (2·4−1) = 35 per element × 16
    const r = run('Resize', ['x', '', 's'], [t(F32, [1, 1, 8, 8]), undefined, scales([1, 1, 0.5, 0.5])], 18, [str('mode', 'linear'), int('antialias', 1)]);
    expect(r.cost('exact')).toMatchObject({ flops: 560, formula: { symbolic: 'c·N', vars: { N: 16, d: 2, c: 35 } } });
    // without antialias the usual 9 per element: 144
    expect(run('Resize', ['x', '', 's'], [t(F32, [1, 1, 8, 8]), undefined, scales([1, 1, 0.5, 0.5])], 18, [str('mode', 'linear')]).cost('exact')!.flops).toBe(
      144,
    );
  });
});

describe('GridSample', () => {
  it('samples [N, C, H, W] at grid [N, Ho, Wo, 2] and counts interpolation plus coordinates', () => {
    const g = run('GridSample', ['x', 'grid'], [t(F32, [1, 3, 8, 8]), t(F32, [1, 4, 5, 2])], 16);
    expect(g.out.shape).toEqual([1, 3, 4, 5]);
    // bilinear: 60 output elements × 9 = 540; 20 locations × 2 coordinates × (4 unnormalise + 3 weights) = 280 → 820
    expect(g.cost('exact')).toEqual({
      macs: 0,
      flops: 820,
      formula: {
        template: 'gridsample',
        vars: { B: 1, C: 3, P: 20, r: 2, c: 9, a: 4, w: 3 },
        symbolic: 'B·C·P·c + B·P·r·(a + w)',
        substituted: '3×4×5×9 + (4×5)×2×(4+3)',
      },
    });
    // fvcore's grid_sampler: 4 per output element = 240
    expect(g.cost('fvcore')).toMatchObject({ macs: 240 });
    expect(g.cost('ptflops')).toBeNull();
    expect(g.rule.nonParamInputs).toEqual([1]);
  });

  it('checks the grid against X', () => {
    expect(() => run('GridSample', ['x', 'grid'], [t(F32, [1, 3, 8, 8]), t(F32, [1, 4, 5, 3])], 16)).toThrow(AnalysisError);
    expect(() => run('GridSample', ['x', 'grid'], [t(F32, [2, 3, 8, 8]), t(F32, [1, 4, 5, 2])], 16)).toThrow(AnalysisError);
    // N-D from opset 20: a 3-D volume with a [N, D, H, W, 3] grid
    expect(run('GridSample', ['x', 'grid'], [t(F32, [1, 2, 4, 4, 4]), t(F32, [1, 2, 2, 2, 3])], 20).out.shape).toEqual([1, 2, 2, 2, 2]);
  });
});

describe('DepthToSpace / SpaceToDepth', () => {
  it('move channels into space and back, at zero FLOPs', () => {
    // test_PixelShuffle: [1, 8, 2, 3] with blocksize 2 → [1, 2, 4, 6]
    const d2s = run('DepthToSpace', ['x'], [t(F32, [1, 8, 2, 3])], 13, [int('blocksize', 2), str('mode', 'CRD')]);
    expect(d2s.out.shape).toEqual([1, 2, 4, 6]);
    expect(d2s.cost('exact')).toMatchObject({ macs: 0, flops: 0 });
    expect(d2s.cost('thop')).toMatchObject({ macs: 0, flops: 0 }); // nn.PixelShuffle: zero_ops
    expect(d2s.cost('ptflops')).toBeNull();
    expect(run('SpaceToDepth', ['x'], [t(F32, [1, 2, 4, 6])], 13, [int('blocksize', 2)]).out.shape).toEqual([1, 8, 2, 3]);
    expect(() => run('DepthToSpace', ['x'], [t(F32, [1, 6, 2, 3])], 13, [int('blocksize', 2)])).toThrow(/not divisible by 4/);
    expect(() => run('SpaceToDepth', ['x'], [t(F32, [1, 2, 5, 6])], 13, [int('blocksize', 2)])).toThrow(/not divisible/);
  });
});

describe('Col2Im', () => {
  it('folds [N, C·∏block, L] columns into an image and counts one add per column element', () => {
    // image 4×4, block 2×2, stride 1: L = 3×3 = 9 blocks; C = 8 / 4 = 2
    const c = run('Col2Im', ['x', 'img', 'blk'], [t(F32, [1, 8, 9]), t(I64, [2], [4, 4]), t(I64, [2], [2, 2])], 18);
    expect(c.out.shape).toEqual([1, 2, 4, 4]);
    // 1 × 8 × 9 = 72 adds
    expect(c.cost('exact')).toMatchObject({ flops: 72, formula: { symbolic: 'N·C·K·L', vars: { N: 1, C: 2, K: 4, L: 9 } } });
    expect(() => run('Col2Im', ['x', 'img', 'blk'], [t(F32, [1, 8, 10]), t(I64, [2], [4, 4]), t(I64, [2], [2, 2])], 18)).toThrow(/L = 10/);
  });
});

describe('output sizes agree with onnxruntime', () => {
  it('Resize with scales, sizes and aspect-ratio policies', async () => {
    const cases: { shape: number[]; scales?: number[]; sizes?: number[]; attrs?: Record<string, number | number[] | string> }[] = [
      { shape: [1, 2, 5, 7], scales: [1, 1, 1.5, 1.5] },
      { shape: [1, 2, 9, 11], scales: [1, 1, 0.6, 0.35], attrs: { mode: 'linear' } },
      { shape: [1, 2, 4, 4], sizes: [1, 2, 3, 5] },
      { shape: [1, 2, 4, 6], sizes: [5, 5], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } },
      { shape: [1, 2, 4, 6], sizes: [5, 5], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' } },
    ];
    for (const c of cases) {
      const b = new GraphBuilder({ opset: 19 });
      const x = b.initializer('x', 'float32', c.shape, 'ones');
      const s = c.scales ? b.initializer('s', 'float32', [c.scales.length], { values: c.scales }) : null;
      const z = c.sizes ? b.int64s('z', c.sizes) : null;
      b.output(b.op('Resize', [x, '', s, z], c.attrs ?? {}));
      const session = await ort.InferenceSession.create(serializeModel(b.build()));
      const result = (await session.run({}))[session.outputNames[0]!]!;
      const attrs: Attribute[] = Object.entries(c.attrs ?? {}).map(([k, v]) => (typeof v === 'string' ? str(k, v) : Array.isArray(v) ? ints(k, v) : int(k, v)));
      const ours = run(
        'Resize',
        ['x', '', s ?? '', z ?? ''],
        [t(F32, c.shape), undefined, c.scales ? scales(c.scales) : undefined, c.sizes ? t(I64, [c.sizes.length], c.sizes) : undefined],
        19,
        attrs,
      ).out.shape;
      expect({ case: c, shape: ours }).toEqual({ case: c, shape: [...result.dims] });
    }
  });
});
