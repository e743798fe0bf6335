// Without a Chromium, `modelpress build --to html,pdf,tex` (what `npm start` runs) writes the HTML and
// the LaTeX, warns once that the PDF needs a browser and how to install one, and exits 0; `--strict`
// turns that warning into exit 1 (PRODUCT.md, "Bad input, always": a missing Chromium is a message).
// The absence is faked with PUPPETEER_EXECUTABLE_PATH naming a file that does not exist: a named
// browser is the only one tried (src/export/pdf.ts), so the machine's own Chromium is not used.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserNotFoundError, findChromium } from '../../src/export/pdf.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-nobrowser-'));
const NOWHERE = path.join(dir, 'no-such-chromium');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(...flags: string[]) {
  return spawnSync(process.execPath, [...CLI_ARGS, 'build', '--to', 'html,pdf,tex', ...flags], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PUPPETEER_EXECUTABLE_PATH: NOWHERE, CI: 'true' },
    timeout: 90_000,
  });
}

describe('no Chromium', () => {
  it('findChromium tries only the browser PUPPETEER_EXECUTABLE_PATH names', () => {
    expect(() => findChromium({ PUPPETEER_EXECUTABLE_PATH: NOWHERE })).toThrow(BrowserNotFoundError);
    expect(() => findChromium({ PUPPETEER_EXECUTABLE_PATH: NOWHERE })).toThrow(`tried ${NOWHERE})`);
    // Any executable file is accepted (node itself here); it is launched only when a PDF is printed.
    expect(findChromium({ PUPPETEER_EXECUTABLE_PATH: process.execPath })).toBe(process.execPath);
  });

  it('build --to html,pdf,tex writes HTML and LaTeX, warns, exits 0; --strict exits 1', () => {
    fs.mkdirSync(path.join(dir, 'content', 'models'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modelpress.config.json'), '{}');
    writeModel(gemmModel(1), path.join(dir, 'content', 'models', 'gemm.onnx'));
    fs.writeFileSync(
      path.join(dir, 'content', 'doc.md'),
      '# Doc\n\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm" metrics="params macs" caption="Cost"}\n',
    );
    const run = build();
    expect(run.status, run.stderr).toBe(0);
    for (const f of ['doc.html', 'doc.tex', 'doc.standalone.tex', 'doc.macros.tex', 'doc.data.json']) {
      expect(fs.existsSync(path.join(dir, 'output', f)), f).toBe(true);
    }
    expect(fs.existsSync(path.join(dir, 'output', 'doc.pdf'))).toBe(false);
    // One positioned warning naming the file, what failed and how to install a browser.
    const warnings = run.stderr.split('\n').filter((l) => /no-browser/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^content\/doc.md: warning: PDF not written: no Chromium found.*\[modelpress:no-browser\]$/);
    expect(run.stderr).toContain('content/doc.md');
    expect(run.stderr).toContain('apt-get install -y chromium');
    // gemm params 4·3 + 3 = 15 (test/document/models.ts): the HTML has the measured number.
    expect(fs.readFileSync(path.join(dir, 'output', 'doc.html'), 'utf8')).toContain('>15<');
    // The summary names every LaTeX file it wrote beside the page (issue 20: it named HTML and PDF only).
    const summary = run.stdout.split('\n').find((l) => l.startsWith('output/doc.html'))!;
    for (const f of ['output/doc.tex', 'output/doc.macros.tex', 'output/doc.standalone.tex']) expect(summary).toContain(f);
    expect(summary).toMatch(/ {2}LaTeX: output\/doc\./);

    const strict = build('--strict');
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain('--strict: diagnostics above count as errors');
  }, 120_000);
});
