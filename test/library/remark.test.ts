/**
 * `modelpress/remark`'s options and host manners, in process: public options validated and merged over
 * the defaults, each plugin's own options honoured, the host's directives and front-matter keys left
 * alone (while the CLI still reports them), and the cache kept in the given or the user's cache folder.
 * Numbers: the Gemm model of test/document/models.ts has 4·3 + 3 = 15 parameters and 1·4·3 = 12 MACs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { VFile } from 'vfile';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { DEFAULT_SETTINGS } from '../../src/document/settings.js';
import { writeModel } from '../../src/onnx/writer.js';
import remarkModelpress, {
  defaultCacheDir,
  remarkModelpressFinish,
  remarkModelpressFrontMatter,
  remarkModelpressMetrics,
  remarkModelpressModels,
  resolveOptions,
} from '../../src/remark.js';
import { gemmModel } from '../document/models.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-remark-'));
writeModel(gemmModel(1), path.join(dir, 'gemm.onnx'));
const cacheDir = path.join(dir, 'cache-root');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const doc = (frontMatter: string) =>
  `---\n${frontMatter}---\n::model{#g src="gemm.onnx" input="1x4"}\n\nParams :metric{model=g name=params}.\n\n:::note\nHost note.\n:::\n`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: a processor of any unified pipeline
type AnyProcessor = any;
async function run(markdown: string, use: (p: AnyProcessor) => AnyProcessor) {
  const file = new VFile({ value: markdown, path: path.join(dir, 'doc.md') });
  const processor = (use(unified().use(remarkParse).use(remarkFrontmatter)) as ReturnType<typeof unified>).use(remarkRehype).use(rehypeStringify);
  const html = String(await processor.process(file));
  return { html, messages: file.messages.map(String) };
}

describe('public options', () => {
  it('merge over the defaults, snake_case or camelCase', () => {
    const none = resolveOptions({ cacheDir });
    expect(none.settings).toEqual(DEFAULT_SETTINGS);
    const some = resolveOptions({ cacheDir, convention: 'fvcore', warmupRuns: 3, min_time: 0.5, maxTime: 9 });
    // Only the given keys change: the rest stay the defaults (max_time is 60 s unless given).
    expect(some.settings).toEqual({ ...DEFAULT_SETTINGS, convention: 'fvcore', warmupRuns: 3, minTimeSeconds: 0.5, maxTimeSeconds: 9 });
  });

  it('reject an unknown or bad option by name', () => {
    expect(() => resolveOptions({ settings: { convention: 'fvcore' } } as never)).toThrow("modelpress/remark: unknown option 'settings'");
    expect(() => resolveOptions({ convention: 'flops' as never })).toThrow("'convention'");
    expect(() => resolveOptions({ warmupRuns: 1, warmup_runs: 2 })).toThrow("options 'warmupRuns' and 'warmup_runs' are the same setting");
  });

  it('keep results and zoo models under cacheDir, by default the user cache, never the working folder', () => {
    expect(resolveOptions({ cacheDir }).registryOptions).toMatchObject({ cacheDir: path.join(cacheDir, 'cache') }); // zoo models in <cacheDir>/cache/zoo, as `zoo export`
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/modelpress');
    expect(defaultCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'modelpress'));
    expect(resolveOptions({}).registryOptions?.cacheDir?.startsWith(process.cwd() + path.sep)).toBe(os.homedir().startsWith(process.cwd() + path.sep));
  });
});

describe('in a host pipeline', () => {
  it('claims only its own directives and front-matter keys', async () => {
    const { html, messages } = await run(doc('sidebar_position: 3\n'), (p: AnyProcessor) => p.use(remarkModelpress, { cacheDir }));
    expect(messages).toEqual([]);
    expect(html).toMatch(/data-metric="params"[^>]*>15\u00a0parameters</);
    expect(html).toContain('<div><p>Host note.</p></div>');
    // A bad value of a modelpress key is still reported.
    const bad = await run(doc('sidebar_position: 3\nbatch: -1\n'), (p: AnyProcessor) => p.use(remarkModelpress, { cacheDir }));
    expect(bad.messages.join('\n')).toMatch(/doc\.md:3:1.*front matter 'batch'/);
  });

  it('reads front matter the host took out of the Markdown (Docusaurus: file.data.frontMatter)', async () => {
    const file = new VFile({
      value: '::model{#g src="gemm.onnx" input="1x4"}\n\nParams :metric{model=g name=params}.\n',
      path: path.join(dir, 'doc.md'),
      data: { frontMatter: { sidebar_position: 2, convention: 'ptflops' } },
    });
    const html = String(await unified().use(remarkParse).use(remarkModelpress, { cacheDir }).use(remarkRehype).use(rehypeStringify).process(file));
    expect(file.messages.map(String)).toEqual([]);
    expect(html).toContain('ptflops convention');
  });

  it('the CLI pipeline still reports both (a typo there is an error, not a host feature)', async () => {
    const rendered = await renderMarkdown(doc('sidebar_position: 3\n'), path.join(dir, 'doc.md'));
    const messages = rendered.file.messages.map(String).join('\n');
    expect(messages).toContain("unknown front-matter setting 'sidebar_position'");
    expect(messages).toContain("unknown directive ':::note'");
  });

  it('gives each plugin its own options; front matter overrides them all', async () => {
    const pipeline = (p: AnyProcessor) =>
      p
        .use(remarkDirective) // the individual plugins leave the syntax to the host
        .use(remarkModelpressFrontMatter, { cacheDir })
        .use(remarkModelpressModels, { cacheDir })
        .use(remarkModelpressMetrics, { cacheDir, convention: 'fvcore' })
        .use(remarkModelpressFinish, { cacheDir });
    // The metrics plugin counts under its own convention, not the first plugin's default 'exact'.
    expect((await run(doc(''), pipeline)).html).toContain('fvcore convention');
    expect((await run(doc('convention: ptflops\n'), pipeline)).html).toContain('ptflops convention');
  });
});
