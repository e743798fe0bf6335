/**
 * Static assets next to the HTML, so pages work offline and the PDF embeds KaTeX's fonts: KaTeX's
 * CSS and fonts (from the installed katex package) into `<out>/assets/katex/`, and the page
 * stylesheet into `<out>/assets/modelpress.css`. Files already identical are left alone, so a
 * rebuild rewrites nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { findTemplate } from '../render/templates.js';
import { copyFileAtomic } from '../cache/store.js';

/** The `dist/` folder of the installed katex package. */
function katexDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('katex/package.json')), 'dist');
}

export interface CopiedAssets {
  /** Every asset file in place, relative to `<out>` (e.g. `assets/katex/katex.min.css`). */
  files: string[];
  /** Of those, the ones written by this call (new or changed). */
  written: string[];
}

function sameFile(a: string, b: string): boolean {
  if (!existsSync(b)) return false;
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.size === sb.size && readFileSync(a).equals(readFileSync(b));
}

/**
 * Copy the page assets into `<outDir>/assets/`. KaTeX's CSS refers to `fonts/KaTeX_*.woff2` (then
 * .woff, .ttf) relative to itself; all three formats are copied so every browser finds one.
 * `templateDirs` lets a content folder replace `assets/modelpress.css`.
 */
export function copyAssets(outDir: string, options: { templateDirs?: readonly string[] } = {}): CopiedAssets {
  const katex = katexDistDir();
  const plan: { from: string; to: string }[] = [{ from: join(katex, 'katex.min.css'), to: 'assets/katex/katex.min.css' }];
  for (const font of readdirSync(join(katex, 'fonts')).sort()) {
    if (/\.(woff2|woff|ttf)$/.test(font)) plan.push({ from: join(katex, 'fonts', font), to: `assets/katex/fonts/${font}` });
  }
  const css = findTemplate(['assets/modelpress.css'], options.templateDirs ?? []);
  if (!css) throw new Error('assets/modelpress.css is missing from the templates folder');
  plan.push({ from: css, to: 'assets/modelpress.css' });

  const written: string[] = [];
  for (const { from, to } of plan) {
    const target = join(outDir, to);
    if (sameFile(from, target)) continue;
    copyFileAtomic(from, target);
    written.push(to);
  }
  return { files: plan.map((p) => p.to), written };
}

/**
 * Copy the local files a document shows (its images) to their output-relative targets, so the HTML,
 * the PDF and the LaTeX fragment beside them all find them. Returns what could not be copied.
 */
export function copyDocumentAssets(data: { assets: readonly { source: string; target: string }[] }, outDir: string): string[] {
  const problems: string[] = [];
  for (const asset of data.assets) {
    const target = join(outDir, asset.target);
    try {
      if (!sameFile(asset.source, target)) copyFileAtomic(asset.source, target);
    } catch (err) {
      problems.push(`${asset.source}: not copied to ${target}: ${(err as Error).message}`);
    }
  }
  return problems;
}
