// Module scopes from PyTorch node names and the aggregated tree (sums checked by hand).
import { describe, expect, it } from 'vitest';
import { moduleTree, scopeOf } from '../../src/analysis/modules.js';

describe('scopeOf', () => {
  it('drops the op segment of a PyTorch name', () => {
    expect(scopeOf('/layer1/layer1.0/conv1/Conv')).toEqual(['layer1', 'layer1.0', 'conv1']);
    expect(scopeOf('/fc/Gemm')).toEqual(['fc']);
    expect(scopeOf('/Flatten')).toEqual([]);
    expect(scopeOf('Conv_0')).toEqual([]);
    expect(scopeOf('')).toEqual([]);
  });

  it('skips empty segments and keeps names that are not PyTorch paths as they are', () => {
    // As '/'-split with the empty segments left out, less the last: doubled and leading slashes add no level.
    expect(scopeOf('//a//b//Conv')).toEqual(['a', 'b']);
    expect(scopeOf('a/b/Conv')).toEqual(['a', 'b']);
    // A trailing '/' leaves the last named segment as the op's: '/a/b/' is 'b' in module 'a'.
    expect(scopeOf('/a/b/')).toEqual(['a']);
    expect(scopeOf('/')).toEqual([]);
    expect(scopeOf('卷积/层/Conv')).toEqual(['卷积', '层']);
    // Consecutive nodes of one module share one array; another module's is another.
    expect(scopeOf('/enc/l0/MatMul')).toBe(scopeOf('/enc/l0/Add'));
    expect(scopeOf('/enc/l1/MatMul')).not.toBe(scopeOf('/enc/l0/MatMul'));
  });

  it('folds levels past MAX_SCOPE_DEPTH into one that says how many', () => {
    const deep = `${Array.from({ length: 70 }, (_, i) => `/m${i}`).join('')}/Relu`;
    const scope = scopeOf(deep);
    expect(scope).toHaveLength(64);
    expect(scope[62]).toBe('m62');
    // 70 levels, 63 kept: the 64th says 7 more.
    expect(scope[63]).toBe('…7 more levels');
  });
});

describe('moduleTree', () => {
  it('adds nodes up through every ancestor in first-seen order', () => {
    const tree = moduleTree([
      { scope: ['conv1'], params: 10, macs: 100, flops: 200 },
      { scope: ['layer1', 'layer1.0', 'conv1'], params: 20, macs: 300, flops: 600 },
      { scope: ['layer1', 'layer1.0', 'relu'], params: 0, macs: 0, flops: 5 },
      { scope: ['layer1', 'layer1.1', 'conv1'], params: 20, macs: 300, flops: 600 },
      { scope: [], params: 0, macs: 0, flops: 1 },
    ]);
    // Root: params 50, MACs 700, FLOPs 1406, 5 nodes.
    expect(tree).toMatchObject({ path: '', params: 50, macs: 700, flops: 1406, nodes: 5 });
    expect(tree.children.map((c) => c.path)).toEqual(['conv1', 'layer1']);
    const layer1 = tree.children[1]!;
    // layer1: 20 + 0 + 20 params, 300 + 300 MACs, 600 + 5 + 600 FLOPs.
    expect(layer1).toMatchObject({ name: 'layer1', depth: 1, params: 40, macs: 600, flops: 1205, nodes: 3 });
    expect(layer1.children.map((c) => [c.path, c.flops, c.nodes])).toEqual([
      ['layer1/layer1.0', 605, 2],
      ['layer1/layer1.1', 600, 1],
    ]);
    expect(layer1.children[0]!.children.map((c) => c.name)).toEqual(['conv1', 'relu']);
  });
});
