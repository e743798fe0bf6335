/**
 * A committed results store rebuilds the document on a machine with no models and no onnxruntime
 * (issue 12): build once here (profiles and a benchmark go to modelpress-results/), commit the
 * project with git (its .gitignore keeps output/ and .modelpress/ out), clone it, delete the model
 * files, and run the CLI from a copy of the sources whose node_modules has every package except
 * onnxruntime-node. The frozen build must succeed and print the same numbers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { MACHINE_DEPENDENT_RULES } from '../helpers/diagnostics.js';
import { QUICK_BENCH, writeTinyModels } from './models.js';
import { TSX } from '../helpers/cli-child.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const DOC = `---
title: Frozen
${QUICK_BENCH}---
# Frozen

::model{#r18 zoo=resnet18 label="ResNet-18"}
::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny Gemm"}

::table{#tbl-a models="r18" metrics="params macs"}

::table{#tbl-b models="gemm" metrics="params latency throughput"}
`;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-frozen-clone-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Numbers {
  numbers: { metric: string; value: number; text: string }[];
}

describe('frozen build from a committed store, without models and without onnxruntime', () => {
  it('prints the numbers of the original build', async () => {
    // 1. The original project: measure and store.
    const original = path.join(tmp, 'original');
    mkdirSync(path.join(original, 'content'), { recursive: true });
    writeTinyModels(path.join(original, 'content'));
    writeFileSync(path.join(original, 'content', 'survey.md'), DOC);
    const first = await build({ cwd: original });
    expect(first.exitCode).toBe(0);
    const before = JSON.parse(readFileSync(path.join(original, 'output', 'survey.data.json'), 'utf8')) as Numbers;

    // 2. Commit it as a user would (the project's .gitignore: no output, no .modelpress), clone it,
    //    and take the model files away: the clone has the Markdown and the committed store only.
    writeFileSync(path.join(original, '.gitignore'), readFileSync(path.join(repo, '.gitignore'), 'utf8'));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });
    git(original, 'init', '-q');
    git(original, 'add', '-A');
    git(original, 'commit', '-q', '-m', 'survey with its results');
    const committed = execFileSync('git', ['ls-files'], { cwd: original, encoding: 'utf8' }).split('\n');
    expect(committed.some((f) => f.startsWith('modelpress-results/bench/'))).toBe(true);
    expect(committed.some((f) => f.startsWith('.modelpress/') || f.startsWith('output/'))).toBe(false);
    const clone = path.join(tmp, 'clone');
    git(tmp, 'clone', '-q', original, clone);
    rmSync(path.join(clone, 'content', 'models'), { recursive: true, force: true });

    // 3. The tool without onnxruntime-node: its sources and every dependency but that one.
    const tool = path.join(tmp, 'tool');
    mkdirSync(path.join(tool, 'node_modules'), { recursive: true });
    for (const f of ['src', 'templates', 'package.json', 'tsconfig.json']) cpSync(path.join(repo, f), path.join(tool, f), { recursive: true });
    const modules = realpathSync(path.join(repo, 'node_modules'));
    for (const name of readdirSync(modules)) {
      if (name === 'onnxruntime-node' || name === '.bin') continue;
      symlinkSync(path.join(modules, name), path.join(tool, 'node_modules', name));
    }
    // Sanity: from the tool's folder onnxruntime-node cannot be imported.
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('onnxruntime-node')"], { cwd: tool, encoding: 'utf8' });
    expect(probe.status).not.toBe(0);
    expect(probe.stderr).toMatch(/Cannot find package 'onnxruntime-node'/);

    const run = spawnSync(process.execPath, ['--import', TSX, path.join(tool, 'src', 'cli', 'main.ts'), 'build', '--frozen'], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
    expect(run.stderr).not.toMatch(/onnxruntime/);
    expect(run.status, run.stderr).toBe(0);
    // No diagnostic but the machine-dependent ones (a stored benchmark of a busy machine says so).
    const diagnostics = run.stderr.split('\n').filter((l) => /^\s*\d+:\d+/.test(l));
    expect(diagnostics.filter((l) => !MACHINE_DEPENDENT_RULES.some((r) => l.includes(r)))).toEqual([]);
    const after = JSON.parse(readFileSync(path.join(clone, 'output', 'survey.data.json'), 'utf8')) as Numbers;
    expect(after.numbers.map((n) => [n.metric, n.value, n.text])).toEqual(before.numbers.map((n) => [n.metric, n.value, n.text]));
    expect(after.numbers.some((n) => n.metric === 'latency')).toBe(true);
    // Nothing was rebuilt: no zoo model, no cache of measurements.
    expect(existsSync(path.join(clone, '.modelpress', 'models'))).toBe(false);
  }, 180_000);
});
