// `modelpress watch` end to end in a child process: it builds, then rebuilds when the document changes
// and when a model file it declares changes, measuring only what changed (the cache counts say so).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-watch-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGINT');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolve when the child's stderr has reported `count` finished builds in total. */
function buildsDone(stderr: { text: string }, count: number, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if ((stderr.text.match(/build done/g) ?? []).length >= count) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`no build #${count} within ${timeoutMs} ms; stderr:\n${stderr.text}`));
      }
    }, 50);
  });
}

describe('modelpress watch', () => {
  it('rebuilds on a document change and on a model change, re-profiling only the changed model', async () => {
    fs.mkdirSync(path.join(dir, 'content', 'models'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modelpress.config.json'), '{}');
    writeModel(gemmModel(1), path.join(dir, 'content', 'models', 'gemm.onnx'));
    const doc = path.join(dir, 'content', 'doc.md');
    const write = (caption: string): void =>
      fs.writeFileSync(doc, `::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm" metrics="params macs" caption="${caption}"}\n`);
    write('First caption');

    const stderr = { text: '' };
    const stdout = { text: '' };
    child = spawn(process.execPath, [...CLI_ARGS, 'watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr.text += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout.text += d.toString()));
    const html = (): string => fs.readFileSync(path.join(dir, 'output', 'doc.html'), 'utf8');

    await buildsDone(stderr, 1);
    expect(html()).toContain('First caption');
    expect(stdout.text).toContain('(1 profiled, 0 benchmarked, 0 from cache)');

    write('Second caption');
    await buildsDone(stderr, 2);
    expect(html()).toContain('Second caption');
    // Only the document changed: the profile comes from the cache.
    expect(stdout.text).toContain('(0 profiled, 0 benchmarked, 1 from cache)');

    // A different model file (other seed, same shapes): its content hash changes, so it is profiled again.
    writeModel(gemmModel(2), path.join(dir, 'content', 'models', 'gemm.onnx'));
    await buildsDone(stderr, 3);
    expect((stdout.text.match(/\(1 profiled, 0 benchmarked, 0 from cache\)/g) ?? []).length).toBe(2);
  }, 120_000);
});
