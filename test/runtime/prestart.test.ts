/**
 * A worker started ahead of its request (orchestrator.ts prestartWorker): the next benchmark measures
 * in it, none is started while a benchmark runs, it is not load in the machine-load sample, and an
 * unused one does not keep its parent alive.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { readModel } from '../../src/onnx/reader.js';
import { writeModel } from '../../src/onnx/writer.js';
import { sampleLoad } from '../../src/runtime/load.js';
import { prestartWorker, runBenchmark } from '../../src/runtime/orchestrator.js';
import { QUICK_PROTOCOL } from '../helpers/protocol.js';

const quick = QUICK_PROTOCOL;
let dir: string;
let modelPath: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-prestart-'));
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1, 16]);
  b.output(b.op('Relu', [b.op('MatMul', [x, b.weight('w', [16, 8])], {}, '/fc/MatMul')], {}, '/act/Relu'), 'float32', [1, 8]);
  modelPath = path.join(dir, 'tiny.onnx');
  writeModel(b.build(), modelPath);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bench = (onProgress?: (m: string) => void) =>
  runBenchmark({
    modelPath,
    model: readModel(modelPath),
    batches: [1],
    threads: [1],
    processes: 1,
    protocol: quick,
    effort: { extraProcesses: 0 },
    floor: false,
    onProgress,
  });

describe('a prestarted worker', () => {
  it('is the process the next benchmark measures in; none is started while a benchmark runs', async () => {
    const pid = prestartWorker();
    expect(pid).toBeGreaterThan(0);
    // A second call while it waits is the same worker.
    expect(prestartWorker()).toBe(pid);
    const during: (number | undefined)[] = [];
    const report = await bench(() => during.push(prestartWorker()));
    const r = report.results[0]!;
    expect(r.status).toBe('ok');
    expect(r.processes[0]!.pid).toBe(pid);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((p) => p === undefined)).toBe(true);
    // Without a prestarted worker the benchmark starts its own.
    const again = (await bench()).results[0]!;
    expect(again.status).toBe('ok');
    expect(again.processes[0]!.pid).not.toBe(pid);
  }, 60_000);

  it.skipIf(process.platform !== 'linux')(
    'is not load: a sample taken while it starts leaves it out',
    async () => {
      const pid = prestartWorker()!;
      // Node and onnxruntime load in it during these 400 ms (about 0.1 CPU-s, which would be the top other process).
      const sample = await sampleLoad(400);
      expect(sample.topProcesses.map((p) => p.pid)).not.toContain(pid);
      expect((await bench()).results[0]!.processes[0]!.pid).toBe(pid);
    },
    60_000,
  );

  it('left unused, does not keep its parent alive', () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const orchestrator = pathToFileURL(path.resolve('src/runtime/orchestrator.ts')).href;
    const script = `const { prestartWorker } = await import(${JSON.stringify(orchestrator)}); console.log(prestartWorker() > 0);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('true');
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 40_000);
});
