/**
 * The cells `\mpfit` may wrap when it narrows a wide table (issue 10: no table below \footnotesize, none
 * clipped): headers of several words split at the space nearest their middle, numeric headers name
 * above unit, long text cells of the body in `\mpcell` (8em ragged-right when narrowed). Expected
 * strings are written by hand from those rules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIT_MACRO, fittedTable, wrappableCells } from '../../src/export/latex.js';
import { hasCommand } from '../helpers/system.js';

const table = [
  '\\begin{tabular}{l l S[table-format=1.2] l}',
  '\\toprule',
  'Layer type & Sequential operations (claimed) & {MACs: exponent of n} & Maximum path length (derived) \\\\',
  '\\midrule',
  'Self-attention & O(1) & 2.00 & O(n/k) (127 at n = 128, d = 64, k = 3) \\\\',
  '\\bottomrule',
  '\\end{tabular}',
].join('\n');

describe('wrappableCells', () => {
  it('splits headers at the middle space and boxes long body text', () => {
    const out = wrappableCells(table).split('\n');
    // "Layer type" (10 chars, middle 5): the only space, at 5. "Sequential operations (claimed)" (31, middle 15.5):
    // spaces at 10 and 21 → 10. "MACs: exponent of n" (19, middle 9.5): spaces at 5, 14, 17 → 5.
    // "Maximum path length (derived)" (29, middle 14.5): spaces at 7, 12, 19 → 12.
    expect(out[2]).toBe(
      '\\mphead{Layer}{type} & \\mphead{Sequential}{operations (claimed)} & {\\mphead{MACs:}{exponent of n}} & \\mphead{Maximum path}{length (derived)} \\\\',
    );
    // "O(n/k) (127 at n = 128, d = 64, k = 3)" has 38 visible characters (> 24): boxed; the others are short or numeric.
    expect(out[4]).toBe('Self-attention & O(1) & 2.00 & \\mpcell{O(n/k) (127 at n = 128, d = 64, k = 3)} \\\\');
    // Rules and the preamble are untouched.
    expect([out[0], out[1], out[3], out[5], out[6]]).toEqual([table.split('\n')[0], '\\toprule', '\\midrule', '\\bottomrule', '\\end{tabular}']);
  });

  it('keeps numeric headers as name above unit and leaves group headers alone', () => {
    const t = ['\\toprule', ' & \\multicolumn{2}{c}{laptop} \\\\', 'Model & {Latency (ms)} \\\\', '\\midrule', 'a & 1.0 \\\\', '\\bottomrule'].join('\n');
    const out = wrappableCells(t).split('\n');
    expect(out[1]).toBe(' & \\multicolumn{2}{c}{laptop} \\\\');
    expect(out[2]).toBe('Model & {\\mphead{Latency}{(ms)}} \\\\');
  });
});

// A table of ten long text columns is about 1,800 pt wide at natural size: wider than the A4 text
// height (≈ 700 pt), so before issue 10's fitting it overflowed even rotated ("Float too large").
// Wrapped (headers at 5.5em/4em, cells at 8em/5em) it must fit: no float too large, no hbox more than 2 pt over.
describe.runIf(hasCommand('pdflatex') && hasCommand('pdftotext'))('a wide table compiles without overflowing', () => {
  it('fits ten long text columns and their notes on the page', () => {
    const head = Array.from({ length: 10 }, (_, i) => `Sequential operations ${i} (claimed)`).join(' & ');
    const row = Array.from({ length: 10 }, (_, i) => `O(n/k) (${i} at n = 128, d = 64, k = 3)`).join(' & ');
    const table = [
      '\\begin{table}[htbp]',
      '\\centering',
      '\\caption{Wide}',
      '\\begin{tabular}{l l l l l l l l l l}',
      '\\toprule',
      `${head} \\\\`,
      '\\midrule',
      `${row} \\\\`,
      `${row} \\\\`,
      '\\bottomrule',
      '\\end{tabular}',
      '\\par\\smallskip',
      `{\\footnotesize ${'A note under the table that runs for a while. '.repeat(6)}\\par}`,
      '\\end{table}',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'mp-wide-'));
    const doc = `\\documentclass{article}\n\\usepackage[a4paper]{geometry}\n\\usepackage{booktabs,graphicx}\n${FIT_MACRO}\n\\begin{document}\n${fittedTable(table)}\n\\end{document}\n`;
    writeFileSync(join(dir, 'wide.tex'), doc);
    execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'wide.tex'], { cwd: dir, stdio: 'pipe' });
    const log = readFileSync(join(dir, 'wide.log'), 'utf8');
    expect(log).not.toContain('Float too large');
    const overfull = [...log.matchAll(/Overfull \\hbox \(([\d.]+)pt too wide\)/g)].map((m) => Number(m[1]));
    expect(overfull.filter((pt) => pt > 2)).toEqual([]);
    const text = execFileSync('pdftotext', ['wide.pdf', '-'], { cwd: dir }).toString();
    expect(text).toContain('(claimed)');
    expect(text).toContain('A note under the table');
  });
});
