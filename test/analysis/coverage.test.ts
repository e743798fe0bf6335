// Every op used by the ONNX backend test models (test/fixtures/onnx-backend-data) must have a rule, and
// every node of those models must be counted once their recorded input shapes are bound. The test
// prints what is missing so the op families know what to add.
import { describe, expect, it } from 'vitest';
import { ruleFor } from '../../src/analysis/ops/index.js';
import { profileModel } from '../../src/analysis/profile.js';
import { allSubgraphs } from '../../src/analysis/topology.js';
import { readModel } from '../../src/onnx/reader.js';
import { backendCases } from '../helpers/backend-data.js';
import { recordedInputShapes } from '../helpers/backend-shapes.js';

const models = backendCases();

describe('backend-data coverage', () => {
  it('finds the 149 models (82 pytorch-converted, 35 pytorch-operator, 23 simple, 9 light)', () => {
    // Counted with ls in each suite folder (light: its .onnx files).
    expect(models.length).toBe(149);
  });

  it('has a rule for every op the models use', () => {
    const missing = new Map<string, string[]>();
    for (const m of models) {
      const model = readModel(m.model);
      for (const g of [model.graph, ...allSubgraphs(model.graph)]) {
        for (const n of g.nodes) {
          if (model.functions.some((f) => f.name === n.opType && f.domain === n.domain)) continue;
          if (!ruleFor(n.domain, n.opType)) {
            const key = `${n.domain ? `${n.domain}.` : ''}${n.opType}`;
            missing.set(key, [...(missing.get(key) ?? []), m.id]);
          }
        }
      }
    }
    const report = [...missing].map(([op, ids]) => `${op} (${[...new Set(ids)].join(', ')})`);
    expect(report, `ops without a rule:\n${report.join('\n')}`).toEqual([]);
  });

  it('counts every node of every model with its recorded input shapes (Gradient excepted)', () => {
    const problems: string[] = [];
    for (const m of models) {
      const model = readModel(m.model);
      try {
        const p = profileModel(model, { inputs: recordedInputShapes(m, model) });
        // Gradient (a training op) is left uncounted on purpose: its cost is a backward pass the node
        // does not hold (docs/counting/misc.md); it must still be listed, with that reason.
        for (const u of p.uncounted.filter((x) => x.opType !== 'Gradient')) problems.push(`${m.id}: ${u.opType} ×${u.nodes}: ${u.reason}`);
      } catch (err) {
        problems.push(`${m.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(problems, `not counted:\n${problems.join('\n')}`).toEqual([]);
  });
});
