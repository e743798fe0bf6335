/**
 * Outputs never disagree (issue 12): build HTML, LaTeX (and PDF when a Chromium is installed), change
 * the model, rebuild with `--to html` only, and check that no output left in the folder holds the old
 * number, and that every output records the same data hash.
 *
 * The model: x [N, 100] → MatMul with W [100, K]; params = 100·K. K = 3137 gives 313,700 parameters,
 * K = 4219 gives 421,900 (shown unscaled: `format.scale.params: ''`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { recordedHash, readManifest } from '../../src/export/coherence.js';
import { findChromium } from '../../src/export/pdf.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { hasCommand } from '../helpers/system.js';

function projModel(k: number) {
  const b = new GraphBuilder({ opset: 17, name: 'proj' });
  const x = b.input('x', 'float32', ['N', 100]);
  b.output(b.op('MatMul', [x, b.weight('proj.weight', [100, k])], {}, '/proj/MatMul'), 'float32');
  return b.build();
}

const DOC = `---
title: Coherent
format:
  scale: { params: '' }
---
# Outputs

::model{#proj src="models/proj.onnx" input="1x100" label="Proj"}

The projection has :metric{model=proj name=params} parameters.

::table{#tbl-p models="proj" metrics="params macs" caption="Sizes"}
`;

function chromiumPresent(): boolean {
  try {
    findChromium();
    return true;
  } catch {
    return false;
  }
}

let root: string;
const out = () => path.join(root, 'output');
const withPdf = chromiumPresent() && hasCommand('pdftotext');
if (!withPdf) console.log('outputs.test: no Chromium or pdftotext; the PDF part is skipped');

/** The text of every output of the document (the PDF through pdftotext). */
function outputsText(): Map<string, string> {
  const texts = new Map<string, string>();
  for (const name of readdirSync(out())) {
    if (!name.startsWith('survey.')) continue;
    const file = path.join(out(), name);
    texts.set(name, name.endsWith('.pdf') ? execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }) : readFileSync(file, 'utf8'));
  }
  return texts;
}

/** 313700 as any output may write it: plain, grouped with a comma, a (thin) space or LaTeX's {,}. */
const written = (n: number) => {
  const s = String(n);
  const head = s.slice(0, s.length - 3);
  const tail = s.slice(-3);
  return new RegExp(`${head}(?:|,|\\{,\\}|\\s|\\u2009|\\u202f|\\\\,)${tail}`);
};

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-outputs-'));
  mkdirSync(path.join(root, 'content', 'models'), { recursive: true });
  writeModel(projModel(3137), path.join(root, 'content', 'models', 'proj.onnx'));
  writeFileSync(path.join(root, 'content', 'survey.md'), DOC);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('outputs never disagree', () => {
  it('a full build: every output shows 313,700 and records one data hash', async () => {
    const first = await build({ cwd: root, to: withPdf ? ['html', 'pdf', 'tex'] : ['html', 'tex'] });
    expect(first.exitCode).toBe(0);
    const texts = outputsText();
    for (const name of ['survey.html', 'survey.data.json', 'survey.tex', 'survey.macros.tex', ...(withPdf ? ['survey.pdf'] : [])]) {
      expect(texts.get(name), name).toMatch(written(313700));
    }
    const hash = first.documents[0]!.dataHash;
    for (const name of ['survey.html', 'survey.data.json', 'survey.tex', 'survey.macros.tex', 'survey.standalone.tex']) {
      expect(recordedHash(path.join(out(), name)), name).toBe(hash);
    }
    expect(readManifest(out(), 'survey')!.dataHash).toBe(hash);
  }, 120_000);

  it('change the model, rebuild --to html: no output holds the old number', async () => {
    writeModel(projModel(4219), path.join(root, 'content', 'models', 'proj.onnx'));
    const second = await build({ cwd: root, to: ['html'] });
    expect(second.exitCode).toBe(0);
    const doc = second.documents[0]!;
    // the formats that existed were rewritten from the same data
    expect(doc.alsoRebuilt).toEqual(withPdf ? ['pdf', 'tex'] : ['tex']);
    const texts = outputsText();
    expect(texts.size).toBeGreaterThan(4);
    for (const [name, text] of texts) {
      expect(text, name).not.toMatch(written(313700));
    }
    expect(texts.get('survey.html')).toMatch(written(421900));
    expect(texts.get('survey.macros.tex')).toMatch(written(421900));
    if (withPdf) expect(texts.get('survey.pdf')).toMatch(written(421900));
    for (const name of ['survey.html', 'survey.data.json', 'survey.tex', 'survey.macros.tex', 'survey.standalone.tex']) {
      expect(recordedHash(path.join(out(), name)), name).toBe(doc.dataHash);
    }
    const manifest = readManifest(out(), 'survey')!;
    expect(manifest.dataHash).toBe(doc.dataHash);
    for (const f of manifest.files) expect(existsSync(path.join(out(), f)), f).toBe(true);
  }, 120_000);
});
