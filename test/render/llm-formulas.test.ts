/** Formulas of the issue-18 rules (quantization, rotary, GroupQueryAttention), rendered through KaTeX under every convention. */
import katex from 'katex';
import { describe, expect, test } from 'vitest';
import { rules as attention } from '../../src/analysis/ops/attention.js';
import { rules as quantization } from '../../src/analysis/ops/quantization.js';
import { rules as rotary } from '../../src/analysis/ops/rotary.js';
import { CONVENTIONS } from '../../src/analysis/types.js';
import { renderFormula } from '../../src/render/index.js';
import { check, makeNode, t } from '../analysis/ops/compute-helpers.js';

const MS = { domain: 'com.microsoft' };
const cases = [
  [
    'MatMulNBits',
    check(quantization, makeNode('MatMulNBits', ['a', 'b', 's'], { K: 64, N: 32, bits: 4, block_size: 32 }, MS), [t([1, 5, 64]), t([32, 2, 16], 2), t([64])]),
  ],
  ['DequantizeLinear', check(quantization, makeNode('DequantizeLinear', ['x', 's', 'z']), [t([4, 5], 2), t([]), t([], 2)], 21)],
  ['DynamicQuantizeLinear', check(quantization, makeNode('DynamicQuantizeLinear', ['x'], {}, { outputs: 3 }), [t([3, 4])], 11)],
  [
    'GatherBlockQuantized',
    check(quantization, makeNode('GatherBlockQuantized', ['d', 'i', 's'], { bits: 4, block_size: 16 }, MS), [t([10, 8], 2), t([1, 3], 7), t([10, 1])]),
  ],
  [
    'RotaryEmbedding',
    check(rotary, makeNode('RotaryEmbedding', ['x', 'p', 'c', 's'], { num_heads: 4 }, MS), [t([1, 3, 32]), t([1, 3], 7), t([16, 4]), t([16, 4])]),
  ],
  [
    'GroupQueryAttention',
    check(
      attention,
      makeNode(
        'GroupQueryAttention',
        ['q', 'k', 'v', 'pk', 'pv', 'sl', 'tl', 'c', 's'],
        { num_heads: 4, kv_num_heads: 2, do_rotary: 1 },
        { ...MS, outputs: 3 },
      ),
      [t([1, 3, 32]), t([1, 3, 16]), t([1, 3, 16]), t([1, 2, 5, 8]), t([1, 2, 5, 8]), t([1], 6), t([], 6, [8]), t([16, 4]), t([16, 4])],
    ),
  ],
] as const;

describe('issue-18 formulas render', () => {
  test.each(cases)('%s under every convention', (_, c) => {
    let rendered = 0;
    for (const conv of CONVENTIONS) {
      const e = c.cost(conv);
      if (e?.formula === undefined) continue;
      const f = renderFormula(e.formula, e.flops);
      expect(() => katex.renderToString(f.display, { displayMode: true, throwOnError: true, strict: 'error' })).not.toThrow();
      rendered++;
    }
    expect(rendered).toBeGreaterThan(0);
  });
});
