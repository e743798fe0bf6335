/**
 * Tables in CJK documents (issue 11): Chinese text may break between any two characters, so in a
 * table too wide for the page its text columns used to shrink to one or two characters beside numeric
 * headers that never wrap (seen in survey.zh.pdf's Table 2, "最大路径长度" set three characters a line).
 * The stylesheet lets numeric headers wrap and keeps text cells at least 5 em wide in :lang(zh) pages.
 * Measured in Chromium (the browser that prints the PDF), on a window too narrow for the table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../helpers/browser.js';

const CSS = readFileSync(path.join(__dirname, '../../templates/assets/modelpress.css'), 'utf8');
const numHeaders = ['MACs：n 的指数', 'MACs：d 的指数', 'FLOPs：n 的指数', 'FLOPs：d 的指数', 'R²（最低）', '深度（测量值）'];
const page = (lang: string) =>
  `<!doctype html><html lang="${lang}"><head><style>${CSS}</style></head><body><main class="mp-document">` +
  `<figure class="mp-table"><table><thead><tr><th scope="col">层类型</th>` +
  numHeaders.map((h) => `<th scope="col" class="mp-num"><span>${h}</span></th>`).join('') +
  `<th scope="col">最大路径长度（推导值）</th></tr></thead><tbody><tr><th scope="row">自注意力</th>` +
  numHeaders.map(() => '<td class="mp-num">1.0000</td>').join('') +
  `<td id="text">O(1)（n = 128, d = 64 时为 1）</td></tr></tbody></table></figure></main></body></html>`;

describe('text columns of a too-wide table in a Chinese page', () => {
  const browser = useBrowser();

  /** Width of the text cell (px) and the lines of the first numeric header's text (its span's height ÷ line height). */
  async function measure(html: string): Promise<{ textWidth: number; fontSize: number; headerLines: number }> {
    const tab = await browser()!.browser.newPage();
    try {
      await tab.setViewport({ width: 560, height: 800 });
      await tab.setContent(html);
      return await tab.evaluate(() => {
        type El = { getBoundingClientRect(): { width: number; height: number } };
        const g = globalThis as unknown as {
          document: { getElementById(id: string): El; querySelector(s: string): El };
          getComputedStyle(e: El): { fontSize: string; lineHeight: string };
        };
        const text = g.document.getElementById('text');
        const th = g.document.querySelector('th.mp-num > span');
        const style = g.getComputedStyle(th);
        const line = Number.parseFloat(style.lineHeight) || 1.2 * Number.parseFloat(style.fontSize);
        return {
          textWidth: text.getBoundingClientRect().width,
          fontSize: Number.parseFloat(g.getComputedStyle(text).fontSize),
          headerLines: Math.round(th.getBoundingClientRect().height / line),
        };
      });
    } finally {
      await tab.close();
    }
  }

  it('keeps the text cell at least 5 em wide and lets numeric headers wrap, only in CJK pages', async () => {
    if (!browser()) {
      console.log('skipped: the table layout check needs Chromium (apt-get install -y chromium)');
      return;
    }
    const zh = await measure(page('zh'));
    // 5 em of the cell's own font size, plus its 2 × 0.55 rem padding.
    expect(zh.textWidth).toBeGreaterThanOrEqual(5 * zh.fontSize);
    expect(zh.headerLines).toBeGreaterThanOrEqual(2);
    // An English page keeps numeric headers on one line (the rule is CJK-only).
    const en = await measure(page('en'));
    expect(en.headerLines).toBe(1);
  }, 60_000);
});
