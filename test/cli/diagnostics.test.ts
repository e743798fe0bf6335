/**
 * One diagnostic, printed one way (issue 20): the terminal prints `file:line:col: severity: message
 * [modelpress:rule]` (the compiler form editors' problem matchers read), the page's error box the same
 * place, message and rule; a box in the page is an error, and errors exit 1 unless --lenient.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryLine } from '../../src/cli/diagnostics.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-diagnostics-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(...flags: string[]) {
  return spawnSync(process.execPath, [...CLI_ARGS, 'build', ...flags], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 90_000 });
}

// Line 5 of doc.md: `::table{models="gemm gone" metrics="params flopz"}` — the attribute metrics= is at
// column 28 (9 characters of `::table{`, 17 of `models="gemm gone"`, a space); `gone` is a model whose
// file is missing (line 3, src= at column 15).
const DOC = [
  '# Doc',
  '',
  '::model{#gone src="models/nowhere.onnx"}',
  '::model{#gemm src="models/gemm.onnx" input="1x4"}',
  '::table{models="gemm gone" metrics="params flopz"}',
  '',
  '::table{models="gemm gone" metrics="params macs" caption="Cost"}',
  '',
].join('\n');

describe('diagnostics', () => {
  it('print as file:line:col: severity: message [rule], the page box saying the same; errors exit 1, --lenient 0', () => {
    fs.mkdirSync(path.join(dir, 'content', 'models'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modelpress.config.json'), '{}');
    writeModel(gemmModel(1), path.join(dir, 'content', 'models', 'gemm.onnx'));
    fs.writeFileSync(path.join(dir, 'content', 'doc.md'), DOC);
    const run = build();
    expect(run.status, run.stderr).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('content/doc.md:'));
    // The missing file: an error at its ::model (the page shows a box there) — src= at column 15.
    expect(lines).toContain(
      `content/doc.md:3:15: error: model file 'models/nowhere.onnx' not found (looked at ${path.join(fs.realpathSync(dir), 'content', 'models', 'nowhere.onnx')}); src= is relative to the Markdown file [modelpress:missing-model]`,
    );
    // The unknown metric: at metrics=, with the message and did-you-mean :metric prints, an error.
    const metric = lines.find((l) => l.includes('flopz'));
    expect(metric).toMatch(
      /^content\/doc\.md:5:28: error: ::table metrics="params flopz": unknown metric 'flopz'; did you mean 'flops'\? known metrics: .* \[modelpress:unknown-metric\]$/,
    );
    // Summary: the errors, and the one table left with empty cells by the missing model.
    expect(run.stderr).toContain('2 errors; 1 table incomplete');
    expect(run.stderr).toContain('--lenient exits 0');
    // The page's box: the same place, rule and message as the terminal line.
    const html = fs.readFileSync(path.join(dir, 'output', 'doc.html'), 'utf8');
    expect(html).toContain(
      '<code class="mp-error-where">doc.md:5:28</code><span class="mp-error-message">::table metrics="params flopz": unknown metric \'flopz\'; did you mean \'flops\'?',
    );
    expect(html).toContain('<span class="mp-error-rule">[modelpress:unknown-metric]</span>');
    expect(html).toContain('<code class="mp-error-where">doc.md:3:15</code>');

    const lenient = build('--lenient');
    expect(lenient.status, lenient.stderr).toBe(0);
    expect(lenient.stderr).toContain('2 errors; 1 table incomplete');
  }, 120_000);

  it('build --help describes every output', () => {
    const help = spawnSync(process.execPath, [...CLI_ARGS, 'build', '--help'], { encoding: 'utf8', timeout: 60_000 }).stdout.replace(/\s+/g, ' ');
    for (const words of [
      '<doc>.html',
      '<doc>.data.json',
      'a CSV per table',
      '--to pdf the PDF',
      '--to tex the LaTeX',
      '.macros.tex',
      '.standalone.tex',
      '--lenient',
    ])
      expect(help).toContain(words);
  }, 60_000);

  it('summary line', () => {
    expect(summaryLine({ errors: 2, warnings: 6, incompleteTables: 1 })).toBe('2 errors, 6 warnings; 1 table incomplete');
    expect(summaryLine({ errors: 0, warnings: 1 })).toBe('1 warning');
    expect(summaryLine({ errors: 0, warnings: 0 })).toBe('');
  });
});
