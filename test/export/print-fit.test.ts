/**
 * Wide tables in the PDF are fitted to the A4 text column, never clipped (src/export/print-fit.ts):
 * a table that fits stays on a portrait page at its print size; one of 12 numeric columns fits the
 * 180 mm column with smaller type; one of 40 columns goes on a landscape page (and is scaled there
 * if it must). Every column header is in the PDF's text, so nothing fell off the page's edge.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyAssets } from '../../src/export/assets.js';
import { htmlToPdf } from '../../src/export/pdf.js';
import { renderPage } from '../../src/render/page.js';
import { chromiumPath, hasCommand } from '../helpers/system.js';

const CHROMIUM = chromiumPath();
const HAVE_POPPLER = hasCommand('pdftotext') && hasCommand('pdfinfo');
if (!CHROMIUM || !HAVE_POPPLER) console.warn('no Chromium or poppler-utils: skipping the print-fit check (apt-get install -y chromium poppler-utils)');

/** A table figure as the pipeline writes it, `columns` numeric columns named `<prefix>1…`. */
function table(prefix: string, columns: number, caption: string): string {
  const head = Array.from({ length: columns }, (_, i) => `<th class="mp-num">${prefix}${i + 1} (ms)</th>`).join('');
  const row = Array.from({ length: columns }, (_, i) => `<td class="mp-num">${(1234.5 + i).toFixed(1)}</td>`).join('');
  return `<figure class="mp-table" id="tbl-${prefix}"><table><caption>${caption}</caption><thead><tr><th>Model</th>${head}</tr></thead><tbody><tr><th>Model A</th>${row}</tr></tbody></table></figure>`;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-print-fit-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!CHROMIUM || !HAVE_POPPLER)('wide tables in the PDF', () => {
  it('fits each table to the page: as it is, smaller, or on a landscape page; no header is lost', async () => {
    copyAssets(dir);
    const body = ['<p>Before.</p>', table('n', 3, 'Narrow'), table('m', 12, 'Twelve columns'), table('w', 40, 'Forty columns'), '<p>After.</p>'].join('\n');
    const html = path.join(dir, 'fit.html');
    writeFileSync(html, renderPage({ title: 'Fit', body }));
    const pdf = path.join(dir, 'fit.pdf');
    await htmlToPdf(html, pdf, { executablePath: CHROMIUM });
    const sizes = execFileSync('pdfinfo', ['-f', '1', '-l', '20', pdf], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^Page\s+\d+ size/.test(l))
      .map((l) => /size:\s+([\d.]+) x ([\d.]+)/.exec(l)!.slice(1).map(Number) as [number, number])
      .map(([w, h]) => (w > h ? 'landscape' : 'portrait'));
    // Page 1: the text and the two tables that fit the portrait column; then the forty columns on a
    // landscape page; then the text after it on portrait again.
    expect(sizes).toEqual(['portrait', 'landscape', 'portrait']);
    const page = (n: number) => execFileSync('pdftotext', ['-f', String(n), '-l', String(n), pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const header of ['n3 (ms)', 'm1 (ms)', 'm12 (ms)']) expect(page(1)).toContain(header);
    for (const header of ['w1 (ms)', 'w40 (ms)']) expect(page(2)).toContain(header);
    expect(page(3)).toContain('After.');
  }, 60_000);
});
