/**
 * Diagnostics inside included text, as a user sees them: the CLI's report lists them under the
 * included file's own name at its own line and column (parts/bad-ref.md:1:25 to 1:37, the 12 characters of '@tbl-nothing'; 'Included text refers
 * to ' is 24 characters), and the LaTeX export's error text names the same place.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reporter } from 'vfile-reporter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { filesOfMessages } from '../../src/document/source.js';
import { documentToLatex } from '../../src/export/latex.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-include-places-'));
  cpSync(path.join(import.meta.dirname, '..', 'fixtures', 'document', 'parts'), path.join(dir, 'parts'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('places inside included files', () => {
  it('reports each message under the file it is in, and LaTeX names that place', async () => {
    const md = path.join(dir, 'doc.md');
    const text = 'Own text refers to @tbl-own.\n\n::include{file=parts/bad-ref.md}\n';
    writeFileSync(md, text);
    const r = await renderMarkdown(text, md);
    const files = filesOfMessages(r.file);
    expect(files.map((f) => path.basename(f.path))).toEqual(['doc.md', 'bad-ref.md']);
    expect(files.map((f) => f.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`))).toEqual([['1:20 unknown-reference'], ['1:25 unknown-reference']]);
    const report = reporter(files, { quiet: true, color: false });
    expect(report).toMatch(/bad-ref\.md\n\s*1:25-1:37\s+warning\s+unknown cross-reference '@tbl-nothing'/);
    const tex = documentToLatex(r.tree, r.data);
    expect(tex).toContain("\\textbf{[modelpress error parts/bad-ref.md:1:25: unknown cross-reference '@tbl-nothing'");
    expect(tex).toContain("\\textbf{[modelpress error doc.md:1:20: unknown cross-reference '@tbl-own'");
  });
});
