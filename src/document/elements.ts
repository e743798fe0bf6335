/**
 * Pandoc/Quarto element syntax on plain Markdown, run before numbering:
 *
 * - headings: a trailing `{#sec-x}` (and `.unnumbered`, `-`) is the heading's id and leaves its text;
 *   every heading gets a stable id (the explicit one, else a slug of its text, made unique);
 * - `![caption](path){#fig-x width=60%}` alone in a paragraph: a numbered figure with its caption;
 * - a Markdown table with a `: caption {#tbl-x}` paragraph right after (or before) it: a numbered table;
 * - `$$ … $$ {#eq-x}`: a labelled, numbered display equation (multi-line form: the label after the
 *   closing `$$`, read by maskEquationLabels when parsing, src/document/include.ts);
 * - every local image: checked, and listed as an asset to copy beside the HTML (output-relative path).
 *
 * Each element gets `data.modelpressLabel` (what the numbering pass counts) and its output.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Heading, Image, Paragraph, Parents, PhrasingContent, Root, Table, Text } from 'mdast';
import type { Math as MathNode } from 'mdast-util-math';
import { SKIP, visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { type ElementLabel, setOutput } from '../docmodel/output.js';
export { labelOf } from '../docmodel/output.js';
import { didYouMean, SOURCE } from './directive.js';
import { documentState, type DocumentState, type StateOptions } from './state.js';

function setLabel(node: { data?: unknown }, label: ElementLabel, id?: string): void {
  const data = (node.data as Record<string, unknown> | undefined) ?? {};
  const hProperties = { ...((data.hProperties as object | undefined) ?? {}), ...(id ? { id } : {}) };
  node.data = { ...data, modelpressLabel: label, hProperties };
}

/** `{#id .class key=value}` → its parts; undefined when the braces hold something else. */
function parseAttributes(inner: string): { id?: string; classes: string[]; values: Record<string, string> } | undefined {
  const out: { id?: string; classes: string[]; values: Record<string, string> } = { classes: [], values: {} };
  const tokens = inner.match(/[^\s"]+="[^"]*"|\S+/g) ?? [];
  if (tokens.length === 0) return undefined;
  for (const t of tokens) {
    if (t.startsWith('#') && t.length > 1) out.id = t.slice(1);
    else if (t.startsWith('.') && t.length > 1) out.classes.push(t.slice(1));
    else if (t === '-') out.classes.push('unnumbered');
    else if (/^[\w-]+=/.test(t)) {
      const eq = t.indexOf('=');
      out.values[t.slice(0, eq)] = t.slice(eq + 1).replace(/^"|"$/g, '');
    } else return undefined;
  }
  return out;
}

const TRAILING_ATTRIBUTES = /\s*\{([^{}]*)\}\s*$/;

/** A slug as GitHub and Pandoc make them: lower case, letters, digits, `-` and `_`. */
function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
  return s === '' ? 'section' : s;
}

/** Label lines of multi-line display equations (`$$ {#eq-x}` closing a block), by line number. */
export function maskEquationLabels(source: string): { masked: string; labels: Map<number, string> } {
  const labels = new Map<number, string>();
  const lines = source.split('\n');
  let open = false;
  lines.forEach((line, i) => {
    if (/^\s*\$\$\s*$/.test(line)) {
      open = !open;
      return;
    }
    const m = /^(\s*\$\$)(\s*\{#(eq-[\w-]+)\}\s*)$/.exec(line);
    if (m && open) {
      labels.set(i + 1, m[3]!);
      lines[i] = m[1]! + ' '.repeat(m[2]!.length);
      open = false;
    } else if (!open && /^\s*\$\$[^$]*$/.test(line) && !/\$\$.*\$\$/.test(line)) open = true;
  });
  return { masked: lines.join('\n'), labels };
}

export default function remarkModelpressElements(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    // `references` is the References section's id (src/document/citations.ts): a heading "References" gets references-1.
    const used = new Set<string>(['references']);
    const unique = (base: string): string => {
      let id = base;
      for (let i = 1; used.has(id); i++) id = `${base}-${i}`;
      used.add(id);
      return id;
    };
    visit(tree, (node, index, parent) => {
      if (node.type === 'heading') {
        heading(node, unique, file);
        return SKIP;
      }
      if (node.type === 'math') {
        const id = (node.data as { modelpressEquationId?: string } | undefined)?.modelpressEquationId;
        if (id) setLabel(node, { kind: 'equation', id }, id);
        return SKIP;
      }
      if (node.type === 'paragraph' && parent && index !== undefined) {
        const eq = singleLineEquation(node);
        if (eq) {
          const math: MathNode = { type: 'math', value: eq.value, position: node.position };
          setLabel(math, { kind: 'equation', id: eq.id }, eq.id);
          parent.children.splice(index, 1, math as never);
          return SKIP;
        }
        if (figure(node, file)) return SKIP;
      }
      if (node.type === 'table' && parent && index !== undefined) {
        tableCaption(node, parent, index, file);
        return SKIP;
      }
      return undefined;
    });
    visit(tree, 'image', (node: Image) => void asset(node, file, state));
  };
}

function heading(node: Heading, unique: (base: string) => string, file: VFile): void {
  const last = node.children[node.children.length - 1];
  let id: string | undefined;
  let unnumbered = false;
  if (last?.type === 'text') {
    const m = TRAILING_ATTRIBUTES.exec(last.value);
    const attrs = m ? parseAttributes(m[1]!) : undefined;
    if (m && attrs) {
      last.value = last.value.slice(0, m.index);
      if (last.value === '') node.children.pop();
      id = attrs.id;
      unnumbered = attrs.classes.includes('unnumbered');
      if (id && !id.startsWith('sec-')) {
        file.message(`heading id '#${id}' does not start with 'sec-', so @${id} cannot refer to it; write {#sec-${id}}`, {
          place: last.position,
          ruleId: 'bad-attribute',
          source: SOURCE,
        });
      }
    }
  }
  const text = node.children.map((c) => ('value' in c ? c.value : '')).join('');
  const final = id ? (unique(id), id) : unique(slug(plainHeadingText(node.children) || text));
  setLabel(node, { kind: 'section', id: id?.startsWith('sec-') ? id : undefined, unnumbered }, final);
}

function plainHeadingText(nodes: readonly PhrasingContent[]): string {
  return nodes
    .map((n) => ('value' in n && typeof n.value === 'string' ? n.value : 'children' in n ? plainHeadingText(n.children as PhrasingContent[]) : ''))
    .join('');
}

/** `$$ E = mc^2 $$ {#eq-x}` on one line: remark-math reads inline math followed by the label. */
function singleLineEquation(node: Paragraph): { value: string; id: string } | undefined {
  const [math, label, ...rest] = node.children;
  if (rest.length > 0 || math?.type !== 'inlineMath' || label?.type !== 'text') return undefined;
  const m = /^\s*\{#(eq-[\w-]+)\}\s*$/.exec(label.value);
  return m ? { value: math.value, id: m[1]! } : undefined;
}

function figure(node: Paragraph, file: VFile): boolean {
  const [image, attrText, ...rest] = node.children;
  if (rest.length > 0 || image?.type !== 'image') return false;
  let attrs: ReturnType<typeof parseAttributes> = { classes: [], values: {} };
  if (attrText) {
    if (attrText.type !== 'text') return false;
    const m = /^\s*\{([^{}]*)\}\s*$/.exec(attrText.value);
    attrs = m ? parseAttributes(m[1]!) : undefined;
    if (!attrs) return false;
    node.children = [image];
  }
  const caption = image.alt ?? '';
  if (attrs.id && !attrs.id.startsWith('fig-')) {
    file.message(`figure id '#${attrs.id}' should start with 'fig-' (e.g. #fig-${attrs.id}) so that @fig-… references find it`, {
      place: attrText?.position,
      ruleId: 'bad-attribute',
      source: SOURCE,
    });
  }
  const width = attrs.values.width;
  if (width !== undefined && !/^\d+(\.\d+)?(%|px|cm|mm|in|pt|em)$/.test(width)) {
    file.message(`figure width '${width}' is not a length; write e.g. width=60% or width=8cm`, {
      place: attrText?.position,
      ruleId: 'bad-attribute',
      source: SOURCE,
    });
  }
  const numbered = caption.trim() !== '' || attrs.id !== undefined;
  setLabel(node, { kind: 'figure', id: attrs.id, unnumbered: !numbered }, attrs.id);
  const data = node.data as Record<string, unknown>;
  data.hName = 'figure';
  data.hProperties = { ...(data.hProperties as object), className: ['mp-figure'] };
  (image.data ??= {}).hProperties = {
    ...(image.data.hProperties ?? {}),
    ...(width && /^\d+(\.\d+)?(%|px|cm|mm|in|pt|em)$/.test(width) ? { style: `width:${width}` } : {}),
  };
  (node.data as Record<string, unknown>).modelpressFigure = { caption, width };
  return true;
}

function tableCaption(node: Table, parent: Parents, index: number, file: VFile): void {
  const next = parent.children[index + 1];
  const prev = index > 0 ? parent.children[index - 1] : undefined;
  const candidate = [next, prev].find(
    (p): p is Paragraph => p?.type === 'paragraph' && p.children[0]?.type === 'text' && /^(:|Table:)\s/.test(p.children[0].value),
  );
  if (!candidate) return;
  const first = candidate.children[0] as Text;
  first.value = first.value.replace(/^(:|Table:)\s+/, '');
  let id: string | undefined;
  const last = candidate.children[candidate.children.length - 1];
  if (last?.type === 'text') {
    const m = TRAILING_ATTRIBUTES.exec(last.value);
    const attrs = m ? parseAttributes(m[1]!) : undefined;
    if (m && attrs) {
      last.value = last.value.slice(0, m.index);
      id = attrs.id;
      if (id && !id.startsWith('tbl-')) {
        file.message(`table id '#${id}' should start with 'tbl-' (e.g. #tbl-${id}) so that @tbl-… references find it`, {
          place: last.position,
          ruleId: 'bad-attribute',
          source: SOURCE,
        });
      }
    }
  }
  // The table and its caption become one figure: caption first, as the HTML of ::table has it.
  const captionNode: Paragraph = { type: 'paragraph', children: candidate.children, data: { hName: 'figcaption' } };
  const wrapper = {
    type: 'mpTableFigure',
    children: [captionNode, node],
    data: { hName: 'figure', hProperties: { className: ['mp-table', 'mp-md-table'] } },
    position: node.position,
  };
  setLabel(wrapper, { kind: 'table', id }, id);
  setOutput(wrapper, { kind: 'table-caption', id });
  const from = Math.min(index, parent.children.indexOf(candidate as never));
  parent.children.splice(from, 2, wrapper as never);
}

/** A local image: found (else a positioned diagnostic with did-you-mean) and listed as an asset. */
function asset(node: Image, file: VFile, state: DocumentState): void {
  const url = node.url;
  if (url === '' || /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//') || url.startsWith('#')) return;
  const written = decodeURI(url.split(/[?#]/)[0]!);
  const source = path.resolve(state.baseDir, written);
  const rel = path.relative(state.baseDir, source).split(path.sep).join('/');
  const target = rel.startsWith('../') || path.isAbsolute(rel) ? `media/${path.basename(source)}` : rel;
  const found = existsSync(source) && statSync(source).isFile();
  if (!found) {
    let siblings: string[] = [];
    try {
      siblings = readdirSync(path.dirname(source));
    } catch {
      /* the folder is missing too */
    }
    file.message(
      `image '${written}' not found (looked for ${source}); ${didYouMean(path.basename(source), siblings)}fix the path (it is relative to the Markdown file)`,
      {
        place: node.position,
        ruleId: 'missing-asset',
        source: SOURCE,
      },
    );
  } else if (!state.data.assets.some((a) => a.target === target)) {
    state.data.assets.push({ source, target });
  }
  node.url = target;
  (node.data as Record<string, unknown> | undefined) ??= {};
  (node.data as Record<string, unknown>).modelpressAsset = { target, found };
}
