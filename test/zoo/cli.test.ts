/**
 * `modelpress zoo list | export` and the zoo cache: keyed by (architecture, size, seed, tool
 * version), reused on the second export, and the exported file reads back with its parameters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readModel } from '../../src/onnx/reader.js';
import { ensureZooModel, zooCachePath } from '../../src/zoo/cache.js';
import { toolVersion } from '../../src/cache/tool-version.js';
import { countParameters } from './count.js';

let dir: string;
let cwd: string;
let stdout: string[];
let stderr: string[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-zoo-'));
  cwd = process.cwd();
  process.chdir(dir);
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<number> {
  stdout = [];
  stderr = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  try {
    process.exitCode = undefined;
    return await main(args);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('zoo cache', () => {
  it('keys files by architecture, size, seed and tool version', () => {
    const v = toolVersion();
    expect(path.relative(dir, zooCachePath(dir, { name: 'resnet18', seed: 3 }))).toBe(
      path.join('.modelpress', 'cache', 'zoo', `resnet18-224x224-seed3-v${v}.onnx`),
    );
    expect(path.basename(zooCachePath(dir, { name: 'unet', seed: 1, height: 200, width: 200 }))).toBe(`unet-200x200-seed1-v${v}.onnx`);
    expect(path.basename(zooCachePath(dir, { name: 'gpt2', seed: 1 }))).toBe(`gpt2-seed1-v${v}.onnx`);
  });

  it('builds once, then reuses the file', () => {
    const first = ensureZooModel({ name: 'mobilenet_v2', seed: 2 }, dir);
    expect(first.cached).toBe(false);
    const again = ensureZooModel({ name: 'mobilenet_v2', seed: 2 }, dir);
    expect(again).toMatchObject({ path: first.path, cached: true });
    // torchvision mobilenet_v2 num_params.
    expect(countParameters(readModel(first.path))).toBe(3_504_872);
    // No temporary file is left beside it (the write is a rename of a finished file).
    expect(fs.readdirSync(path.dirname(first.path))).toEqual([path.basename(first.path)]);
  });

  it('rejects sizes an architecture cannot take, naming it', () => {
    expect(() => ensureZooModel({ name: 'vit_b_16', seed: 1, height: 256, width: 256 }, dir)).toThrow('vit_b_16 is built at 224×224 only; got 256×256');
    expect(() => ensureZooModel({ name: 'alexnet', seed: 1, height: 256, width: 256 }, dir)).toThrow(
      /^cannot build alexnet at 256×256: adaptive average pool from 7×7 to 6×6/,
    );
    expect(() => ensureZooModel({ name: 'resnet18', seed: -1 }, dir)).toThrow('zoo seed must be a non-negative integer, got -1');
  });
});

describe('modelpress zoo', () => {
  it('list prints every architecture with its parameter count', async () => {
    expect(await run('zoo', 'list')).toBe(0);
    const text = stdout.join('');
    expect(text).toMatch(/^resnet50\s+batch×3×224×224\s+25,557,032/m);
    expect(text).toMatch(/^gpt2\s+batch×sequence\s+124,439,808/m);
    expect(text).toMatch(/^deep_speckle\s+batch×1×256×256\s+21,850,530/m);
    // 22 torchvision/other architectures + 14 for the seed (3 ResNet v1, 3 SE-ResNet, 6 DPN, Inception-v4, deep speckle)
    // + 9 decoders (llama_tiny, llama_small: plain, _fused, _int4; llama2_7b: fp16, _int4, _int8).
    expect(text.trim().split('\n')).toHaveLength(1 + 22 + 14 + 9);
  });

  it('export writes the model, from the cache the second time', async () => {
    expect(await run('zoo', 'export', 'resnet18', '-o', 'out/r18.onnx', '--seed', '5')).toBe(0);
    expect(stdout.join('')).toBe(`${path.join(dir, 'out', 'r18.onnx')}: resnet18, 11,689,512 parameters, seed 5\n`);
    expect(await run('zoo', 'export', 'resnet18', '-o', 'out/r18.onnx', '--seed', '5')).toBe(0);
    expect(stdout.join('')).toContain('(from cache)');
    const m = readModel(path.join(dir, 'out', 'r18.onnx'));
    expect(countParameters(m)).toBe(11_689_512); // torchvision resnet18 num_params
  });

  it('export --size builds a resizable model at that size', async () => {
    expect(await run('zoo', 'export', 'unet', '--size', '200', '-o', 'unet200.onnx')).toBe(0);
    const m = readModel(path.join(dir, 'unet200.onnx'));
    const input = m.graph.inputs[0]!;
    expect(input.type?.kind === 'tensor' ? input.type.shape : undefined).toEqual(['batch', 1, 200, 200]);
  });

  it('bad input: unknown name exits 1 naming the known ones, a bad seed is a usage error (2)', async () => {
    expect(await run('zoo', 'export', 'resnet19')).toBe(1);
    expect(stderr.join('')).toContain("unknown zoo architecture 'resnet19'; known: alexnet, vgg11");
    expect(await run('zoo', 'export', 'resnet18', '--seed', 'x')).toBe(2);
    expect(await run('zoo', 'export', 'unet', '--size', '200by200')).toBe(2);
  });
});
