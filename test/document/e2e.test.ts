/**
 * End to end: a project with two zoo models (ResNet-18, ResNet-50), two built models (tiny conv with a
 * sweep, tiny Gemm benchmarked with tiny min-times), a table, a sweep, a node formula and a worked
 * example, built with `build()` as `modelpress build` does; then the cache behaviour of rebuilds.
 *
 * Expected numbers:
 * - ResNet-18: 11,689,512 params, 1.81 GMACs; ResNet-50: 25,557,032 params, 4.09 GMACs (torchvision
 *   model docs, "GFLOPS" column = MACs), shown as 11.69 M / 1.81 G and 25.56 M / 4.09 G.
 * - tiny conv (test/document/models.ts): params 18; 6×6: MACs 648, FLOPs 1368; 8×8: 1152, 2432;
 *   node /features/conv/Conv at 6×6: (2×1×3²−1)×2×6² = 1224.
 * - worked example (the seed's): (2×3×3²−1)×4×6² = 7632.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel, QUICK_BENCH, writeTinyModels } from './models.js';
import { machineIndependent } from '../helpers/diagnostics.js';

const DOC = `---
title: Models, measured
format:
  scale: { params: auto, macs: auto, flops: auto }
${QUICK_BENCH}---
# Survey

::model{#r18 zoo=resnet18 label="ResNet-18"}
::model{#r50 zoo=resnet50 label="ResNet-50"}
::model{#conv src="models/conv.onnx" input="1x1x{6,8}x{6,8}" label="Tiny Conv"}
::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny Gemm"}

As @tbl-cnn shows, ResNet-50 has :metric{model=r50 name=params}.

::table{#tbl-cnn models="r18 r50" metrics="params macs" caption="Reference CNNs"}

::table{#tbl-sweep models="conv" metrics="params macs flops" caption="A sweep"}

::table{#tbl-speed models="gemm" metrics="params latency throughput" caption="Speed"}

::formula{#eq-conv model=conv node="/features/conv/Conv" input="1x1x6x6"}

::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6 bias=false}

Inline math $E = mc^2$.
`;

let root: string;
const content = () => path.join(root, 'content');
const results = () => path.join(root, 'modelpress-results');

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-e2e-'));
  mkdirSync(content(), { recursive: true });
  writeTinyModels(content());
  writeFileSync(path.join(content(), 'survey.md'), DOC);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('end to end', () => {
  it('builds the HTML with the exact numbers, KaTeX markup and no KaTeX error', async () => {
    const result = await build({ cwd: root });
    expect(result.exitCode).toBe(0);
    const doc = result.documents[0]!;
    expect(machineIndependent(doc.file.messages).map((m) => m.reason)).toEqual([]);
    const html = readFileSync(path.join(root, 'output', 'survey.html'), 'utf8');
    // Zoo models: published parameter counts and MACs.
    expect(html).toContain('<th scope="row">ResNet-18</th><td class="mp-num">11.69</td><td class="mp-num">1.81</td>');
    expect(html).toContain('<th scope="row">ResNet-50</th><td class="mp-num">25.56</td><td class="mp-num">4.09</td>');
    expect(html).toContain('<th scope="col" class="mp-num">Params (M)</th><th scope="col" class="mp-num">MACs (G)</th>');
    // The inline number carries its unit (issue 20): 25,557,032 → 25.56 M parameters.
    expect(html).toContain('>25.56\u00a0M parameters</span>.');
    expect(html).toContain('<a href="#tbl-cnn" class="mp-ref">Table\u00a01</a>');
    // The sweep: one column group per input size.
    expect(html).toContain('<th scope="colgroup" colspan="2" class="mp-group">6×6</th><th scope="colgroup" colspan="2" class="mp-group">8×8</th>');
    // `auto` scale: the largest prefix keeping the column's largest value ≥ 1 (K here): 648 → 0.65 K.
    expect(html).toContain('<th scope="col" class="mp-num">MACs (K)</th><th scope="col" class="mp-num">FLOPs (K)</th>');
    expect(html).toContain(
      '<th scope="row">Tiny Conv</th><td class="mp-num">18</td><td class="mp-num">0.65</td><td class="mp-num">1.37</td><td class="mp-num">1.15</td><td class="mp-num">2.43</td>',
    );
    // Formulas: node and worked example, rendered by KaTeX.
    expect(html).toContain('(2 \\times 1 \\times 3^2 - 1) \\times 2 \\times 6^2 = 1224');
    expect(html).toContain('(2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632');
    expect(html).toContain('<span class="katex-display">');
    expect(html).toContain('<span class="katex">');
    expect(html).not.toContain('katex-error');
    expect(html).not.toContain('mp-error');
    // The benchmarked table has a number (not the missing mark) and says how it was measured.
    // (On a busy machine the measured cells may carry the unstable mark: class mp-unstable and a †.)
    expect(html).toMatch(
      /<th scope="row">Tiny Gemm<\/th><td class="mp-num">[\d.]+<\/td>(?:<td class="mp-num(?: mp-unstable)?"(?: title="[^"]*")?>\d[\d.,]*(?:<sup>.*?<\/sup>)?<\/td>){2}<\/tr>/,
    );
    expect(html).toContain('onnxruntime-node 1.30.0, CPU execution provider, batch 2');
    // Assets and the collected data.
    expect(existsSync(path.join(root, 'output', 'assets', 'katex', 'katex.min.css'))).toBe(true);
    const data = JSON.parse(readFileSync(path.join(root, 'output', 'survey.data.json'), 'utf8'));
    expect(data.formulas.map((f: { value: number }) => f.value)).toEqual([1224, 7632]);
    expect(data.metrics[0]).toMatchObject({ model: 'r50', name: 'params', value: 25_557_032 });
    expect(data.tables).toHaveLength(3);
    // The exact counts behind the sweep's rounded cells.
    expect(data.tables[1].table.rows[0].cells.map((c: { value: number }) => c.value)).toEqual([18, 648, 1368, 1152, 2432]);
    expect(data.references).toEqual([
      { id: 'tbl-cnn', kind: 'table', number: 1 },
      { id: 'tbl-sweep', kind: 'table', number: 2 },
      { id: 'tbl-speed', kind: 'table', number: 3 },
      { id: 'eq-conv', kind: 'equation', number: 1 },
    ]);
    // Cold build: r18, r50, conv at two sizes, gemm profiled; gemm benchmarked once.
    expect(doc.stats).toMatchObject({ profiled: 5, benchmarked: 1 });
  });

  it('rebuilds with nothing changed without profiling or benchmarking anything', async () => {
    // Nothing changed at all: the document is not even rendered (cache/document-stamp.ts).
    const skipped = await build({ cwd: root });
    expect(skipped.documents[0]!.skipped).toBe(true);
    expect(skipped.documents[0]!.stats).toEqual({ profiled: 0, benchmarked: 0, profileHits: 0, benchHits: 0 });
    // The document touched (same text, new mtime): rendered again, every measurement from the store.
    const doc = readdirSync(content()).find((f) => f.endsWith('.md'))!;
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(content(), doc), later, later);
    const result = await build({ cwd: root });
    expect(result.documents[0]!.skipped).toBeUndefined();
    expect(result.documents[0]!.stats).toEqual({ profiled: 0, benchmarked: 0, profileHits: 5, benchHits: 1 });
  });

  it('re-measures only the model that changed', async () => {
    writeModel(gemmModel(7), path.join(content(), 'models', 'gemm.onnx'));
    const result = await build({ cwd: root });
    expect(result.documents[0]!.stats).toEqual({ profiled: 1, benchmarked: 1, profileHits: 4, benchHits: 0 });
  });

  it('--refresh=id re-measures that model only', async () => {
    const result = await build({ cwd: root, refresh: ['conv'] });
    expect(result.documents[0]!.stats).toEqual({ profiled: 2, benchmarked: 0, profileHits: 3, benchHits: 1 });
  });

  it('recomputes a corrupt cache entry instead of failing', async () => {
    // Truncate every stored profile (as an interrupted copy or a full disk would).
    const profiles = path.join(results(), 'profile');
    const entries = readdirSync(profiles).flatMap((d) => readdirSync(path.join(profiles, d)).map((f) => path.join(profiles, d, f)));
    for (const entry of entries) writeFileSync(entry, '{"schema":1,"kind":"profile", truncated');
    const result = await build({ cwd: root });
    expect(result.exitCode).toBe(0);
    expect(machineIndependent(result.documents[0]!.file.messages)).toEqual([]);
    expect(result.documents[0]!.stats).toMatchObject({ profiled: 5, profileHits: 0 });
  });

  it('--frozen serves stored results, and fails naming the model and key on a miss', async () => {
    const frozen = await build({ cwd: root, frozen: true });
    expect(frozen.exitCode).toBe(0);
    expect(frozen.documents[0]!.stats).toEqual({ profiled: 0, benchmarked: 0, profileHits: 5, benchHits: 1 });

    const other = mkdtempSync(path.join(os.tmpdir(), 'mp-frozen-'));
    try {
      cpSync(content(), path.join(other, 'content'), { recursive: true });
      const miss = await build({ cwd: other, frozen: true });
      expect(miss.exitCode).toBe(1);
      const reasons = () => miss.documents[0]!.file.messages.filter((m) => m.ruleId === 'frozen-miss').map((m) => m.reason);
      expect(reasons()).toContainEqual(
        expect.stringMatching(
          /^--frozen: no stored profile for model 'r18' at input \(as declared\) \(looked for [^)]*modelpress-results\/profile\/zoo-resnet18\/declared\.exact\.json: commit the results store [^)]*\)/,
        ),
      );
      expect(reasons()).toContainEqual(
        expect.stringMatching(
          /^--frozen: no stored profile for model 'gemm' at input 1x4 \(looked for [^)]*modelpress-results\/profile\/content-models-gemm\.onnx\/1x4\.exact\.json: commit the results store [^)]*\)/,
        ),
      );
      // With the profiles stored but no benchmark: the benchmark miss is named.
      cpSync(path.join(results(), 'profile'), path.join(other, 'modelpress-results', 'profile'), { recursive: true });
      const benchMiss = await build({ cwd: other, frozen: true });
      expect(benchMiss.exitCode).toBe(1);
      expect(machineIndependent(benchMiss.documents[0]!.file.messages).map((m) => m.reason)).toEqual([
        expect.stringMatching(
          /^--frozen: no stored benchmark for model 'gemm' at input 1x4, batch 2 \(looked for [^)]*modelpress-results\/bench\/[^/]+\/content-models-gemm\.onnx\/1x4\.batch2\.threads1\.cpu\.json: commit the results store [^)]*\)/,
        ),
      ]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('an error box is an error (exit 1) unless lenient; --strict fails on warnings too; the rest still renders', async () => {
    writeFileSync(path.join(content(), 'survey.md'), `${DOC}\n::table{models="nope"}\n\nLast words.\n`);
    // The unknown model leaves an error box in the page: an error, exit 1, unless lenient.
    expect((await build({ cwd: root })).exitCode).toBe(1);
    const lenient = await build({ cwd: root, lenient: true });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.documents[0]!.file.messages.filter((m) => m.fatal === true).map((m) => m.ruleId)).toEqual(['unknown-model']);
    const strict = await build({ cwd: root, strict: true, lenient: true });
    expect(strict.exitCode).toBe(1);
    const html = readFileSync(path.join(root, 'output', 'survey.html'), 'utf8');
    expect(html).toContain("unknown model 'nope'");
    expect(html).toContain('<p>Last words.</p>');
    expect(html).toContain('<td class="mp-num">25.56</td>');
  });
});
