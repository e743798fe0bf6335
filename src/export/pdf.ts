/**
 * PDF export: puppeteer-core driving a system Chromium (never a downloaded one). The HTML is loaded
 * from a file:// URL so the KaTeX fonts next to it load; we wait for fonts before printing A4 with
 * a running title and page numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { hashParts, OutputStamps } from '../cache/output-stamps.js';
import { writeFileAtomic } from '../cache/store.js';
import { toolVersion } from '../cache/tool-version.js';
import { fitTablesScript, mmToPx } from './print-fit.js';

/** No Chromium was found: says how to install one. The HTML is still written by the caller. */
export class BrowserNotFoundError extends Error {
  constructor(readonly tried: string[]) {
    super(
      `no Chromium found (tried ${tried.join(', ')}); install one with \`apt-get install -y chromium\` ` +
        '(Debian/Ubuntu) or set PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary',
    );
    this.name = 'BrowserNotFoundError';
  }
}

const USUAL_NAMES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/**
 * PUPPETEER_EXECUTABLE_PATH when it is set (then only it: a browser the user named is never silently
 * replaced by another), else /usr/bin/chromium, then other usual names.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.PUPPETEER_EXECUTABLE_PATH;
  const candidates = named ? [named] : USUAL_NAMES;
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new BrowserNotFoundError(candidates);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Launch headless Chromium with flags that keep it off the network and working as root. */
export async function launchBrowser(executablePath = findChromium()): Promise<{ browser: Browser; cleanup: () => Promise<void> }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-chromium-'));
  const args = [
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--font-render-hinting=none',
  ];
  // Chromium refuses to run as root with its sandbox; only then do we turn it off.
  if (isRoot()) args.push('--no-sandbox');
  // puppeteer is loaded only when a browser is really needed (not for a PDF that is up to date).
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath, headless: true, args, userDataDir });
  return {
    browser,
    cleanup: async () => {
      await browser.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One headless Chromium for the print jobs of one document (its PDF, then its charts and SVG images
 * for LaTeX): launched on the first job, reused by the others, closed by its owner once the
 * document's outputs are written, so none idles beside the next document's benchmarks. A browser
 * that has gone away is launched again; a launch that failed fails every job the same way.
 */
export class BrowserLease {
  private launched: ReturnType<typeof launchBrowser> | undefined;
  constructor(private readonly executablePath?: string) {}

  async browser(): Promise<Browser> {
    if (this.launched) {
      const running = await this.launched;
      if (running.browser.connected) return running.browser;
      await running.cleanup();
    }
    this.launched = launchBrowser(this.executablePath);
    return (await this.launched).browser;
  }

  async close(): Promise<void> {
    const launched = this.launched;
    this.launched = undefined;
    const running = await launched?.catch(() => undefined);
    await running?.cleanup();
  }
}

/** Run `use` with a browser: the lease's when there is one, else one launched for it and closed after. */
export async function withBrowser<T>(lease: BrowserLease | undefined, executablePath: string | undefined, use: (browser: Browser) => Promise<T>): Promise<T> {
  if (lease) return use(await lease.browser());
  const { browser, cleanup } = await launchBrowser(executablePath);
  try {
    return await use(browser);
  } finally {
    await cleanup();
  }
}

export interface PdfOptions {
  /** Running title printed in the page header. */
  title?: string;
  executablePath?: string;
  timeoutMs?: number;
  /**
   * Stamp file (e.g. `.modelpress/cache/outputs.json`): when given, a PDF whose inputs — the HTML,
   * every file under the `assets/` folder beside it, the title, the browser and the tool version —
   * hash as when it was printed, and which still holds the bytes printed then, is not printed again
   * (no browser is launched).
   */
  stamps?: string;
  /** The document's browser (see BrowserLease); without one, a browser is launched for this PDF. */
  browser?: BrowserLease | undefined;
}

/** The files under `dir` (recursively), sorted, as [relative path, bytes] parts. */
function folderParts(dir: string, prefix = ''): (string | Uint8Array)[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  const parts: (string | Uint8Array)[] = [];
  for (const name of names) {
    const full = path.join(dir, name);
    const st = fs.statSync(full);
    if (st.isDirectory()) parts.push(...folderParts(full, `${prefix}${name}/`));
    else if (st.isFile()) parts.push(`${prefix}${name}`, fs.readFileSync(full));
  }
  return parts;
}

/** The hash of everything a printed PDF depends on (see PdfOptions.stamps). */
function pdfInputsHash(htmlFile: string, options: PdfOptions = {}): string {
  let browser: string;
  try {
    browser = options.executablePath ?? findChromium();
  } catch {
    browser = '(none)';
  }
  return hashParts([
    'modelpress-pdf',
    toolVersion(),
    // How wide tables are fitted to the page is part of what is printed.
    fitTablesScript(0),
    browser,
    options.title ?? '',
    fs.readFileSync(htmlFile),
    ...folderParts(path.join(path.dirname(path.resolve(htmlFile)), 'assets')),
  ]);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Print an HTML file to PDF (A4, running title, page numbers). Writes atomically. With `stamps`, an
 * up-to-date PDF is kept as it is. Returns whether the PDF was printed.
 */
export async function htmlToPdf(htmlFile: string, pdfFile: string, options: PdfOptions = {}): Promise<boolean> {
  const stamps = options.stamps ? new OutputStamps(options.stamps) : undefined;
  const inputs = stamps ? pdfInputsHash(htmlFile, options) : '';
  if (stamps?.upToDate(path.resolve(pdfFile), inputs)) return false;
  await printPdf(htmlFile, pdfFile, options);
  stamps?.record(path.resolve(pdfFile), inputs);
  return true;
}

/** A4 in millimetres, and the printed margins (the running title and page numbers sit in them). */
const A4_MM = [210, 297] as const;
const MARGIN_MM = { top: 18, side: 15 };

async function printPdf(htmlFile: string, pdfFile: string, options: PdfOptions): Promise<void> {
  await withBrowser(options.browser, options.executablePath, async (browser) => {
    const page = await browser.newPage();
    try {
      const timeout = options.timeoutMs ?? 120_000;
      page.setDefaultTimeout(timeout);
      // Laid out as printed (print media, the A4 column's width), so wide tables are fitted to it.
      await page.setViewport({ width: Math.round(mmToPx(A4_MM[0] - 2 * MARGIN_MM.side)), height: Math.round(mmToPx(A4_MM[1])) });
      await page.emulateMediaType('print');
      await page.goto(pathToFileURL(path.resolve(htmlFile)).href, { waitUntil: 'load', timeout });
      // A string, not a function: this code runs in the page, where `document` exists.
      await page.evaluate('document.fonts.ready.then(() => true)');
      await page.evaluate(fitTablesScript(mmToPx(A4_MM[1] - 2 * MARGIN_MM.side)));
      const title = escapeHtml(options.title ?? '');
      const small = 'font-family: sans-serif; font-size: 8px; color: #666; width: 100%; padding: 0 15mm;';
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: `<div style="${small} text-align: right;">${title}</div>`,
        footerTemplate: `<div style="${small} text-align: center;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
        margin: { top: `${MARGIN_MM.top}mm`, bottom: `${MARGIN_MM.top}mm`, left: `${MARGIN_MM.side}mm`, right: `${MARGIN_MM.side}mm` },
        timeout,
      });
      writeFileAtomic(pdfFile, pdf);
    } finally {
      await page.close().catch(() => undefined);
    }
  });
}

/** Open a page and collect console errors, page errors and failed requests (for tests and `--strict`). */
export async function pageProblems(htmlFile: string, executablePath?: string): Promise<string[]> {
  const { browser, cleanup } = await launchBrowser(executablePath);
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`));
    await page.goto(pathToFileURL(path.resolve(htmlFile)).href, { waitUntil: 'load' });
    // A string, not a function: this code runs in the page, where `document` exists.
    await page.evaluate('document.fonts.ready.then(() => true)');
  } finally {
    await cleanup();
  }
  return problems;
}
