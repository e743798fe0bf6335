/**
 * A build skips a document whose inputs are all unchanged (cache/document-stamp.ts, issue 13): it
 * writes nothing, renders nothing, and prints the same report and warnings as the build that made the
 * outputs. Each change a document depends on builds it again — its text, a file it includes, the
 * bibliography, a results-store file it read, an output that was touched, the command's options —
 * while a change to another document leaves it skipped. A document whose last build had an error, or
 * a warning another build could resolve, is never skipped, nor is anything with --refresh.
 *
 * The parameter count checked after the rebuild is ResNet-18's 11,689,512 (torchvision's published
 * figure, which the zoo's resnet18 reproduces exactly).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildOptions, type BuildResult } from '../../src/project/build.js';

const BIB = `@article{he2016deep, title={Deep Residual Learning for Image Recognition}, author={He, Kaiming and Zhang, Xiangyu}, journal={CVPR}, year={2016}}
`;
const PAPER = `---
title: Paper
bibliography: refs.bib
---

::model{#r18 zoo=resnet18 label="ResNet-18"}

ResNet-18 [@he2016deep] has :metric{model=r18 name=params} parameters.

::include{file=part.md}

::bibliography

::bibliography
`;
const NOTE = `# A note

Nothing measured here.
`;

let dir: string;
const outDir = () => path.join(dir, 'output');

/** Every output file with its inode and mtime: a rewrite changes one of them. */
function outputs(): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else seen.set(path.relative(outDir(), full), `${st.ino}:${st.mtimeMs}`);
    }
  };
  walk(outDir());
  return seen;
}

const run = (options: BuildOptions = {}): Promise<BuildResult> => build({ cwd: dir, inputs: ['content'], ...options });
const skipped = (r: BuildResult): Record<string, boolean> => Object.fromEntries(r.documents.map((d) => [path.basename(d.source), d.skipped === true]));
const reasons = (r: BuildResult, doc: string): string[] =>
  r.documents.find((d) => path.basename(d.source) === doc)!.file.messages.map((m) => `${m.ruleId}: ${m.reason}`);

/** Make a file look edited: new content or, with `touch`, the same bytes at a new mtime. */
function edit(file: string, text?: string): void {
  if (text !== undefined) writeFileSync(file, text);
  const later = new Date(Date.now() + 5000);
  utimesSync(file, later, later);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-skip-'));
  mkdirSync(path.join(dir, 'content'));
  writeFileSync(path.join(dir, 'content', 'paper.md'), PAPER);
  writeFileSync(path.join(dir, 'content', 'part.md'), 'An included paragraph.\n');
  writeFileSync(path.join(dir, 'content', 'note.md'), NOTE);
  writeFileSync(path.join(dir, 'content', 'refs.bib'), BIB);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a rebuild with nothing changed', () => {
  let first: BuildResult;
  let second: BuildResult;
  let before: Map<string, string>;
  beforeAll(async () => {
    first = await run();
    before = outputs();
    second = await run();
  }, 60_000);

  it('skips every document and writes no file', () => {
    expect(skipped(first)).toEqual({ 'note.md': false, 'paper.md': false });
    expect(skipped(second)).toEqual({ 'note.md': true, 'paper.md': true });
    expect(outputs()).toEqual(before);
    expect(second.exitCode).toBe(0);
  });

  it('reports what the build that made the outputs reported: its warnings, files and data', () => {
    // The second ::bibliography is a warning: content-determined, so the stamp keeps it and it is printed again.
    expect(reasons(first, 'paper.md').some((r) => r.startsWith('bibliography:'))).toBe(true);
    expect(reasons(second, 'paper.md')).toEqual(reasons(first, 'paper.md'));
    const [a, b] = [first, second].map((r) => r.documents.find((d) => d.source.endsWith('paper.md'))!);
    expect(b!.html).toBe(a!.html);
    expect(b!.dataHash).toBe(a!.dataHash);
    expect(b!.data.metrics.map((m) => m.value)).toEqual(a!.data.metrics.map((m) => m.value));
    expect(b!.data.metrics[0]?.value).toBe(11_689_512);
  });
});

describe('what builds a document again', () => {
  beforeAll(async () => {
    await run();
  }, 60_000);

  it('its own text, and only it: the other document stays skipped', async () => {
    edit(path.join(dir, 'content', 'note.md'), `${NOTE}\nOne more line.\n`);
    const r = await run();
    expect(skipped(r)).toEqual({ 'note.md': false, 'paper.md': true });
    expect(readFileSync(path.join(outDir(), 'note.html'), 'utf8')).toContain('One more line.');
  });

  it('a file it includes, or its bibliography', async () => {
    edit(path.join(dir, 'content', 'part.md'), 'A changed included paragraph.\n');
    expect(skipped(await run())['paper.md']).toBe(false);
    expect(readFileSync(path.join(outDir(), 'paper.html'), 'utf8')).toContain('A changed included paragraph.');
    expect(skipped(await run())['paper.md']).toBe(true);
    edit(path.join(dir, 'content', 'refs.bib'));
    expect(skipped(await run())['paper.md']).toBe(false);
  });

  it('a file it includes from outside the project folder', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'mp-skip-outside-'));
    try {
      const part = path.join(outside, 'shared.md');
      writeFileSync(part, 'Shared text, first version.\n');
      const doc = path.join(dir, 'content', 'note.md');
      edit(doc, `${NOTE}\nOne more line.\n\n::include{file=${JSON.stringify(path.relative(path.dirname(doc), part))}}\n`);
      expect(skipped(await run())['note.md']).toBe(false);
      expect(skipped(await run())['note.md']).toBe(true);
      edit(part, 'Shared text, second version.\n');
      expect(skipped(await run())['note.md']).toBe(false);
      expect(readFileSync(path.join(outDir(), 'note.html'), 'utf8')).toContain('second version');
      edit(doc, `${NOTE}\nOne more line.\n`);
      await run();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a results-store file it read', async () => {
    await run();
    const profiles = path.join(dir, 'modelpress-results', 'profile', 'zoo-resnet18');
    edit(path.join(profiles, readdirSync(profiles)[0]!));
    expect(skipped(await run())['paper.md']).toBe(false);
  });

  it('an output touched or removed', async () => {
    await run();
    edit(path.join(outDir(), 'paper.data.json'));
    expect(skipped(await run())['paper.md']).toBe(false);
    rmSync(path.join(outDir(), 'note.html'));
    const r = await run();
    expect(skipped(r)).toEqual({ 'note.md': false, 'paper.md': true });
    expect(readFileSync(path.join(outDir(), 'note.html'), 'utf8')).toContain('One more line.');
  });

  it('other options, and --refresh always', async () => {
    await run();
    expect(skipped(await run({ strict: true }))['note.md']).toBe(false);
    expect(skipped(await run({ strict: true }))['note.md']).toBe(true);
    expect(skipped(await run({ strict: true, refresh: true }))['note.md']).toBe(false);
    expect(skipped(await run({ strict: true, refresh: true }))['note.md']).toBe(false);
  });
});

describe('never skipped', () => {
  it('a document whose last build had an error (a missing model file)', async () => {
    const doc = path.join(dir, 'content', 'broken.md');
    writeFileSync(doc, '::model{#m src="models/absent.onnx"}\n\n:metric{model=m name=params}\n');
    const r1 = await run({ lenient: true });
    const r2 = await run({ lenient: true });
    expect(reasons(r1, 'broken.md').some((r) => r.startsWith('missing-model:'))).toBe(true);
    expect(skipped(r2)['broken.md']).toBe(false);
    expect(skipped(r2)['paper.md']).toBe(true);
    rmSync(doc);
  }, 60_000);
});
