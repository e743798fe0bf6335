/**
 * The long fuzz run of issue 19 (the suite runs a bounded one, test/security/fuzz.test.ts):
 *
 *   npx tsx bench/fuzz.ts [--onnx 20000] [--runtime-onnx 20000] [--markdown 3000] [--seed 19]
 *
 * ONNX cases run in child processes with a 768 MB heap (a native abort or heap exhaustion is a
 * recorded crash naming its case); static ones are profiled, runtime ones also run once in
 * onnxruntime (`--shapes runtime`). Markdown cases are rendered in this process. Every case is
 * replayable from the seed and its index (fuzz-lib.ts onnxCase / markdownCase). Prints a summary and
 * writes it to bench/.work/fuzz-summary.json; exits 1 on any bug, crash, leak, sentinel read or
 * unpositioned diagnostic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMarkdownFuzz } from '../test/security/fuzz-markdown.js';
import { runOnnxFuzz } from '../test/security/fuzz-lib.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seed = flag('seed', 19);
const onnx = flag('onnx', 20000);
const runtimeOnnx = flag('runtime-onnx', 20000);
const markdown = flag('markdown', 3000);
const work = path.resolve('bench/.work');
fs.mkdirSync(work, { recursive: true });

const log = (s: string): void => void process.stdout.write(`${new Date().toISOString()} ${s}\n`);

async function main(): Promise<number> {
  const summary: Record<string, unknown> = { seed };
  let bad = 0;
  if (markdown > 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-fuzz-md-'));
    const md = await runMarkdownFuzz({ seed, cases: markdown, dir, onProgress: (n) => n % 500 === 0 && log(`markdown ${n}/${markdown}`) });
    summary.markdown = md;
    log(`markdown: ${JSON.stringify({ ...md, problems: md.problems.slice(0, 5) })}`);
    bad += md.problems.length + (md.sentinelRead ? 1 : 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const [label, cases, runtime] of [
    ['static', onnx, false],
    ['runtime', runtimeOnnx, true],
  ] as const) {
    if (cases <= 0) continue;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mp-fuzz-${label}-`));
    const s = await runOnnxFuzz({
      seed: runtime ? seed + 1 : seed,
      cases,
      runtime,
      dir,
      onProgress: (n) => n % 1000 === 0 && log(`onnx ${label} ${n}/${cases}`),
    });
    summary[`onnx_${label}`] = s;
    log(`onnx ${label}: ${JSON.stringify({ ...s, bugs: s.bugs.slice(0, 5) })}`);
    bad += s.bugs.length + s.crashes.length + s.leaks.length + (s.sentinelRead ? 1 : 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(work, 'fuzz-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  log(bad === 0 ? 'fuzz: no failures' : `fuzz: ${bad} failure(s); see bench/.work/fuzz-summary.json`);
  return bad === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
