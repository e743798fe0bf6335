/**
 * Benchmarks on a scheduler (issue 17, docs/cluster.md), end to end through the command line:
 * `modelpress plan` for two machine names → their units run in parallel (`xargs -P 2`, as a Slurm
 * array or an Indexed Job would run them; the two machines' thread settings stand in for their
 * hardware) → `modelpress results merge` → a `--frozen` build of a document whose table has one
 * column group per machine, in HTML, LaTeX and CSV.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlan } from '../../src/cache/work-unit.js';
import { gemmModel, writeTinyModels } from '../document/models.js';
import { writeModel } from '../../src/onnx/writer.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

const cli = [process.execPath, ...CLI_ARGS];

// Benchmarks of milliseconds: one process, a few runs, no floor (QUICK_BENCH without threads, which the machines set).
const DOC = `---
title: Two machines
min_time: 0.02
warmup: 0.01
runs: 3
warmup_runs: 1
processes: 1
extra_processes: 0
floor: false
batch: 2
---
# Two machines

::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny Gemm"}
::model{#conv src="models/conv.onnx" input="1x1x6x6" label="Tiny Conv"}

::table{#tbl-m models="gemm conv" metrics="params macs latency throughput" machines="laptop server" caption="Two machines"}

The Gemm takes :metric{model=gemm name=latency machine=server} on the server.

::environment
`;

const CONFIG = { machines: { laptop: { threads: 1 }, server: { threads: 2 } } };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-cluster-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'content'), { recursive: true });
  writeTinyModels(path.join(dir, 'content'));
  writeFileSync(path.join(dir, 'content', 'survey.md'), DOC);
  writeFileSync(path.join(dir, 'modelpress.config.json'), JSON.stringify(CONFIG));
  return dir;
}

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(cli[0]!, [...cli.slice(1), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
}

describe('plan → run-unit in parallel → merge → frozen build', () => {
  it('builds a table with one column group per machine from units run by xargs -P 2', () => {
    const dir = project('two-machines');
    // 1. A plan per machine: each lists the two models' benchmarks (2 units), with its machine's threads.
    for (const machine of ['laptop', 'server']) {
      const p = run(dir, ['plan', 'content', '--machine', machine, '--out', `plan-${machine}.json`]);
      expect(p.status, p.stderr).toBe(0);
      expect(p.stdout).toContain(`2 units for machine ${machine} (0 already stored)`);
    }
    const laptop = readPlan(path.join(dir, 'plan-laptop.json'));
    const server = readPlan(path.join(dir, 'plan-server.json'));
    expect(laptop.units.map((u) => [u.model, u.input, u.batch, u.settings.threads, u.result])).toEqual([
      ['gemm', '1x4', 2, 1, 'bench/laptop/content-models-gemm.onnx/1x4.batch2.threads1.cpu.json'],
      ['conv', '1x1x6x6', 2, 1, 'bench/laptop/content-models-conv.onnx/1x1x6x6.batch2.threads1.cpu.json'],
    ]);
    expect(server.units.map((u) => u.settings.threads)).toEqual([2, 2]);
    // The sha256 in the unit is the model file's (checked on the worker).
    const sha = execFileSync('sha256sum', [path.join(dir, 'content', 'models', 'gemm.onnx')], { encoding: 'utf8' }).split(' ')[0];
    expect(laptop.units[0]!.sha256).toBe(sha);

    // 2. The four units, two at a time, each writing into its machine's own folder (as cluster jobs would).
    // The server has a GPU: a stand-in nvidia-smi there reports an H200 (test/runtime/gpu.test.ts parses the real output).
    const smi = path.join(dir, 'nvidia-smi');
    writeFileSync(
      smi,
      '#!/bin/sh\nif [ -n "$1" ]; then echo "NVIDIA H200, 143771, 550.54.15"; else echo "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |"; fi\n',
    );
    chmodSync(smi, 0o755);
    const jobs = ['laptop 0', 'laptop 1', 'server 0', 'server 1'].join('\n');
    const script = `if [ "$0" = server ]; then export MODELPRESS_NVIDIA_SMI='${smi}'; fi; ${cli.map((a) => `'${a}'`).join(' ')} run-unit --plan plan-$0.json --index $1 --results out-$0`;
    const x = spawnSync('xargs', ['-P', '2', '-L', '1', 'sh', '-c', script], { cwd: dir, input: jobs, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    expect(x.status, x.stderr).toBe(0);
    expect(x.stdout.match(/: measured: /g)).toHaveLength(4);
    // A task run again on the same machine (a scheduler's retry) finds its result and measures nothing.
    const retry = run(dir, ['run-unit', '--plan', 'plan-server.json', '--results', 'out-server'], { JOB_COMPLETION_INDEX: '1', MODELPRESS_NVIDIA_SMI: smi });
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toBe(
      "unit 1 (model 'conv' at input 1x1x6x6, batch 2, machine server): already measured: out-server/bench/server/content-models-conv.onnx/1x1x6x6.batch2.threads2.cpu.json\n",
    );

    // 3. Merge both folders into the store; merging again changes nothing.
    const m = run(dir, ['results', 'merge', 'out-laptop', 'out-server']);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toContain('4 imported, 0 already there, 0 conflicts');
    const again = run(dir, ['results', 'merge', 'out-laptop', 'out-server']);
    expect(again.stdout).toContain('0 imported, 4 already there, 0 conflicts');
    // Nothing left to plan for either machine.
    expect(run(dir, ['plan', 'content', '--machine', 'server', '--out', 'plan-again.json']).stdout).toContain('0 units for machine server (2 already stored)');

    // 4. A frozen build, here, on a machine named neither: two machine column groups.
    const b = run(dir, ['build', 'content', '--frozen', '--to', 'html,tex', '--machine', 'reader']);
    expect(b.status, b.stderr).toBe(0);
    const data = JSON.parse(readFileSync(path.join(dir, 'output', 'survey.data.json'), 'utf8')) as {
      tables: { table: { groups: { label?: string; columns: { key: string }[] }[]; footnotes: string[] } }[];
      environments: { machine?: string; threads: number }[];
      metrics: { provenance: { benchmark?: { machine?: string; threads: number } } }[];
    };
    const groups = data.tables[0]!.table.groups.map((g) => [g.label, g.columns.map((c) => c.key)]);
    expect(groups).toEqual([
      [undefined, ['params', 'macs']],
      ['laptop', ['latency@laptop', 'throughput@laptop']],
      ['server', ['latency@server', 'throughput@server']],
    ]);
    // The footnotes say which machine measured with what.
    const measuredOn = data.tables[0]!.table.footnotes.filter((f) => / measured on /.test(f));
    expect(measuredOn.map((f) => /^(\w+): measured on .* \((\d) threads?\)/.exec(f)?.slice(1))).toEqual([
      ['laptop', '1'],
      ['server', '2'],
    ]);
    // Each machine's result carries its machine and its thread setting.
    expect(data.environments.map((e) => [e.machine, e.threads]).sort()).toEqual([
      ['laptop', 1],
      ['server', 2],
    ]);
    expect(data.metrics[0]!.provenance.benchmark).toMatchObject({ machine: 'server', threads: 2 });
    const html = readFileSync(path.join(dir, 'output', 'survey.html'), 'utf8');
    expect(html).toMatch(/<th[^>]*colspan="2"[^>]*>laptop<\/th>/);
    expect(html).toMatch(/<th[^>]*colspan="2"[^>]*>server<\/th>/);
    expect(html).toContain('The measurements come from 2 machines (laptop, server)');
    // The server's environment names its GPU (143771 MiB = 140.4 GiB); the laptop's has none. One
    // environment table, a column per setting: the Machine row (laptop, then server) comes before the
    // GPU row, whose laptop cell is empty (—).
    expect(html).toContain('<tr><th scope="row">Machine</th><td>laptop</td><td>server</td></tr>');
    expect(html.match(/<td>NVIDIA H200, 140\.4 GiB, driver 550\.54\.15, CUDA 12\.4<\/td>/g)).toHaveLength(1);
    expect(html).toContain('<tr><th scope="row">GPU</th><td>—</td><td>NVIDIA H200, 140.4 GiB, driver 550.54.15, CUDA 12.4</td></tr>');
    const csv = readdirSync(path.join(dir, 'output')).find((f) => f.endsWith('.csv'))!;
    const header = readFileSync(path.join(dir, 'output', csv), 'utf8').split('\n')[0]!;
    expect(header).toContain('laptop');
    expect(header).toContain('server');
    const tex = readdirSync(path.join(dir, 'output'))
      .filter((f) => f.endsWith('.tex'))
      .map((f) => readFileSync(path.join(dir, 'output', f), 'utf8'))
      .join('\n');
    expect(tex).toMatch(/\\multicolumn\{2\}\{c\}\{laptop\}/);
    expect(tex).toMatch(/\\multicolumn\{2\}\{c\}\{server\}/);
  }, 240_000);
});

describe('a failing unit', () => {
  it('reports its reason while the other units finish; the scheduler index variables choose the unit', () => {
    const dir = project('failing');
    writeFileSync(path.join(dir, 'content', 'survey.md'), DOC.replace(' machines="laptop server"', '').replace(' machine=server', ''));
    const p = run(dir, ['plan', '--machine', 'laptop']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toContain('plan.json: 2 units for machine laptop');
    // The worker's copy of the Gemm is another model (other weights): its unit must refuse to measure it.
    writeModel(gemmModel(2), path.join(dir, 'content', 'models', 'gemm.onnx'));
    // Unit 0 as a Slurm array task, unit 1 as a Kubernetes Indexed Job pod: no --index.
    const script = `env "$0=$1" ${cli.map((a) => `'${a}'`).join(' ')} run-unit --plan plan.json`;
    const x = spawnSync('xargs', ['-P', '2', '-L', '1', 'sh', '-c', script], {
      cwd: dir,
      input: 'SLURM_ARRAY_TASK_ID 0\nJOB_COMPLETION_INDEX 1\n',
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
    // xargs: 123 when an invocation exited 1-125.
    expect(x.status).toBe(123);
    expect(x.stderr).toMatch(
      /unit 0 \(model 'gemm' at input 1x4, batch 2, machine laptop\) failed: the model file content\/models\/gemm.onnx on this worker has sha256 [0-9a-f]{12}…, but the plan was made for [0-9a-f]{12}…/,
    );
    expect(x.stdout).toContain(
      "unit 1 (model 'conv' at input 1x1x6x6, batch 2, machine laptop): measured: modelpress-results/bench/laptop/content-models-conv.onnx/1x1x6x6.batch2.threads1.cpu.json",
    );
    expect(existsSync(path.join(dir, 'modelpress-results', 'bench', 'laptop', 'content-models-gemm.onnx'))).toBe(false);
    // No index at all: a usage error naming both variables.
    const none = run(dir, ['run-unit', '--plan', 'plan.json'], { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain(
      'give --index N or --shard i/n, or run it as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)',
    );
  }, 120_000);
});
