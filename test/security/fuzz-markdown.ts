/**
 * The Markdown half of the fuzzer (fuzz-lib.ts markdownCase makes the documents): render each
 * document through the whole pipeline and its LaTeX export, and check that nothing throws, every
 * diagnostic has a line, each document is done in bounded time, the LaTeX holds no command that reads
 * files, and the sentinel beside the documents' folder is never read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { documentToLatex } from '../../src/export/latex.js';
import { macrosFile } from '../../src/export/macros.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { markdownCase } from './fuzz-lib.js';
import { prepareSentinel, sentinelWasRead } from './sentinel.js';

export interface MarkdownRunSummary {
  cases: number;
  messages: number;
  byRule: Record<string, number>;
  /** Every failure of the checks: a throw, an unpositioned message, a slow case, unsafe LaTeX. */
  problems: string[];
  slowestMs: number;
  /** Highest resident set size seen after a case, in MiB (the documents run in this process). */
  peakRssMb: number;
  sentinelRead: boolean;
  wallMs: number;
}

/** LaTeX commands that read files or build command names: must never come out of user text. */
const UNSAFE_LATEX = /\\(input|include|openin|read|csname|catcode|scantokens|immediate|write)(?![A-Za-z])|\^\^/;

/** The LaTeX lines that are not the exporter's own (\input of the fragment is the standalone's). */
function unsafeLatex(tex: string): string | undefined {
  for (const line of tex.split('\n')) {
    if (line.startsWith('%')) continue;
    const m = UNSAFE_LATEX.exec(line);
    if (m) return line.slice(0, 120);
  }
  return undefined;
}

export async function runMarkdownFuzz(o: {
  seed: number;
  cases: number;
  dir: string;
  maxMs?: number;
  onProgress?: (n: number) => void;
}): Promise<MarkdownRunSummary> {
  const t0 = Date.now();
  const docDir = path.join(o.dir, 'doc');
  fs.mkdirSync(docDir, { recursive: true });
  const sentinel = prepareSentinel(o.dir);
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['batch', 3]);
  b.output(b.op('Gemm', [x, b.weight('w', [3, 2])], {}, '/fc/Gemm'));
  writeModel(b.build(), path.join(docDir, 'tiny.onnx'));
  fs.writeFileSync(path.join(docDir, 'bad.onnx'), Buffer.from('not a model at all'));
  const summary: MarkdownRunSummary = { cases: 0, messages: 0, byRule: {}, problems: [], slowestMs: 0, peakRssMb: 0, sentinelRead: false, wallMs: 0 };
  for (let i = 0; i < o.cases; i++) {
    const doc = markdownCase(o.seed, i);
    const start = performance.now();
    try {
      const r = await renderMarkdown(doc, path.join(docDir, `case${i}.md`));
      const tex = documentToLatex(r.tree, r.data) + macrosFile(r.data);
      const bad = unsafeLatex(tex);
      if (bad) summary.problems.push(`case ${i}: LaTeX holds a file-reading command: ${bad}`);
      for (const m of r.file.messages) {
        summary.messages++;
        const rule = String(m.ruleId ?? 'none');
        summary.byRule[rule] = (summary.byRule[rule] ?? 0) + 1;
        if (m.line === undefined || m.line === null) summary.problems.push(`case ${i}: message without a position: ${m.reason.slice(0, 120)}`);
      }
    } catch (err) {
      summary.problems.push(`case ${i}: the build threw: ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)}`);
    }
    const ms = performance.now() - start;
    summary.slowestMs = Math.max(summary.slowestMs, Math.round(ms));
    summary.peakRssMb = Math.max(summary.peakRssMb, Math.round(process.memoryUsage().rss / 2 ** 20));
    if (ms > (o.maxMs ?? 10_000)) summary.problems.push(`case ${i}: took ${Math.round(ms)} ms`);
    summary.cases++;
    o.onProgress?.(summary.cases);
  }
  summary.sentinelRead = sentinelWasRead(sentinel);
  summary.wallMs = Date.now() - t0;
  return summary;
}
