/** Sequence and optional ops: per-element facts while the length is known, 0 cost everywhere. */
import { describe, expect, it } from 'vitest';
import { rules } from '../../../src/analysis/ops/sequence.js';
import { rules as shapeOps } from '../../../src/analysis/ops/shape-ops.js';
import { makeNodeContext } from '../../../src/analysis/context.js';
import type { ValueFacts } from '../../../src/analysis/types.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import type { Graph } from '../../../src/onnx/model.js';
import { BOOL, everywhere, F32, I64, infer, ints, node, ruleOf, run, scalar, t } from './movement-helpers.js';

const one = (n: ReturnType<typeof node>, inputs: Parameters<typeof infer>[2], opset = 17) => infer(rules, n, inputs, opset)[0]!;
const shapes = (s: ValueFacts) => s.items?.map((x) => x.shape);

describe('sequences', () => {
  const seq = one(node('SequenceConstruct', ['a', 'b', 'c']), [t([2, 3]), t([4, 3]), t([1, 3])]);

  it('SequenceConstruct keeps each element; the shared element facts merge them', () => {
    expect(seq.kind).toBe('sequence');
    expect(shapes(seq)).toEqual([
      [2, 3],
      [4, 3],
      [1, 3],
    ]);
    expect(seq.elem!.shape).toEqual([null, 3]);
    expect(one(node('SequenceLength', ['s']), [seq])).toEqual({ dtype: I64, shape: [], value: [3] });
  });
  it('SequenceAt / Insert / Erase with known positions (negative from the end)', () => {
    expect(one(node('SequenceAt', ['s', 'p']), [seq, scalar(-1)]).shape).toEqual([1, 3]);
    expect(one(node('SequenceAt', ['s', 'p']), [seq, t([], I64)]).shape).toEqual([null, 3]);
    const ins = one(node('SequenceInsert', ['s', 'x', 'p']), [seq, t([7, 3]), scalar(1)]);
    expect(shapes(ins)).toEqual([
      [2, 3],
      [7, 3],
      [4, 3],
      [1, 3],
    ]);
    expect(shapes(one(node('SequenceErase', ['s']), [seq]))).toEqual([
      [2, 3],
      [4, 3],
    ]); // default: the last
    expect(() => one(node('SequenceAt', ['s', 'p']), [seq, scalar(3)])).toThrow(/position 3 is out of range for a sequence of 3 elements/);
    const empty = one(node('SequenceEmpty', [], { dtype: F32 }), []);
    expect(shapes(one(node('SequenceInsert', ['s', 'x']), [empty, t([5])]))).toEqual([[5]]);
  });
  it('SplitToSequence: no split (keepdims 0 squeezes), scalar split (last chunk smaller), list split', () => {
    expect(shapes(one(node('SplitToSequence', ['x'], { axis: 1, keepdims: 0 }), [t([2, 3])]))).toEqual([[2], [2], [2]]);
    // 7 in chunks of 3: 3, 3, 1
    expect(shapes(one(node('SplitToSequence', ['x', 's']), [t([7, 2]), scalar(3)]))).toEqual([
      [3, 2],
      [3, 2],
      [1, 2],
    ]);
    expect(shapes(one(node('SplitToSequence', ['x', 's']), [t([7, 2]), ints(2, 5)]))).toEqual([
      [2, 2],
      [5, 2],
    ]);
  });
  it('ConcatFromSequence concatenates or stacks (new_axis)', () => {
    expect(one(node('ConcatFromSequence', ['s'], { axis: 0 }), [seq]).shape).toEqual([7, 3]); // 2 + 4 + 1
    const same = one(node('SequenceConstruct', ['a', 'b']), [t([2, 3]), t([2, 3])]);
    expect(one(node('ConcatFromSequence', ['s'], { axis: -1, new_axis: 1 }), [same]).shape).toEqual([2, 3, 2]);
  });
  it('SequenceMap costs its body once per element', () => {
    const b = new GraphBuilder({ name: 'map' });
    b.output(b.op('Identity', [b.input('x', 'float32', [null])]));
    const g: Graph = b.graph();
    const inferBody = (body: Graph, inputs: (ValueFacts | undefined)[]) => body.nodes.map((n) => ruleOf(shapeOps, n).infer(makeNodeContext(n, inputs, 17))[0]!);
    // fake body cost: one FLOP per element of the body's input
    const r = run(rules, node('SequenceMap', ['s'], { body: g }), [seq], 17, {
      inferSubgraph: inferBody,
      subgraphCost: (_g, inputs) => ({ macs: 0, flops: (inputs[0]!.shape![0] as number) * 3 }),
    });
    expect(shapes(r.outputs[0]!)).toEqual([
      [2, 3],
      [4, 3],
      [1, 3],
    ]);
    expect(r.cost()).toMatchObject({ macs: 0, flops: 21 }); // 6 + 12 + 3
  });
});

describe('optionals', () => {
  it('Optional, OptionalHasElement, OptionalGetElement', () => {
    const full = one(node('Optional', ['x']), [t([2, 3])], 15);
    expect(one(node('OptionalHasElement', ['o']), [full], 15)).toEqual({ dtype: BOOL, shape: [], value: [1] });
    expect(one(node('OptionalGetElement', ['o']), [full], 15).shape).toEqual([2, 3]);
    const empty = one(node('Optional', [], { type: { name: 'type', type: 'type_proto', value: { kind: 'tensor', elemType: F32, shape: [4] } } }), [], 15);
    expect(one(node('OptionalHasElement', ['o']), [empty], 15).value).toEqual([0]);
    expect(() => one(node('OptionalGetElement', ['o']), [empty], 15)).toThrow(/known to be empty/);
  });
});

it('every sequence op but SequenceMap costs 0 in every convention', () => {
  expect(run(rules, node('SequenceConstruct', ['a']), [t([2])]).all()).toEqual(everywhere({ macs: 0, flops: 0 }));
  expect(run(rules, node('SplitToSequence', ['x']), [t([2])]).all()).toEqual(everywhere({ macs: 0, flops: 0 }));
});
