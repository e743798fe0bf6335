/**
 * Issue 19: the bounded, seeded fuzz run of the suite (bench/fuzz.ts runs the long one). ONNX cases
 * run in child processes with a 768 MB heap, so a native abort or heap exhaustion is a recorded
 * crash naming its case rather than a dead test runner; Markdown documents run through the whole
 * pipeline and the LaTeX export. Any failure prints the seed and case index, which replay it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnnxFuzz } from './fuzz-lib.js';
import { runMarkdownFuzz } from './fuzz-markdown.js';
import { atimeDetectsReads } from './sentinel.js';

const SEED = 2026;
let dir: string;
let atimeWorks: boolean;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-fuzz-test-'));
  atimeWorks = atimeDetectsReads(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('seeded fuzzing (bounded)', () => {
  it('2,000 mutated ONNX files (static) and 300 with --shapes runtime: no uncaught error, abort, hang or read outside the folder', async () => {
    for (const [cases, runtime] of [
      [2000, false],
      [300, true],
    ] as const) {
      const d = fs.mkdtempSync(path.join(dir, runtime ? 'rt-' : 'st-'));
      const s = await runOnnxFuzz({ seed: runtime ? SEED + 1 : SEED, cases, runtime, dir: d, batch: 500 });
      const label = `seed ${runtime ? SEED + 1 : SEED}, ${runtime ? 'runtime' : 'static'}`;
      expect(s.cases, label).toBe(cases);
      expect(s.bugs, label).toEqual([]);
      expect(s.crashes, label).toEqual([]);
      expect(s.leaks, label).toEqual([]);
      if (atimeWorks) expect(s.sentinelRead, label).toBe(false);
      // Bounded time per case (the slowest is tens of milliseconds on this machine).
      expect(s.slowest.ms, label).toBeLessThan(10_000);
      // The run reached the analysis, not only the reader: some cases profile, some are refused.
      expect(s.ok, label).toBeGreaterThan(cases / 10);
      expect(s.refused, label).toBeGreaterThan(cases / 10);
      if (runtime) expect(s.runtimeRuns).toBeGreaterThan(0);
    }
  }, 240_000);

  it('300 hostile Markdown documents: nothing throws, every diagnostic has a line, no file-reading LaTeX', async () => {
    const s = await runMarkdownFuzz({ seed: SEED, cases: 300, dir: fs.mkdtempSync(path.join(dir, 'md-')) });
    expect(s.cases).toBe(300);
    expect(s.problems).toEqual([]);
    if (atimeWorks) expect(s.sentinelRead).toBe(false);
    expect(s.slowestMs).toBeLessThan(10_000);
    // Bounded memory: the alias bombs, 1,000-deep YAML and 100,000-character names cost nothing lasting.
    expect(s.peakRssMb).toBeLessThan(2048);
    // The generator exercises the boundaries: front matter failures and broken directives occur.
    expect(s.byRule['front-matter']).toBeGreaterThan(0);
    expect(s.byRule['broken-directive']).toBeGreaterThan(0);
  }, 240_000);
});
