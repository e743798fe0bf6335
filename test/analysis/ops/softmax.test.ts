/** Softmax family: opset-dependent axis rule and counts derived by hand. */
import { describe, expect, test } from 'vitest';
import { rules } from '../../../src/analysis/ops/softmax.js';
import { check, makeNode, mf, t } from './compute-helpers.js';

describe('Softmax', () => {
  test('opset 13+: one axis, default −1 → rows 2·3 = 6 of n = 4: 6·(5·4 − 2) = 108', () => {
    const c = check(rules, makeNode('Softmax', ['x']), [t([2, 3, 4])], 13);
    expect(c.outputs[0]!.shape).toEqual([2, 3, 4]);
    expect(mf(c.cost())).toEqual({ macs: 0, flops: 108 });
    expect(c.cost()!.formula!.substituted).toBe('6×(5×4−2)');
  });

  test('before opset 13: coerced to 2-D at axis (default 1) → 2 rows of n = 12: 2·58 = 116', () => {
    expect(mf(check(rules, makeNode('Softmax', ['x']), [t([2, 3, 4])], 11).cost())).toEqual({ macs: 0, flops: 116 });
    // axis=1 at opset 13 is a single axis: rows 8 of n 3 → 8·13 = 104
    expect(mf(check(rules, makeNode('Softmax', ['x'], { axis: 1 }), [t([2, 3, 4])], 13).cost())).toEqual({ macs: 0, flops: 104 });
  });

  test('presets: ptflops numel, thop rows·(3n − 1), DeepSpeed numel FLOPs, fvcore/torch ignore', () => {
    const all = check(rules, makeNode('Softmax', ['x']), [t([2, 3, 4])], 17).all();
    expect(mf(all.ptflops)).toEqual({ macs: 24, flops: 48 });
    expect(mf(all.thop)).toEqual({ macs: 66, flops: 132 }); // 6·11
    expect(mf(all.deepspeed)).toEqual({ macs: 0, flops: 24 });
    expect(all.fvcore).toBeNull();
    expect(all.torch).toBeNull();
  });

  test('LogSoftmax counts 5n − 2 per row (COUNTING.md); Hardmax n − 1 compares', () => {
    const log = check(rules, makeNode('LogSoftmax', ['x']), [t([2, 3, 4])], 17);
    expect(log.cost()!.flops).toBe(108);
    expect(log.cost('ptflops')).toBeNull(); // F.log_softmax is not hooked
    expect(check(rules, makeNode('Hardmax', ['x']), [t([2, 3, 4])], 17).cost()!.flops).toBe(18); // 6·3
  });

  test('axis out of range is an error', () => {
    expect(() => check(rules, makeNode('Softmax', ['x'], { axis: 3 }), [t([2, 3, 4])], 13)).toThrow(/axis 3 is out of range for rank 3/);
  });
});
