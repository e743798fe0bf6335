/**
 * Rebuild benchmark (issue 6): a document with five benchmarked zoo models, built cold (empty cache:
 * every model profiled and benchmarked) and then rebuilt with nothing changed (everything from
 * `.modelpress/cache/`). Prints both wall times and their ratio; the goal is ≥ 20×.
 *
 *   npx tsx bench/rebuild.ts            (about a minute on 2 cores)
 *
 * The document uses the benchmark protocol's document defaults (warm-up ≥ 1 s, timed ≥ 2 s) with one
 * process per model and the binding floor measured, at batch 1 with one thread.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../src/project/build.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '.work', 'rebuild');
const MODELS = ['resnet18', 'resnet50', 'mobilenet_v2', 'alexnet', 'densenet121'];

const doc = `---
title: Rebuild benchmark
processes: 1
threads: 1
batch: 1
---
${MODELS.map((m) => `::model{#${m} zoo=${m}}`).join('\n')}

::table{#tbl-all models="${MODELS.join(' ')}" metrics="params macs flops latency throughput"}

::environment
`;

async function timed(label: string): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await build({ cwd: root });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const s = result.documents[0]!.stats;
  const messages = result.documents[0]!.file.messages;
  if (messages.length > 0) throw new Error(`the benchmark document has diagnostics: ${messages.map(String).join('; ')}`);
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s  (${s.profiled} profiled, ${s.benchmarked} benchmarked, ${s.profileHits + s.benchHits} from cache)`);
  return ms;
}

rmSync(root, { recursive: true, force: true });
mkdirSync(path.join(root, 'content'), { recursive: true });
writeFileSync(path.join(root, 'content', 'rebuild.md'), doc);

const cold = await timed('cold build  ');
const warm = await timed('warm rebuild');
console.log(`ratio cold/warm: ${(cold / warm).toFixed(1)}× (goal ≥ 20×)`);
