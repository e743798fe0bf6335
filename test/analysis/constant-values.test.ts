// Which constants inference decodes the values of: the small integer tensors and the few float values
// shape arithmetic reads (src/analysis/infer.ts, MAX_FLOAT_VALUE_ELEMENTS), with the real op rules.
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analysis/profile.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

describe('constant values', () => {
  it('decodes the float values shape arithmetic reads (a Resize scale per axis), not a bias of 16', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', 'float32', [1, 16, 4, 4]);
    const s = b.initializer('scales', 'float32', [4], { values: [1, 1, 2, 2] });
    const bias = b.initializer('bias', 'float32', [16, 1, 1], { values: Array.from({ length: 16 }, (_, i) => i / 16) });
    const y = b.op('Resize', [b.op('Add', [x, bias]), '', s], { mode: 'nearest' });
    b.output(y);
    const a = analyzeModel(b.build());
    // 4 × 2 = 8 in each spatial axis, from the decoded scales.
    expect(a.main.scope.get(y)!.shape).toEqual([1, 16, 8, 8]);
    expect(a.main.scope.get('scales')!.value).toEqual([1, 1, 2, 2]);
    // 16 floats (above MAX_FLOAT_VALUE_ELEMENTS = 8): a weight, its dims known and its values never read.
    expect(a.main.scope.get('bias')).toMatchObject({ shape: [16, 1, 1] });
    expect(a.main.scope.get('bias')!.value).toBeUndefined();
  });
});
