// A document table says which batch it assumed for a model whose leading dim is symbolic and not
// given (the same default `profile` and `bench` use).
import { describe, expect, it } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { footnotes } from '../../src/document/table.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

describe('assumed batch in document footnotes', () => {
  it('names the model, the input and the batch assumed', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', ['batch', 4]);
    b.output(b.op('MatMul', [x, b.weight('w', [4, 2])]));
    const profile = profileModel(b.build());
    expect(profile.inputs[0]!.shape).toEqual([1, 4]);
    expect(profile.assumedBatch).toEqual([{ input: 'x', dim: 'batch', value: 1 }]);
    const notes = footnotes('exact', [{ model: { label: 'Tiny' }, profile } as never], ['params']);
    expect(notes).toContain("Tiny: batch 1 assumed for input 'x' (its leading dim is symbolic; set it with input=)");
    // Several models sharing the assumption get one line naming them; all of a table's models, "every model".
    const given = profileModel(b.build(), { inputs: 'x=3x4' });
    const shared = footnotes(
      'exact',
      [
        { model: { label: 'A' }, profile },
        { model: { label: 'B' }, profile },
        { model: { label: 'C' }, profile: given },
      ] as never,
      ['params'],
    );
    expect(shared).toContain("Batch 1 assumed for input 'x' of A, B (their leading dim is symbolic; set it with input=)");
    const all = footnotes(
      'exact',
      [
        { model: { label: 'A' }, profile },
        { model: { label: 'B' }, profile },
      ] as never,
      ['params'],
    );
    expect(all).toContain("Batch 1 assumed for input 'x' of every model (their leading dim is symbolic; set it with input=)");
    // given explicitly, nothing is assumed
    expect(profileModel(b.build(), { inputs: 'x=3x4' }).assumedBatch).toBeUndefined();
  });
});
