import { describe, expect, it } from 'vitest';
import { buildFloorModel } from '../../src/runtime/floor.js';

describe('buildFloorModel', () => {
  it('mirrors the inputs and outputs: Identity of a same-shaped input, else of a zero constant', () => {
    const model = buildFloorModel(
      [{ name: 'x', dtype: 'float32', shape: [2, 64] }],
      [
        { name: 'y', dtype: 'float32', shape: [2, 64] },
        { name: 'ids', dtype: 'int64', shape: [2] },
      ],
    );
    const g = model.graph;
    expect(g.inputs.map((i) => [i.name, i.type])).toEqual([['x', { kind: 'tensor', elemType: 1, shape: [2, 64] }]]);
    expect(g.outputs.map((o) => [o.name, o.type])).toEqual([
      ['y', { kind: 'tensor', elemType: 1, shape: [2, 64] }],
      ['ids', { kind: 'tensor', elemType: 7, shape: [2] }],
    ]);
    expect(g.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([
      ['Identity', ['x'], ['y']],
      ['Identity', ['floor_zeros'], ['ids']],
    ]);
    // the zero constant: int64 (7), dims [2], 2 × 8 = 16 bytes of zeros
    expect(g.initializers).toHaveLength(1);
    expect(g.initializers[0]!.dataType).toBe(7);
    expect(g.initializers[0]!.dims).toEqual([2]);
    expect(g.initializers[0]!.data).toEqual({ kind: 'bytes', bytes: new Uint8Array(16) });
  });

  it('an input is mirrored once: two same-shaped outputs use the input and then a constant', () => {
    const model = buildFloorModel(
      [{ name: 'x', dtype: 'float32', shape: [3] }],
      [
        { name: 'a', dtype: 'float32', shape: [3] },
        { name: 'b', dtype: 'float32', shape: [3] },
      ],
    );
    expect(model.graph.nodes.map((n) => n.inputs[0])).toEqual(['x', 'floor_zeros']);
  });

  it('refuses string outputs with a reason', () => {
    expect(() => buildFloorModel([{ name: 'x', dtype: 'float32', shape: [1] }], [{ name: 's', dtype: 'string', shape: [1] }])).toThrow(
      `output 's' is a string tensor`,
    );
  });
});
