/**
 * Conformance of the ONNX reader and writer on real files: every model of the ONNX project's backend
 * test data (test/fixtures/onnx-backend-data) loads; read → write → read preserves the graph; and
 * onnxruntime gives identical outputs for the original and the rewritten model, matching the stored
 * expected outputs within 1e-4.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Attribute, Graph, Model, Tensor } from '../../src/onnx/model.js';
import { readModel, readModelBytes, readTensorFile } from '../../src/onnx/reader.js';
import { tensorBytes } from '../../src/onnx/tensor-data.js';
import { serializeModel } from '../../src/onnx/writer.js';
import { backendCases } from '../helpers/backend-data.js';
import { bytesEqual, maxAbsDiff, randomOrt, toOrt } from '../helpers/ort.js';

const cases = backendCases();

/** A comparable, source-independent view of a model: tensor payloads become content hashes. */
function normalize(model: Model): unknown {
  const tensor = (t: Tensor): unknown => {
    const { data, ...rest } = t;
    let payload: string;
    if (data.kind === 'strings') payload = `strings:${data.values.map((v) => Buffer.from(v).toString('hex')).join(',')}`;
    else if (data.kind === 'external') payload = `external:${data.location}:${data.offset}:${data.length}`;
    else payload = createHash('sha256').update(tensorBytes(t)).digest('hex');
    return { ...rest, payload };
  };
  const attr = (a: Attribute): unknown => {
    switch (a.type) {
      case 'tensor':
        return { ...a, value: tensor(a.value) };
      case 'tensors':
        return { ...a, value: a.value.map(tensor) };
      case 'graph':
        return { ...a, value: graph(a.value) };
      case 'graphs':
        return { ...a, value: a.value.map(graph) };
      case 'string':
        return { ...a, value: Buffer.from(a.value).toString('hex') };
      case 'strings':
        return { ...a, value: a.value.map((v) => Buffer.from(v).toString('hex')) };
      default:
        return a;
    }
  };
  const graph = (g: Graph): unknown => ({
    ...g,
    nodes: g.nodes.map((n) => ({ ...n, attributes: n.attributes.map(attr) })),
    initializers: g.initializers.map(tensor),
    sparseInitializers: g.sparseInitializers.map((s) => ({ dims: s.dims, values: tensor(s.values), indices: tensor(s.indices) })),
  });
  const { path: _p, sourceSize: _s, extraFields, ...rest } = model;
  return { ...rest, graph: graph(model.graph), extraFields: extraFields.map((x) => Buffer.from(x.bytes).toString('hex')) };
}

describe('ONNX backend test data', () => {
  it('has the four folders of models', () => {
    // 81 pytorch-converted + 34 pytorch-operator + 23 simple + 9 light, as vendored in test/fixtures/onnx-backend-data.
    expect(cases.length).toBeGreaterThanOrEqual(140);
    expect(cases.filter((c) => c.id.startsWith('light/'))).toHaveLength(9);
  });

  it('loads every model', () => {
    const failures: string[] = [];
    for (const c of cases) {
      try {
        const m = readModel(c.model);
        expect(m.graph.nodes.length).toBeGreaterThan(0);
      } catch (err) {
        failures.push(`${c.id}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('read → write → read preserves every graph', () => {
    for (const c of cases) {
      const first = readModel(c.model);
      const second = readModelBytes(serializeModel(first));
      expect(normalize(second), c.id).toEqual(normalize(first));
    }
  });
});

/** Feeds for a case: the stored inputs, or seeded random tensors when the data set has none. */
function feedsFor(model: Model, inputFiles: string[]): Record<string, ort.Tensor> | string {
  const initNames = new Set(model.graph.initializers.map((t) => t.name));
  const formal = model.graph.inputs.filter((v) => !initNames.has(v.name));
  const feeds: Record<string, ort.Tensor> = {};
  if (inputFiles.length > 0) {
    if (inputFiles.length !== formal.length) return `has ${inputFiles.length} input files for ${formal.length} inputs`;
    for (let i = 0; i < formal.length; i++) {
      const v = formal[i]!;
      if (v.type?.kind !== 'tensor') return `input '${v.name}' is a ${v.type?.kind ?? 'untyped'} value (onnxruntime-node feeds tensors only)`;
      feeds[v.name] = toOrt(readTensorFile(inputFiles[i]!));
    }
    return feeds;
  }
  for (const [i, v] of formal.entries()) {
    if (v.type?.kind !== 'tensor' || !v.type.shape?.every((d) => typeof d === 'number')) return `input '${v.name}' has no static shape`;
    feeds[v.name] = randomOrt(v.type.elemType, v.type.shape as number[], 1000 + i);
  }
  return feeds;
}

describe('onnxruntime runs original and rewritten models alike', () => {
  it('gives identical outputs, matching the stored ones within 1e-4', async () => {
    const ran: string[] = [];
    const skipped: string[] = [];
    const problems: string[] = [];
    for (const c of cases) {
      const model = readModel(c.model);
      const feeds = feedsFor(model, c.inputs);
      if (typeof feeds === 'string') {
        skipped.push(`${c.id}: ${feeds}`);
        continue;
      }
      let original: ort.InferenceSession;
      try {
        original = await ort.InferenceSession.create(c.model);
      } catch (err) {
        skipped.push(`${c.id}: onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`);
        continue;
      }
      const rewritten = await ort.InferenceSession.create(serializeModel(model));
      const a = await original.run(feeds);
      const b = await rewritten.run(feeds);
      for (const name of original.outputNames) {
        if (!bytesEqual(a[name]!, b[name]!)) problems.push(`${c.id}: output '${name}' differs after the round trip`);
      }
      if (c.inputs.length > 0) {
        c.outputs.forEach((file, i) => {
          const expected = toOrt(readTensorFile(file));
          const got = a[original.outputNames[i]!]!;
          const diff = maxAbsDiff(got, expected);
          if (!(diff <= 1e-4)) problems.push(`${c.id}: output ${i} differs from the stored output by ${diff}`);
        });
      }
      await original.release();
      await rewritten.release();
      ran.push(c.id);
    }
    expect(problems).toEqual([]);
    // The only models onnxruntime 1.30 does not run are ones it cannot load by design: opset-1/6
    // kernels it no longer ships, the training-only Gradient op, and StringNormalizer, which needs an
    // en_US.UTF-8 locale this machine lacks. Anything else skipped is a failure of ours (listed in full).
    const reasons: [string, RegExp][] = [
      ['opset-1/6 kernels onnxruntime no longer ships', /Could not find an implementation for \w+\((1|6)\)/],
      ['training-only Gradient', /ai\.onnx\.preview\.training:Gradient/],
      ['no en_US.UTF-8 locale', /Failed to construct locale/],
    ];
    const summary = reasons.map(([why, re]) => `${skipped.filter((s) => re.test(s)).length} ${why}`).join(', ');
    console.log(`onnxruntime ran ${ran.length} of ${cases.length} models; skipped ${skipped.length} (${summary})`);
    expect(skipped.filter((s) => !reasons.some(([, re]) => re.test(s)))).toEqual([]);
    expect(ran.length).toBeGreaterThanOrEqual(105);
  }, 300_000);
});
