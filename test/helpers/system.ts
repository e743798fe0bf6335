/** Whether a command-line tool is on the PATH (tests that need pdflatex, pdftotext… skip without it). */
import { execFileSync } from 'node:child_process';

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
