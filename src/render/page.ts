/**
 * The HTML page around a rendered body (templates/page.hbs + partials/*.hbs, user-overridable), and
 * the error box shown where a directive failed.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { h } from 'hastscript';
import type { Element } from 'hast';
import { compileTemplateFile, findTemplate, templateSearchPath } from './templates.js';
import { escapeLatexText } from './latex-escape.js';
import { ENGLISH } from '../i18n/index.js';
import { TemplateError } from './types.js';
import type { ErrorBoxData, PageData } from './types.js';

export interface PageOptions {
  /** User template folders (holding `page.hbs`, `partials/…`), searched before the built-in one. */
  templateDirs?: readonly string[] | undefined;
}

/** Partial name → file: every `partials/*.hbs` in the search path, the first folder's file winning. */
function pagePartials(templateDirs: readonly string[] = []): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of templateSearchPath(templateDirs)) {
    let names: string[];
    try {
      names = readdirSync(join(dir, 'partials'));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (!name.endsWith('.hbs') || name.endsWith('.tex.hbs')) continue;
      const partial = basename(name, '.hbs');
      if (!found.has(partial)) found.set(partial, join(dir, 'partials', name));
    }
  }
  return found;
}

/**
 * The whole HTML page. Text fields (title, author, date) are HTML-escaped by the template; `body`
 * is inserted as is. Links point to `<assetsHref>/katex/katex.min.css` and `<assetsHref>/modelpress.css`
 * (copied there by `copyAssets`), so the page works offline.
 */
export function renderPage(data: PageData, options: PageOptions = {}): string {
  const dirs = options.templateDirs ?? [];
  const pagePath = findTemplate(['page.hbs'], dirs);
  if (!pagePath) throw new TemplateError('no page template found', 'page.hbs');
  // A fresh environment per page, so partials of one content folder never leak into another's.
  const hbs = Handlebars.create();
  for (const [name, path] of pagePartials(dirs)) {
    const partial = compileTemplateFile(path, hbs, { noEscape: false });
    hbs.registerPartial(name, (ctx: unknown) => partial(ctx));
  }
  const render = compileTemplateFile(pagePath, hbs, { noEscape: false });
  return render({
    title: data.title,
    author: data.author,
    date: data.date,
    lang: data.lang ?? 'en',
    footer: data.footer ?? ENGLISH.t('footer.text'),
    assetsHref: (data.assetsHref ?? 'assets').replace(/\/+$/, ''),
    body: data.body,
  });
}

/** `file.md:12:3`, `file.md:12`, `file.md` or '' — the place, as compilers print it. */
export function placeText(d: ErrorBoxData): string {
  if (!d.file && d.line === undefined) return '';
  const parts = [d.file ?? '<input>'];
  if (d.line !== undefined) parts.push(String(d.line));
  if (d.line !== undefined && d.column !== undefined) parts.push(String(d.column));
  return parts.join(':');
}

/**
 * A visible box in place of a failed directive: `<div class="mp-error" role="alert">` with the
 * place, the message and the rule id; `inline` gives a `<span>` for directives inside prose.
 */
export function errorBoxHast(d: ErrorBoxData, options: { inline?: boolean; title?: string | undefined } = {}): Element {
  const where = placeText(d);
  const children = [
    h('strong', { className: 'mp-error-title' }, options.title ?? 'modelpress error'),
    ...(where ? [h('code', { className: 'mp-error-where' }, where)] : []),
    h('span', { className: 'mp-error-message' }, d.message),
    ...(d.ruleId ? [h('span', { className: 'mp-error-rule' }, `[${d.ruleId}]`)] : []),
  ];
  return h(options.inline ? 'span' : 'div', { className: 'mp-error', role: 'alert', dataRuleId: d.ruleId }, children);
}

/** The same box for the LaTeX export: a framed, bold note that cannot pass unnoticed. */
export function errorBoxLatex(d: ErrorBoxData, title = 'modelpress error'): string {
  const where = placeText(d);
  return `\\fbox{\\parbox{0.95\\linewidth}{\\textbf{${escapeLatexText(title)}}${where ? ` \\texttt{${escapeLatexText(where)}}` : ''}: ${escapeLatexText(d.message)}}}`;
}
