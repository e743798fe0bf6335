/** The HTML page, its stylesheet, the error box, and the offline assets. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyAssets } from '../../src/export/assets.js';
import { BUILTIN_TEMPLATES_DIR, errorBoxHast, errorBoxLatex, hastToHtml, renderPage } from '../../src/render/index.js';

describe('page', () => {
  const page = renderPage({ title: 'Model <complexity> & cost', author: 'A. Author', body: '<h2>One</h2><p>x &amp; y</p>' });

  test('title and author escaped, body inserted as is, assets linked locally', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<title>Model &lt;complexity&gt; &amp; cost</title>');
    expect(page).toContain('<h1 class="mp-title">Model &lt;complexity&gt; &amp; cost</h1>');
    expect(page).toContain('<p class="mp-author">A. Author</p>');
    expect(page).toContain('<main class="mp-body">\n<h2>One</h2><p>x &amp; y</p>\n</main>');
    expect(page).toContain('<link rel="stylesheet" href="assets/katex/katex.min.css">');
    expect(page).toContain('<link rel="stylesheet" href="assets/modelpress.css">');
    expect(page).not.toMatch(/https?:\/\//); // no CDN
    expect(page).not.toContain('mp-date'); // no date given, no date line
  });

  test('assets folder and language from the caller', () => {
    const p = renderPage({ title: 't', body: '', lang: 'zh', assetsHref: '../assets/' });
    expect(p).toContain('<html lang="zh">');
    expect(p).toContain('href="../assets/katex/katex.min.css"');
  });

  test('a partial in the user folder replaces the built-in one', () => {
    const user = mkdtempSync(join(tmpdir(), 'mp-page-'));
    mkdirSync(join(user, 'partials'));
    writeFileSync(join(user, 'partials', 'footer.hbs'), '<footer class="mine">{{title}}</footer>');
    const p = renderPage({ title: 'T & U', body: '' }, { templateDirs: [user] });
    expect(p).toContain('<footer class="mine">T &amp; U</footer>');
    expect(p).toContain('<header class="mp-title-block">'); // other partials stay built-in
  });

  test('the stylesheet has print rules, repeated table headers and the error box', () => {
    const css = readFileSync(join(BUILTIN_TEMPLATES_DIR, 'assets', 'modelpress.css'), 'utf8');
    expect(css).toContain('@page { size: A4;');
    expect(css).toContain('thead { display: table-header-group; }');
    expect(css).toMatch(/figure\.mp-table, figure\.mp-chart-figure, \.katex-display, \.mp-formula, \.mp-error, pre \{\s+break-inside: avoid;/);
    expect(css).toContain('.mp-error {');
  });
});

describe('error box', () => {
  test('message, place and rule in a visible box', () => {
    const box = errorBoxHast({
      message: 'unknown metric "flop"; known metrics: params, macs',
      file: 'survey.md',
      line: 12,
      column: 3,
      ruleId: 'modelpress:unknown-metric',
    });
    expect(hastToHtml(box)).toBe(
      '<div class="mp-error" role="alert" data-rule-id="modelpress:unknown-metric"><strong class="mp-error-title">modelpress error</strong>' +
        '<code class="mp-error-where">survey.md:12:3</code><span class="mp-error-message">unknown metric "flop"; known metrics: params, macs</span>' +
        '<span class="mp-error-rule">[modelpress:unknown-metric]</span></div>',
    );
    expect(hastToHtml(errorBoxHast({ message: 'no <model>' }, { inline: true }))).toBe(
      '<span class="mp-error" role="alert"><strong class="mp-error-title">modelpress error</strong><span class="mp-error-message">no &#x3C;model></span></span>',
    );
    expect(errorBoxLatex({ message: 'missing 50% & more', file: 'a_b.md', line: 2 })).toBe(
      '\\fbox{\\parbox{0.95\\linewidth}{\\textbf{modelpress error} \\texttt{a\\_b.md:2}: missing 50\\% \\& more}}',
    );
  });
});

describe('assets', () => {
  test('KaTeX CSS, every font it refers to, and the stylesheet are copied; a second copy writes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'mp-out-'));
    const first = copyAssets(out);
    const css = join(out, 'assets', 'katex', 'katex.min.css');
    expect(existsSync(css)).toBe(true);
    expect(existsSync(join(out, 'assets', 'modelpress.css'))).toBe(true);
    // KaTeX 0.16 ships 20 font faces, each as woff2, woff and ttf
    const woff2 = first.files.filter((f) => f.endsWith('.woff2'));
    expect(woff2).toHaveLength(20);
    expect(woff2).toContain('assets/katex/fonts/KaTeX_Main-Regular.woff2');
    // every url(...) in the CSS resolves to a copied, non-empty file
    const urls = [...readFileSync(css, 'utf8').matchAll(/url\((fonts\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(urls.length).toBe(60);
    for (const u of urls) expect(statSync(join(out, 'assets', 'katex', u)).size).toBeGreaterThan(0);
    expect(first.written).toHaveLength(first.files.length);
    expect(copyAssets(out).written).toEqual([]);
  });

  test('a user stylesheet replaces the built-in one', () => {
    const user = mkdtempSync(join(tmpdir(), 'mp-css-'));
    mkdirSync(join(user, 'assets'));
    writeFileSync(join(user, 'assets', 'modelpress.css'), 'body { color: red; }\n');
    const out = mkdtempSync(join(tmpdir(), 'mp-out-'));
    copyAssets(out, { templateDirs: [user] });
    expect(readFileSync(join(out, 'assets', 'modelpress.css'), 'utf8')).toBe('body { color: red; }\n');
  });
});
