/** Measuring helpers shared by the bench scripts. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds since `t0` (a process.hrtime.bigint() reading). */
export const msSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** The floor every reader is compared with: stream the file once through a 1 MB buffer (ms). */
export function streamOnce(file: string): number {
  const t0 = process.hrtime.bigint();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
  }
  fs.closeSync(fd);
  if (total !== fs.statSync(file).size) throw new Error('short read');
  return msSince(t0);
}

/**
 * This process's peak RSS in KiB (VmHWM). Not getrusage's maxRSS: on Linux a forked child starts with
 * its parent's value, which in these scripts holds the model just built; VmHWM starts fresh at exec.
 */
export function peakRssKiB(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
}

/**
 * CPU time of this process's main thread and of all its other threads (V8's compiler and GC helpers,
 * libuv's pool), in ms, from /proc/self/task (Linux); undefined elsewhere.
 */
export function threadCpuMs(): { main: number; background: number } | undefined {
  const tasks = '/proc/self/task';
  if (!fs.existsSync(tasks)) return undefined;
  const ticks = 1000 / 100; // USER_HZ is 100 on Linux
  let main = 0;
  let background = 0;
  for (const t of fs.readdirSync(tasks)) {
    let stat: string;
    try {
      stat = fs.readFileSync(path.join(tasks, t, 'stat'), 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // Fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * ticks;
    if (Number(t) === process.pid) main += ms;
    else background += ms;
  }
  return { main, background };
}

/**
 * The `modelpress` command as `npm start` and an installed package run it: package.json's bin (the
 * bundle in dist/bin); an older build's dist/ (a baseline to compare with) has only cli/main.js.
 */
export function cliOf(dist: string): string {
  const bin = path.join(dist, 'bin', 'modelpress.js');
  return fs.existsSync(bin) ? bin : path.join(dist, 'cli', 'main.js');
}

export interface Steadiness {
  medianMs: number;
  minMs: number;
  maxMs: number;
  offShare: number;
  blocks: number;
}

/** A steadiness reading in words, as the bench scripts print it. */
export function steadinessText(h: Steadiness): string {
  return `a fixed ${h.medianMs.toFixed(0)} ms loop took ${h.minMs.toFixed(0)}–${h.maxMs.toFixed(0)} ms, ${(h.offShare * 100).toFixed(0)}% of ${h.blocks} blocks more than 10% from their median`;
}

/**
 * How steady this machine's own speed is: the same fixed piece of single-threaded arithmetic, sized
 * to about `blockMs`, timed back to back for `seconds` on an otherwise idle machine. A host that
 * shares its cores with other tenants (a cloud VM) drifts by tens of percent over seconds, with no
 * process of its own to show for it in /proc; a benchmark there cannot be steadier than this. The
 * loop is arithmetic on registers only: a neighbour contending for caches or memory bandwidth slows
 * memory-bound work (the analysis, onnxruntime) more than it slows this, so a steady loop is
 * necessary for steady results, not sufficient (seen here: the loop within 98–103 ms while the
 * 100k-node analysis and onnx's shape inference both ran 10–15% slower than minutes before).
 * Returns the block times' median, extremes, and the share of blocks more than 10% from the median
 * (the protocol's stability threshold).
 */
export function hostSteadiness(seconds = 10, blockMs = 100): Steadiness {
  const work = (n: number): number => {
    let x = 0;
    for (let i = 0; i < n; i++) x = (x + i * i) % 1_000_003;
    return x;
  };
  // Size a block: double the work until one takes a tenth of blockMs, then scale.
  let n = 1 << 16;
  for (;;) {
    const t0 = process.hrtime.bigint();
    work(n);
    const ms = msSince(t0);
    if (ms >= blockMs / 10) {
      n = Math.round((n * blockMs) / ms);
      break;
    }
    n *= 2;
  }
  const times: number[] = [];
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let sink = 0;
  while (process.hrtime.bigint() < end) {
    const t0 = process.hrtime.bigint();
    sink += work(n);
    times.push(msSince(t0));
  }
  if (sink === -1) console.log(sink); // keeps the work observable
  const m = median(times);
  return {
    medianMs: m,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    offShare: times.filter((t) => Math.abs(t - m) > 0.1 * m).length / times.length,
    blocks: times.length,
  };
}

/** The Python the benches compare against: PYTHON, else python3 on the PATH. */
export const python = process.env.PYTHON ?? 'python3';

/** True when `python` can import `module` (onnx, onnx_tool). */
export function pythonImports(module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}
