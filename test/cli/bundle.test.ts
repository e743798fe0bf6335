/**
 * The installed command is the bundle in dist/bin (scripts/bundle-cli.mjs, issue 13's start-up goal).
 * It must answer exactly as the sources do, start the benchmark worker from its own folder, and keep
 * its lazy loading: `profile` and `--help` load neither onnxruntime nor the document pipeline.
 * Skipped, with the reason printed, when dist/bin is missing or older than src/ (run `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureZooModel } from '../../src/zoo/cache.js';
import { runCli } from '../helpers/cli.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const bin = path.join(repo, pkg.bin.modelpress!);

/** Newest modification time under a folder (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

const why = !existsSync(bin)
  ? `${path.relative(repo, bin)} is missing (run npm run build)`
  : newest(path.join(repo, 'src')) > statSync(bin).mtimeMs
    ? `${path.relative(repo, bin)} is older than src/ (run npm run build)`
    : undefined;
if (why) console.log(`skipping the bundle tests: ${why}`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the bundle; with `trace`, also every module URL it loaded (an ESM load hook, one per line on stderr). */
function runBin(args: string[], trace = false): { code: number | null; out: string; err: string; loaded: string[] } {
  const hook = path.join(dir, 'hook.mjs');
  const register = path.join(dir, 'register.mjs');
  writeFileSync(hook, 'export async function load(url, context, next) { process.stderr.write("LOADED " + url + "\\n"); return next(url, context); }\n');
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const r = spawnSync(process.execPath, [...(trace ? ['--import', pathToFileURL(register).href] : []), bin, ...args], { encoding: 'utf8', cwd: dir });
  const lines = r.stderr.split('\n');
  return {
    code: r.status,
    out: r.stdout,
    err: lines.filter((l) => !l.startsWith('LOADED ')).join('\n'),
    loaded: lines.filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)),
  };
}

describe.skipIf(why !== undefined)('the bundled command (dist/bin)', () => {
  const model = ensureZooModel({ name: 'resnet18', seed: 1 }, dir).path;

  it('prints the same profile, JSON and table, as the sources', async () => {
    for (const args of [
      ['profile', model, '--json'],
      ['profile', model, '--depth', '2', '--top', '3'],
    ]) {
      const fromSrc = await runCli(args);
      const fromBin = runBin(args);
      expect(fromBin.code).toBe(0);
      expect(fromBin.out).toBe(fromSrc.out);
    }
    // ResNet-18 at 1×3×224×224: 11,689,512 parameters (torchvision's published count).
    expect((JSON.parse(runBin(['profile', model, '--json']).out) as { totals: { params: number } }).totals.params).toBe(11_689_512);
  });

  it('answers --help and usage errors as the sources do, exit codes included', async () => {
    const help = runBin(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toBe((await runCli(['--help'])).out);
    const bad = runBin(['profile', model, '--convention', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'nope'");
  });

  it('loads the analysis but neither onnxruntime nor the document pipeline for profile; --help loads no analysis', () => {
    const profile = runBin(['profile', model], true);
    expect(profile.code).toBe(0);
    const bundleFiles = profile.loaded.filter((u) => u.includes('/dist/bin/'));
    const fromNodeModules = profile.loaded.filter((u) => u.includes('/node_modules/'));
    expect(bundleFiles.length).toBeGreaterThan(0);
    // Everything that runs comes from the bundle: no module of dist/ outside dist/bin, no dependency.
    expect(profile.loaded.filter((u) => u.includes('/dist/') && !u.includes('/dist/bin/'))).toEqual([]);
    expect(fromNodeModules).toEqual([]);
    // Built-ins a profile does not use (preview's server, --dedupe's hashes) are loaded when used, not at start.
    expect(profile.loaded.filter((u) => u === 'node:http' || u === 'node:crypto')).toEqual([]);
    // The analysis and the reader are in the files profile loads, and in none that --help loads.
    const defines = (urls: string[], fn: string): boolean =>
      urls.some((u) => u.startsWith('file:') && readFileSync(fileURLToPath(u), 'utf8').includes(`function ${fn}(`));
    expect(defines(profile.loaded, 'profileModel') && defines(profile.loaded, 'readModel')).toBe(true);
    const help = runBin(['--help'], true);
    expect(help.code).toBe(0);
    expect(help.loaded.filter((u) => u.includes('/node_modules/'))).toEqual([]);
    expect(defines(help.loaded, 'profileModel') || defines(help.loaded, 'readModel')).toBe(false);
  });

  it('benchmarks through the worker bundled next to it', () => {
    // The orchestrator starts worker.js from its own folder: in the bundle that is dist/bin (from the
    // sources, as in the other tests, it is src/runtime/worker.ts through tsx).
    expect(existsSync(path.join(path.dirname(bin), 'worker.js'))).toBe(true);
    const r = runBin([
      'bench',
      model,
      '--processes',
      '1',
      '--extra-processes',
      '0',
      '--min-time',
      '0.1',
      '--runs',
      '3',
      '--no-floor',
      '--threads',
      '1',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { results: { status: string; latencyMedianMs: number }[] };
    expect(report.results).toHaveLength(1);
    expect(report.results[0]!.latencyMedianMs).toBeGreaterThan(0);
  }, 60_000);
});
