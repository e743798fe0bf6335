/**
 * Mixed Chinese and Latin text (issue 11): written without spaces, as Chinese authors do, the page's
 * stylesheet still sets the customary space between CJK characters and Latin letters, digits,
 * `:metric` numbers and inline math (CSS `text-autospace` under :lang(zh)); the same text in an
 * English page is set tight. Measured in Chromium (the browser that prints the PDF): the gap between
 * the last Chinese character and the number after it, against the gap in a copy of the page whose
 * autospace is turned off. The LaTeX side is xeCJK's (ctex), compiled in chinese.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCjk } from '../../src/i18n/index.js';
import { useBrowser } from '../helpers/browser.js';

const CSS = readFileSync(path.join(__dirname, '../../templates/assets/modelpress.css'), 'utf8');
const page = (lang: string, extra = '') =>
  `<!doctype html><html lang="${lang}"><head><style>${CSS}${extra}</style></head><body>` +
  `<p id="metric">参数量为<span class="mp-metric" id="m">15</span>个</p>` +
  `<p id="latin">模型<span id="l">ResNet</span>的深度</p></body></html>`;

describe('spacing of mixed Chinese and Latin text in the HTML', () => {
  const browser = useBrowser();

  /** The widths (px) of the two paragraphs, each set as an inline block so its width is its text's. */
  async function widths(html: string): Promise<number[]> {
    const tab = await browser()!.browser.newPage();
    try {
      await tab.setContent(html.replace('</style>', ' p { display: inline-block; }</style>'));
      // Runs in the page, where `document` is the DOM's (this project's TypeScript has no DOM types).
      return await tab.evaluate(() => {
        const doc = (globalThis as unknown as { document: { getElementById(id: string): { getBoundingClientRect(): { width: number } } } }).document;
        return ['metric', 'latin'].map((id) => doc.getElementById(id).getBoundingClientRect().width);
      });
    } finally {
      await tab.close();
    }
  }

  it('widens each CJK–Latin boundary by 1/8 em (17 px type: 2.1 px), only in a Chinese page', async () => {
    if (!browser()) {
      console.log('skipped: the spacing check needs Chromium (apt-get install -y chromium)');
      return;
    }
    expect(hasCjk('参数量为')).toBe(true);
    const off = ':lang(zh) body { text-autospace: no-autospace; }';
    const spaced = await widths(page('zh'));
    const tight = await widths(page('zh', off));
    // Each paragraph has two boundaries (为|15, 15|个 and 型|ResNet, ResNet|的): 2 × 17/8 = 4.25 px.
    spaced.forEach((w, i) => expect(w - tight[i]!).toBeCloseTo(4.25, 0));
    // An English page keeps its text as written.
    const en = await widths(page('en'));
    const enOff = await widths(page('en', off.replace(/zh/g, 'en')));
    en.forEach((w, i) => expect(w - enOff[i]!).toBeCloseTo(0, 1));
  }, 60_000);
});
