/**
 * One Chromium for a test file's layout checks (the browser that prints the PDF): launched before the
 * file's tests when Chromium is installed, closed after them. `session()` is undefined without it,
 * and the test skips with a printed reason.
 */
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from '../../src/export/pdf.js';
import { chromiumPath } from './system.js';

export type BrowserSession = Awaited<ReturnType<typeof launchBrowser>>;

export function useBrowser(): () => BrowserSession | undefined {
  const browserPath = chromiumPath();
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    if (browserPath) session = await launchBrowser(browserPath);
  }, 60_000);
  afterAll(async () => session?.cleanup());
  return () => session;
}
