/** Machine load: /proc/<pid>/stat parsing, the other processes' CPU share and the busy verdict, from hand-made readings. */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { beforeBenchmark, duringBenchmark, judgeLoad, markLoad, otherCpuShare, parseProcStat, REUSE_SAMPLE_MS, sampleLoad } from '../../src/runtime/load.js';
import type { LoadSample } from '../../src/runtime/types.js';

describe('parseProcStat', () => {
  it('reads utime + stime (fields 14 and 15) after a command name with spaces and parentheses', () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const line = '4242 (my (odd) cmd) R 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 123 456 789';
    expect(parseProcStat(line)).toEqual({ pid: 4242, command: 'my (odd) cmd', ticks: 300 });
    expect(parseProcStat('garbage')).toBeNull();
  });
});

describe('otherCpuShare', () => {
  it('two other processes use 50 + 30 ticks of 2 cores × 1 s × 100 ticks: 40%; this process is not counted', () => {
    const before = [
      { pid: 1, command: 'a', ticks: 1000 },
      { pid: 2, command: 'b', ticks: 10 },
      { pid: 7, command: 'self', ticks: 0 },
    ];
    const after = [
      { pid: 1, command: 'a', ticks: 1050 },
      { pid: 2, command: 'b', ticks: 40 },
      { pid: 7, command: 'self', ticks: 500 },
    ];
    const r = otherCpuShare(before, after, 1000, 2, new Set([7]));
    // capacity = 1 s × 100 ticks/s × 2 cores = 200 ticks; (50 + 30) ÷ 200 = 0.4
    expect(r.share).toBeCloseTo(0.4, 12);
    expect(r.top).toEqual([
      { pid: 1, command: 'a', cpuShare: 0.25 },
      { pid: 2, command: 'b', cpuShare: 0.15 },
    ]);
  });
});

describe('judgeLoad', () => {
  const idle: LoadSample = { loadAverage: [0.2, 0.1, 0.1], otherCpuShare: 0.02, topProcesses: [], intervalMs: 300 };
  it('idle before and after: not busy', () => {
    expect(judgeLoad(idle, idle, 4)).toMatchObject({ busy: false, reason: null });
  });
  it('load average 3.1 on 4 cores (> 0.5 per core) where /proc is unreadable, or another process at 85%: busy, with the reason', () => {
    expect(judgeLoad({ ...idle, otherCpuShare: null, loadAverage: [3.1, 2, 1] }, idle, 4).reason).toBe(
      'load average 3.10 on 4 logical cores before the benchmark',
    );
    // With /proc readable the CPU share decides: a high 1-minute average left by the build's own
    // finished benchmark workers (seen on an idle 2-core CI machine: 2.91) is not "busy".
    expect(judgeLoad({ ...idle, loadAverage: [2.91, 2, 1] }, idle, 2)).toMatchObject({ busy: false, reason: null });
    const busyEnd: LoadSample = { ...idle, otherCpuShare: 0.85, topProcesses: [{ pid: 9, command: 'node', cpuShare: 0.85 }] };
    const j = judgeLoad(idle, busyEnd, 4);
    expect(j.busy).toBe(true);
    expect(j.reason).toBe('other processes used 85% of the CPU after it (node 85%)');
  });
});

describe('sampleLoad on this machine', () => {
  it('returns the load average and, on Linux, a share between 0 and 1', async () => {
    const s = await sampleLoad(50);
    expect(s.loadAverage).toHaveLength(3);
    expect(s.intervalMs).toBeGreaterThanOrEqual(45);
    if (process.platform === 'linux') {
      expect(s.otherCpuShare).toBeGreaterThanOrEqual(0);
      expect(s.otherCpuShare).toBeLessThanOrEqual(1);
    }
  });
});

describe('the whole-benchmark sample', () => {
  it.skipIf(process.platform !== 'linux')('counts another process that spins in the middle of the benchmark, over the whole interval', async () => {
    const start = markLoad();
    // Another process (not this one, not a worker of a benchmark) spinning while the "benchmark" runs.
    const spinner = spawn(process.execPath, ['-e', 'const end = Date.now() + 5000; while (Date.now() < end);'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const during = duringBenchmark(start);
      // The spinner's CPU so far (it was born after the start reading, so all of it is in the window).
      const spun = parseProcStat(readFileSync(`/proc/${spinner.pid}/stat`, 'utf8'))!.ticks;
      expect(during.window).toBe('benchmark');
      expect(during.intervalMs).toBeGreaterThanOrEqual(550);
      expect(spun).toBeGreaterThanOrEqual(5);
      // The share counts at least the spinner's ticks (other processes, e.g. the test runner's, add to it;
      // a tick or two may pass between the two readings): share × interval × 100 ticks/s × cores.
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      expect(during.otherCpuShare! * (during.intervalMs / 1000) * 100 * cores).toBeGreaterThanOrEqual(spun - 2);
    } finally {
      spinner.kill('SIGKILL');
    }
  });

  it('is said to cover the benchmark ("during it"), a stored short after-sample "after it"', () => {
    const busy: LoadSample = {
      loadAverage: [0.2, 0.1, 0.1],
      otherCpuShare: 0.5,
      topProcesses: [{ pid: 9, command: 'make', cpuShare: 0.5 }],
      intervalMs: 60_000,
    };
    const idle: LoadSample = { ...busy, otherCpuShare: 0.01, topProcesses: [] };
    expect(judgeLoad(idle, { ...busy, window: 'benchmark' }, 2).reason).toBe('other processes used 50% of the CPU during it (make 50%)');
    expect(judgeLoad(idle, { ...busy, intervalMs: 300 }, 2).reason).toBe('other processes used 50% of the CPU after it (make 50%)');
  });
});

describe('back-to-back benchmarks share a load sample', () => {
  it("takes the previous benchmark's whole-benchmark sample as the next one's before-sample within 2 s, once", async () => {
    const during = duringBenchmark(markLoad());
    const now = process.hrtime.bigint();
    // 1.9 s later (the injected clock): the same sample object, not a new 0.3 s sample.
    expect(await beforeBenchmark(20, () => now + 1_900_000_000n)).toBe(during);
    // It is used once: the next benchmark without a benchmark in between samples anew.
    expect(await beforeBenchmark(20, () => now + 1_900_000_000n)).not.toBe(during);
  });

  it('samples anew when the previous benchmark ended more than REUSE_SAMPLE_MS ago', async () => {
    const during = duringBenchmark(markLoad());
    const now = process.hrtime.bigint();
    const fresh = await beforeBenchmark(20, () => now + BigInt(REUSE_SAMPLE_MS + 100) * 1_000_000n);
    expect(fresh).not.toBe(during);
    expect(fresh.intervalMs).toBeGreaterThanOrEqual(15);
    expect(fresh.window).toBeUndefined();
  });
});
