/**
 * modelpress as a library, the way another site gets it: this checkout is compiled and packed with
 * `npm pack`, and a temporary package gets the tarball unpacked into its node_modules next to
 * modelpress's production dependencies (linked from this checkout: offline, no install scripts), and there
 *
 * - `modelpress/remark`'s preset runs in a plain unified pipeline and inside `@mdx-js/mdx`'s compile;
 * - a strict TypeScript consumer type-checks against the published `.d.ts` files;
 * - `import('modelpress')` gives profile / bench / build.
 *
 * Numbers: the Gemm model of test/document/models.ts, x [1, 4] · W [4, 3] + b [3]: params 4·3 + 3 = 15,
 * MACs 1·4·3 = 12. The host's `:::note` and `sidebar_position` must pass through untouched, nothing
 * may be written into the consumer's folder, and the results land in the `cacheDir` given.
 *
 * dist/ is packed as built when it is newer than every file of src/ (after `npm ci`), else src/ is
 * compiled first (~20-50 s). Without this checkout's node_modules (`npm ci`) it skips, saying so.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-library-'));
const consumer = path.join(work, 'site');
const cacheDir = path.join(work, 'user-cache');
let installProblem: string | undefined;

/** Every file under `dir` (recursively) with its modification time. */
function mtimes(dir: string): number[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
}

/** dist/ was compiled after the last change to src/ (npm ci's `prepare` did it): pack it as is. */
function distIsFresh(): boolean {
  const dist = path.join(repo, 'dist');
  if (!fs.existsSync(path.join(dist, 'index.d.ts')) || !fs.existsSync(path.join(dist, 'remark.d.ts'))) return false;
  return Math.max(...mtimes(path.join(repo, 'src'))) < Math.min(...mtimes(dist));
}

// Asynchronous: a synchronous minute-long compile would block the test worker's RPC with vitest.
const run = promisify(execFile);

beforeAll(async () => {
  // 1. Compile this checkout's src/ into a staging copy of the package and pack it (no scripts: dist is made here).
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'modelpress.config.schema.json']) fs.copyFileSync(path.join(repo, f), path.join(stage, f));
  fs.cpSync(path.join(repo, 'templates'), path.join(stage, 'templates'), { recursive: true });
  if (distIsFresh()) fs.cpSync(path.join(repo, 'dist'), path.join(stage, 'dist'), { recursive: true });
  else await run(process.execPath, [tsc, '-p', path.join(repo, 'tsconfig.build.json'), '--outDir', path.join(stage, 'dist')]);
  const packed = (await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: stage, encoding: 'utf8' })).stdout
    .trim()
    .split('\n')
    .pop()!;
  const tarball = path.join(work, packed);

  // 2. The host site: the tarball unpacked as node_modules/modelpress (as npm would), beside exactly
  //    modelpress's production dependencies (npm ls --omit=dev) and what a unified/MDX site has anyway,
  //    linked from this checkout's node_modules: offline, and a dependency missing from package.json
  //    fails to resolve here as it would in a real install.
  fs.mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', work]);
  fs.renameSync(path.join(work, 'package'), path.join(consumer, 'node_modules', 'modelpress'));
  const host = ['unified', 'remark-parse', 'remark-frontmatter', 'remark-rehype', 'rehype-stringify', 'vfile', '@mdx-js/mdx', 'typescript', '@types/node'];
  const ls = async (args: string[]): Promise<string[]> => {
    // npm ls exits 1 on extraneous packages; its list is still right.
    const r = await run('npm', ['ls', '--all', '--parseable', ...args], { cwd: repo, encoding: 'utf8' }).catch((e: { stdout?: string }) => ({
      stdout: e.stdout ?? '',
    }));
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const top = path.join(repo, 'node_modules') + path.sep;
  const linked = new Set<string>();
  for (const dir of [...(await ls(['--omit=dev'])), ...(await ls(host))]) {
    if (!dir.startsWith(top)) continue;
    const rel = dir.slice(top.length);
    if (rel.split('/node_modules/').length > 1 || rel.startsWith('.')) continue; // nested copies resolve from their parents
    if (linked.has(rel)) continue;
    linked.add(rel);
    const target = path.join(consumer, 'node_modules', rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(fs.realpathSync(dir), target, 'dir');
  }
  if (!linked.has('onnxruntime-node') || !linked.has('@mdx-js/mdx')) {
    installProblem = `npm ls found no onnxruntime-node or @mdx-js/mdx in ${top} (run npm ci first)`;
    console.warn(`skipping the library package checks: ${installProblem}`);
    return;
  }
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'site', private: true, type: 'module' }, null, 2));
  writeModel(gemmModel(1), path.join(consumer, 'gemm.onnx'));
}, 300_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const DOC = `---
sidebar_position: 3
convention: fvcore
---
# Tiny

::model{#g src="gemm.onnx" input="1x4" label="Tiny-Gemm"}

Params :metric{model=g name=params}, MACs :metric{model=g name=macs}.

:::note
A host admonition.
:::
`;

/** Run an ES module script in the consumer (its own node_modules only), returning stdout. */
async function runInConsumer(name: string, script: string): Promise<string> {
  fs.writeFileSync(path.join(consumer, name), script);
  const r = await run(process.execPath, [name], { cwd: consumer, encoding: 'utf8', timeout: 120_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`${name} failed: ${e.message}\n${e.stderr ?? ''}`);
  });
  return r.stdout;
}

function consumerFiles(): string[] {
  return fs
    .readdirSync(consumer)
    .filter((f) => f !== 'node_modules')
    .sort();
}

describe('the packed library in another package', () => {
  it('runs the preset in a plain unified pipeline: numbers in, host syntax untouched, nothing written to the site', async (ctx) => {
    if (installProblem) ctx.skip();
    const before = consumerFiles();
    const out = await runInConsumer(
      'unified.mjs',
      `import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import remarkRehype from 'remark-rehype';
import rehypeStringify from 'rehype-stringify';
import { VFile } from 'vfile';
import remarkModelpress from 'modelpress/remark';
const file = new VFile({ value: ${JSON.stringify(DOC)}, path: 'doc.md' });
const html = String(await unified().use(remarkParse).use(remarkFrontmatter).use(remarkModelpress, { cacheDir: ${JSON.stringify(cacheDir)}, batch: 1 })
  .use(remarkRehype).use(rehypeStringify).process(file));
console.log(JSON.stringify({ html, messages: file.messages.map(String) }));
`,
    );
    const { html, messages } = JSON.parse(out) as { html: string; messages: string[] };
    expect(messages).toEqual([]);
    expect(html).toMatch(/data-metric="params"[^>]*>15\u00a0parameters</);
    expect(html).toMatch(/data-metric="macs"[^>]*>12\u00a0MACs</);
    expect(html).toContain('fvcore convention'); // the front matter's key applied, its host key ignored
    expect(html).toContain('<div><p>A host admonition.</p></div>'); // :::note left for the host
    expect(html).not.toContain('unknown directive');
    expect(consumerFiles()).toEqual([...before, 'unified.mjs'].sort()); // the script only: no .modelpress/, no zoo files
    expect(fs.readdirSync(path.join(cacheDir, 'cache')).length).toBeGreaterThan(0);
  });

  it('runs inside an @mdx-js/mdx compile', async (ctx) => {
    if (installProblem) ctx.skip();
    const out = await runInConsumer(
      'mdx.mjs',
      `import { compile } from '@mdx-js/mdx';
import { VFile } from 'vfile';
import remarkFrontmatter from 'remark-frontmatter';
import remarkModelpress from 'modelpress/remark';
const file = new VFile({ value: ${JSON.stringify(DOC)}, path: 'doc.mdx' });
const js = String(await compile(file, { remarkPlugins: [remarkFrontmatter, [remarkModelpress, { cacheDir: ${JSON.stringify(cacheDir)} }]] }));
console.log(JSON.stringify({ js, messages: file.messages.map(String) }));
`,
    );
    const { js, messages } = JSON.parse(out) as { js: string; messages: string[] };
    expect(messages).toEqual([]);
    expect(js).toMatch(/children: "15\u00a0parameters"/);
    expect(js).toMatch(/children: "12\u00a0MACs"/);
    expect(js).toContain('A host admonition.');
    expect(js).not.toContain('unknown directive');
  });

  it('type-checks a strict TypeScript consumer and exposes profile, bench and build', async (ctx) => {
    if (installProblem) ctx.skip();
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true },
        files: ['check.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(consumer, 'check.ts'),
      `import { unified } from 'unified';
import remarkParse from 'remark-parse';
import { profile, bench, build, type Profile, type BuildResult } from 'modelpress';
import remarkModelpress, { remarkModelpressTables, type ModelpressOptions } from 'modelpress/remark';
const options: ModelpressOptions = { convention: 'fvcore', warmupRuns: 2, cacheDir: '/tmp/x' };
const p: Promise<Profile> = profile('gemm.onnx', { input: '1x4' });
const b: Promise<BuildResult> = build({ cwd: '.' });
const processor = unified().use(remarkParse).use(remarkModelpress, options).use(remarkModelpressTables, { batch: 2 });
void [p, b, bench, processor];
`,
    );
    const check = await run(process.execPath, [path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: consumer,
      encoding: 'utf8',
    }).then(
      (r) => ({ code: 0, text: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, text: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    expect(check.text).toBe('');
    expect(check.code).toBe(0);
    const out = await runInConsumer(
      'api.mjs',
      `import { profile, bench, build } from 'modelpress';
const p = await profile('gemm.onnx', { input: '1x4' });
console.log(JSON.stringify({ params: p.totals.params, macs: p.totals.macs, bench: typeof bench, build: typeof build }));
`,
    );
    expect(JSON.parse(out)).toEqual({ params: 15, macs: 12, bench: 'function', build: 'function' });
  });
});
