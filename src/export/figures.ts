/**
 * Charts for the LaTeX export: pdflatex cannot include SVG, so each chart's SVG is printed to a
 * one-page PDF of the chart's own size by the same headless Chromium that prints the document.
 * Without a Chromium the SVG files are still written and the fragment shows a note instead.
 */

/**
 * Text of a modelpress chart in CJK (a Chinese document's axis titles) takes a TrueType CJK font first, as the
 * page's stylesheet does: the printed figure then embeds CID TrueType, never Type 3 (docs/i18n.md).
 */
const SVG_CJK_FONTS =
  'svg.mp-chart text{font-family:"DejaVu Sans","Liberation Sans",Arial,"WenQuanYi Micro Hei","Droid Sans Fallback","AR PL UMing CN",sans-serif;font-synthesis:none}';
import { type BrowserLease, withBrowser } from './pdf.js';

export interface FigureJob {
  svg: string;
  /** Where the PDF goes (written atomically by the caller's writer). */
  write: (pdf: Uint8Array) => void;
}

/** `viewBox="0 0 640 400"` → 640 × 400 (CSS pixels), the size the chart is drawn at. */
function svgSize(svg: string): { width: number; height: number } {
  const box = /viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"/.exec(svg);
  if (box) return { width: Number(box[1]), height: Number(box[2]) };
  const w = /\bwidth="([\d.]+)"/.exec(svg);
  const h = /\bheight="([\d.]+)"/.exec(svg);
  return { width: w ? Number(w[1]) : 640, height: h ? Number(h[1]) : 400 };
}

/**
 * Print every SVG to its own PDF in one browser session (the document's lease, when given). Throws
 * when no Chromium can start.
 */
export async function svgsToPdf(jobs: FigureJob[], executablePath?: string, lease?: BrowserLease): Promise<void> {
  if (jobs.length === 0) return;
  await withBrowser(lease, executablePath, async (browser) => {
    const page = await browser.newPage();
    try {
      for (const job of jobs) {
        const { width, height } = svgSize(job.svg);
        const html = `<!doctype html><html><head><meta charset="utf-8"><style>@page{margin:0}html,body{margin:0;padding:0}svg{display:block;width:${width}px;height:${height}px}${SVG_CJK_FONTS}</style></head><body>${job.svg}</body></html>`;
        await page.setContent(html, { waitUntil: 'load' });
        const pdf = await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: '1' });
        job.write(pdf);
      }
    } finally {
      await page.close().catch(() => undefined);
    }
  });
}
