import { describe, expect, it } from 'vitest';
import { assumedBatchNote, bindInputs, InputBindingError, parseInputShapes } from '../../src/analysis/bind.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Dim } from '../../src/onnx/model.js';

function graphWith(inputs: [string, 'float32' | 'int64', Dim[]][]) {
  const b = new GraphBuilder();
  for (const [name, dtype, shape] of inputs) b.output(b.op('Identity', [b.input(name, dtype, shape)]));
  return b.graph();
}

const bindError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputBindingError);
    return (err as Error).message;
  }
  throw new Error('expected an InputBindingError');
};

describe('parseInputShapes', () => {
  it('reads named shapes, several per flag and across flags', () => {
    const m = parseInputShapes(['input_ids=1x128,mask=1x128', 'pixels=2×3×224×224']);
    expect([...m]).toEqual([
      ['input_ids', [1, 128]],
      ['mask', [1, 128]],
      ['pixels', [2, 3, 224, 224]],
    ]);
  });
  it('reads a bare shape under the empty name and a scalar as name=', () => {
    expect([...parseInputShapes('1x3x224x224')]).toEqual([['', [1, 3, 224, 224]]]);
    expect([...parseInputShapes('temperature=')]).toEqual([['temperature', []]]);
  });
  it('rejects sizes that are not whole numbers and repeated names', () => {
    expect(bindError(() => parseInputShapes('x=1x3xN'))).toContain("'x=1x3xN' is not a list of sizes");
    expect(bindError(() => parseInputShapes('x=1x-3'))).toContain('is not a list of sizes');
    expect(bindError(() => parseInputShapes('x=1,x=2'))).toContain("input 'x' is given twice");
  });
});

describe('bindInputs', () => {
  it('binds a bare shape to the only input and keeps fixed dims', () => {
    const g = graphWith([['input', 'float32', ['batch', 3, 224, 224]]]);
    const b = bindInputs(g, parseInputShapes('8x3x224x224'));
    expect(b.inputs).toEqual([{ name: 'input', dtype: 1, shape: [8, 3, 224, 224] }]);
    expect(b.symbols.get('batch')).toBe(8);
    // Fully fixed inputs need no binding at all.
    expect(bindInputs(graphWith([['x', 'float32', [1, 3]]])).inputs[0]!.shape).toEqual([1, 3]);
  });

  it('lets a symbol bound on one input complete another input', () => {
    const g = graphWith([
      ['input_ids', 'int64', ['batch', 'sequence']],
      ['attention_mask', 'int64', ['batch', 'sequence']],
    ]);
    const b = bindInputs(g, parseInputShapes('input_ids=1x128'));
    expect(b.inputs.map((i) => i.shape)).toEqual([
      [1, 128],
      [1, 128],
    ]);
  });

  it('lists every input and dim still unknown in one error', () => {
    const g = graphWith([
      ['input_ids', 'int64', ['batch', 'sequence']],
      ['pixels', 'float32', [1, 3, 'height', null]],
    ]);
    const msg = bindError(() => bindInputs(g));
    // The leading (batch) dim is assumed 1 as bench does (issue 14), so only 'sequence' is missing there.
    expect(msg).toContain("input 'input_ids' batch×sequence: dim 1 ('sequence') unknown");
    expect(msg).toContain("input 'pixels' 1×3×height×?: dim 2 ('height'), dim 3 (unnamed) unknown");
    expect(msg).toContain('--input input_ids=1xN,pixels=1x3xNxN');
  });

  it('assumes 1 for a symbolic or unnamed leading dim nobody sized, shared symbols included, and says so', () => {
    const g = graphWith([
      ['x', 'float32', ['batch', 3, 8, 8]],
      ['y', 'float32', ['batch', 4]],
      ['z', 'float32', [null, 2]],
    ]);
    const b = bindInputs(g);
    expect(b.inputs.map((i) => i.shape)).toEqual([
      [1, 3, 8, 8],
      [1, 4],
      [1, 2],
    ]);
    expect(b.assumed).toEqual([
      { input: 'x', dim: 'batch', value: 1 },
      { input: 'z', dim: null, value: 1 },
    ]);
    expect(assumedBatchNote(b.assumed[0]!)).toBe(
      "input 'x': its leading dim ('batch') was not given and is assumed 1, as bench does; give --input (input= in a document) to set it",
    );
    // A batch the user gives is not assumed.
    expect(bindInputs(g, parseInputShapes('x=4x3x8x8,z=2x2')).assumed).toEqual([]);
  });

  it('rejects a shape that contradicts a fixed dim, a rank mismatch, and a symbol bound twice differently', () => {
    const g = graphWith([['input', 'float32', ['batch', 3, 224, 224]]]);
    expect(bindError(() => bindInputs(g, parseInputShapes('1x4x224x224')))).toContain("input 'input' dim 1 is fixed at 3 in the model, but 4 was given");
    // The remedy is a shape that binds (the fixed 3, the batch given), not the mistake repeated, and a
    // single input needs no name (issue 20: it read `--input input=1x4x224x224`, in a document `input=input=…`).
    expect(bindError(() => bindInputs(g, parseInputShapes('1x4x224x224')))).toMatch(/Give them with --input 1x3x224x224$/);
    expect(bindError(() => bindInputs(g, parseInputShapes('1x3x224')))).toMatch(/Give them with --input Nx3x224x224$/);
    expect(bindError(() => bindInputs(g, parseInputShapes('1x3x224')))).toContain("input 'input' has rank 4 (batch×3×224×224), but 3 dims were given");
    const two = graphWith([
      ['a', 'int64', ['batch', 'sequence']],
      ['b', 'int64', ['batch', 'sequence']],
    ]);
    expect(bindError(() => bindInputs(two, parseInputShapes('a=1x128,b=1x64')))).toContain("dim 'sequence' is 128 in input 'a' but 64 in input 'b'");
  });

  it('names the inputs when a name is wrong or a bare shape is ambiguous', () => {
    const two = graphWith([
      ['a', 'int64', [1, 2]],
      ['b', 'int64', [1, 2]],
    ]);
    expect(bindError(() => bindInputs(two, parseInputShapes('c=1x2')))).toContain("the model has no input named 'c'; its inputs are: a, b");
    expect(bindError(() => bindInputs(two, parseInputShapes('1x2')))).toContain('this model has 2 inputs (a, b)');
  });

  it('does not ask for initializers listed as inputs (IR < 4 models)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    const w = b.weight('w', [4, 4]);
    b.output(b.op('MatMul', [x, w]));
    const g = b.graph();
    g.inputs.push({ name: 'w', type: { kind: 'tensor', elemType: 1, shape: ['n', 4] } });
    expect(bindInputs(g).inputs.map((i) => i.name)).toEqual(['x']);
  });
});
