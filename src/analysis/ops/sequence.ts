/**
 * Op family 'sequence': tensor sequences and optionals (SequenceConstruct … ConcatFromSequence,
 * SequenceMap, Optional*). Facts of a sequence carry `kind: 'sequence'`, the facts every element
 * shares (`elem`) and, while its length is known, the facts of each element (`items`), so a
 * SequenceAt with a known position gets that element's exact shape.
 *
 * Building, reading and splitting sequences is data movement: 0 FLOPs in every convention.
 * SequenceMap costs what its body costs, once per element.
 */
import type { Dim, Graph } from '../../onnx/model.js';
import { DataType } from '../../onnx/dtypes.js';
import { MAX_VALUE_ELEMENTS } from '../context.js';
import { normalizeAxis, unifyDim } from '../shapes.js';
import { AnalysisError, type NodeContext, type OpRule, type ValueFacts } from '../types.js';
import { flopsEntry, series } from './expr.js';
import { cloneFacts, given, mergeFacts, need, nodeLabel, scalarOf, valueOf, zeroCost } from './tensor-values.js';

function fail(ctx: NodeContext, message: string): never {
  throw new AnalysisError(message, nodeLabel(ctx));
}

/** Facts of a sequence from the facts of its elements (known items) or of a typical element. */
function sequenceOf(items: ValueFacts[] | undefined, elem: ValueFacts | undefined): ValueFacts {
  let shared = elem;
  if (items !== undefined && items.length > 0) shared = items.slice(1).reduce((a, b) => mergeFacts(a, b), cloneFacts(items[0]!));
  const dtype = shared?.dtype ?? elem?.dtype ?? 0;
  return { dtype, kind: 'sequence', elem: shared ? { ...cloneFacts(shared), value: undefined } : { dtype }, items: items?.map(cloneFacts) };
}

function needSequence(ctx: NodeContext, i: number): ValueFacts {
  const s = need(ctx, i, 'input_sequence');
  if (s.kind !== undefined && s.kind !== 'sequence') fail(ctx, `input ${i} is a ${s.kind}, not a sequence`);
  return s;
}

/** A position into a sequence of n elements (negative counts from the end); insert allows n. */
function position(ctx: NodeContext, pos: number, n: number, insert: boolean): number {
  const p = pos < 0 ? pos + n : pos;
  if (p < 0 || p > (insert ? n : n - 1)) fail(ctx, `position ${pos} is out of range for a sequence of ${n} elements`);
  return p;
}

function zeroRule(ops: string[], infer: (ctx: NodeContext) => ValueFacts[], nonParamInputs?: readonly number[]): OpRule {
  return { ops, infer, cost: () => zeroCost(), ...(nonParamInputs ? { nonParamInputs } : {}) };
}

const sequenceEmpty = zeroRule(['SequenceEmpty'], (ctx) => [sequenceOf([], { dtype: ctx.attr.int('dtype', DataType.FLOAT) })]);

const sequenceConstruct = zeroRule(['SequenceConstruct'], (ctx) => {
  const items = ctx.node.inputs.map((_, i) => need(ctx, i, `input ${i}`));
  if (items.length === 0) fail(ctx, 'SequenceConstruct needs at least one input');
  const types = new Set(items.map((x) => x.dtype).filter((t) => t !== 0));
  if (types.size > 1) fail(ctx, `SequenceConstruct inputs have different element types: ${[...types].join(', ')}`);
  return [sequenceOf(items, undefined)];
});

const sequenceAt = zeroRule(
  ['SequenceAt'],
  (ctx) => {
    const s = needSequence(ctx, 0);
    need(ctx, 1, 'position');
    const pos = scalarOf(ctx, 1);
    if (s.items !== undefined && pos !== undefined) return [cloneFacts(s.items[position(ctx, pos, s.items.length, false)]!)];
    return [s.elem ? cloneFacts(s.elem) : { dtype: s.dtype }];
  },
  [1],
);

const sequenceInsert = zeroRule(
  ['SequenceInsert'],
  (ctx) => {
    const s = needSequence(ctx, 0);
    const t = need(ctx, 1, 'tensor');
    if (s.elem?.dtype && t.dtype && s.elem.dtype !== t.dtype) fail(ctx, `cannot insert a tensor of type ${t.dtype} into a sequence of type ${s.elem.dtype}`);
    const pos = given(ctx, 2) ? scalarOf(ctx, 2) : s.items?.length;
    if (s.items !== undefined && pos !== undefined) {
      const items = s.items.map(cloneFacts);
      items.splice(position(ctx, pos, items.length, true), 0, cloneFacts(t));
      return [sequenceOf(items, s.elem)];
    }
    const known = s.items !== undefined && s.items.length === 0;
    return [sequenceOf(undefined, known || s.elem === undefined ? t : mergeFacts(s.elem, t))];
  },
  [2],
);

const sequenceErase = zeroRule(
  ['SequenceErase'],
  (ctx) => {
    const s = needSequence(ctx, 0);
    const pos = given(ctx, 1) ? scalarOf(ctx, 1) : -1;
    if (s.items !== undefined && pos !== undefined) {
      const items = s.items.map(cloneFacts);
      items.splice(position(ctx, pos, items.length, false), 1);
      return [sequenceOf(items, s.elem)];
    }
    return [sequenceOf(undefined, s.elem)];
  },
  [1],
);

const sequenceLength = zeroRule(['SequenceLength'], (ctx) => {
  const s = needSequence(ctx, 0);
  return [{ dtype: DataType.INT64, shape: [], value: s.items ? [s.items.length] : undefined }];
});

const splitToSequence = zeroRule(
  ['SplitToSequence'],
  (ctx) => {
    const x = need(ctx, 0, 'input');
    const keepdims = ctx.attr.int('keepdims', 1) === 1;
    if (x.shape === undefined) return [sequenceOf(undefined, { dtype: x.dtype })];
    const axis = normalizeAxis(ctx.attr.int('axis', 0), x.shape.length, nodeLabel(ctx));
    const dim = x.shape[axis]!;
    // A dim a file declares may be negative or huge: only a whole number ≥ 0 sizes the pieces.
    const countable = typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0;
    const piece = (size: Dim, squeeze: boolean): ValueFacts => {
      const shape = [...x.shape!];
      if (squeeze) shape.splice(axis, 1);
      else shape[axis] = size;
      return { dtype: x.dtype, shape };
    };
    let sizes: number[] | undefined;
    let squeeze = false;
    if (!given(ctx, 1)) {
      // No split: pieces of one element along the axis, squeezed away unless keepdims.
      squeeze = !keepdims;
      if (countable && dim <= MAX_VALUE_ELEMENTS) sizes = new Array<number>(dim).fill(1);
    } else {
      const split = valueOf(ctx, 1);
      const scalar = ctx.inputs[1]?.shape?.length === 0;
      if (split !== undefined && scalar) {
        const chunk = split[0]!;
        if (chunk < 1) fail(ctx, `split ${chunk} must be positive`);
        if (countable && Math.ceil(dim / chunk) <= MAX_VALUE_ELEMENTS) {
          sizes = Array.from({ length: Math.ceil(dim / chunk) }, (_, i) => Math.min(chunk, dim - i * chunk));
        }
      } else if (split !== undefined) {
        if (typeof dim === 'number' && split.reduce((a, b) => a + b, 0) !== dim) {
          fail(ctx, `split [${split.join(', ')}] does not add up to the axis size ${dim}`);
        }
        sizes = split;
      }
    }
    if (sizes === undefined || sizes.length > MAX_VALUE_ELEMENTS) return [sequenceOf(undefined, piece(squeeze ? 1 : null, squeeze))];
    return [
      sequenceOf(
        sizes.map((s) => piece(s, squeeze)),
        undefined,
      ),
    ];
  },
  [1],
);

const concatFromSequence = zeroRule(['ConcatFromSequence'], (ctx) => {
  const s = needSequence(ctx, 0);
  if (!ctx.attr.has('axis')) fail(ctx, 'ConcatFromSequence needs the axis attribute');
  const newAxis = ctx.attr.int('new_axis', 0) === 1;
  const where = nodeLabel(ctx);
  const elem = s.elem;
  if (s.items === undefined || s.items.some((x) => x.shape === undefined)) {
    if (elem?.shape === undefined) return [{ dtype: s.dtype }];
    const shape = [...elem.shape];
    const rank = shape.length + (newAxis ? 1 : 0);
    const axis = normalizeAxis(ctx.attr.int('axis', 0), rank, where);
    if (newAxis) shape.splice(axis, 0, null);
    else shape[axis] = null;
    return [{ dtype: elem.dtype, shape }];
  }
  if (s.items.length === 0) fail(ctx, 'ConcatFromSequence of an empty sequence');
  const shapes = s.items.map((x) => x.shape!);
  const rank = shapes[0]!.length;
  if (shapes.some((sh) => sh.length !== rank)) fail(ctx, 'ConcatFromSequence elements have different ranks');
  const axis = normalizeAxis(ctx.attr.int('axis', 0), rank + (newAxis ? 1 : 0), where);
  const shape: Dim[] = [];
  for (let a = 0; a < rank; a++) {
    if (!newAxis && a === axis) {
      const sizes = shapes.map((sh) => sh[a]!);
      shape.push(sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((x, y) => x + y, 0) : null);
    } else {
      shape.push(shapes.slice(1).reduce<Dim>((d, sh) => unifyDim(d, sh[a]!, where), shapes[0]![a]!));
    }
  }
  if (newAxis) shape.splice(axis, 0, shapes.length);
  return [{ dtype: s.items[0]!.dtype, shape }];
});

// --------------------------------------------------------------------------------------------- SequenceMap

/** Body inputs for element j: sequences give their j-th element (or a typical one), tensors pass as is. */
function mapInputs(ctx: NodeContext, j: number | undefined): ValueFacts[] {
  return ctx.node.inputs.map((_, i) => {
    const v = need(ctx, i, `input ${i}`);
    if (v.kind !== 'sequence') return v;
    if (j !== undefined && v.items !== undefined) return v.items[j]!;
    return v.elem ?? { dtype: v.dtype };
  });
}

function mapLength(ctx: NodeContext): number | undefined {
  return need(ctx, 0, 'input_sequence').items?.length;
}

function mapBody(ctx: NodeContext): Graph {
  const g = ctx.attr.graph('body');
  if (g === undefined) fail(ctx, 'SequenceMap needs the body attribute (a graph)');
  return g;
}

const sequenceMap: OpRule = {
  ops: ['SequenceMap'],
  infer(ctx) {
    const body = mapBody(ctx);
    const n = mapLength(ctx);
    if (n !== undefined) {
      const outs = Array.from({ length: n }, (_, j) => ctx.inferSubgraph(body, mapInputs(ctx, j)));
      return ctx.node.outputs.map((_, k) =>
        sequenceOf(
          outs.map((o) => o[k]!),
          undefined,
        ),
      );
    }
    const out = ctx.inferSubgraph(body, mapInputs(ctx, undefined));
    return ctx.node.outputs.map((_, k) => sequenceOf(undefined, out[k]));
  },
  cost(ctx) {
    const body = mapBody(ctx);
    const n = mapLength(ctx);
    if (n === undefined) throw new AnalysisError('not counted: the length of the input sequence is not known', nodeLabel(ctx));
    let macs = 0;
    const per: number[] = [];
    for (let j = 0; j < n; j++) {
      const c = ctx.subgraphCost(body, mapInputs(ctx, j));
      macs += c.macs;
      per.push(c.flops);
    }
    return flopsEntry(macs, 'sequence-map', { elements: n }, series('Σ_j FLOPs_body(j)', per));
  },
};

// ------------------------------------------------------------------------------------------------ Optional

const optional = zeroRule(['Optional'], (ctx) => {
  if (given(ctx, 0)) {
    const v = need(ctx, 0, 'input');
    return [{ dtype: v.dtype, kind: 'optional', elem: cloneFacts(v), items: [cloneFacts(v)] }];
  }
  if (!ctx.attr.has('type')) fail(ctx, 'an Optional without input needs the type attribute');
  const t = ctx.node.attributes.find((a) => a.name === 'type');
  const elemType = t?.type === 'type_proto' && t.value.kind === 'tensor' ? t.value.elemType : 0;
  return [
    {
      dtype: elemType,
      kind: 'optional',
      elem: { dtype: elemType, shape: t?.type === 'type_proto' && t.value.kind === 'tensor' ? t.value.shape : undefined },
      items: [],
    },
  ];
});

const optionalHasElement = zeroRule(['OptionalHasElement'], (ctx) => {
  let has: number | undefined;
  if (!given(ctx, 0)) has = 0;
  else {
    const v = need(ctx, 0, 'input');
    if (v.kind !== 'optional') has = 1;
    else if (v.items !== undefined) has = v.items.length > 0 ? 1 : 0;
  }
  return [{ dtype: DataType.BOOL, shape: [], value: has === undefined ? undefined : [has] }];
});

const optionalGetElement = zeroRule(['OptionalGetElement'], (ctx) => {
  const v = need(ctx, 0, 'input');
  if (v.kind !== 'optional') return [cloneFacts(v)];
  if (v.items !== undefined && v.items.length === 0) fail(ctx, 'OptionalGetElement of an optional that is known to be empty');
  return [v.items?.[0] ? cloneFacts(v.items[0]) : v.elem ? cloneFacts(v.elem) : { dtype: v.dtype }];
});

export const rules: OpRule[] = [
  sequenceEmpty,
  sequenceConstruct,
  sequenceAt,
  sequenceInsert,
  sequenceErase,
  sequenceLength,
  splitToSequence,
  concatFromSequence,
  sequenceMap,
  optional,
  optionalHasElement,
  optionalGetElement,
];
