import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Dim, Graph } from '../../src/onnx/model.js';
import { parseInputFlag, resolveInputs } from '../../src/runtime/input-shapes.js';

/** A graph whose inputs have these declared shapes (float32), each passed through a Relu. */
function graphWith(inputs: Record<string, Dim[]>, dtype: 'float32' | 'int64' = 'float32'): Graph {
  const b = new GraphBuilder();
  for (const [name, shape] of Object.entries(inputs)) b.output(b.op('Identity', [b.input(name, dtype, shape)]));
  return b.build().graph;
}

const image = graphWith({ x: ['batch', 3, 224, 224] });

describe('resolveInputs', () => {
  it('a symbolic leading dimension takes --batch, or 1', () => {
    expect(resolveInputs(image)).toEqual({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 224, 224] }], batch: 1 });
    expect(resolveInputs(image, new Map(), 2)).toEqual({ inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 224, 224] }], batch: 2 });
  });

  it('an unknown (unnamed) leading dimension takes the batch too', () => {
    expect(resolveInputs(graphWith({ x: [null, 10] }), new Map(), 4).inputs[0]!.shape).toEqual([4, 10]);
  });

  it('a bare --input shape fills a single-input model and sets the recorded batch from its leading size', () => {
    expect(resolveInputs(image, parseInputFlag('4x3x224x224'))).toEqual({ inputs: [{ name: 'x', dtype: 'float32', shape: [4, 3, 224, 224] }], batch: 4 });
  });

  it('a symbol sized on one input sizes it on the others (ids and mask share batch and sequence)', () => {
    const text = graphWith({ ids: ['batch', 'sequence'], mask: ['batch', 'sequence'] }, 'int64');
    const r = resolveInputs(text, parseInputFlag('ids=2x128'));
    expect(r.inputs).toEqual([
      { name: 'ids', dtype: 'int64', shape: [2, 128] },
      { name: 'mask', dtype: 'int64', shape: [2, 128] },
    ]);
    expect(r.batch).toBe(2);
  });

  it('a symbolic dimension other than the batch without a size is an error naming input and dimension', () => {
    const text = graphWith({ ids: ['batch', 'sequence'] }, 'int64');
    expect(() => resolveInputs(text)).toThrow(`input 'ids' 1×sequence: dim 1 ('sequence') unknown`);
    expect(() => resolveInputs(text)).toThrow('Give them with --input 1xN');
  });

  it('--batch that contradicts --input, or cannot apply to a fixed batch, is an error', () => {
    expect(() => resolveInputs(image, parseInputFlag('x=1x3x224x224'), 2)).toThrow(`input 'x' has batch 1 in --input 1x3x224x224, but --batch is 2`);
    const fixed = graphWith({ x: [1, 10] });
    expect(() => resolveInputs(fixed, new Map(), 2)).toThrow(`--batch 2: no input has a dynamic leading dimension (input 'x' is 1x10)`);
    expect(resolveInputs(fixed, new Map(), 1).batch).toBe(1);
  });

  it('bind.ts reports unknown names, bare shapes on several inputs and fixed-size clashes', () => {
    const two = graphWith({ x: ['batch', 3, 224, 224], scale: [1] });
    expect(() => resolveInputs(two, parseInputFlag('1x3x224x224'))).toThrow('this model has 2 inputs (x, scale)');
    expect(() => resolveInputs(image, parseInputFlag('y=1x3x224x224'))).toThrow(`the model has no input named 'y'`);
    expect(() => resolveInputs(image, parseInputFlag('x=1x3x32x32'))).toThrow(`input 'x' dim 2 is fixed at 224 in the model, but 32 was given`);
  });

  it('initializers that old exporters also list as inputs are not fed', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', ['n', 4]);
    const w = b.weight('w', [4, 2]);
    b.output(b.op('MatMul', [x, w]));
    const graph = b.build().graph;
    graph.inputs.push({ name: 'w', type: { kind: 'tensor', elemType: 1, shape: [4, 2] } });
    expect(resolveInputs(graph).inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 4] }]);
  });
});
