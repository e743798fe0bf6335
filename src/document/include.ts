/**
 * Parsing a document, and `::include{file=part.md}`: the included file's Markdown takes the
 * directive's place before any plugin runs, so its headings, labels, citations and directives are
 * the document's own (numbered in order, referable from anywhere). Its relative image paths are
 * rewritten against the including document, and its nodes keep their places in the included file
 * (src/document/source.ts), so a diagnostic inside included text names that file, line and column,
 * at any depth of nesting. A missing file or an include cycle is a positioned diagnostic at the
 * `::include` that names it, with an error box in place of the directive; the rest builds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Root, RootContent } from 'mdast';
import type { Processor } from 'unified';
import { visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { diagnose, type DirectiveNode, markHandled, suggestion } from './directive.js';
import { phrase, type Said } from '../i18n/index.js';
import { maskEquationLabels } from './elements.js';
import { showError } from './error-box.js';
import { placeIncluded } from './source.js';

/** Parse Markdown text: `$$ {#eq-x}` labels are read first (remark-math would not close such a block). */
export function parseMarkdown(processor: Pick<Processor, 'parse'>, text: string, filePath: string | undefined): Root {
  const { masked, labels } = maskEquationLabels(text);
  const tree = processor.parse(new VFile({ value: masked, path: filePath })) as Root;
  visit(tree, 'math', (node) => {
    const id = node.position ? labels.get(node.position.end.line) : undefined;
    if (id) node.data = { ...(node.data ?? {}), modelpressEquationId: id } as never;
  });
  return tree;
}

/** Files included inside each other at most (a chain of distinct files, which the cycle check does not stop). */
export const MAX_INCLUDE_DEPTH = 32;

/** Replace every `::include{file=…}` in `tree` (recursively) by the included file's content. */
export function expandIncludes(processor: Pick<Processor, 'parse'>, tree: Root, file: VFile, documentPath: string, stack: string[] = [documentPath]): void {
  const dir = path.dirname(documentPath);
  const found: { node: DirectiveNode; parent: { children: RootContent[] } }[] = [];
  visit(tree, (node, _index, parent) => {
    if ((node.type === 'leafDirective' || node.type === 'containerDirective') && (node as DirectiveNode).name === 'include' && parent)
      found.push({ node: node as DirectiveNode, parent: parent as never });
  });
  for (const { node, parent } of found) {
    markHandled(node);
    // At this ::include, in whichever file it is written (relocateMessages names that file).
    const fail = (reason: Said) => {
      diagnose(file, reason, { place: node.position, ruleId: 'include' });
      showError(node, file, reason, 'include');
    };
    const attrs = node.attributes ?? {};
    const unknown = Object.keys(attrs).filter((k) => k !== 'file');
    if (unknown.length > 0) {
      fail(phrase('diag.include.attribute', { name: unknown[0]! }));
      continue;
    }
    const written = attrs.file;
    if (!written) {
      fail(phrase('diag.include.needsFile'));
      continue;
    }
    const full = path.resolve(dir, written);
    if (stack.length > MAX_INCLUDE_DEPTH) {
      fail(phrase('diag.include.deep', { max: MAX_INCLUDE_DEPTH, file: path.basename(full) }));
      continue;
    }
    if (stack.includes(full)) {
      fail(phrase('diag.include.cycle', { cycle: [...stack, full].map((p) => path.basename(p)).join(' → ') }));
      continue;
    }
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      let siblings: string[] = [];
      try {
        siblings = readdirSync(path.dirname(full));
      } catch {
        /* no folder either */
      }
      fail(
        phrase('diag.include.unreadable', {
          written,
          reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
          suggestion: suggestion(
            path.basename(full),
            siblings.filter((s) => s.endsWith('.md')),
          ),
          document: path.basename(documentPath),
        }),
      );
      continue;
    }
    let included: Root;
    try {
      included = parseMarkdown(processor, text, full);
      // Its own places first (nested includes then place theirs).
      placeIncluded(file, included, full, text);
      expandIncludes(processor, included, file, full, [...stack, full]);
    } catch (err) {
      // The boundary around an include: whatever fails in it is one diagnostic at the directive.
      fail(phrase('diag.include.failed', { written, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) }));
      continue;
    }
    // Images of the included file are relative to it: rewrite them against the including document.
    visit(included, 'image', (img) => {
      if (/^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(img.url)) return;
      img.url = path
        .relative(dir, path.resolve(path.dirname(full), img.url))
        .split(path.sep)
        .join('/');
    });
    const children = included.children.filter((c) => c.type !== 'yaml');
    const at = parent.children.indexOf(node as never);
    parent.children.splice(at, 1, ...children);
  }
}
