/**
 * `::complexity … metrics="macs latency"`: every point of the sweep is benchmarked as a model of its
 * own through the registry — the document's benchmark settings, the results store (one file per
 * point, `family-self_attention-n16-d8`), a second build served from it, --frozen — and the latency
 * exponent is the least-squares fit of the printed medians. With two points that fit is exact:
 * log(t₂/t₁) / log(n₂/n₁) (derived here from the stored medians). MACs stay counted: self-attention
 * 2·n²·d gives exponent 2 in n (n = 16, 32 at d = 8: 4,096 → 16,384 MACs).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultFile } from '../../src/cache/results.js';
import type { StoredBench } from '../../src/measure/registry.js';
import { build } from '../../src/project/build.js';
import { QUICK_BENCH } from './models.js';

const DOC = `---
title: Timed sweep
${QUICK_BENCH}---
# Timed

::complexity{#tbl-timed families="self_attention" vary="n" values="n=16,32" at="d=8" metrics="macs latency" caption="Timed"}
`;

let root: string;

function pointFiles(): string[] {
  const machines = path.join(root, 'modelpress-results', 'bench');
  const [machine] = readdirSync(machines);
  return ['n16', 'n32'].map((n) => {
    const dir = path.join(machines, machine!, `family-self_attention-${n}-d8`);
    const [f] = readdirSync(dir);
    return path.join(dir, f!);
  });
}

const medianOf = (file: string): number => {
  const r = (JSON.parse(readFileSync(file, 'utf8')) as ResultFile<StoredBench>).value.result;
  if (r.status !== 'ok') throw new Error('expected a measured result');
  return r.latencyMedianMs;
};

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-complexity-latency-'));
  mkdirSync(path.join(root, 'content'), { recursive: true });
  writeFileSync(path.join(root, 'content', 'timed.md'), DOC);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('::complexity with latency', () => {
  it('benchmarks each point into the results store and fits the medians', async () => {
    const result = await build({ cwd: root, to: ['html'] });
    const doc = result.documents[0]!;
    const errors = doc.file.messages.filter((m) => m.fatal || !/busy machine|unstable/.test(m.reason));
    expect(errors.map((m) => m.reason)).toEqual([]);
    const table = doc.data.tables[0]!.table;
    const col = (key: string) => table.groups[0]!.columns.findIndex((c) => c.key === key);
    const cells = table.rows[0]!.cells;
    expect(cells[col('macs@n')]!.text).toBe('2.00');
    const [t16, t32] = pointFiles().map(medianOf);
    // two points: the least-squares exponent is the slope between them
    const slope = Math.log(t32! / t16!) / Math.log(2);
    expect(cells[col('latency@n')]!.value).toBeCloseTo(slope, 9);
    const note = table.footnotes.find((f) => f.startsWith('Latency is measured'))!;
    expect(note).toMatch(/n = 16: [\d.]+ \([\d.]+–[\d.]+\)/);
    expect(note).toMatch(/n = 32: [\d.]+ \([\d.]+–[\d.]+\)/);
    // each point is a benchmark with its method in the document's provenance
    const prov = doc.data.tables[0]!.provenance.filter((p) => p.benchmark);
    expect(prov.map((p) => p.model)).toEqual(['self_attention(n=16,d=8)', 'self_attention(n=32,d=8)']);
  }, 120_000);

  it('a second build and a --frozen build read the stored points instead of timing again', async () => {
    const files = pointFiles();
    const before = files.map((f) => statSync(f).mtimeMs);
    const medians = files.map(medianOf);
    for (const frozen of [false, true]) {
      const result = await build({ cwd: root, to: ['html'], frozen });
      expect(result.exitCode).toBe(0);
      const cells = result.documents[0]!.data.tables[0]!.table.rows[0]!.cells;
      const table = result.documents[0]!.data.tables[0]!.table;
      const col = table.groups[0]!.columns.findIndex((c) => c.key === 'latency@n');
      expect(cells[col]!.value).toBeCloseTo(Math.log(medians[1]! / medians[0]!) / Math.log(2), 9);
    }
    expect(files.map((f) => statSync(f).mtimeMs)).toEqual(before);
  }, 120_000);
});
