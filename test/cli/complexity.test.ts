// `modelpress complexity` end to end: the measured exponents of the Transformer paper's layer types
// (exact MACs 2·n²·d for self-attention, 2·n·d² for the RNN, so exponents 2.00 and 1.00 in n), JSON
// output, the chart file, and usage errors (exit 2 with the remedy).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const run = runCli;

describe('modelpress complexity', () => {
  it('prints claimed orders beside measured exponents', async () => {
    const r = await run(['complexity', 'self_attention', 'recurrent', '--vary', 'n', '--values', 'n=64,128,256']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Self-attention\s+O\(n²·d\)\s+2\.00\s+2\.00/);
    expect(r.out).toMatch(/Recurrent\s+O\(n·d²\)\s+1\.00\s+1\.00\s+1\.0000\s+O\(n\)\s+64 → 256/);
    expect(r.out).toContain('derived from how each layer is built, not measured');
  });

  it('--json gives points and fits; --svg writes the chart', async () => {
    const svg = path.resolve('test/.tmp/cli-complexity/chart.svg');
    fs.rmSync(svg, { force: true });
    const r = await run(['complexity', 'self_attention', '--vary', 'n,d', '--values', 'n=32,64 d=8,16', '--json', '--svg', svg]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out) as {
      points: { vars: Record<string, number>; values: { macs: number } }[];
      fits: { metric: string; exponents: Record<string, number> }[];
    }[];
    expect(data[0]!.points).toHaveLength(4);
    expect(data[0]!.points[0]!.values.macs).toBe(2 * 32 * 32 * 8);
    expect(data[0]!.fits[0]!.exponents.n).toBeCloseTo(2, 10);
    expect(data[0]!.fits[0]!.exponents.d).toBeCloseTo(1, 10);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*<polyline/);
  });

  it('usage errors exit 2 and say what to do', async () => {
    expect((await run(['complexity', 'self_attention'])).err).toMatch(/--vary is required/);
    const bad = await run(['complexity', 'nope', '--vary', 'n']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown model family 'nope'; known: self_attention/);
    const odd = await run(['complexity', 'convolutional', '--vary', 'k', '--values', 'k=2,4']);
    expect(odd.code).toBe(2);
    expect(odd.err).toMatch(/k must be an odd whole number.*change --values or --at/);
    const list = await run(['complexity', '--list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/restricted_attention\s+O\(r·n·d\)/);
  });
});

describe('modelpress complexity --latency', () => {
  it('times every point with the benchmark harness and fits the latencies', async () => {
    const r = await run(['complexity', 'self_attention', '--vary', 'n', '--values', 'n=64,128,256', '--latency', '--min-time', '0.05', '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out) as { points: { values: { latency: number } }[]; fits: { metric: string; exponents: Record<string, number> }[] }[];
    for (const p of data[0]!.points) expect(p.values.latency).toBeGreaterThan(0);
    // Timings are this machine's: only that a fit exists and is finite is asserted.
    expect(Number.isFinite(data[0]!.fits.find((f) => f.metric === 'latency')!.exponents.n)).toBe(true);
  }, 60_000);

  it('latency without --latency is a usage error', async () => {
    const r = await run(['complexity', 'recurrent', '--vary', 'n', '--metrics', 'macs,latency']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/latency is timed with --latency/);
  });
});
