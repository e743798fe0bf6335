/**
 * PDF export: puppeteer-core driving a system Chromium (never a downloaded one). The HTML is loaded
 * from a file:// URL so the KaTeX fonts next to it load; we wait for fonts before printing A4 with
 * a running title and page numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';

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
  const browser = await puppeteer.launch({ executablePath, headless: true, args, userDataDir });
  return {
    browser,
    cleanup: async () => {
      await browser.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface PdfOptions {
  /** Running title printed in the page header. */
  title?: string;
  executablePath?: string;
  timeoutMs?: number;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Print an HTML file to PDF (A4, running title, page numbers). Writes atomically. */
export async function htmlToPdf(htmlFile: string, pdfFile: string, options: PdfOptions = {}): Promise<void> {
  const { browser, cleanup } = await launchBrowser(options.executablePath);
  try {
    const page = await browser.newPage();
    const timeout = options.timeoutMs ?? 120_000;
    page.setDefaultTimeout(timeout);
    await page.goto(pathToFileURL(path.resolve(htmlFile)).href, { waitUntil: 'load', timeout });
    // A string, not a function: this code runs in the page, where `document` exists.
    await page.evaluate('document.fonts.ready.then(() => true)');
    const title = escapeHtml(options.title ?? '');
    const small = 'font-family: sans-serif; font-size: 8px; color: #666; width: 100%; padding: 0 15mm;';
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: `<div style="${small} text-align: right;">${title}</div>`,
      footerTemplate: `<div style="${small} text-align: center;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
      margin: { top: '18mm', bottom: '18mm', left: '15mm', right: '15mm' },
      timeout,
    });
    const tmp = `${pdfFile}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(path.resolve(pdfFile)), { recursive: true });
    fs.writeFileSync(tmp, pdf);
    fs.renameSync(tmp, pdfFile);
  } finally {
    await cleanup();
  }
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
