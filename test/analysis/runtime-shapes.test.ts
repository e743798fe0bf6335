// `--shapes runtime` against static inference: for every backend-data model onnxruntime can run, the
// shape onnxruntime observes for each main-graph value must equal the statically inferred one
// wherever static inference found a full shape. Models run on their recorded inputs (some inputs are
// shapes, e.g. Expand's, and random values would make other shapes); models without recorded inputs
// (light/) on seeded random ones. Values static inference leaves open, and models onnxruntime cannot
// run, are printed.
import { describe, expect, it } from 'vitest';
import { analyzeModel, profileModel } from '../../src/analysis/profile.js';
import { isConcrete } from '../../src/analysis/shapes.js';
import { captureShapes, ShapeCaptureError } from '../../src/runtime/shape-capture.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { buildGpt } from '../helpers/gpt.js';
import { feedInputs } from '../../src/analysis/bind.js';
import { readModel, readTensorFile } from '../../src/onnx/reader.js';
import { toOrt } from '../helpers/ort.js';
import { backendCases } from '../helpers/backend-data.js';
import { recordedInputShapes } from '../helpers/backend-shapes.js';

describe('runtime shape capture', () => {
  it('reads every intermediate shape of a built decoder and agrees with static inference', async () => {
    const model = buildGpt({ vocab: 50, width: 16, heads: 2, layers: 1, context: 32 });
    const a = analyzeModel(model, { inputs: 'input_ids=1x7' });
    const observed = await captureShapes(model, a.binding.inputs);
    // Every node output of the graph is observed (the builder names each one).
    const outputs = model.graph.nodes.flatMap((n) => n.outputs);
    expect([...observed.keys()].sort()).toEqual([...outputs].sort());
    for (const name of outputs) expect([name, a.main.scope.get(name)!.shape]).toEqual([name, observed.get(name)]);
    // The logits: 1 × 7 tokens × 50 vocabulary.
    expect(observed.get(model.graph.outputs[0]!.name)).toEqual([1, 7, 50]);
  });

  it('lets observed shapes stand in where no rule can infer one', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    // NonZero's output length depends on the data: static inference cannot know it.
    const nz = b.op('NonZero', [x], {}, '/NonZero');
    b.output(b.op('Cast', [nz], { to: 1 }, '/Cast'));
    const model = b.build();
    const a = analyzeModel(model);
    const observed = await captureShapes(model, a.binding.inputs);
    // Seeded uniform [0, 1) inputs are all non-zero: 2 dims × 6 positions.
    expect(observed.get(nz)).toEqual([2, 6]);
    const p = profileModel(model, { runtimeShapes: observed });
    expect(p.nodes.find((n) => n.name === '/Cast')!.outputShapes).toEqual([[2, 6]]);
  });

  it('agrees with static inference on every value of every backend-data model onnxruntime runs', async () => {
    const disagreements: string[] = [];
    const open: string[] = [];
    const skipped: string[] = [];
    let compared = 0;
    for (const m of backendCases()) {
      const model = readModel(m.model);
      let a;
      try {
        a = analyzeModel(model, { inputs: recordedInputShapes(m, model) });
      } catch (err) {
        skipped.push(`${m.id}: static: ${(err as Error).message}`);
        continue;
      }
      let observed: Map<string, number[]>;
      try {
        const feeds = Object.fromEntries(
          feedInputs(model.graph).flatMap((input, i) => (m.inputs[i] ? [[input.name, toOrt(readTensorFile(m.inputs[i]!))]] : [])),
        );
        observed = await captureShapes(model, a.binding.inputs, { feeds });
      } catch (err) {
        if (!(err instanceof ShapeCaptureError) && !/cannot be generated/.test((err as Error).message)) throw err;
        skipped.push(`${m.id}: ${(err as Error).message}`);
        continue;
      }
      for (const [name, dims] of observed) {
        const stat = a.main.scope.get(name)?.shape;
        if (!isConcrete(stat)) {
          open.push(`${m.id}: ${name} static ${JSON.stringify(stat ?? null)} runtime [${dims}]`);
          continue;
        }
        compared++;
        if (stat.join('x') !== dims.join('x')) disagreements.push(`${m.id}: ${name} static [${stat}] runtime [${dims}]`);
      }
    }
    console.log(`runtime vs static: ${compared} values compared; ${open.length} left open statically; ${skipped.length} models skipped`);
    if (open.length > 0) console.log(`open:\n${open.join('\n')}`);
    // One line per reason (e.g. "23× onnxruntime cannot load the model (Could not find an implementation
    // for Add(6)"), not one per model: the skips are onnxruntime's limits, the same on every run.
    const reasons = new Map<string, number>();
    for (const s of skipped) {
      const why = s.replace(/^.*?runtime shape capture failed: /, '').replace(/ node with name.*$| is not a registered.*$|:.*$/s, '');
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    if (skipped.length > 0) console.log(`skipped: ${[...reasons].map(([why, n]) => `${n}× ${why}`).join('; ')}`);
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    expect(compared).toBeGreaterThan(1000);
  }, 300_000);
});
