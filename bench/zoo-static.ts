/**
 * Static zoo document benchmark (issue 13): a document that counts 20 zoo models (params, MACs,
 * FLOPs, depth; no benchmark) built cold with `modelpress build --to html`, in a fresh process with
 * an empty cache each round. Prints the median wall time and peak RSS (GNU time's maximum resident
 * set size, which covers every process of the build) against the goals (< 3 s, < 300 MB), and —
 * when MODELPRESS_BASELINE names another build's dist/ folder (e.g. /work/main/dist) — side by side
 * with it, rounds interleaved so both see the same machine load.
 *
 *   npm run build && npx tsx bench/zoo-static.ts [rounds=3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zoo } from '../src/zoo/registry.js';
import { cliOf, median } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '.work', 'zoo-static');
const rounds = Number(process.argv[2] ?? 3);
const MODELS = zoo
  .map((e) => e.name)
  .filter((n) => n !== 'inception_v3_noaux' && n !== 'vgg13')
  .slice(0, 20);
if (MODELS.length !== 20) throw new Error(`expected 20 zoo models, the zoo has ${MODELS.length}`);

const id = (name: string): string => name.replace(/_/g, '-');
const doc = `---
title: Twenty zoo models, counted
---
${MODELS.map((m) => `::model{#${id(m)} zoo=${m}${m === 'gpt2' || m === 'transformer_base_encoder' ? ' input="1x128"' : ''}}`).join('\n')}

::table{#tbl-all models="${MODELS.map(id).join(' ')}" metrics="params macs flops depth"}
`;

mkdirSync(path.join(root, 'content'), { recursive: true });
writeFileSync(path.join(root, 'content', 'zoo.md'), doc);

interface Run {
  ms: number;
  rssMB: number;
}

const timeBin = '/usr/bin/time';
if (!existsSync(timeBin)) throw new Error('bench/zoo-static.ts needs GNU time (/usr/bin/time, Debian package "time") to read the peak RSS of the build');

function coldBuild(dist: string): Run {
  rmSync(path.join(root, '.modelpress'), { recursive: true, force: true });
  rmSync(path.join(root, 'output'), { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(timeBin, ['-f', 'MAXRSS %M', process.execPath, cliOf(dist), 'build', 'content', '--to', 'html'], {
    cwd: root,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`build with ${dist} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const kb = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1]);
  return { ms, rssMB: kb / 1024 };
}

const mine = path.join(here, '..', 'dist');
const baseline = process.env.MODELPRESS_BASELINE;
const runs: Record<'mine' | 'baseline', Run[]> = { mine: [], baseline: [] };
for (let i = 0; i < rounds; i++) {
  runs.mine.push(coldBuild(mine));
  if (baseline) runs.baseline.push(coldBuild(baseline));
}
const summary = (rs: Run[]): Run => ({ ms: median(rs.map((r) => r.ms)), rssMB: median(rs.map((r) => r.rssMB)) });
const m = summary(runs.mine);
console.log(
  `load: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (1/5/15 min), ${os.cpus().length} CPUs; ${rounds} rounds, medians`,
);
console.log(`20-zoo-model static document, cold: ${(m.ms / 1000).toFixed(2)} s, peak RSS ${m.rssMB.toFixed(0)} MB`);
console.log(`  time ${(m.ms / 3000).toFixed(2)}× the goal (< 3 s); RSS ${(m.rssMB / 300).toFixed(2)}× the goal (< 300 MB)`);
if (baseline) {
  const b = summary(runs.baseline);
  console.log(`baseline ${baseline}: ${(b.ms / 1000).toFixed(2)} s, peak RSS ${b.rssMB.toFixed(0)} MB`);
  console.log(`  this tree / baseline: time ${(m.ms / b.ms).toFixed(3)}×, RSS ${(m.rssMB / b.rssMB).toFixed(3)}×`);
}
