// The engine's contract apart from the real op table (fake rules, test/helpers/fake-rules.ts):
// uncounted nodes are listed with their reason and output bytes, value_info fills what a rule
// cannot infer, If branches see outer values, model-local functions are inlined and counted,
// cycles and dangling names are one clear error.
import { describe, expect, it, vi } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { AnalysisError } from '../../src/analysis/types.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

vi.mock('../../src/analysis/ops/index.js', async () => (await import('../helpers/fake-rules.js')).fakeOpsModule());

describe('uncounted nodes', () => {
  it('lists a node without a rule with its output bytes, and keeps going with value_info', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 1000]);
    const f = b.op('Frobnicate', [x], {}, '/f/Frobnicate');
    b.annotate(f, 'float32', [1, 1000]);
    const g = b.op('Frobnicate', [f], {}, '/g/Frobnicate'); // no hint: its shape stays unknown
    b.output(b.op('Relu', [f], {}, '/ok/Relu'));
    b.output(b.op('Relu', [g], {}, '/lost/Relu'));
    const p = profileModel(b.build());
    expect(p.uncounted).toEqual([
      // 2 nodes; output bytes 4000 from the hinted one, the other's shape is unknown (0 known bytes).
      // (issue 14: an op without a rule also says how to count it)
      {
        opType: 'Frobnicate',
        domain: '',
        nodes: 2,
        outputBytes: 4000,
        reason: 'no rule',
        examples: ['/f/Frobnicate', '/g/Frobnicate'],
        remedy: 'give Frobnicate a rule (its shape and its cost per convention) in a module passed with --rules my-ops.mjs (docs/custom-ops.md)',
      },
      { opType: 'Relu', domain: '', nodes: 1, outputBytes: 0, reason: 'output shape is unknown', examples: ['/lost/Relu'] },
    ]);
    // The Relu fed through the hinted shape is counted: 1000 FLOPs.
    expect(p.totals.flops).toBe(1000);
    expect(p.nodes.find((n) => n.name === '/ok/Relu')).toMatchObject({ counted: true, flops: 1000, outputShapes: [[1, 1000]] });
    expect(p.notes.some((n) => n.startsWith('3 node(s) are not counted'))).toBe(true);
  });
});

describe('sub-graphs and functions', () => {
  it('infers If branches with the enclosing values visible', () => {
    const then = new GraphBuilder();
    then.output(then.op('Relu', ['outer'], {}, '/then/Relu'));
    const otherwise = new GraphBuilder();
    otherwise.output(otherwise.op('Add', ['outer', 'outer'], {}, '/else/Add'));
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 50]);
    const outer = b.node('Relu', [x], {}, { name: '/outer/Relu', outputs: ['outer'] })[0]!;
    const cond = b.initializer('cond', 'bool', [], { values: [1] });
    const [y] = b.node('If', [cond], { then_branch: then.graph(), else_branch: otherwise.graph() }, { name: '/if/If', outputs: 1 });
    b.output(y!);
    const p = profileModel(b.build());
    expect(outer).toBe('outer');
    // The branch output shape comes from the outer value: 2×50.
    expect(p.outputs).toEqual([{ name: y, dtype: 'float32', shape: [2, 50] }]);
    // outer Relu 100 + max(then 100, else 100) = 200; depth 1 + 1 = 2.
    expect(p.totals.flops).toBe(200);
    expect(p.totals.depth).toBe(2);
  });

  it('inlines model-local functions, naming their nodes under the call', () => {
    const b = new GraphBuilder({ extraOpsets: [{ domain: 'custom', version: 1 }] });
    const x = b.input('x', 'float32', [1, 10]);
    const [y] = b.node('DoubleRelu', [x], {}, { name: '/block/DoubleRelu', domain: 'custom', outputs: 1 });
    b.output(y!);
    const model = b.build();
    model.functions.push({
      name: 'DoubleRelu',
      domain: 'custom',
      inputs: ['in'],
      outputs: ['out'],
      attributeNames: [],
      attributeDefaults: [],
      nodes: [
        { name: 'r1', opType: 'Relu', domain: '', inputs: ['in'], outputs: ['mid'], attributes: [] },
        { name: 'r2', opType: 'Relu', domain: '', inputs: ['mid'], outputs: ['out'], attributes: [] },
      ],
      opsetImports: [{ domain: '', version: 17 }],
      valueInfo: [],
    });
    const p = profileModel(model);
    expect(p.nodes.map((n) => [n.name, n.flops])).toEqual([
      ['/block/DoubleRelu/r1', 10],
      ['/block/DoubleRelu/r2', 10],
    ]);
    expect(p.modules.children.map((m) => [m.path, m.flops])).toEqual([['block', 20]]);
    expect(p.uncounted).toEqual([]);
  });
});

describe('malformed graphs', () => {
  it('names the nodes of a cycle', () => {
    const b = new GraphBuilder();
    b.input('x', 'float32', [1]);
    b.node('Add', ['x', 'v2'], {}, { name: 'first', outputs: ['v1'] });
    b.node('Relu', ['v1'], {}, { name: 'second', outputs: ['v2'] });
    b.output('v2');
    expect(() => profileModel(b.build())).toThrow(new AnalysisError('the graph has a cycle: first → second → first'));
  });

  it('names a value nothing provides', () => {
    const b = new GraphBuilder();
    b.input('x', 'float32', [1]);
    b.output(b.op('Add', ['x', 'ghost'], {}, '/Add'));
    expect(() => profileModel(b.build())).toThrow("/Add: reads 'ghost', which no node, graph input or initializer provides");
  });
});
