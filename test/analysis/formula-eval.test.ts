/**
 * Every printed formula evaluates to its count: for each zoo model (at its default input, batch 1,
 * text models at 16 tokens, decoders 16 after 8 cached) under every convention, the substituted text of each node's formula, as
 * a document prints it, is evaluated by an evaluator written apart from the analysis
 * (test/helpers/formula-text.ts) and compared with the node's count: MACs for the tools that report
 * MACs (ptflops, fvcore, thop: what `::formula` shows for them), FLOPs otherwise.
 */
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { CONVENTIONS } from '../../src/analysis/types.js';
import { decoderInputs } from '../../src/zoo/llama.js';
import { zoo } from '../../src/zoo/registry.js';
import { evaluateFormulaText } from '../helpers/formula-text.js';

const MAC_TOOLS = new Set(['ptflops', 'fvcore', 'thop']);

describe('printed formulas evaluate to the counts', () => {
  for (const entry of zoo) {
    if (entry.write !== undefined) continue; // dims-only models (llama2_7b): the same ops as llama's small configs
    it(entry.name, () => {
      const model = entry.build({ seed: 1 });
      const shape = entry.input.shape.map((d) => (typeof d === 'number' ? d : d === 'batch' ? 1 : 16));
      // decoders with a KV cache: 16 new tokens after 8 cached ones
      const inputs = entry.family === 'Llama' ? decoderInputs(1, 16, 8) : { [entry.input.name]: shape };
      const wrong: string[] = [];
      let checked = 0;
      for (const convention of CONVENTIONS) {
        const profile = profileModel(model, { inputs, convention });
        for (const node of profile.nodes) {
          if (node.formula === undefined) continue;
          const count = MAC_TOOLS.has(convention) ? node.macs : node.flops;
          let printed: number | string;
          try {
            printed = evaluateFormulaText(node.formula.substituted);
          } catch (err) {
            printed = (err as Error).message;
          }
          checked++;
          const close = typeof printed === 'number' && Math.abs(printed - count) <= 1e-9 * Math.max(1, Math.abs(count));
          if (!close) wrong.push(`${convention} ${node.opType} ${node.name}: ${node.formula.substituted} = ${printed}, counted ${count}`);
        }
      }
      expect(checked).toBeGreaterThan(0);
      expect([...new Set(wrong.map((w) => w.replace(/ \S+:/, ':')))].slice(0, 20)).toEqual([]);
    }, 120_000);
  }
});

describe('the formula-text evaluator', () => {
  it('reads the seed worked example', () => {
    // COUNTING.md: (2×3×3²−1)×4×6² = 7632
    expect(evaluateFormulaText('(2×3×3²−1)×4×6²')).toBe(7632);
    expect(evaluateFormulaText('2×(3/3)×9 + 4 ; MACs = 1')).toBe(22);
    expect(() => evaluateFormulaText('numel(Y)')).toThrow(/unexpected 'n'/);
  });
});
