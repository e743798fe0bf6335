/**
 * Every table looks the same in the HTML (issue 20): a plain Markdown table, with or without a
 * caption, gets the rules and cell spacing of a ::table (booktabs: 2px rules above and below, 1px under
 * the header, cells padded so `Deep speckle correlation` and `256×256` never run together). Checked in
 * Chromium on the page's own stylesheet; skipped without a browser.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import puppeteer from 'puppeteer-core';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/render/templates.js';
import { chromiumPath } from '../helpers/system.js';

const chromium = chromiumPath();
if (!chromium) console.warn('no Chromium: skipping the table style check (apt-get install -y chromium)');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-table-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOC = `| Model | Input | Params (M) |
| --- | --- | ---: |
| Deep speckle correlation | 256×256 | 21.85 |

| Model | Input | Params (M) |
| --- | --- | ---: |
| SA-CNN | 256×256 | 13.9231 |

: Published {#tbl-published}
`;

describe('table style', () => {
  it.runIf(chromium !== undefined)(
    'plain and captioned Markdown tables have the booktabs rules and padded cells',
    async () => {
      const file = path.join(dir, 'doc.md');
      writeFileSync(file, DOC);
      const { html } = await renderMarkdown(DOC, file);
      mkdirSync(path.join(dir, 'assets'), { recursive: true });
      copyFileSync(path.join(BUILTIN_TEMPLATES_DIR, 'assets', 'modelpress.css'), path.join(dir, 'assets', 'modelpress.css'));
      writeFileSync(path.join(dir, 'doc.html'), html);
      const browser = await puppeteer.launch({ executablePath: chromium!, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage();
        await page.setViewport({ width: 1280, height: 800 });
        await page.goto(`file://${path.join(dir, 'doc.html')}`, { waitUntil: 'load' });
        // Evaluated in the page (a string: the test project has no DOM types).
        const styles = (await page.evaluate(`[...document.querySelectorAll('table')].map((t) => {
        const table = getComputedStyle(t);
        const thead = getComputedStyle(t.querySelector('thead'));
        const cell = getComputedStyle(t.querySelector('tbody td'));
        const numeric = getComputedStyle(t.querySelector('tbody td:last-child'));
        return [table.borderTopWidth, table.borderBottomWidth, thead.borderBottomWidth, cell.paddingLeft !== '0px' && cell.paddingRight !== '0px', numeric.textAlign];
      })`)) as unknown[];
        // The uncaptioned table (a bare <table>) and the captioned one (figure.mp-table.mp-md-table).
        expect(styles).toEqual([
          ['2px', '2px', '1px', true, 'right'],
          ['0px', '0px', '1px', true, 'right'],
        ]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
