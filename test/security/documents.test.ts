/**
 * Issue 19, items 6, 7 and 8 (document side): one bad directive or front matter costs its own
 * element, as one positioned diagnostic and an error box, while every other element and document
 * builds; did-you-mean is bounded; text that looks like a broken directive is warned about.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Root } from 'mdast';
import remarkDirective from 'remark-directive';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { VFile } from 'vfile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/project/build.js';
import { MAX_SUGGEST_LENGTH, suggest } from '../../src/document/directive.js';
import { MAX_WORKED_WEIGHTS } from '../../src/document/formula.js';
import { MAX_INCLUDE_DEPTH } from '../../src/document/include.js';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { blockDirectivePlugin } from '../../src/document/state.js';
import { writeTinyModels } from '../document/models.js';

let dir: string;
let result: BuildResult;

const DOCS: Record<string, string> = {
  // Item 6: a worked example that would build a 490-billion-element weight.
  'formula.md':
    '# F\n\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\nGemm has :metric{model=gemm name=params} parameters.\n\n::formula{op=Conv cin=100000 cout=100000 k=7 h=1000 w=1000}\n\n::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6}\n',
  'alias.md': '---\ntitle: *nowhere\n---\n# Undefined alias\n\nBody text.\n',
  'bomb.md': `---\n${['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n')}\n---\n# Alias bomb\n`,
  'deep.md': `---\nnest: ${'['.repeat(1000)}${']'.repeat(1000)}\n---\n# Deep YAML\n`,
  'deep-block.md': `---\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} v\n---\n# Deep block YAML\n`,
  'good.md': '---\ntitle: Fine\n---\n# Fine\n\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\nGemm has :metric{model=gemm name=params} parameters.\n',
  // Item 7: an unknown metric name of 100,000 characters.
  'long-name.md': `# Long\n\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\nA :metric{model=gemm name=${'x'.repeat(100_000)}} here.\n`,
  // Item 8: a quote left open, a brace never closed (block and inline).
  'broken.md':
    '# Broken\n\n::model{#gemm src="models/gemm.onnx" input="1x4"}\n\n::table{models="gemm metrics="params"}\n\n::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6\n\nGemm has :metric{model=gemm name="params} parameters.\n',
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-docs-security-'));
  const content = path.join(dir, 'content');
  fs.mkdirSync(content, { recursive: true });
  writeTinyModels(content);
  for (const [name, text] of Object.entries(DOCS)) fs.writeFileSync(path.join(content, name), text);
  result = await build({ cwd: dir, inputs: [content], out: path.join(dir, 'output'), to: ['html'], strict: true });
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const doc = (name: string) => result.documents.find((d) => path.basename(d.source) === name)!;
const messages = (name: string) => doc(name).file.messages.map((m) => ({ rule: m.ruleId, line: m.line, column: m.column, reason: m.reason }));
const html = (name: string) => fs.readFileSync(path.join(dir, 'output', name.replace(/\.md$/, '.html')), 'utf8');

describe('item 6: every document builds; each failure is one positioned diagnostic', () => {
  it('writes HTML for every document, and --strict fails the build', () => {
    expect(result.failures).toEqual([]);
    expect(result.documents.map((d) => path.basename(d.source)).sort()).toEqual(Object.keys(DOCS).sort());
    for (const name of Object.keys(DOCS)) expect(fs.existsSync(path.join(dir, 'output', name.replace(/\.md$/, '.html')))).toBe(true);
    expect(result.exitCode).toBe(1);
  });

  it('the huge worked example is refused at its line; the metric and the small example build', () => {
    const m = messages('formula.md').filter((x) => x.rule === 'bad-attribute');
    expect(m).toHaveLength(1);
    expect(m[0]!.line).toBe(7);
    // 100000 × 100000 × 7 × 7 = 490,000,000,000 weights
    expect(m[0]!.reason).toBe(
      `op=Conv: the worked example's weight would hold 100000×100000×7×7 = 490,000,000,000 elements; worked examples are limited to ${MAX_WORKED_WEIGHTS.toLocaleString('en-US')} (use smaller numbers, or model= and node= for a real layer)`,
    );
    const page = html('formula.md');
    expect(page).toContain('mp-error');
    // Gemm params 4·3 + 3 = 15 (test/document/models.ts); the small example: (2×3×3²−1)×4×6² = 7632
    expect(page).toContain('15');
    expect(page).toContain('7632');
  });

  it.each([
    ['alias.md', /^front matter cannot be read: Unresolved alias \(the anchor must be set before the alias\): nowhere;/],
    ['bomb.md', /^front matter cannot be read: .*[Ee]xcessive alias count/],
    ['deep.md', /^front matter cannot be read: it nests 1000 levels of brackets; front matter may nest at most 16/],
    ['deep-block.md', /^front matter cannot be read: it nests more than 16 levels of indentation;/],
  ])('%s: one front-matter diagnostic on the block, and the body builds', (name, reason) => {
    const m = messages(name);
    expect(m).toHaveLength(1);
    expect(m[0]!.rule).toBe('front-matter');
    expect(m[0]!.line).toBeGreaterThanOrEqual(1);
    expect(m[0]!.reason).toMatch(reason);
    expect(html(name)).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
  });

  it('a good document next to them has no diagnostic', () => {
    expect(messages('good.md')).toEqual([]);
    expect(html('good.md')).toContain('15');
  });

  it('any throw inside a directive becomes one positioned diagnostic and an error box (the shared boundary)', async () => {
    const tree = unified().use(remarkParse).use(remarkDirective).parse('text\n\n::boom{x=1}\n\n::boom\n') as Root;
    await unified().use(remarkDirective).run(tree);
    const file = new VFile({ path: 'boom.md', value: '' });
    let calls = 0;
    await blockDirectivePlugin('boom', {}, () => {
      calls++;
      throw new TypeError('Invalid typed array length: 490000000000');
    })(tree, file);
    expect(calls).toBe(2);
    expect(file.messages.map((m) => [m.ruleId, m.line, m.column])).toEqual([
      ['directive-failed', 3, 1],
      ['directive-failed', 5, 1],
    ]);
    expect(file.messages[0]!.reason).toBe('::boom failed: Invalid typed array length: 490000000000; the rest of the document was built');
    expect((tree.children[1]!.data as { hName?: string }).hName).toBeDefined();
  });
});

describe('item 6: includes', () => {
  it(`a chain of includes deeper than ${MAX_INCLUDE_DEPTH} files is one diagnostic at the ::include; the document builds`, async () => {
    const chain = path.join(dir, 'chain');
    fs.mkdirSync(chain, { recursive: true });
    for (let i = 0; i <= 40; i++) fs.writeFileSync(path.join(chain, `p${i}.md`), `Part ${i}.\n\n::include{file=p${i + 1}.md}\n`);
    const r = await renderMarkdown(`# Chain\n\n::include{file=p0.md}\n\nAfter.\n`, path.join(chain, 'main.md'));
    const m = r.file.messages.filter((x) => x.ruleId === 'include');
    expect(m).toHaveLength(1);
    expect([m[0]!.line, m[0]!.column]).toEqual([3, 1]);
    expect(m[0]!.reason).toMatch(new RegExp(`includes are nested more than ${MAX_INCLUDE_DEPTH} files deep`));
    expect(r.html).toContain('Part 31.');
    expect(r.html).toContain('After.');
  });
});

describe('item 7: did-you-mean is bounded', () => {
  it('a 100,000-character metric name is reported at once, without a suggestion', () => {
    const m = messages('long-name.md').filter((x) => x.rule === 'unknown-metric');
    expect(m).toHaveLength(1);
    expect(m[0]!.line).toBe(5);
    expect(m[0]!.reason).not.toContain('did you mean');
  });

  it(`suggests for words up to ${MAX_SUGGEST_LENGTH} characters only, in time independent of the input`, () => {
    expect(suggest('parms', ['params', 'macs'])).toBe('params');
    const t0 = performance.now();
    expect(suggest('p'.repeat(1_000_000), ['params', 'macs'])).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('renders the 100k-character name in well under a second of edit distance', async () => {
    const t0 = performance.now();
    await renderMarkdown(`A :metric{model=m name=${'y'.repeat(100_000)}} here.\n`, path.join(dir, 'x.md'));
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('item 8: text that looks like a broken directive is warned about', () => {
  it('warns at each broken directive with rule broken-directive (counted by --strict)', () => {
    const m = messages('broken.md').filter((x) => x.rule === 'broken-directive');
    expect(m.map((x) => [x.line, x.column])).toEqual([
      [5, 1],
      [7, 1],
      [9, 10],
    ]);
    expect(m[0]!.reason).toBe(
      'this looks like the directive ::table{…} but is shown as plain text: a quote is not closed; fix it, or escape the colon (\\:) if it is prose',
    );
    expect(m[1]!.reason).toContain("::formula{…} but is shown as plain text: the '{' is not closed on its line");
    expect(m[2]!.reason).toContain(':metric{…} but is shown as plain text: a quote is not closed');
  });

  it('prose with colons is left alone', async () => {
    const r = await renderMarkdown('Ratio 16:9, a time 10:30, see:here and a:b.\n', path.join(dir, 'prose.md'));
    expect(r.file.messages).toEqual([]);
  });
});
