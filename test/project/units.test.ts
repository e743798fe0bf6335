/**
 * Choosing a plan's unit (--index, --shard, the scheduler variables) and merging result folders
 * (idempotent; a conflict keeps both and says so), without measuring anything.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeResults } from '../../src/cache/merge.js';
import { ResultsStore } from '../../src/cache/results.js';
import { PlanError, readPlan } from '../../src/cache/work-unit.js';
import { UsageError } from '../../src/project/formats.js';
import { selectUnits } from '../../src/project/run-unit.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-units-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('selectUnits', () => {
  it('takes --index, else SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX', () => {
    expect(selectUnits(5, { index: '3' }, { SLURM_ARRAY_TASK_ID: '1' })).toEqual([3]);
    expect(selectUnits(5, {}, { SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '2' })).toEqual([1]);
    expect(selectUnits(5, {}, { JOB_COMPLETION_INDEX: '4' })).toEqual([4]);
  });

  it('runs every n-th unit with --shard i/n', () => {
    // 7 units in 3 shards: 0,3,6 / 1,4 / 2,5.
    expect([0, 1, 2].map((i) => selectUnits(7, { shard: `${i}/3` }, {}))).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
  });

  it('says what is wrong with a bad or missing index', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(msg(() => selectUnits(4, {}, { SLURM_ARRAY_TASK_ID: '4' }))).toBe(
      'SLURM_ARRAY_TASK_ID is 4, but the plan has 4 units (indexes 0–3); size the array as 0-3',
    );
    expect(msg(() => selectUnits(4, { index: '-1' }, {}))).toBe("--index must be a whole number ≥ 0, got '-1'");
    expect(msg(() => selectUnits(4, { shard: '3/3' }, {}))).toBe("--shard must be i/n with 0 ≤ i < n, e.g. --shard 0/4; got '3/3'");
    expect(msg(() => selectUnits(4, { index: '1', shard: '0/2' }, {}))).toBe('--index and --shard contradict each other: give one');
    expect(msg(() => selectUnits(4, {}, {}))).toMatch(/SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX/);
  });

  it('refuses a plan that is not one', () => {
    const file = path.join(tmp, 'bad-plan.json');
    writeFileSync(file, JSON.stringify({ schema: 1, units: [] }));
    expect(() => readPlan(file)).toThrow(PlanError);
    expect(() => readPlan(file)).toThrow(/bad-plan.json: not a modelpress plan of schema 1: tool: Required; make it again with modelpress plan/);
  });
});

describe('results merge', () => {
  const parts = (ms: number) => ({ kind: 'bench', model: 'a'.repeat(64), latency: ms });
  const worker = (name: string, machine: string, value: number, key = 1) => {
    const store = new ResultsStore(path.join(tmp, name), machine);
    store.write(store.benchFile('content-models-gemm.onnx', '1x4.batch2.threads1.cpu'), 'bench', parts(key), { latency: value }, machine);
    return store.root;
  };

  it('imports new files, leaves what it holds, keeps both of a conflict and warns', () => {
    const store = path.join(tmp, 'store');
    const a = worker('w-a', 'laptop', 1.5);
    const b = worker('w-b', 'server', 0.5);
    const first = mergeResults(store, [a, b]);
    expect(first.imported.map((f) => path.relative(store, f))).toEqual([
      'bench/laptop/content-models-gemm.onnx/1x4.batch2.threads1.cpu.json',
      'bench/server/content-models-gemm.onnx/1x4.batch2.threads1.cpu.json',
    ]);
    // Idempotent: the same folders again change nothing.
    const again = mergeResults(store, [a, b]);
    expect([again.imported.length, again.unchanged.length, again.conflicts.length]).toEqual([0, 2, 0]);
    // The same configuration on the laptop measured again with another number: a conflict.
    const other = worker('w-c', 'laptop', 1.7);
    const conflict = mergeResults(store, [other]);
    expect(conflict.conflicts).toHaveLength(1);
    expect(conflict.conflicts[0]!.reason).toMatch(/^the same configuration measured twice with different numbers/);
    const folder = path.join(store, 'bench', 'laptop', 'content-models-gemm.onnx');
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    const incoming = readFileSync(path.join(other, 'bench', 'laptop', 'content-models-gemm.onnx', '1x4.batch2.threads1.cpu.json'), 'utf8');
    // Named by the first 8 hex digits of the incoming file's sha256.
    expect(files[0]).toBe(`1x4.batch2.threads1.cpu.conflict-${createHash('sha256').update(incoming).digest('hex').slice(0, 8)}.json`);
    // The store's own result stays where builds read it; the incoming one is beside it, byte for byte.
    expect((JSON.parse(readFileSync(path.join(folder, files[1]!), 'utf8')) as { value: { latency: number } }).value.latency).toBe(1.5);
    expect(readFileSync(path.join(folder, files[0]!), 'utf8')).toBe(incoming);
    // Merging the conflicting folder again keeps one copy (and warns again).
    expect(mergeResults(store, [other]).conflicts).toHaveLength(1);
    expect(readdirSync(folder)).toHaveLength(2);
  });

  it('skips files that are not results, or not where their machine says', () => {
    const dir = path.join(tmp, 'junk');
    mkdirSync(path.join(dir, 'bench', 'server', 'm'), { recursive: true });
    writeFileSync(path.join(dir, 'notes.json'), '{"hello": 1}');
    const w = worker('w-misfiled', 'laptop', 2);
    const misfiled = path.join(dir, 'bench', 'server', 'm', 'x.json');
    writeFileSync(misfiled, readFileSync(path.join(w, 'bench', 'laptop', 'content-models-gemm.onnx', '1x4.batch2.threads1.cpu.json')));
    const report = mergeResults(path.join(tmp, 'store2'), [dir]);
    expect(report.skipped.map((s) => [path.relative(dir, s.file), s.reason])).toEqual([
      ['bench/server/m/x.json', "measured on machine 'laptop' but filed under bench/server/"],
      ['notes.json', 'not a modelpress result of schema 1'],
    ]);
    expect(report.imported).toEqual([]);
  });
});

describe('a zoo model as a unit', () => {
  it('is planned by name and recipe hash, and refused by a worker whose build differs', async () => {
    const { makePlan } = await import('../../src/project/plan.js');
    const { runUnit } = await import('../../src/project/run-unit.js');
    const { sha256Hex } = await import('../../src/cache/store.js');
    const { toolVersion } = await import('../../src/cache/tool-version.js');
    const dir = path.join(tmp, 'zoo-project');
    mkdirSync(path.join(dir, 'content'), { recursive: true });
    writeFileSync(path.join(dir, 'modelpress.config.json'), '{}');
    writeFileSync(
      path.join(dir, 'content', 'doc.md'),
      '---\nbatch: 2\nthreads: 1\n---\n::model{#r18 zoo=resnet18}\n\n::table{models="r18" metrics="params latency"}\n',
    );
    const made = await makePlan({ cwd: dir, machine: 'gpu1', provider: 'cuda' });
    expect(made.plan.units).toHaveLength(1);
    const unit = made.plan.units[0]!;
    // The recipe registry.identity hashes for a zoo model: name, size, seed (default 1), tool version.
    expect(unit).toMatchObject({
      machine: 'gpu1',
      source: { kind: 'zoo', name: 'resnet18' },
      sha256: sha256Hex(`zoo:resnet18:224x224:seed=1:modelpress=${toolVersion()}`),
      batch: 2,
      settings: { threads: 1, provider: 'cuda' },
      result: 'bench/gpu1/zoo-resnet18/declared.batch2.threads1.cuda.json',
    });
    // FLOPs per sample for achieved FLOP/s on the worker: the profile the plan counted and stored (batch 1 as declared).
    const profile = JSON.parse(readFileSync(path.join(dir, 'modelpress-results', 'profile', 'zoo-resnet18', 'declared.exact.json'), 'utf8')) as {
      value: { totals: { flops: number; macs: number } };
    };
    expect(profile.value.totals.macs).toBe(1_814_073_344); // torchvision's 1.81 GMACs (README)
    expect(unit.flopsPerSample).toBe(profile.value.totals.flops);
    const other = { ...unit, sha256: 'f'.repeat(64) };
    const outcome = await runUnit(made.plan, path.join(dir, 'plan.json'), other, path.join(tmp, 'zoo-results'));
    expect(outcome).toEqual({
      ok: false,
      reason: `the zoo 'resnet18' built by this modelpress has sha256 ${unit.sha256.slice(0, 12)}…, but the plan was made for ffffffffffff…: it is not the model the document measures; give the workers the same files (and modelpress version) as the planning machine, or make the plan again`,
    });
  });
});
