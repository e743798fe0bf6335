/**
 * How the command line prints diagnostics: one line each, as compilers do, so an editor's problem
 * matcher (VS Code's `$gcc`, Emacs' compilation mode) reads them —
 *
 *     content/survey.md:10:35: error: unknown metric 'flopz'; did you mean 'flops'? … [modelpress:unknown-metric]
 *
 * — the file relative to the working folder, line and column of the diagnostic (an attribute's own
 * column when it is about one), `error` or `warning`, the message, the rule. The page's error box
 * shows the same place, message and rule. Then one summary line.
 */
import path from 'node:path';
import pc from 'picocolors';
import type { VFile } from 'vfile';
type VFileMessage = VFile['messages'][number];

export type Severity = 'error' | 'warning';

/** An error: the page shows a box in the content's place (error-box.ts marks these fatal). */
export function severityOf(m: VFileMessage): Severity {
  return m.fatal === true ? 'error' : 'warning';
}

/** One diagnostic as one line, without colour. */
export function formatDiagnostic(file: VFile, m: VFileMessage, cwd = process.cwd()): string {
  const name = file.path ? path.relative(cwd, file.path) || file.basename || file.path : '<input>';
  const where = m.line !== undefined && m.line !== null ? `${name}:${m.line}:${m.column ?? 1}` : name;
  const rule = m.ruleId ? ` [${m.source ? `${m.source}:` : ''}${m.ruleId}]` : '';
  return `${where}: ${severityOf(m)}: ${m.reason.replace(/\s*\n\s*/g, ' ')}${rule}`;
}

export interface DiagnosticSummary {
  errors: number;
  warnings: number;
}

export function countDiagnostics(files: readonly VFile[]): DiagnosticSummary {
  let errors = 0;
  let warnings = 0;
  for (const f of files) for (const m of f.messages) severityOf(m) === 'error' ? errors++ : warnings++;
  return { errors, warnings };
}

/** Every diagnostic of the files in order of place, one line each; '' when there is none. */
export function formatDiagnostics(files: readonly VFile[], options: { cwd?: string; color?: boolean } = {}): string {
  const lines: string[] = [];
  for (const f of files) {
    const sorted = [...f.messages].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    for (const m of sorted) {
      const line = formatDiagnostic(f, m, options.cwd);
      if (!options.color) lines.push(line);
      else lines.push(line.replace(/: (error|warning): /, (_, s: string) => `: ${s === 'error' ? pc.red(s) : pc.yellow(s)}: `));
    }
  }
  return lines.join('\n');
}

/** `2 errors, 6 warnings; 1 table incomplete` (the parts that are not zero), or ''. */
export function summaryLine(summary: DiagnosticSummary & { incompleteTables?: number }): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [summary.errors ? plural(summary.errors, 'error') : '', summary.warnings ? plural(summary.warnings, 'warning') : ''].filter(Boolean);
  if (parts.length === 0) return '';
  const incomplete = summary.incompleteTables ? `; ${plural(summary.incompleteTables, 'table')} incomplete` : '';
  return `${parts.join(', ')}${incomplete}`;
}
