/**
 * Issue 19, item 9: a benchmark worker exits when its parent dies (kill -9 of a build), and --frozen
 * advice does not send the user to a rebuild that cannot fix the miss.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { workerCommand } from '../../src/runtime/orchestrator.js';
import type { WorkerRequest } from '../../src/runtime/worker-protocol.js';
import { QUICK_BENCH } from '../document/models.js';

let dir: string;
let modelPath: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-workers-'));
  // x[batch, 16] → MatMul [16, 10] → Relu → Reshape to a fixed [1, 10]: runs at batch 1, can never
  // run at batch 2 (20 elements cannot become 1×10).
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['batch', 16]);
  const y = b.op('MatMul', [x, b.weight('fc.weight', [16, 10])], {}, '/fc/MatMul');
  const r = b.op('Relu', [y], {}, '/act/Relu');
  b.output(b.op('Reshape', [r, b.int64s('target_shape', [1, 10])], {}, '/reshape/Reshape'));
  modelPath = path.join(dir, 'fixed.onnx');
  writeModel(b.build(), modelPath);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Alive and not a zombie (a container's init may not reap an orphan at once). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('item 9: workers exit with their parent', () => {
  it('a worker measuring for a minute exits within seconds of its parent being killed with SIGKILL', async () => {
    const { command, args } = workerCommand();
    const request: WorkerRequest = {
      kind: 'measure',
      // A timed phase of at least 60 s: without the guard the orphan measures on for a minute.
      protocol: { warmupMinRuns: 1, warmupMinMs: 1, minRuns: 1_000_000, minTimeMs: 60_000, maxRuns: 100_000_000, maxTimeMs: 60_000 },
      config: {
        label: 'orphan',
        modelPath,
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 16] }],
        batch: 1,
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        provider: 'cpu',
        graphOptimizationLevel: 'all',
        inputSeed: 1,
      },
    };
    // The parent: starts the worker over IPC as the orchestrator does, prints its pid, then waits.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const [command, args, request] = JSON.parse(process.argv[1]);
      const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.send(request);
      process.stdout.write(String(child.pid) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript, JSON.stringify([command, args, request])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const workerPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    // Let the worker load the model and start its timed phase.
    await new Promise((r) => setTimeout(r, 4000));
    expect(alive(workerPid)).toBe(true);
    const killedAt = Date.now();
    parent.kill('SIGKILL');
    while (alive(workerPid) && Date.now() - killedAt < 20_000) await new Promise((r) => setTimeout(r, 100));
    const lived = Date.now() - killedAt;
    if (alive(workerPid)) process.kill(workerPid, 'SIGKILL');
    expect(lived).toBeLessThan(3000);
  }, 60_000);
});

describe('item 9: --frozen advice', () => {
  function project(name: string): string {
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, 'content'), { recursive: true });
    fs.copyFileSync(modelPath, path.join(root, 'content', 'fixed.onnx'));
    fs.writeFileSync(
      path.join(root, 'content', 'doc.md'),
      `---\n${QUICK_BENCH}---\n# Speed\n\n::model{#m src="fixed.onnx" input="1x16"}\n\n::table{models="m" metrics="params latency" caption="Speed"}\n`,
    );
    return root;
  }
  const frozenMiss = (r: Awaited<ReturnType<typeof build>>) =>
    r.documents[0]!.file.messages.find((m) => m.ruleId === 'frozen-miss' && m.reason.includes('no stored benchmark'))?.reason;

  it('a miss a rebuild can fill says to rebuild without --frozen', async () => {
    const root = project('fresh');
    const r = await build({ cwd: root, inputs: [path.join(root, 'content')], out: path.join(root, 'output'), to: ['html'], frozen: true });
    const misses = r.documents[0]!.file.messages.filter((m) => m.ruleId === 'frozen-miss').map((m) => m.reason);
    expect(misses.length).toBeGreaterThan(0);
    for (const m of misses) expect(m).toMatch(/; build once without --frozen( to measure it| on the benchmark machine)$/);
  }, 60_000);

  it('a benchmark that failed when measured is not sent back to a rebuild', async () => {
    const root = project('failing');
    const opts = { cwd: root, inputs: [path.join(root, 'content')], out: path.join(root, 'output'), to: ['html' as const] };
    // QUICK_BENCH sets batch 2, at which the fixed Reshape cannot run.
    const first = await build(opts);
    expect(first.documents[0]!.file.messages.some((m) => m.ruleId === 'benchmark-failed')).toBe(true);
    const frozen = await build({ ...opts, frozen: true });
    const reason = frozenMiss(frozen)!;
    expect(reason).toMatch(
      /batch 2 .*, and a build without --frozen would not make one: the last build that measured it failed \(.*\); fix the model or its batch=\/input= instead$/,
    );
    expect(reason).not.toContain('build once without --frozen');
  }, 120_000);
});
