// Activation memory and depth on hand-made graphs (fake op table: element-wise = 1 FLOP per element,
// MatMul = (2K−1)·M·N, Reshape/Identity = 0), every number counted by hand below.
import { describe, expect, it, vi } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Model } from '../../src/onnx/model.js';

vi.mock('../../src/analysis/ops/index.js', async () => (await import('../helpers/fake-rules.js')).fakeOpsModule());

/** x[1,1000] → a=Relu(x), c=Relu(x), d=Add(a,c), r=Reshape(d), e=MatMul(r, W[1000,10]). */
function diamond(shuffle: boolean): Model {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 1000]);
  const a = b.op('Relu', [x], {}, '/a/Relu');
  const c = b.op('Relu', [x], {}, '/c/Relu');
  const d = b.op('Add', [a, c], {}, '/d/Add');
  const r = b.op('Reshape', [d, b.int64s('shape', [1, 1000])], {}, '/Reshape');
  b.output(b.op('MatMul', [r, b.weight('w', [1000, 10])], {}, '/head/MatMul'));
  const model = b.build();
  if (shuffle) model.graph.nodes.reverse(); // stored out of order: the engine must sort
  return model;
}

describe('activation memory', () => {
  it('peaks while both branches and their input are live', () => {
    // Step by step (bytes, float32 = 4 per element):
    //   start  x                = 4000
    //   a      x + a            = 8000
    //   c      x + a + c        = 12000 ← peak; x dies after c
    //   d      a + c + d        = 12000; a, c die → 4000
    //   r      d + r            = 8000; d dies → 4000
    //   e      r + e(1×10)      = 4040
    // The weight w (40 000 bytes) and the int64 shape are excluded.
    // Total = a + c + d + r + e = 4 × 4000 + 40 = 16040.
    for (const shuffle of [false, true]) {
      const p = profileModel(diamond(shuffle));
      expect(p.totals.activationsPeakBytes).toBe(12000);
      expect(p.totals.activationsTotalBytes).toBe(16040);
    }
  });
});

describe('depth', () => {
  it('counts ops with FLOPs on the longest input→output path', () => {
    // Relu (1) → Add (2) → Reshape (0 FLOPs, still 2) → MatMul (3).
    const p = profileModel(diamond(true));
    expect(p.totals.depth).toBe(3);
    // FLOPs: Relu 1000 + Relu 1000 + Add 1000 + MatMul (2·1000−1)·1·10 = 19990 → 22990.
    expect(p.totals.flops).toBe(22990);
    expect(p.totals.macs).toBe(10000);
  });

  it('counts a Loop body times its trip count, with outer values visible inside', () => {
    // body(i, cond, v): v1 = Relu(v); v2 = Add(v1, s) with s from the outer graph; cond passes through.
    const body = new GraphBuilder();
    body.input('i', 'int64', []);
    const cond = body.input('cond', 'bool', []);
    const v = body.input('v', 'float32', [1, 100]);
    const condOut = body.op('Identity', [cond], {}, '/body/Identity');
    const v2 = body.op('Add', [body.op('Relu', [v], {}, '/body/Relu'), 's'], {}, '/body/Add');
    body.output(condOut);
    body.output(v2);

    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 100]);
    const trips = b.int64s('trips', [3], []);
    const keepGoing = b.initializer('keep_going', 'bool', [], { values: [1] });
    const [y] = b.node('Loop', [trips, keepGoing, x], { body: body.graph() }, { name: '/loop/Loop', outputs: 1 });
    b.output(b.op('Relu', [y!], {}, '/out/Relu'));
    // The producer of `s`, read only inside the body, is stored after the Loop: sorting must see it.
    b.op('Relu', [x], {}, '/s/Relu');
    const model = b.build();
    const sNode = model.graph.nodes.pop()!;
    sNode.outputs = ['s'];
    model.graph.nodes.push(sNode);

    const p = profileModel(model);
    // Longest path: s Relu (1) → Loop, body depth 2 (Relu → Add) × 3 trips (6) → out Relu (1) = 8.
    // The Loop reads s inside its body, so its path starts after s.
    expect(p.totals.depth).toBe(8);
    // FLOPs: s Relu 100 + Loop 3 × (Relu 100 + Add 100) + out Relu 100 = 800.
    expect(p.totals.flops).toBe(800);
    expect(p.nodes.map((n) => n.name)).toEqual(['/s/Relu', '/loop/Loop', '/out/Relu']);
  });
});
