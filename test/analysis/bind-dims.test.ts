// Binding a symbolic dim by its own name (`past_sequence_length=127`), as a KV-cache decoder needs:
// one value sizes every input that uses the dim.
import { describe, expect, it } from 'vitest';
import { bindInputs, InputBindingError, parseInputShapes } from '../../src/analysis/bind.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

function decoderInputs() {
  const b = new GraphBuilder();
  b.output(b.op('Identity', [b.input('input_ids', 'int64', ['batch', 'sequence_length'])]));
  for (const n of ['past.0.key', 'past.0.value', 'past.1.key']) b.output(b.op('Identity', [b.input(n, 'float32', ['batch', 2, 'past_sequence_length', 8])]));
  return b.graph();
}

describe('binding dims by name', () => {
  it('sizes every input that uses the dim, 0 included (an empty cache)', () => {
    const b = bindInputs(decoderInputs(), parseInputShapes('batch=1,sequence_length=128,past_sequence_length=0'));
    expect(b.inputs.map((i) => [i.name, i.shape])).toEqual([
      ['input_ids', [1, 128]],
      ['past.0.key', [1, 2, 0, 8]],
      ['past.0.value', [1, 2, 0, 8]],
      ['past.1.key', [1, 2, 0, 8]],
    ]);
    expect(b.symbols.get('past_sequence_length')).toBe(0);
  });

  it('mixes with input shapes; a contradiction names both sources', () => {
    const b = bindInputs(decoderInputs(), parseInputShapes('input_ids=1x1,past_sequence_length=127'));
    expect(b.inputs[1]!.shape).toEqual([1, 2, 127, 8]);
    expect(() => bindInputs(decoderInputs(), parseInputShapes('input_ids=1x1,sequence_length=2'))).toThrow(
      /dim 'sequence_length' is 2 .* but 1 in input 'input_ids'/,
    );
  });

  it('a dim takes one size; an unknown name lists the inputs and the dims', () => {
    expect(() => bindInputs(decoderInputs(), parseInputShapes('past_sequence_length=1x2'))).toThrow(InputBindingError);
    expect(() => bindInputs(decoderInputs(), parseInputShapes('past_sequence_length=1x2'))).toThrow(/give it one size/);
    expect(() => bindInputs(decoderInputs(), parseInputShapes('past_len=3'))).toThrow(
      /its symbolic dimensions \(bound with name=N\): batch, sequence_length, past_sequence_length/,
    );
  });
});
