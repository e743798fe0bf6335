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
