/**
 * Machines in documents (issue 17): every benchmark result is filed under its machine's name
 * (`--machine`, config `machine`, default the host name), a table groups measured columns by machine,
 * `:metric` and `::chart` read a named machine's result, and a result the store lacks for a named
 * machine is a positioned diagnostic naming the commands that make it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { machineIndependent } from '../helpers/diagnostics.js';
import { QUICK_BENCH, writeTinyModels } from './models.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-machines-'));
  mkdirSync(path.join(dir, 'content'), { recursive: true });
  writeTinyModels(path.join(dir, 'content'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MEASURE = `---\n${QUICK_BENCH}---\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm" metrics="params latency"}\n`;
const resultFile = (machine: string) => path.join(dir, 'modelpress-results', 'bench', machine, 'content-models-gemm.onnx', '1x4.batch2.threads1.cpu.json');

function write(doc: string, config: object = {}): void {
  writeFileSync(path.join(dir, 'content', 'doc.md'), doc);
  writeFileSync(path.join(dir, 'modelpress.config.json'), JSON.stringify(config));
}

describe('machine names', () => {
  it('files each result under the config machine, or under --machine, with the name inside', async () => {
    write(MEASURE, { machine: 'cfgbox' });
    expect((await build({ cwd: dir })).exitCode).toBe(0);
    const stored = JSON.parse(readFileSync(resultFile('cfgbox'), 'utf8')) as { machine: string; value: { machine: string } };
    expect([stored.machine, stored.value.machine]).toEqual(['cfgbox', 'cfgbox']);
    // --machine wins over the config; the two results live side by side.
    expect((await build({ cwd: dir, machine: 'flagbox' })).exitCode).toBe(0);
    expect((JSON.parse(readFileSync(resultFile('flagbox'), 'utf8')) as { machine: string }).machine).toBe('flagbox');
    expect((JSON.parse(readFileSync(resultFile('cfgbox'), 'utf8')) as { machine: string }).machine).toBe('cfgbox');
  });

  it('defaults to the host name', async () => {
    write(MEASURE);
    expect((await build({ cwd: dir })).exitCode).toBe(0);
    const host = os
      .hostname()
      .split('.')[0]!
      .replace(/[^A-Za-z0-9._-]+/g, '-');
    expect((JSON.parse(readFileSync(resultFile(host), 'utf8')) as { machine: string }).machine).toBe(host);
  });

  it('names the commands that make a missing machine result, at the machines= attribute', async () => {
    const doc = `---\n${QUICK_BENCH}---\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm" metrics="latency" machines="cfgbox h200"}\n`;
    write(doc, { machine: 'cfgbox', machines: { h200: { provider: 'cuda' } } });
    const result = await build({ cwd: dir });
    const messages = machineIndependent(result.documents[0]!.file.messages);
    // Line 13 (10 front-matter lines, ::model, a blank line); column 41 = 1 + '::table{models="gemm" metrics="latency" '.length.
    expect(messages.map((m) => [m.ruleId, m.line, m.column])).toEqual([['missing-result', 13, 41]]);
    // h200's configuration is its own (the CUDA provider), so is the file looked for.
    expect(messages[0]!.reason).toContain(
      "no stored benchmark for model 'gemm' at input 1x4, batch 2 on machine 'h200' (looked for " +
        path.join(path.relative(process.cwd(), dir), 'modelpress-results/bench/h200/content-models-gemm.onnx/1x4.batch2.threads1.cuda.json') +
        "); make it on that machine with 'modelpress build --machine h200 --provider cuda', or plan it with 'modelpress plan --machine h200 --provider cuda --out plan.json' " +
        "and run 'modelpress run-unit --plan plan.json' there (docs/cluster.md), then 'modelpress results merge <folder>' here",
    );
    // Not --frozen: a warning (this machine cannot make it); with --frozen: an error, exit 1.
    expect(result.exitCode).toBe(0);
    const frozen = await build({ cwd: dir, frozen: true });
    expect(frozen.exitCode).toBe(1);
    expect(machineIndependent(frozen.documents[0]!.file.messages).map((m) => [m.ruleId, m.line])).toEqual([['frozen-miss', 13]]);
  });

  it('reads a named machine in :metric and colours a chart by machine', async () => {
    const doc =
      `---\n${QUICK_BENCH}---\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n` +
      `On flagbox: :metric{model=gemm name=latency machine=flagbox}; params :metric{model=gemm name=params machine=flagbox}.\n\n` +
      `::chart{kind=scatter x=macs y=latency models="gemm" machines="cfgbox flagbox"}\n`;
    write(doc, { machine: 'cfgbox' });
    const result = await build({ cwd: dir, frozen: true });
    const doc0 = result.documents[0]!;
    // machine= on a counted metric is a warning at that attribute: line 13, column 101 =
    // 1 + 'On flagbox: '.length (12) + the first :metric (48) + '; params '.length (9) + ':metric{model=gemm name=params '.length (31).
    expect(machineIndependent(doc0.file.messages).map((m) => [m.ruleId, m.line, m.column])).toEqual([['bad-attribute', 13, 101]]);
    const metric = doc0.data.metrics[0]!;
    const stored = JSON.parse(readFileSync(resultFile('flagbox'), 'utf8')) as { value: { result: { latencyMedianMs: number } } };
    // The latency (ms per batch) of flagbox's file, not cfgbox's (this machine's).
    expect(metric.value).toBe(stored.value.result.latencyMedianMs);
    expect(metric.provenance.benchmark?.machine).toBe('flagbox');
    const svg = doc0.data.charts[0]!.svg;
    const legend = /<g class="mp-legend"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? '';
    // The legend's title, then each machine (issue 20's legend: a colour and a mark per group).
    expect([...legend.matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1])).toEqual(['machine:', 'cfgbox', 'flagbox']);
    const fills = [...svg.matchAll(/<g class="mp-point"><title>[^<]*<\/title><(?:circle|rect|path)[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(fills).toHaveLength(2);
    expect(new Set(fills).size).toBe(2);
  });

  it('benchmarks with the provider the settings name, part of the configuration key', async () => {
    // This machine has no CUDA provider installed (the project keeps its install script from running):
    // the CUDA benchmark fails with the opt-in command, and would be filed as …cuda.json.
    write(`---\n${QUICK_BENCH}provider: cuda\n---\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm" metrics="latency"}\n`, {
      machine: 'cfgbox',
    });
    const result = await build({ cwd: dir });
    const failed = result.documents[0]!.file.messages.filter((m) => m.ruleId === 'benchmark-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toContain('--provider cuda: the CUDA provider of onnxruntime-node is not installed');
    expect(failed[0]!.reason).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js');
  });

  it('groups a sweep by machine and size', async () => {
    const sweep = (table: string) => `---\n${QUICK_BENCH}---\n::model{#conv src="models/conv.onnx" input="1x1x{6,8}x{6,8}"}\n\n${table}\n`;
    for (const machine of ['cfgbox', 'flagbox']) {
      write(sweep('::table{models="conv" metrics="params macs latency"}'), { machine });
      expect((await build({ cwd: dir })).exitCode).toBe(0);
    }
    write(sweep('::table{models="conv" metrics="params macs latency" machines="cfgbox flagbox"}'), { machine: 'reader' });
    const result = await build({ cwd: dir, frozen: true });
    expect(result.exitCode).toBe(0);
    const table = result.documents[0]!.data.tables[0]!.table;
    expect(table.groups.map((g) => g.label)).toEqual([undefined, 'cfgbox, 6×6', 'flagbox, 6×6', 'cfgbox, 8×8', 'flagbox, 8×8']);
    // params once (18 = 2·1·3·3); MACs 18·H·W per size (648 at 6×6, 1152 at 8×8) under each machine.
    const cells = table.rows[0]!.cells;
    const keys = table.groups.flatMap((g) => g.columns.map((c) => c.key));
    const value = (key: string) => cells[keys.indexOf(key)]!.value;
    expect(value('params')).toBe(18);
    expect(['cfgbox, 6×6', 'flagbox, 6×6', 'cfgbox, 8×8', 'flagbox, 8×8'].map((g) => value(`macs@${g}`))).toEqual([648, 648, 1152, 1152]);
    expect(['cfgbox, 6×6', 'flagbox, 6×6'].every((g) => typeof value(`latency@${g}`) === 'number')).toBe(true);
  });

  it("shows a machine's GPUs in ::environment", async () => {
    // flagbox's stored result, as if nvidia-smi had reported a GPU there (test/runtime/gpu.test.ts parses the real output).
    const file = resultFile('flagbox');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { value: { environment: Record<string, unknown> } };
    stored.value.environment.gpus = [{ name: 'NVIDIA H200', memoryBytes: 150_754_820_096, driverVersion: '550.54.15', cudaVersion: '12.4' }];
    writeFileSync(file, JSON.stringify(stored));
    write(`---\n${QUICK_BENCH}---\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n:metric{model=gemm name=latency machine=flagbox}\n\n::environment\n`, {
      machine: 'cfgbox',
    });
    const result = await build({ cwd: dir, frozen: true });
    expect(result.exitCode).toBe(0);
    const html = readFileSync(result.documents[0]!.html, 'utf8');
    // 150,754,820,096 B ÷ 2^30 = 140.4 GiB.
    expect(html).toContain('<tr><th scope="row">Machine</th><td>flagbox</td></tr>');
    expect(html).toContain('<tr><th scope="row">GPU</th><td>NVIDIA H200, 140.4 GiB, driver 550.54.15, CUDA 12.4</td></tr>');
  });
});
