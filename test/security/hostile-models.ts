/**
 * Hostile ONNX models for the security regression tests and the fuzzers (issue 19). Every model is
 * made with the project's builder and is tiny (bytes to a few kilobytes): the danger is in what the
 * file declares (a huge length, a deep nesting, a location outside the folder), not in its size.
 */
import { GraphBuilder, makeTensor, tensorType } from '../../src/onnx/builder.js';
import type { Attribute, FunctionDef, Graph, Model, Node, Tensor, TypeInfo } from '../../src/onnx/model.js';
import { Writer } from '../../src/onnx/wire.js';

/** A tensor whose bytes are declared to live in an external file at `location`. */
export function externalTensor(name: string, location: string, dims: number[] = [4]): Tensor {
  return {
    name,
    dataType: 1,
    dims,
    data: { kind: 'external', location, offset: 0, length: dims.reduce((a, b) => a * b, 1) * 4, entries: [{ key: 'location', value: location }] },
  };
}

/** A Constant node whose `value` is an external tensor. */
function externalConstant(out: string, location: string): Node {
  return {
    name: `/const_${out}`,
    opType: 'Constant',
    domain: '',
    inputs: [],
    outputs: [out],
    attributes: [{ name: 'value', type: 'tensor', value: externalTensor(`${out}_t`, location) }],
  };
}

/**
 * Item 1: a model-local function whose body holds a Constant with external data at `location`; the
 * main graph calls it. Plain graphs with such a tensor are refused already; the function body was not
 * checked.
 */
export function externalInFunction(location: string): Model {
  const b = new GraphBuilder({ opset: 17, extraOpsets: [{ domain: 'local', version: 1 }] });
  const x = b.input('x', 'float32', [4]);
  const [y] = b.node('Leak', [x], {}, { domain: 'local', name: '/leak' });
  b.output(y!);
  const m = b.build();
  const fn: FunctionDef = {
    name: 'Leak',
    domain: 'local',
    inputs: ['a'],
    outputs: ['b'],
    attributeNames: [],
    attributeDefaults: [],
    nodes: [externalConstant('c', location), { name: '/add', opType: 'Add', domain: '', inputs: ['a', 'c'], outputs: ['b'], attributes: [] }],
    opsetImports: [{ domain: '', version: 17 }],
    valueInfo: [],
  };
  m.functions.push(fn);
  return m;
}

/** Item 1 variants: external data hidden in other places an attribute or sub-graph can hold a tensor. */
export function externalHidden(where: 'if-branch' | 'sparse-initializer' | 'tensors-attr' | 'function-default' | 'nested-if', location: string): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [4]);
  const cond = b.initializer('cond', 'bool', [], { values: [1] });
  const m0 = b.build();
  const branch = (inner: Node[], out: string): Graph => ({
    name: 'branch',
    nodes: inner,
    initializers: [],
    sparseInitializers: [],
    inputs: [],
    outputs: [{ name: out, type: tensorType('float32', [4]) }],
    valueInfo: [],
  });
  const ifNode = (thenG: Graph, elseG: Graph, out: string): Node => ({
    name: '/if',
    opType: 'If',
    domain: '',
    inputs: [cond],
    outputs: [out],
    attributes: [
      { name: 'then_branch', type: 'graph', value: thenG },
      { name: 'else_branch', type: 'graph', value: elseG },
    ],
  });
  const g = m0.graph;
  switch (where) {
    case 'if-branch': {
      g.nodes.push(ifNode(branch([externalConstant('t', location)], 't'), branch([externalConstant('e', location)], 'e'), 'y'));
      break;
    }
    case 'nested-if': {
      const inner = ifNode(branch([externalConstant('t2', location)], 't2'), branch([externalConstant('e2', location)], 'e2'), 'yy');
      g.nodes.push(
        ifNode(branch([inner], 'yy'), branch([{ name: '/id', opType: 'Identity', domain: '', inputs: [x], outputs: ['e'], attributes: [] }], 'e'), 'y'),
      );
      break;
    }
    case 'sparse-initializer': {
      g.sparseInitializers.push({ values: externalTensor('sp', location, [2]), indices: makeTensor('sp_i', 'int64', [2], [0, 1]), dims: [4] });
      g.nodes.push({ name: '/id', opType: 'Identity', domain: '', inputs: [x], outputs: ['y'], attributes: [] });
      break;
    }
    case 'tensors-attr': {
      const attr: Attribute = { name: 'extra', type: 'tensors', value: [externalTensor('ta', location)] };
      g.nodes.push({ name: '/id', opType: 'Identity', domain: '', inputs: [x], outputs: ['y'], attributes: [attr] });
      break;
    }
    case 'function-default': {
      m0.opsetImports.push({ domain: 'local', version: 1 });
      g.nodes.push({ name: '/f', opType: 'F', domain: 'local', inputs: [x], outputs: ['y'], attributes: [] });
      m0.functions.push({
        name: 'F',
        domain: 'local',
        inputs: ['a'],
        outputs: ['b'],
        attributeNames: [],
        attributeDefaults: [{ name: 'w', type: 'tensor', value: externalTensor('fd', location) }],
        nodes: [{ name: '/id', opType: 'Identity', domain: '', inputs: ['a'], outputs: ['b'], attributes: [] }],
        opsetImports: [{ domain: '', version: 17 }],
        valueInfo: [],
      });
      break;
    }
  }
  g.outputs.push({ name: 'y' });
  return m0;
}

/** Item 3: a shape-taking op whose shape operand declares `length` elements and holds none. */
export function hugeShapeOperand(op: 'Reshape' | 'Tile' | 'Expand' | 'ConstantOfShape', length: number): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [2]);
  // The shape operand: a graph input of type int64[length] (its values are unknown, its length is not).
  const s = b.input('s', 'int64', [length]);
  const y = op === 'ConstantOfShape' ? b.op(op, [s]) : b.op(op, [x, s]);
  b.output(y);
  return b.build();
}

/** Item 3: an AveragePool whose pads are near 2^53 (count_include_pad=0, so in-bounds taps are summed). */
export function hugePadsPool(pad = 2 ** 52): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1, 1, 4]);
  b.output(b.op('AveragePool', [x], { kernel_shape: [2], pads: [pad, pad] }));
  return b.build();
}

/** Item 4: If nodes nested `depth` deep (each then-branch holds the next If). */
export function nestedIf(depth: number): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1]);
  const cond = b.initializer('cond', 'bool', [], { values: [1] });
  let inner: Graph = {
    name: 'leaf',
    nodes: [{ name: '/leaf', opType: 'Identity', domain: '', inputs: [x], outputs: ['v0'], attributes: [] }],
    initializers: [],
    sparseInitializers: [],
    inputs: [],
    outputs: [{ name: 'v0' }],
    valueInfo: [],
  };
  for (let i = 1; i <= depth; i++) {
    const out = `v${i}`;
    const other: Graph = {
      name: `else${i}`,
      nodes: [{ name: `/e${i}`, opType: 'Identity', domain: '', inputs: [x], outputs: [`e${i}`], attributes: [] }],
      initializers: [],
      sparseInitializers: [],
      inputs: [],
      outputs: [{ name: `e${i}` }],
      valueInfo: [],
    };
    const node: Node = {
      name: `/if${i}`,
      opType: 'If',
      domain: '',
      inputs: [cond],
      outputs: [out],
      attributes: [
        { name: 'then_branch', type: 'graph', value: inner },
        { name: 'else_branch', type: 'graph', value: other },
      ],
    };
    inner = { name: `g${i}`, nodes: [node], initializers: [], sparseInitializers: [], inputs: [], outputs: [{ name: out }], valueInfo: [] };
  }
  const m = b.build();
  m.graph.nodes.push(...inner.nodes);
  m.graph.outputs.push({ name: `v${depth}` });
  return m;
}

/** Item 4: a graph input whose type is sequence(sequence(…(tensor))) nested `depth` deep. */
export function nestedSequenceType(depth: number): Model {
  const b = new GraphBuilder({ opset: 17 });
  let t: TypeInfo = tensorType('float32', [1]);
  for (let i = 0; i < depth; i++) t = { kind: 'sequence', elem: t };
  const m = b.build();
  m.graph.inputs.push({ name: 'seq', type: t });
  m.graph.nodes.push({ name: '/id', opType: 'Identity', domain: '', inputs: ['seq'], outputs: ['y'], attributes: [] });
  m.graph.outputs.push({ name: 'y' });
  return m;
}

/** Item 4: a chain of `n` Relu nodes (200,000 must profile). */
export function longChain(n: number): Model {
  const b = new GraphBuilder({ opset: 17 });
  let v = b.input('x', 'float32', [1, 4]);
  for (let i = 0; i < n; i++) v = b.op('Relu', [v], {}, `/block${i % 100}/relu${i}`);
  b.output(v);
  return b.build();
}

/** Item 5: a single-input model whose input declares these dims (for --shapes runtime). */
export function declaredInput(dims: (number | string)[], dtype: 'float32' | 'string' = 'float32'): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', dtype, dims);
  b.output(b.op('Identity', [x]));
  return b.build();
}

/** Item 7: a node whose name has `levels` scope levels (`/a/a/a/…/Relu`). */
export function deepScopeName(levels: number): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1, 4]);
  b.output(b.op('Relu', [x], {}, `${'/a'.repeat(levels)}/Relu`));
  return b.build();
}

/** Item 4/3: model-local functions that call each other twice per level (2^levels inlined nodes). */
export function functionBomb(levels: number): Model {
  const b = new GraphBuilder({ opset: 17, extraOpsets: [{ domain: 'local', version: 1 }] });
  const x = b.input('x', 'float32', [1]);
  const [y] = b.node('F0', [x], {}, { domain: 'local', name: '/call' });
  b.output(y!);
  const m = b.build();
  for (let i = 0; i < levels; i++) {
    const callee = i + 1 < levels ? `F${i + 1}` : undefined;
    const nodes: Node[] = callee
      ? [
          { name: '/c1', opType: callee, domain: 'local', inputs: ['a'], outputs: ['m'], attributes: [] },
          { name: '/c2', opType: callee, domain: 'local', inputs: ['m'], outputs: ['b'], attributes: [] },
        ]
      : [{ name: '/r', opType: 'Relu', domain: '', inputs: ['a'], outputs: ['b'], attributes: [] }];
    m.functions.push({
      name: `F${i}`,
      domain: 'local',
      inputs: ['a'],
      outputs: ['b'],
      attributeNames: [],
      attributeDefaults: [],
      nodes,
      opsetImports: [{ domain: '', version: 17 }],
      valueInfo: [],
    });
  }
  return m;
}

// ------------------------------------------------------------------------------------------------
// Nestings too deep for the (recursive) writer: encoded iteratively with the wire primitives.

function bytesOf(fill: (w: Writer) => void): Buffer {
  const w = new Writer();
  fill(w);
  return Buffer.concat(w.finish().map((c) => (c instanceof Uint8Array ? c : c.read())));
}

function valueInfoBytes(name: string, type?: Buffer): Buffer {
  return bytesOf((w) => {
    w.stringField(1, name);
    if (type) w.lenField(2, type);
  });
}

function identityNode(input: string, output: string): Buffer {
  return bytesOf((w) => {
    w.stringField(1, input);
    w.stringField(2, output);
    w.stringField(4, 'Identity');
  });
}

function modelBytes(graph: Buffer, opset = 17): Buffer {
  return bytesOf((w) => {
    w.tag(1, 0);
    w.varint(8);
    w.lenField(7, graph);
    w.lenField(
      8,
      bytesOf((o) => {
        o.tag(2, 0);
        o.varint(opset);
      }),
    );
  });
}

/** Item 4: the bytes of a model with If nodes nested `depth` deep. */
export function nestedIfBytes(depth: number): Buffer {
  const cond = bytesOf((w) => {
    w.tag(2, 0);
    w.varint(9);
    w.stringField(8, 'cond');
    w.lenField(9, Buffer.from([1]));
  });
  let inner = bytesOf((w) => {
    w.lenField(1, identityNode('x', 'v0'));
    w.stringField(2, 'leaf');
    w.lenField(12, valueInfoBytes('v0'));
  });
  for (let i = 1; i <= depth; i++) {
    const other = bytesOf((w) => {
      w.lenField(1, identityNode('x', `e${i}`));
      w.stringField(2, `else${i}`);
      w.lenField(12, valueInfoBytes(`e${i}`));
    });
    const attr = (name: string, g: Buffer): Buffer =>
      bytesOf((w) => {
        w.stringField(1, name);
        w.tag(20, 0);
        w.varint(5);
        w.lenField(6, g);
      });
    const ifNode = bytesOf((w) => {
      w.stringField(1, 'cond');
      w.stringField(2, `v${i}`);
      w.stringField(3, `/if${i}`);
      w.stringField(4, 'If');
      w.lenField(5, attr('then_branch', inner));
      w.lenField(5, attr('else_branch', other));
    });
    const last = i === depth;
    inner = bytesOf((w) => {
      w.lenField(1, ifNode);
      w.stringField(2, last ? 'main' : `g${i}`);
      if (last) {
        w.lenField(5, cond);
        w.lenField(11, valueInfoBytes('x', tensorTypeBytes(1, [1])));
      }
      w.lenField(12, valueInfoBytes(`v${i}`));
    });
  }
  return modelBytes(inner);
}

function tensorTypeBytes(elemType: number, dims: number[]): Buffer {
  const shape = bytesOf((s) => {
    for (const d of dims)
      s.lenField(
        1,
        bytesOf((x) => {
          x.tag(1, 0);
          x.int64(d);
        }),
      );
  });
  return bytesOf((w) =>
    w.lenField(
      1,
      bytesOf((t) => {
        t.tag(1, 0);
        t.varint(elemType);
        t.lenField(2, shape);
      }),
    ),
  );
}

/** Item 4: the bytes of a model whose input type is sequence(…sequence(tensor)…) nested `depth` deep. */
export function nestedSequenceBytes(depth: number): Buffer {
  let t = tensorTypeBytes(1, [1]);
  for (let i = 0; i < depth; i++) {
    const inner = t;
    t = bytesOf((w) =>
      w.lenField(
        4,
        bytesOf((s) => s.lenField(1, inner)),
      ),
    );
  }
  const graph = bytesOf((w) => {
    w.lenField(1, identityNode('seq', 'y'));
    w.stringField(2, 'main');
    w.lenField(11, valueInfoBytes('seq', t));
    w.lenField(12, valueInfoBytes('y'));
  });
  return modelBytes(graph);
}

/** A float32 scalar tensor (ConstantOfShape's `value`). */
export function valueTensor(): Tensor {
  return makeTensor('value', 'float32', [1], [0.5]);
}

/**
 * Item 1, the reported attack: a model-local function holds a Constant whose int64[4] data is
 * external at `location`, and ConstantOfShape (behind an Identity) turns those four numbers into an
 * output shape. Had
 * onnxruntime read the file, its bytes would come back as output dims.
 */
export function leakViaShape(location: string): Model {
  const b = new GraphBuilder({ opset: 17, extraOpsets: [{ domain: 'local', version: 1 }] });
  const x = b.input('x', 'float32', [1]);
  const [y] = b.node('Leak', [x], {}, { domain: 'local', name: '/leak' });
  b.output(y!);
  const m = b.build();
  const c: Tensor = { ...externalTensor('c_t', location, [4]), dataType: 7 };
  c.data = { kind: 'external', location, offset: 0, length: 32, entries: [{ key: 'location', value: location }] };
  m.functions.push({
    name: 'Leak',
    domain: 'local',
    inputs: ['a'],
    outputs: ['b'],
    attributeNames: [],
    attributeDefaults: [],
    nodes: [
      { name: '/c', opType: 'Constant', domain: '', inputs: [], outputs: ['c'], attributes: [{ name: 'value', type: 'tensor', value: c }] },
      // The Identity keeps onnxruntime's shape inference from reading the constant at load time.
      { name: '/id', opType: 'Identity', domain: '', inputs: ['c'], outputs: ['d'], attributes: [] },
      { name: '/cos', opType: 'ConstantOfShape', domain: '', inputs: ['d'], outputs: ['b'], attributes: [] },
    ],
    opsetImports: [{ domain: '', version: 17 }],
    valueInfo: [],
  });
  return m;
}

/**
 * Loops nested `depth` deep, each body carrying a value that grows by one per iteration (so no
 * iteration is like the last) around the next Loop: the bodies multiply with the nesting.
 */
export function nestedLoops(depth: number, trips = 1024): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'int64', []);
  const m = b.int64s('M', [trips], []);
  const cond = b.initializer('cond', 'bool', [], { values: [1] });
  const one = b.int64s('one', [1], []);
  let body: Graph | undefined;
  for (let d = depth; d >= 1; d--) {
    const nodes: Node[] = [{ name: `/add${d}`, opType: 'Add', domain: '', inputs: [`v${d}`, one], outputs: [`w${d}`], attributes: [] }];
    if (body) {
      nodes.push({
        name: `/loop${d + 1}`,
        opType: 'Loop',
        domain: '',
        inputs: [m, cond, `w${d}`],
        outputs: [`u${d}`],
        attributes: [{ name: 'body', type: 'graph', value: body }],
      });
    } else {
      nodes.push({ name: `/id${d}`, opType: 'Identity', domain: '', inputs: [`w${d}`], outputs: [`u${d}`], attributes: [] });
    }
    nodes.push({ name: `/c${d}`, opType: 'Identity', domain: '', inputs: [`c${d}`], outputs: [`co${d}`], attributes: [] });
    body = {
      name: `body${d}`,
      nodes,
      initializers: [],
      sparseInitializers: [],
      inputs: [
        { name: `i${d}`, type: tensorType('int64', []) },
        { name: `c${d}`, type: tensorType('bool', []) },
        { name: `v${d}`, type: tensorType('int64', []) },
      ],
      outputs: [{ name: `co${d}` }, { name: `u${d}` }],
      valueInfo: [],
    };
  }
  const [y] = b.node('Loop', [m, cond, x], { body: body! }, { name: '/loop1' });
  b.output(y!);
  return b.build();
}

/**
 * Found by bench/fuzz.ts (seed 20, runtime case 3289): TopK over an empty batch (input [0, 5]) kills
 * onnxruntime 1.30 with SIGFPE, a native crash no JavaScript catch can stop; shape capture must
 * survive it.
 */
export function topKOnEmpty(): Model {
  const b = new GraphBuilder({ opset: 17 });
  const a = b.input('a', 'float32', [0, 5]);
  const [v] = b.node('TopK', [a, b.int64s('k', [1])], { axis: 1 }, { outputs: 2 });
  b.output(v!);
  return b.build();
}
