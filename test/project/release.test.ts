// A build drops each document's plugin state (its model registry with every profile it measured)
// once the document's outputs are written, so a many-document build does not keep them all: the
// report's messages, data and counts stay on the built document. Model: x[1×8] → MatMul(x, W[8×4]),
// 8·4 = 32 parameters and 1·8·4 = 32 MACs (by hand).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-release-'));
  mkdirSync(path.join(root, 'content', 'models'), { recursive: true });
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 8]);
  b.output(b.op('MatMul', [x, b.weight('w', [8, 4])], {}, '/fc/MatMul'));
  writeModel(b.build(), path.join(root, 'content', 'models', 'fc.onnx'));
  for (const name of ['a', 'b']) {
    writeFileSync(
      path.join(root, 'content', `${name}.md`),
      `::model{#f src="models/fc.onnx"}\n\nMACs: :metric{model=f name=macs scale="" unit=false}; :metric{model=g name=macs}.\n`,
    );
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a build releases each document’s state', () => {
  it('keeps messages, data and counts but no registry', async () => {
    const result = await build({ cwd: root, lenient: true });
    expect(result.failures).toEqual([]);
    expect(result.documents.map((d) => path.basename(d.source))).toEqual(['a.md', 'b.md']);
    for (const d of result.documents) {
      expect(d.file.data.modelpress).toBeUndefined();
      expect(d.stats.profiled + d.stats.profileHits).toBe(1);
      expect(d.data.models.map((m) => m.id)).toEqual(['f']);
      // The unknown model g is still reported, at its place.
      expect(d.file.messages.some((m) => m.line === 3 && /'g'/.test(m.message))).toBe(true);
      expect(readFileSync(d.html, 'utf8')).toMatch(/MACs: (<[^>]+>)*32(<[^>]+>)*;/);
    }
  });
});
