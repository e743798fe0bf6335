/**
 * Issue 13, "lean and fast": zoo models hold no weight bytes until written, writes of unchanged
 * content do nothing, the PDF stamp, one KaTeX render per formula, and a `--help` that loads no heavy
 * module. The speed and memory goals themselves are printed by bench/ (zoo-static, startup, example,
 * analysis-nodes); these tests pin the behaviour the numbers rest on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import katex from 'katex';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { profileModel } from '../../src/analysis/profile.js';
import { OutputStamps } from '../../src/cache/output-stamps.js';
import { writeFileAtomic } from '../../src/cache/store.js';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { Tensor } from '../../src/onnx/model.js';
import { readModel } from '../../src/onnx/reader.js';
import { tensorBytes } from '../../src/onnx/tensor-data.js';
import { writeModel } from '../../src/onnx/writer.js';
import { zooEntry } from '../../src/zoo/registry.js';
import { CLI_MAIN, TSX } from '../helpers/cli-child.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-lean-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes a tensor holds in memory (a lazy source holds none). */
const heldBytes = (t: Tensor): number => (t.data.kind === 'bytes' ? t.data.bytes.byteLength : 0);

describe('zoo models hold no weights', () => {
  it('VGG-19 is built without its 575 MB of weights and counts 143,667,240 parameters', () => {
    const model = zooEntry('vgg19').build({ seed: 1 });
    const held = model.graph.initializers.reduce((s, t) => s + heldBytes(t), 0);
    // Only tensors under 4 KiB are made at once: VGG-19's conv biases (2×64 + 2×128 + 4×256 + 8×512
    // = 5,504 floats) and the last classifier bias (1,000 floats), 6,504 × 4 = 26,016 bytes, against
    // 574,668,960 bytes of weights on disk.
    expect(held).toBe(26_016);
    // torchvision's published parameter count for vgg19 (models docs, "Params").
    expect(profileModel(model, { inputs: { input: [1, 3, 224, 224] } }).totals.params).toBe(143_667_240);
  });

  it('a generated weight read in pieces at any offsets equals the whole, inside its init bound', () => {
    const b = new GraphBuilder({ seed: 5 });
    b.weight('w', [300, 70]); // 21,000 floats = 84,000 bytes: lazy
    const t = b.graph().initializers[0]!;
    expect(t.data.kind).toBe('raw');
    const whole = Buffer.from(tensorBytes(t));
    expect(whole.byteLength).toBe(84_000);
    const source = (t.data as Extract<Tensor['data'], { kind: 'raw' }>).source;
    const pieces = [
      [0, 3],
      [3, 4097],
      [4100, 13],
      [4113, 79_887],
    ].map(([o, l]) => source.read(o!, l!));
    expect(Buffer.concat(pieces).equals(whole)).toBe(true);
    // Kaiming-uniform bound for fan_in 70: 1/√70 ≈ 0.1195.
    const values = new Float32Array(whole.buffer, whole.byteOffset, 21_000);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(70));
    expect(new Set(values).size).toBeGreaterThan(20_000);
  });

  it('writing streams generated weights in pieces and reads back the same bytes', () => {
    const b = new GraphBuilder({ seed: 2 });
    const x = b.input('x', 'float32', [1, 1024]);
    // 1024 × 2560 floats = 10 MiB: three 4 MiB pieces in the writer.
    const y = b.op('MatMul', [x, b.weight('w', [1024, 2560])]);
    b.output(y, 'float32', [1, 2560]);
    const model = b.build();
    const file = path.join(dir, 'big.onnx');
    writeModel(model, file);
    const back = readModel(file);
    expect(Buffer.from(tensorBytes(back.graph.initializers[0]!, back)).equals(Buffer.from(tensorBytes(model.graph.initializers[0]!)))).toBe(true);
  });

  it('the same seed gives the same weights regardless of how many tensors are read', () => {
    const make = (): Tensor[] => {
      const b = new GraphBuilder({ seed: 9 });
      b.weight('a', [64, 64]);
      b.weight('b', [64, 64]);
      return b.graph().initializers;
    };
    const [a1, b1] = make();
    const [, b2] = make();
    // b2 is read without a2 ever being made: each tensor has its own stream.
    expect(Buffer.from(tensorBytes(b2!)).equals(Buffer.from(tensorBytes(b1!)))).toBe(true);
    expect(Buffer.from(tensorBytes(a1!)).equals(Buffer.from(tensorBytes(b1!)))).toBe(false);
  });
});

describe('writes that change nothing do nothing', () => {
  it('writeFileAtomic leaves a file with the same content alone and rewrites a changed one', () => {
    const file = path.join(dir, 'page.html');
    expect(writeFileAtomic(file, '<p>1</p>')).toBe(true);
    const old = new Date(2020, 0, 1);
    utimesSync(file, old, old);
    expect(writeFileAtomic(file, '<p>1</p>')).toBe(false);
    expect(statSync(file).mtimeMs).toBe(old.getTime());
    expect(writeFileAtomic(file, '<p>2</p>')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('<p>2</p>');
  });

  it('an output stamp holds while the output and its inputs are unchanged', () => {
    const stamps = path.join(dir, 'outputs.json');
    const pdf = path.join(dir, 'doc.pdf');
    writeFileSync(pdf, '%PDF-1.4 one');
    expect(new OutputStamps(stamps).upToDate(pdf, 'inputs-a')).toBe(false);
    new OutputStamps(stamps).record(pdf, 'inputs-a');
    expect(new OutputStamps(stamps).upToDate(pdf, 'inputs-a')).toBe(true);
    expect(new OutputStamps(stamps).upToDate(pdf, 'inputs-b')).toBe(false);
    writeFileSync(pdf, '%PDF-1.4 two');
    expect(new OutputStamps(stamps).upToDate(pdf, 'inputs-a')).toBe(false);
    writeFileSync(stamps, 'not json');
    expect(new OutputStamps(stamps).upToDate(pdf, 'inputs-a')).toBe(false);
  });
});

describe('each formula is rendered by KaTeX once', () => {
  it('two formulas, two renders, and both are in the page', async () => {
    const spy = vi.spyOn(katex, 'renderToString');
    try {
      const r = await renderMarkdown('Inline $a^2$ and\n\n$$\n\\frac{b}{c}\n$$\n', path.join(dir, 'math.md'));
      expect(spy).toHaveBeenCalledTimes(2);
      expect(r.body.match(/class="katex"/g)).toHaveLength(2);
      expect(r.body).toContain('class="katex-display"');
      expect(r.file.messages).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('start-up', () => {
  it('`modelpress --help` loads none of the heavy modules', () => {
    const hook = path.join(dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent('export async function load(u, c, next) { process.stderr.write("LOAD " + u + "\\\\n"); return next(u, c); }'));\n`,
    );
    const r = spawnSync(process.execPath, ['--import', TSX, '--import', pathToFileURL(hook).href, CLI_MAIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('profile');
    const loaded = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('LOAD '))
      .map((l) => l.slice(5));
    expect(loaded.some((u) => u.includes('/src/cli/build'))).toBe(true);
    for (const heavy of [
      'puppeteer',
      'unified',
      'katex',
      'chokidar',
      'onnxruntime',
      '/src/analysis/profile',
      '/src/analysis/ops/',
      '/src/document/pipeline',
      'zod',
    ]) {
      expect(
        loaded.filter((u) => u.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });
});
