// A project's `rules` (modelpress.config.json) count a custom operator in documents, as `--rules`
// does for `profile` (docs/custom-ops.md). The model: x[1×8] → com.example.FusedGelu(x, W[8×4]);
// the rule module counts MACs = 4·8 = 32 (test/fixtures/rules/fused-gelu.mjs).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-rules-'));
  mkdirSync(path.join(root, 'content', 'models'), { recursive: true });
  const b = new GraphBuilder({ extraOpsets: [{ domain: 'com.example', version: 1 }] });
  const x = b.input('x', 'float32', [1, 8]);
  const [y] = b.node('FusedGelu', [x, b.weight('w', [8, 4])], {}, { name: '/ffn/FusedGelu', domain: 'com.example' });
  b.output(y!);
  writeModel(b.build(), path.join(root, 'content', 'models', 'fused.onnx'));
  copyFileSync(path.resolve('test/fixtures/rules/fused-gelu.mjs'), path.join(root, 'my-ops.mjs'));
  writeFileSync(path.join(root, 'content', 'doc.md'), '::model{#f src="models/fused.onnx"}\n\nMACs: :metric{model=f name=macs scale="" unit=false}.\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('config rules for custom operators', () => {
  it('without rules the op is not counted; with them the document quotes the rule count', async () => {
    const without = await build({ cwd: root });
    expect(without.failures).toEqual([]);
    expect(readFileSync(path.join(root, 'output', 'doc.html'), 'utf8')).not.toMatch(/MACs: (<[^>]+>)*32(<[^>]+>)*\./);
    writeFileSync(path.join(root, 'modelpress.config.json'), JSON.stringify({ rules: ['my-ops.mjs'] }));
    await build({ cwd: root });
    const html = readFileSync(path.join(root, 'output', 'doc.html'), 'utf8');
    expect(html).toMatch(/MACs: (<[^>]+>)*32(<[^>]+>)*\./);
  });

  it('a broken rules entry is one error naming the config file', async () => {
    writeFileSync(path.join(root, 'modelpress.config.json'), JSON.stringify({ rules: ['nope.mjs'] }));
    await expect(build({ cwd: root })).rejects.toThrow(/modelpress\.config\.json: rules: .*nope\.mjs: cannot load the rule module/);
  });
});
