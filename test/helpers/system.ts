/** Whether a command-line tool is on the PATH (tests that need pdflatex, pdftotext… skip without it). */
import { execFileSync } from 'node:child_process';
import { findChromium } from '../../src/export/pdf.js';

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The Chromium the PDF export would use, or undefined (tests that need a browser skip without it). */
export function chromiumPath(): string | undefined {
  try {
    return findChromium();
  } catch {
    return undefined;
  }
}
