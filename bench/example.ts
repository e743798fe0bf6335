/**
 * The example survey (issue 13): a cold build (`build content --to html,pdf,tex` with no
 * `.modelpress/` and no `output/`), then a warm rebuild with nothing changed. Prints wall times, the
 * CPU time and peak RSS of the cold build (the modelpress process, and the largest process it started:
 * a benchmark worker or Chromium; VmHWM polled every 100 ms), how many output files the warm rebuild wrote and how
 * many times it launched Chromium (through a logging wrapper set as PUPPETEER_EXECUTABLE_PATH), each
 * against its goal: cold < 90 s and < 600 MB, warm < 1.5 s with 0 files written and 0 launches.
 *
 *   npm run build && npx tsx bench/example.ts [--warm-only] [warm rounds=3]
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../src/export/pdf.js';
import { median } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const args = process.argv.slice(2);
const warmOnly = args.includes('--warm-only');
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const work = path.join(here, '.work', 'example');
mkdirSync(work, { recursive: true });

// A Chromium that writes a line per launch, then runs the real one.
const launches = path.join(work, 'launches.log');
const wrapper = path.join(work, 'chromium');
writeFileSync(wrapper, `#!/bin/sh\necho launch >> ${JSON.stringify(launches)}\nexec ${JSON.stringify(findChromium())} "$@"\n`);
chmodSync(wrapper, 0o755);
const env = { ...process.env, PUPPETEER_EXECUTABLE_PATH: wrapper, CI: '1' };

const load = (): string => `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min), ${os.cpus().length} CPUs`;

interface Run {
  ms: number;
  /** Peak RSS of the modelpress process itself (its VmHWM). */
  mainMB: number;
  /** Largest peak RSS of any process it started (benchmark workers, Chromium). */
  childMB: number;
  /** User + system CPU seconds of the build and everything it started (GNU time). */
  cpuS: number;
}

const hwmKiB = (pid: number): number | undefined => {
  try {
    // Kernel threads and zombies have no VmHWM line.
    const kib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kib) ? kib : undefined;
  } catch {
    return undefined;
  }
};

/** Processes whose parent chain reaches `root`. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      parent.set(Number(name), ppid);
    } catch {
      // gone already
    }
  }
  return [...parent.keys()].filter((p) => {
    for (let q = parent.get(p); q !== undefined && q > 1; q = parent.get(q)) if (q === root) return true;
    return false;
  });
}

async function run(): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, cli, 'build', 'content', '--to', 'html,pdf,tex'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let main = 0;
  let kids = 0;
  const poll = setInterval(() => {
    const builder = descendants(child.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('main.js'));
    if (builder === undefined) return;
    main = Math.max(main, hwmKiB(builder) ?? 0);
    for (const p of descendants(builder)) kids = Math.max(kids, hwmKiB(p) ?? 0);
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0) throw new Error(`build failed (${code}):\n${stdout}\n${stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
  return { ms, mainMB: main / 1024, childMB: kids / 1024, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

function outputs(): Map<string, string> {
  const dir = path.join(repo, 'output');
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), `${st.ino}:${st.mtimeMs}:${st.size}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const launchCount = (): number => (existsSync(launches) ? readFileSync(launches, 'utf8').split('\n').filter(Boolean).length : 0);

if (!warmOnly) {
  rmSync(path.join(repo, '.modelpress'), { recursive: true, force: true });
  rmSync(path.join(repo, 'output'), { recursive: true, force: true });
  console.log(`cold build: starting (${load()})`);
  const cold = await run();
  const zooDir = path.join(repo, '.modelpress', 'cache', 'zoo');
  const zooFiles = existsSync(zooDir) ? readdirSync(zooDir).filter((f) => f.endsWith('.onnx')) : [];
  const legacy = path.join(repo, '.modelpress', 'models');
  console.log(`cold build: ${(cold.ms / 1000).toFixed(1)} s wall (${(cold.ms / 90_000).toFixed(2)}× the goal of 90 s), ${cold.cpuS.toFixed(1)} CPU-s; ${load()}`);
  console.log(`  peak RSS of modelpress ${cold.mainMB.toFixed(0)} MB (${(cold.mainMB / 600).toFixed(2)}× the goal of 600 MB); largest process it started ${cold.childMB.toFixed(0)} MB (${(cold.childMB / 600).toFixed(2)}×)`);
  console.log(`zoo files: ${zooFiles.length} in .modelpress/cache/zoo, ${existsSync(legacy) ? readdirSync(legacy).length : 0} in .modelpress/models`);
}

const times: number[] = [];
let written = 0;
let launched = 0;
for (let i = 0; i < rounds; i++) {
  const before = outputs();
  const l0 = launchCount();
  times.push((await run()).ms);
  const after = outputs();
  const changed = [...after].filter(([f, s]) => before.get(f) !== s).map(([f]) => f);
  written += changed.length;
  launched += launchCount() - l0;
  if (changed.length > 0) console.log(`warm round ${i + 1} wrote: ${changed.join(', ')}`);
}
const warm = median(times);
console.log(`warm rebuild (nothing changed, --to html,pdf,tex): ${(warm / 1000).toFixed(2)} s median of ${rounds} (${(warm / 1500).toFixed(2)}× the goal of 1.5 s); ${written} files written, ${launched} Chromium launches in ${rounds} rounds (goal 0, 0); ${load()}`);
