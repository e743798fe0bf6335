/**
 * Citations in Pandoc syntax: `[@key]`, `[@a; @b, p. 3]`, `[see @a]`, `[-@a]` (no author) and
 * narrative `@key`, against the `bibliography:` files (BibTeX/BibLaTeX `.bib` or CSL-JSON `.json`)
 * and the zoo's papers (`@model:<id>` cites the paper of a declared zoo model's architecture).
 * Formatting is citeproc's, through citation-js, in the `csl:` style (a .csl file or a bundled one:
 * numeric, ieee, apa). Each citation links to its entry in the References section, placed at
 * `::bibliography` or at the end. Unknown keys, unreadable files and malformed entries are
 * positioned diagnostics; the rest builds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Root, Text, PhrasingContent, Yaml } from 'mdast';
import type { ElementContent } from 'hast';
import { h } from 'hastscript';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-csl';
import { type CitationOutput, setOutput } from '../docmodel/output.js';
import { BUILTIN_TEMPLATES_DIR } from '../render/templates.js';
import { advance, blockDirectives, diagnose, didYouMean, markHandled, SOURCE, suggestion } from './directive.js';
import { phrase } from '../i18n/index.js';
import { errorElement, errorOutput } from './error-box.js';
import { sourceSlice } from './source.js';
import { documentState, type DocumentState, type StateOptions, stateMessages } from './state.js';
import type { BookCitations, CitedWork, CslItem } from '../docmodel/types.js';
import rehypeStringify from 'rehype-stringify';
import { unified } from 'unified';

/** Bundled styles: name → file under templates/csl/. */
const BUNDLED_STYLES: Record<string, string> = { numeric: 'numeric.csl', ieee: 'ieee.csl', apa: 'apa.csl' };

const ZOO_BIB = path.join(BUILTIN_TEMPLATES_DIR, 'bibliography', 'zoo.bib');

interface Cluster {
  node: Text;
  output: CitationOutput;
  element: { data?: unknown };
  ids: string[];
}

/** Where `bibliography:` (or another key) is written in the front matter; else the block. */
function keyPlace(tree: Root, key: string) {
  const yaml = tree.children.find((n): n is Yaml => n.type === 'yaml');
  if (!yaml?.position) return undefined;
  const lines = yaml.value.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${key}:`));
  if (i < 0) return yaml.position;
  const line = yaml.position.start.line + 1 + i;
  return { start: { line, column: 1 }, end: { line, column: key.length + 1 } };
}

/** Parse a .bib entry by entry, so one malformed entry is reported (at its line) and the rest load. */
function parseBibtex(text: string, onError: (line: number, column: number, message: string) => void): CslItem[] {
  const items: CslItem[] = [];
  const starts: number[] = [];
  const re = /^[ \t]*@/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  starts.forEach((start, i) => {
    const chunk = text.slice(start, starts[i + 1] ?? text.length);
    if (/^\s*@(comment|preamble|string)\b/i.test(chunk)) return;
    const lineOffset = text.slice(0, start).split('\n').length - 1;
    try {
      const parsed = plugins.input.chain(chunk, { forceType: '@biblatex/text', generateGraph: false } as never) as CslItem[];
      items.push(...parsed);
    } catch (err) {
      const message = (err as Error).message.split('\n')[0] ?? String(err);
      const at = /at line (\d+) col (\d+)/.exec(message);
      onError(lineOffset + (at ? Number(at[1]) : 1), at ? Number(at[2]) : 1, message.replace(/ at line \d+ col \d+:?/, ''));
    }
  });
  return items;
}

function loadStyle(state: DocumentState, file: VFile, tree: Root): string {
  const csl = state.settings.csl ?? 'numeric';
  const bundled = BUNDLED_STYLES[csl];
  const stylePath = bundled ? path.join(BUILTIN_TEMPLATES_DIR, 'csl', bundled) : path.resolve(state.baseDir, csl);
  const name = bundled ? `modelpress-${csl}` : `modelpress-file:${stylePath}`;
  const config = plugins.config.get('@csl') as { templates: { has(n: string): boolean; add(n: string, xml: string): void } };
  if (config.templates.has(name)) return name;
  try {
    config.templates.add(name, readFileSync(stylePath, 'utf8'));
    return name;
  } catch (err) {
    file.message(
      `csl '${csl}' cannot be read (${(err as Error).message}); ${didYouMean(csl, Object.keys(BUNDLED_STYLES))}give a .csl file or one of ${Object.keys(BUNDLED_STYLES).join(', ')}; the numeric style is used`,
      {
        place: keyPlace(tree, 'csl'),
        ruleId: 'bibliography',
        source: SOURCE,
      },
    );
    return loadStyleNamed('numeric');
  }
}

function loadStyleNamed(csl: string): string {
  const name = `modelpress-${csl}`;
  const config = plugins.config.get('@csl') as { templates: { has(n: string): boolean; add(n: string, xml: string): void } };
  if (!config.templates.has(name)) config.templates.add(name, readFileSync(path.join(BUILTIN_TEMPLATES_DIR, 'csl', BUNDLED_STYLES[csl]!), 'utf8'));
  return name;
}

/** Every work the document can cite, by key: its bibliography files, then the zoo's papers. */
function loadWorks(state: DocumentState, file: VFile, tree: Root): Map<string, CslItem> {
  const works = new Map<string, CslItem>();
  for (const written of state.settings.bibliography) {
    const full = path.resolve(state.baseDir, written);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      const dir = path.dirname(full);
      const siblings = existsSync(dir) ? (readFileSyncDir(dir) ?? []) : [];
      file.message(
        `bibliography '${written}' cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${didYouMean(path.basename(full), siblings)}the path is relative to the Markdown file`,
        {
          place: keyPlace(tree, 'bibliography'),
          ruleId: 'bibliography',
          source: SOURCE,
        },
      );
      continue;
    }
    const shown = path.relative(process.cwd(), full) || full;
    let items: CslItem[] = [];
    if (/\.json$/i.test(full)) {
      try {
        const parsed = JSON.parse(text) as unknown;
        items = (Array.isArray(parsed) ? parsed : [parsed]) as CslItem[];
        items = items.filter((i, n) => {
          if (i && typeof i === 'object' && typeof i.id === 'string') return true;
          file.message(`${shown}: entry ${n + 1} has no string "id"; it is left out`, {
            ruleId: 'bibliography',
            source: SOURCE,
            place: keyPlace(tree, 'bibliography'),
          });
          return false;
        });
      } catch (err) {
        file.message(`${shown}: not valid CSL-JSON (${(err as Error).message}); fix the file`, {
          place: keyPlace(tree, 'bibliography'),
          ruleId: 'bibliography',
          source: SOURCE,
        });
      }
    } else {
      items = parseBibtex(text, (line, column, message) => {
        // The message names the .bib file and line: the entry is there, not in the Markdown.
        file.message(`${shown}:${line}:${column}: malformed entry (${message}); it is left out, the rest of the bibliography loads`, {
          place: keyPlace(tree, 'bibliography'),
          ruleId: 'bibliography',
          source: SOURCE,
        });
      });
    }
    for (const item of items) works.set(item.id, item);
  }
  return works;
}

function readFileSyncDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

let zooWorks: Map<string, CslItem> | undefined;
function zooPapers(): Map<string, CslItem> {
  if (!zooWorks) {
    zooWorks = new Map();
    for (const item of parseBibtex(readFileSync(ZOO_BIB, 'utf8'), (line, _c, message) => {
      throw new Error(`${ZOO_BIB}:${line}: ${message}`);
    }))
      zooWorks.set(item.id, item);
  }
  return zooWorks;
}

// `[@a; @b, p. 3]`, `[see @a]`, `[-@a]`: brackets holding at least one @key.
const BRACKETED = /\[([^[\]]*?-?@[^[\]]+)\]/g;
// Keys: letters, digits and _ : . + / - (Pandoc allows a few more, which LaTeX would read as commands).
const KEY = /(-?)@([\w][\w:.+/-]*[\w]|[\w])/;
const NARRATIVE = /(^|[^\w@.[\]-])@([A-Za-z_][\w:.+/-]*[\w]|[A-Za-z_])/g;
const XREF = /^(sec|tbl|fig|eq)-/;

interface Found {
  start: number;
  end: number;
  mode: CitationOutput['mode'];
  items: CitationOutput['items'];
}

function findCitations(value: string, bracketsOnly: boolean): Found[] {
  const found: Found[] = [];
  BRACKETED.lastIndex = 0;
  for (let m = BRACKETED.exec(value); m; m = BRACKETED.exec(value)) {
    const parts = m[1]!.split(';');
    const items: CitationOutput['items'] = [];
    let suppress = false;
    let ok = true;
    for (const part of parts) {
      const k = KEY.exec(part);
      if (!k || XREF.test(k[2]!)) {
        ok = false;
        break;
      }
      if (k[1]) suppress = true;
      const prefix = part.slice(0, k.index).trim();
      const rest = part
        .slice(k.index + k[0].length)
        .replace(/^\s*,\s*/, '')
        .trim();
      const loc = /^(p\.|pp\.|page|pages|chap\.|sec\.|§)?\s*([\d-–,]+)(.*)$/.exec(rest);
      items.push({
        key: k[2]!,
        prefix: prefix || undefined,
        locator: loc ? rest.slice(0, rest.length - loc[3]!.length).trim() : undefined,
        suffix: loc ? loc[3]!.trim() || undefined : rest || undefined,
      });
    }
    if (ok && items.length > 0) found.push({ start: m.index, end: m.index + m[0].length, mode: suppress ? 'suppress-author' : 'normal', items });
  }
  if (!bracketsOnly) {
    NARRATIVE.lastIndex = 0;
    for (let m = NARRATIVE.exec(value); m; m = NARRATIVE.exec(value)) {
      const start = m.index + m[1]!.length;
      const key = m[2]!.replace(/[.:]+$/, '');
      if (XREF.test(key) || found.some((f) => start >= f.start && start < f.end)) continue;
      found.push({ start, end: start + 1 + key.length, mode: 'narrative', items: [{ key }] });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * remark-directive reads the `:r50` of `@model:r50` as a text directive; put such pieces (no `{…}`,
 * right after an `@key`) back into the text before looking for citations.
 */
function restoreKeyColons(tree: Root, file: VFile): void {
  visit(tree, (node) => {
    const children = (node as { children?: PhrasingContent[] }).children;
    if (!children) return;
    for (let i = 1; i < children.length; i++) {
      const prev = children[i - 1]!;
      const cur = children[i]!;
      if (cur.type !== 'textDirective' || prev.type !== 'text' || !/@[\w.-]+$/.test(prev.value)) continue;
      const written = sourceSlice(file, cur.position);
      if (written === undefined) continue;
      if (written.includes('{')) continue;
      prev.value += written;
      if (prev.position && cur.position) prev.position = { start: prev.position.start, end: cur.position.end };
      children.splice(i, 1);
      const next = children[i];
      if (next?.type === 'text') {
        prev.value += next.value;
        if (prev.position && next.position) prev.position = { start: prev.position.start, end: next.position.end };
        children.splice(i, 1);
      }
      i--;
    }
  });
}

function familyNames(item: CslItem | undefined): string {
  const authors = item?.author ?? [];
  const name = (a: { family?: string; literal?: string }) => a.family ?? a.literal ?? '';
  if (authors.length === 0) return '';
  if (authors.length === 1) return name(authors[0]!);
  if (authors.length === 2) return `${name(authors[0]!)} and ${name(authors[1]!)}`;
  return `${name(authors[0]!)} et al.`;
}

export default function remarkModelpressCitations(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    const bibliographyDirectives = blockDirectives(tree, 'bibliography');
    bibliographyDirectives.forEach((p) => markHandled(p));
    restoreKeyColons(tree, file);
    const works = loadWorks(state, file, tree);
    const hasBibliography = state.settings.bibliography.length > 0;
    const clusters: Cluster[] = [];
    const cited = new Map<string, CslItem>();

    const resolve = (key: string): CslItem | undefined => {
      const own = works.get(key);
      if (own) return own;
      const m = /^model:(.+)$/.exec(key);
      if (!m) return undefined;
      const model = state.registry.get(m[1]!);
      if (model?.source.kind !== 'zoo') return undefined;
      const paper = zooPapers().get(model.source.entry.family.toLowerCase());
      return paper ? { ...paper, id: key, 'citation-key': key } : undefined;
    };
    // A zoo model's paper that the bibliography also holds (same DOI, or same title and year) is that
    // entry: `[@model:speckle]` and `[@li2018speckle]` are one work, listed once.
    const sameWork = (a: CslItem, b: CslItem): boolean => {
      const doi = (i: CslItem) => (typeof i.DOI === 'string' ? i.DOI.toLowerCase() : undefined);
      if (doi(a) && doi(b)) return doi(a) === doi(b);
      const title = (i: CslItem) =>
        String(i.title ?? '')
          .toLowerCase()
          .replace(/[^\p{L}\p{N}]+/gu, '');
      const year = (i: CslItem) => (i.issued as { 'date-parts'?: unknown[][] } | undefined)?.['date-parts']?.[0]?.[0];
      return title(a) !== '' && title(a) === title(b) && year(a) === year(b);
    };
    const canonical = (key: string): string => {
      if (!key.startsWith('model:') || works.has(key)) return key;
      const paper = resolve(key);
      const own = paper ? [...works.values()].find((w) => sameWork(w, paper)) : undefined;
      return own?.id ?? key;
    };
    const knownKeys = () => [
      ...works.keys(),
      ...state.registry
        .ids()
        .filter((id) => state.registry.get(id)?.source.kind === 'zoo')
        .map((id) => `model:${id}`),
    ];

    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('@')) return;
      const found = findCitations(node.value, !hasBibliography && !/@model:/.test(node.value));
      if (found.length === 0) return;
      const out: PhrasingContent[] = [];
      let last = 0;
      for (const f of found) {
        if (f.start < last) continue;
        if (f.start > last) out.push({ type: 'text', value: node.value.slice(last, f.start) });
        const begin = node.position ? advance(node.position.start, node.value.slice(0, f.start)) : undefined;
        const place = begin ? { start: begin, end: advance(begin, node.value.slice(f.start, f.end)) } : undefined;
        const unknown = f.items.filter((i) => !resolve(i.key));
        if (unknown.length > 0) {
          if (f.mode === 'narrative' && !hasBibliography) {
            out.push({ type: 'text', value: node.value.slice(f.start, f.end) });
            last = f.end;
            continue;
          }
          const key = unknown[0]!.key;
          const known = knownKeys();
          const reason =
            !hasBibliography && !key.startsWith('model:')
              ? phrase('diag.cite.noBibliography', { key })
              : key.startsWith('model:')
                ? phrase('diag.cite.model', {
                    key,
                    why: state.registry.get(key.slice(6))
                      ? phrase('diag.cite.notZoo', { id: key.slice(6) })
                      : phrase('diag.cite.undeclared', { id: key.slice(6), suggestion: suggestion(key, known) }),
                  })
                : phrase('diag.cite.unknown', {
                    key,
                    suggestion: suggestion(key, known),
                    size: known.length
                      ? phrase('diag.cite.size', { count: known.length, entryWord: phrase(known.length === 1 ? 'diag.cite.entry' : 'diag.cite.entries') })
                      : phrase('diag.cite.empty'),
                  });
          diagnose(file, reason, { place, ruleId: 'unknown-citation' });
          const at = { type: 'text', position: place } as Text;
          const box = errorElement(at, file, reason, 'unknown-citation');
          const text = {
            type: 'text',
            value: node.value.slice(f.start, f.end),
            data: { hName: box.tagName, hProperties: box.properties, hChildren: box.children },
          } as Text;
          setOutput(text, errorOutput(at, file, reason, 'unknown-citation'));
          out.push(text);
          last = f.end;
          continue;
        }
        for (const i of f.items) {
          i.key = canonical(i.key);
          cited.set(i.key, resolve(i.key)!);
        }
        const output: CitationOutput = { kind: 'citation', items: f.items, mode: f.mode, html: '' };
        const element = { type: 'text', value: node.value.slice(f.start, f.end), data: { hName: 'span', hProperties: { className: ['mp-cite'] } } } as Text;
        setOutput(element, output);
        clusters.push({ node: element, output, element, ids: f.items.map((i) => i.key) });
        out.push(element);
        last = f.end;
      }
      if (last < node.value.length) out.push({ type: 'text', value: node.value.slice(last) });
      parent.children.splice(index, 1, ...(out as never[]));
      return index + out.length;
    });

    const book = state.bookCitations;
    if (book) {
      // A book has one References, with every chapter's works: the book fills this place once all
      // chapters are built (or, without any ::bibliography, writes a References page of its own).
      bibliographyDirectives.forEach((p, i) => {
        p.children = [];
        if (i === 0) {
          p.data = {
            ...(p.data ?? {}),
            hName: 'section',
            hProperties: { className: ['mp-references'], id: 'references' },
            hChildren: [{ type: 'raw', value: BOOK_REFERENCES_MARK } as never],
          };
          setOutput(p, { kind: 'bibliography', works: [], book: true });
        } else {
          file.message('::bibliography is placed more than once; the References are shown at the first', {
            place: p.position,
            ruleId: 'bibliography',
            source: SOURCE,
          });
          (p.data as Record<string, unknown>).hName = 'div';
        }
      });
    }
    if (cited.size === 0) {
      if (book) return;
      for (const p of bibliographyDirectives) (p.data as Record<string, unknown>).hName = 'div';
      for (const p of bibliographyDirectives) p.children = [];
      return;
    }
    // In a book the chapters before this one are cited first (numbered first), in one style.
    const style = book?.style ?? loadStyle(state, file, tree);
    const before = book?.clusters ?? [];
    const items = new Map([...(book?.items ?? []), ...cited]);
    const own = clusters.map((c, i) => clusterInput(c.output, `c${before.length + i}`));
    const { htmlOf, works: all } = formatCitations([...items.values()], style, [...before, ...own]);
    // References on another page of the book: cite links go there.
    const refsPage = book && book.page !== state.documentName ? `${book.page}.html` : '';
    clusters.forEach((c, i) => {
      const formatted = htmlOf.get(`c${before.length + i}`) ?? '';
      const names = c.output.mode === 'narrative' ? familyNames(cited.get(c.ids[0]!)) : '';
      c.output.html = names ? `${names} ${formatted}` : formatted;
      const raw: ElementContent = { type: 'raw', value: formatted } as unknown as ElementContent;
      const inner: ElementContent[] = state.settings.linkCitations
        ? [h('a', { href: `${refsPage}#ref-${c.ids[0]}`, className: ['mp-cite-link'] }, [raw])]
        : [raw];
      (c.element.data as Record<string, unknown>).hChildren = names ? [{ type: 'text', value: `${names} ` }, ...inner] : inner;
    });
    const works2 = all.filter((w) => cited.has(w.key));
    state.data.citations = works2;
    if (book) {
      book.style ??= style;
      book.clusters.push(...own);
      for (const [key, item] of cited) book.items.set(key, item);
      return;
    }
    const section = referencesSection(works2, stateMessages(state).t('bibliography.title'));
    const target = bibliographyDirectives[0];
    if (target) {
      target.data = { ...(target.data ?? {}), hName: 'section', hProperties: section.properties as never, hChildren: section.children as never };
      target.children = [];
      setOutput(target, { kind: 'bibliography', works: works2 });
      for (const extra of bibliographyDirectives.slice(1)) {
        file.message('::bibliography is placed more than once; the References are shown at the first', {
          place: extra.position,
          ruleId: 'bibliography',
          source: SOURCE,
        });
        extra.data = { ...(extra.data ?? {}), hName: 'div' };
        extra.children = [];
      }
    } else {
      const node = { type: 'mpBibliography', data: { hName: 'section', hProperties: section.properties, hChildren: section.children } };
      setOutput(node, { kind: 'bibliography', works: works2 });
      tree.children.push(node as never);
    }
  };
}

/** Where a book's References go in a chapter's HTML (filled by the book, src/project/book.ts). */
export const BOOK_REFERENCES_MARK = '<!--modelpress:book-references-->';

function clusterInput(output: CitationOutput, citationID: string): unknown {
  return {
    citationID,
    citationItems: output.items.map((it) => ({
      id: it.key,
      locator: it.locator?.replace(/^(p\.|pp\.|page|pages)\s*/, ''),
      label: it.locator ? 'page' : undefined,
      prefix: it.prefix ? `${it.prefix} ` : undefined,
      suffix: it.suffix ? ` ${it.suffix}` : undefined,
      'suppress-author': output.mode === 'suppress-author' ? true : undefined,
    })),
    properties: { noteIndex: 0 },
  };
}

/** citeproc over the clusters, in order: each cluster's formatted HTML by citationID, and the bibliography. */
function formatCitations(data: CslItem[], style: string, clusters: unknown[]): { htmlOf: Map<string, string>; works: CitedWork[] } {
  const csl = plugins.config.get('@csl') as { engine(data: CslItem[], style: string, locale: string, format: string): CiteprocEngine };
  const byKey = new Map(data.map((d) => [d.id, d]));
  const engine = csl.engine(data, style, 'en-US', 'html');
  const result = engine.rebuildProcessorState(clusters, 'html');
  const htmlOf = new Map(result.map(([id, , html]) => [id, html]));
  const [meta, entries] = engine.makeBibliography();
  const works = meta.entry_ids.map((ids, i) => {
    const key = ids[0]!;
    const html = entries[i] ?? '';
    return {
      key,
      html: html.trim(),
      text: html
        .replace(/<[^>]+>/g, '')
        .replace(/&amp;/g, '&')
        .replace(/&#38;/g, '&')
        .replace(/\s+/g, ' ')
        .trim(),
      csl: byKey.get(key),
    };
  });
  return { htmlOf, works };
}

function referencesSection(works: readonly CitedWork[], title = 'References') {
  return h('section', { className: ['mp-references'], id: 'references' }, [
    h('h2', title),
    h(
      'div',
      { className: ['csl-bib-body'] },
      works.map((w) =>
        h('div', { className: ['csl-entry'], id: `ref-${w.key}` }, [{ type: 'raw', value: w.html.replace(/^<div class="csl-entry">|<\/div>$/g, '') } as never]),
      ),
    ),
  ]);
}

/** The book's one References (every chapter's works, in the style's order), as HTML and as works. */
export function bookReferences(book: BookCitations, title = 'References'): { works: CitedWork[]; html: string } | undefined {
  if (book.items.size === 0 || !book.style) return undefined;
  const { works } = formatCitations([...book.items.values()], book.style, book.clusters);
  return {
    works,
    html: unified()
      .use(rehypeStringify, { allowDangerousHtml: true })
      .stringify({ type: 'root', children: [referencesSection(works, title)] }),
  };
}

interface CiteprocEngine {
  rebuildProcessorState(citations: unknown[], format: string): [string, number, string][];
  makeBibliography(): [{ entry_ids: string[][] }, string[]];
}
