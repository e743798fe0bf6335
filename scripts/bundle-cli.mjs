/**
 * Bundles the `modelpress` command into dist/bin/ (part of `npm run build`, after tsc).
 *
 * Why: Node 20 resolves, reads and compiles each ES module on its own, about 0.5–1 ms a module on this
 * machine class. `modelpress profile` of a small model loaded 57 modules (the CLI, commander, the
 * reader, the analysis and one file per op family) and spent most of its time in the module loader,
 * 2.3× `node -e 0` against the goal of 2× (issue 13). Bundled, the same code is a handful of files.
 *
 * What: one entry per program: the CLI (dist/bin/modelpress.js, the package's `bin`) and the two
 * benchmark workers that the CLI spawns (runtime/orchestrator.ts looks for `worker.js` next to
 * itself, which in the bundle is here). Code splitting keeps every `await import()` lazy: `--help`
 * loads neither the analysis nor the document pipeline, `profile` never loads onnxruntime.
 * Dependencies stay in node_modules (loaded when a command needs them) except the two that every
 * command loads at start, commander and picocolors. dist/ keeps tsc's one file per module for the
 * library (`import … from 'modelpress'`) and its type declarations; the bundle is built from the same
 * sources and its paths (package.json, templates/) are two levels up as from dist/<folder>/.
 */
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundled = new Set(['commander', 'picocolors']);
const outdir = path.join(root, 'dist', 'bin');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { modelpress: 'src/cli/main.ts', worker: 'src/runtime/worker.ts', 'shape-worker': 'src/runtime/shape-worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Every other dependency, with its sub-paths (katex/dist/…), is imported from node_modules at run time.
  external: Object.keys(pkg.dependencies)
    .filter((d) => !bundled.has(d))
    .flatMap((d) => [d, `${d}/*`]),
  // commander is CommonJS: a bundled CommonJS module that calls require('node:events') needs a require.
  banner: { js: "import { createRequire as __mpCreateRequire } from 'node:module'; const require = __mpCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync(path.join(outdir, 'modelpress.js'), 0o755);
