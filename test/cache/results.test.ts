/** The committable results store: paths (machines side by side), readable JSON, stale and corrupt files. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { differingParts, readableJson, ResultsStore, slug } from '../../src/cache/results.js';
import { cacheKey } from '../../src/cache/store.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isNumber = (v: unknown): v is number => typeof v === 'number';

describe('ResultsStore', () => {
  it('keeps one file per model × configuration × machine, side by side', () => {
    const laptop = new ResultsStore(dir, 'laptop');
    const h200 = new ResultsStore(dir, 'h200');
    const config = '1x3x224x224.batch2.threads4.cpu';
    expect(path.relative(dir, laptop.benchFile('zoo-resnet18', config))).toBe('bench/laptop/zoo-resnet18/1x3x224x224.batch2.threads4.cpu.json');
    laptop.write(laptop.benchFile('zoo-resnet18', config), 'bench', { model: 'a' }, 21.9, 'laptop');
    h200.write(h200.benchFile('zoo-resnet18', config), 'bench', { model: 'a' }, 1.2, 'h200');
    // this machine first, then the others by name
    expect(h200.benchMachines('zoo-resnet18', config)).toEqual(['h200', 'laptop']);
    expect(laptop.benchMachines('zoo-resnet18', config)).toEqual(['laptop', 'h200']);
    const hit = laptop.read(laptop.benchFile('zoo-resnet18', config), 'bench', isNumber);
    expect(hit).toMatchObject({ status: 'hit', entry: { value: 21.9, machine: 'laptop', key: cacheKey({ model: 'a' }) } });
  });

  it('a truncated or foreign file is corrupt with the reason, a missing one absent', () => {
    const store = new ResultsStore(dir, 'm');
    const file = store.profileFile('content/models/x.onnx', '1x4', 'exact');
    expect(path.relative(dir, file)).toBe('profile/content-models-x.onnx/1x4.exact.json');
    expect(store.read(file, 'profile', isNumber).status).toBe('absent');
    store.write(file, 'profile', { a: 1 }, 5);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 20));
    expect(store.read(file, 'profile', isNumber)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/^not valid JSON/) });
    store.write(file, 'profile', { a: 1 }, 5);
    expect(store.read(file, 'bench', isNumber)).toMatchObject({ status: 'corrupt', reason: 'not a modelpress bench result of schema 1' });
  });

  it("a profile's node, tensor and module lists are parsed on first use; an unchanged file is parsed once", () => {
    const store = new ResultsStore(dir, 'm');
    const file = store.profileFile('zoo-lazy', '', 'exact');
    const profile = {
      schema: 1,
      totals: { params: 12 },
      nodes: [
        { name: 'a', flops: 2, formula: 'x\ny' },
        { name: 'b', flops: 3 },
      ],
      tensors: [{ name: 'w', params: 12 }],
      modules: { root: { params: 12 }, child: { params: 4 } },
      notes: ['one'],
    };
    store.write(file, 'profile', { a: 1 }, profile);
    const isObject = (v: unknown): v is typeof profile => !!v && typeof v === 'object';
    const hit = store.read(file, 'profile', isObject);
    if (hit.status !== 'hit') throw new Error(hit.status);
    const value = hit.entry.value;
    for (const key of ['nodes', 'tensors', 'modules']) expect(typeof Object.getOwnPropertyDescriptor(value, key)?.get).toBe('function');
    expect(Object.getOwnPropertyDescriptor(value, 'totals')?.get).toBeUndefined();
    expect(JSON.parse(JSON.stringify(value))).toEqual(profile);
    expect(Object.getOwnPropertyDescriptor(value, 'nodes')?.value).toEqual(profile.nodes);
    // The same file, unchanged: the same entry; rewritten: read again.
    expect((store.read(file, 'profile', isObject) as typeof hit).entry).toBe(hit.entry);
    store.write(file, 'profile', { a: 1 }, { ...profile, notes: ['two'] });
    expect((store.read(file, 'profile', isObject) as typeof hit).entry.value.notes).toEqual(['two']);
  });

  it('a damaged node line is an error naming the file when the nodes are used', () => {
    const store = new ResultsStore(dir, 'm');
    const file = store.profileFile('zoo-damaged', '', 'exact');
    store.write(file, 'profile', { a: 1 }, { schema: 1, nodes: [{ name: 'a' }, { name: 'b' }], totals: {} });
    writeFileSync(file, readFileSync(file, 'utf8').replace('{"name":"b"}', '{"name":"b"'));
    const hit = store.read(file, 'profile', (v): v is { nodes: unknown[] } => !!v && typeof v === 'object');
    if (hit.status !== 'hit') throw new Error(hit.status);
    expect(() => hit.entry.value.nodes).toThrow(`${file}: the stored nodes are not valid JSON`);
  });
});

describe('helpers', () => {
  it('slug keeps safe characters', () => {
    expect(slug('content/models/ResNet 18 (v1).onnx')).toBe('content-models-ResNet-18-v1-.onnx');
    expect(slug('../x')).toBe('x');
  });
  it('differingParts names the keys whose values differ', () => {
    expect(differingParts({ model: 'a', batch: 2, p: { x: 1 } }, { model: 'b', batch: 2, p: { x: 1 } })).toEqual(['model']);
    expect(differingParts({ a: 1 }, { a: 1, b: 2 })).toEqual(['b']);
  });
  it('readableJson: objects indented, lists of objects one element per line, the same data back', () => {
    const value = {
      a: 1,
      nodes: [
        { n: 'x', s: [1, 2] },
        { n: 'y', s: [3] },
      ],
      deep: { b: { c: { d: [1] } } },
    };
    const text = readableJson(value);
    expect(text).toBe('{\n "a": 1,\n "nodes": [\n  {"n":"x","s":[1,2]},\n  {"n":"y","s":[3]}\n ],\n "deep": {\n  "b": {\n   "c": {"d":[1]}\n  }\n }\n}');
    expect(JSON.parse(text)).toEqual(value);
  });
});
