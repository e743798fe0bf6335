/**
 * One Chromium per document: its PDF, its chart and its SVG image for LaTeX are printed by one browser
 * (BrowserLease), launched once; a rebuild with nothing changed launches none. Launches are counted
 * through a wrapper script set as PUPPETEER_EXECUTABLE_PATH, which logs a line and runs the real one.
 * Before the lease, this document launched Chromium three times (PDF, charts, images).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { build } from '../../src/project/build.js';
import { chromiumPath } from '../helpers/system.js';

const chromium = chromiumPath();
if (!chromium) console.log('browser-lease.test: no Chromium; skipped');

const DOC = `---
title: One browser
---
# Figures

::model{#gemm src="models/gemm.onnx" input="1x64" label="Gemm"}
::model{#wide src="models/wide.onnx" input="1x64" label="Wide"}

::chart{#fig-cost kind=scatter x=params y=macs models="gemm wide" caption="Params against MACs"}

![A box](box.svg){#fig-box}
`;

const BOX = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" height="20"><rect width="40" height="20" fill="#36c"/></svg>';

function gemm(k: number) {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['N', 64]);
  b.output(b.op('MatMul', [x, b.weight('w', [64, k])], {}, '/fc/MatMul'), 'float32');
  return b.build();
}

let root: string;
let log: string;
let saved: string | undefined;
const launches = (): number => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-lease-'));
  mkdirSync(path.join(root, 'content', 'models'), { recursive: true });
  writeModel(gemm(8), path.join(root, 'content', 'models', 'gemm.onnx'));
  writeModel(gemm(32), path.join(root, 'content', 'models', 'wide.onnx'));
  writeFileSync(path.join(root, 'content', 'doc.md'), DOC);
  writeFileSync(path.join(root, 'content', 'box.svg'), BOX);
  log = path.join(root, 'launches.log');
  const wrapper = path.join(root, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\necho launch >> ${JSON.stringify(log)}\nexec ${JSON.stringify(chromium ?? 'chromium')} "$@"\n`);
  chmodSync(wrapper, 0o755);
  saved = process.env.PUPPETEER_EXECUTABLE_PATH;
  process.env.PUPPETEER_EXECUTABLE_PATH = wrapper;
});
afterAll(() => {
  if (saved === undefined) delete process.env.PUPPETEER_EXECUTABLE_PATH;
  else process.env.PUPPETEER_EXECUTABLE_PATH = saved;
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!chromium)('one browser per document', () => {
  it('prints the PDF, the chart and the SVG image with one launch; a rebuild launches none', async () => {
    const first = await build({ cwd: root, to: ['html', 'pdf', 'tex'] });
    expect(first.failures).toEqual([]);
    const out = path.join(root, 'output');
    expect(existsSync(path.join(out, 'doc.pdf'))).toBe(true);
    // The chart's PDF for LaTeX and the image's (box.svg → box-svg.pdf), both from the same browser.
    const tex = readFileSync(path.join(out, 'doc.tex'), 'utf8');
    const chartPdf = /\\includegraphics(?:\[[^\]]*\])?\{([^}]*fig-cost[^}]*\.pdf)\}/.exec(tex)?.[1];
    expect(chartPdf, tex).toBeDefined();
    expect(existsSync(path.join(out, chartPdf!))).toBe(true);
    expect(tex).toContain('box-svg.pdf');
    expect(existsSync(path.join(out, 'box-svg.pdf'))).toBe(true);
    expect(launches()).toBe(1);
    const second = await build({ cwd: root, to: ['html', 'pdf', 'tex'] });
    expect(second.failures).toEqual([]);
    expect(launches()).toBe(1);
  }, 120_000);
});
