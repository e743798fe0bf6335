/**
 * Numbering and cross-references. Numbered, in order of appearance and per kind: sections (with
 * `number-sections: true`, hierarchically: 2, 2.1), tables (`::table`, captioned Markdown tables),
 * figures (`::chart`, captioned image figures), equations (labelled `::formula` and `$$ … $$ {#eq-x}`).
 * Every table and figure gets a number (labelled or not), so captions and references agree.
 * `@sec-x`, `@tbl-x`, `@fig-x`, `@eq-x` in prose become links reading "Section 2", "Table 1"; an
 * unknown one is a diagnostic at its place, shown in red. `toc: true` puts a table of contents first.
 */
import type { Heading, PhrasingContent, Root, RootContent, Text } from 'mdast';
import { h } from 'hastscript';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { labelOf, numberOf, setOutput } from '../docmodel/output.js';
import { ID_PREFIX, type ItemKind, type ItemNumber, KIND_OF_PREFIX, type Reference } from '../docmodel/types.js';
import { ENGLISH, type Messages, phrase, type Said } from '../i18n/index.js';
import { plainText, titleHeading } from '../docmodel/title.js';
import { advance, diagnose, type DirectiveNode, isDirective, names, report, SOURCE, suggestion } from './directive.js';
import { errorElement, errorOutput } from './error-box.js';
import { documentState, type DocumentState, type StateOptions, stateMessages } from './state.js';

const KIND_OF_DIRECTIVE: Record<string, ItemKind> = { table: 'table', chart: 'figure', formula: 'equation' };

/** ::complexity is a table, or a figure with show=chart. */
function kindOf(node: DirectiveNode): ItemKind | undefined {
  if (node.name === 'complexity') return node.attributes?.show === 'chart' ? 'figure' : 'table';
  return KIND_OF_DIRECTIVE[node.name];
}

export { numberOf } from '../docmodel/output.js';

function setNumber(node: { data?: unknown }, number: ItemNumber): void {
  node.data = { ...((node.data as object | undefined) ?? {}), modelpressNumber: number };
}

/** How to label an item of the kind an id's prefix names (`fig-x` → a figure), for a remedy. */
function labelExample(id: string): Said {
  switch (KIND_OF_PREFIX[id.split('-')[0] ?? '']) {
    case 'figure':
      return phrase('diag.ref.labelFigure', { id });
    case 'equation':
      return phrase('diag.ref.labelEquation', { id });
    case 'section':
      return phrase('diag.ref.labelSection', { id });
    default:
      return phrase('diag.ref.labelTable', { id });
  }
}

/**
 * Number the labelled and numbered items; run after the element syntax, before the directives render.
 *
 * In a book (as in Quarto books and LaTeX's report class) every chapter's top-level heading is a
 * chapter: chapters count on from one chapter file to the next, and tables, figures and equations
 * count per chapter with its number first (Table 2.1, Figure 2.1, Equation (2.1)); a top-level
 * heading written `{.unnumbered}` starts no chapter.
 */
export function remarkModelpressNumbering(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    const start = state.counterStart;
    const counters: Record<ItemKind, number> = { section: 0, table: start?.table ?? 0, figure: start?.figure ?? 0, equation: start?.equation ?? 0 };
    // In a book every chapter's headings are sections (the book has the title).
    const book = inBook(state);
    const title = book ? undefined : titleHeading(tree, state.settings.title)?.node;
    const depths = tree.children.filter((n): n is Heading => n.type === 'heading' && n !== title).map((n) => n.depth);
    const top = depths.length > 0 ? Math.min(...depths) : 1;
    const levels: number[] = [start?.topSection ?? 0];
    /** As shown: `3`, or in a book `2.1` (no chapter yet: `3`, as LaTeX's report class writes it). */
    const shown = (n: number): ItemNumber => (book && (levels[0] ?? 0) > 0 ? `${levels[0]}.${n}` : n);
    const register = (
      node: { data?: unknown; position?: RootContent['position'] },
      kind: ItemKind,
      id: string | undefined,
      extra: Partial<Reference> = {},
      directive?: DirectiveNode,
    ): boolean => {
      if (id) {
        const expected = ID_PREFIX[kind];
        if (directive && !id.startsWith(`${expected}-`)) {
          report(
            file,
            directive,
            `the id of a ::${directive.name} should start with '${expected}-' (e.g. #${expected}-${id}) so that @${expected}-… references find it`,
            'bad-attribute',
            'id',
          );
        }
        if (state.numbers.has(id)) {
          if (directive) report(file, directive, `id '${id}' is used twice; give each labelled item its own id`, 'duplicate-id', 'id');
          else file.message(`id '${id}' is used twice; give each labelled item its own id`, { place: node.position, ruleId: 'duplicate-id', source: SOURCE });
          return false;
        }
      }
      const number = kind === 'section' ? ++counters.section : shown(++counters[kind]);
      setNumber(node, number);
      if (id) {
        const ref: Reference = { id, kind, number, ...extra };
        state.numbers.set(id, ref);
        state.data.references.push(ref);
      }
      return true;
    };
    visit(tree, (node) => {
      if (isDirective(node)) {
        if (node.type === 'textDirective') return;
        const kind = kindOf(node);
        if (!kind) return;
        const id = node.attributes?.id ?? undefined;
        if (kind === 'equation' && !id) return;
        register(node, kind, id, {}, node);
        return;
      }
      const label = labelOf(node);
      if (!label) return;
      if (label.kind === 'section') {
        const heading = node as Heading;
        if (heading === title) {
          // The title is no numbered section, but its label can be referred to (by its text).
          if (label.id) register(heading, 'section', label.id, { title: plainText(heading.children).trim() });
          counters.section = 0;
          return;
        }
        const level = Math.max(0, heading.depth - top);
        let text: string | undefined;
        if (!label.unnumbered) {
          levels.length = level + 1;
          for (let i = 0; i < level; i++) levels[i] ??= 0;
          levels[level] = (levels[level] ?? 0) + 1;
          // A new chapter: its tables, figures and equations count from 1 (LaTeX's report class does the same).
          if (book && level === 0) counters.table = counters.figure = counters.equation = 0;
        }
        if ((state.settings.numberSections || book) && !label.unnumbered) {
          text = levels.map((n) => n ?? 0).join('.');
          heading.children.unshift({
            type: 'text',
            value: text,
            data: {
              hName: 'span',
              hProperties: { className: ['mp-section-number'] },
              hChildren: [{ type: 'text', value: text }],
              modelpressOutput: { kind: 'section-number' },
            },
          } as Text);
          heading.children.splice(1, 0, { type: 'text', value: ' ' });
        }
        const headingTitle = plainText(heading.children).trim();
        if (register(heading, 'section', label.id, { text, title: headingTitle, ...(book && level === 0 ? { chapter: true } : {}) })) {
          (heading.data as Record<string, unknown>).modelpressSection = { text, unnumbered: label.unnumbered === true };
        }
        return;
      }
      if (label.kind === 'figure' && label.unnumbered) return;
      if (!register(node, label.kind, label.id)) return;
      if (label.kind === 'figure') figureCaption(node as never, numberOf(node)!, stateMessages(state));
      if (label.kind === 'table') tableCaptionNumber(node as never, numberOf(node)!, stateMessages(state));
      if (label.kind === 'equation') equationNumber(node as never, numberOf(node)!, label.id);
    });
    state.counted = { table: counters.table, figure: counters.figure, equation: counters.equation, topSection: levels[0] ?? 0 };
    if (state.settings.toc) insertToc(tree, title, stateMessages(state));
  };
}

/** A chapter of a book: its name is known and it has counters to continue or other chapters to refer to. */
function inBook(state: DocumentState): boolean {
  return state.documentName !== undefined && (state.externalNumbers !== undefined || state.counterStart !== undefined);
}

function figureCaption(node: { children: PhrasingContent[]; data: Record<string, unknown> }, number: ItemNumber, msg: Messages): void {
  const caption = (node.data.modelpressFigure as { caption: string }).caption;
  node.children.push({
    type: 'text',
    value: '',
    data: {
      hName: 'figcaption',
      hChildren: [
        h('span', { className: ['mp-caption-number'] }, msg.t('caption.figure', { n: number })),
        { type: 'text', value: caption ? ` ${caption}` : '' },
      ],
    },
  } as Text);
}

function tableCaptionNumber(node: { children: { type: string; children: PhrasingContent[] }[] }, number: ItemNumber, msg: Messages): void {
  const caption = node.children[0]!;
  caption.children.unshift(
    {
      type: 'text',
      value: msg.t('caption.table', { n: number }),
      data: { hName: 'span', hProperties: { className: ['mp-caption-number'] }, modelpressOutput: { kind: 'section-number' } },
    } as Text,
    { type: 'text', value: ' ' },
  );
}

/** A labelled `$$ … $$`: shown as ::formula shows its equations, the number at the right margin. */
function equationNumber(node: { value: string; data: Record<string, unknown>; position?: unknown }, number: ItemNumber, id: string | undefined): void {
  const math = h('div', { className: ['math', 'math-display'] }, node.value);
  (math as { position?: unknown }).position = node.position;
  node.data = {
    ...node.data,
    hName: 'div',
    hProperties: { className: ['mp-formula'], id },
    hChildren: [math, h('span', { className: ['mp-equation-number'] }, `(${number})`)],
  };
}

/** A `<nav class="mp-toc">` with every heading (after the title), nested by level. */
function insertToc(tree: Root, title: Heading | undefined, msg: Messages): void {
  const headings = tree.children.filter((n): n is Heading => n.type === 'heading' && n !== title);
  if (headings.length === 0) return;
  const top = Math.min(...headings.map((n) => n.depth));
  const rootList = h('ul');
  const stack: { depth: number; list: ReturnType<typeof h> }[] = [{ depth: top, list: rootList }];
  for (const heading of headings) {
    const id = String((heading.data?.hProperties as { id?: string } | undefined)?.id ?? '');
    const number = (heading.data as { modelpressSection?: { text?: string } } | undefined)?.modelpressSection?.text;
    const item = h('li', [
      h('a', { href: `#${id}` }, [...(number ? [h('span', { className: ['mp-section-number'] }, number), ' '] : []), plainText(heading.children).trim()]),
    ]);
    while (stack.length > 1 && heading.depth < stack[stack.length - 1]!.depth) stack.pop();
    if (heading.depth > stack[stack.length - 1]!.depth) {
      const parent = stack[stack.length - 1]!.list;
      const sub = h('ul');
      const last = parent.children[parent.children.length - 1] as ReturnType<typeof h> | undefined;
      if (last) last.children.push(sub);
      else parent.children.push(h('li', [sub]));
      stack.push({ depth: heading.depth, list: sub });
    }
    stack[stack.length - 1]!.list.children.push(item);
  }
  const nav = { type: 'mpToc', data: { hName: 'nav', hProperties: { className: ['mp-toc'] }, hChildren: [h('h2', msg.t('toc.title')), rootList] } };
  setOutput(nav, { kind: 'toc' });
  const at = title ? tree.children.indexOf(title) + 1 : tree.children.findIndex((n) => n.type !== 'yaml');
  tree.children.splice(Math.max(0, at), 0, nav as never);
}

/** `@tbl-x`, or `[-@tbl-x]` (Pandoc/Quarto: the number alone, without "Table"). */
const REFERENCE = /(^|[^\w@.])(\[-)?@((?:sec|tbl|fig|eq)-[\w-]+)/g;

/** Replace `@tbl-…` references in prose with links; run after numbering. */
export function remarkModelpressReferences(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('@')) return;
      const pieces = split(node, file, state);
      if (pieces.length === 1 && pieces[0] === node) return;
      parent.children.splice(index, 1, ...(pieces as never[]));
      return index + pieces.length;
    });
  };
}

/**
 * How a reference to `target` reads: "Table 2", "Section 2.1", a book's "Chapter 2", an unnumbered
 * section's title; an equation as Quarto writes it with the number as the equation shows it,
 * "Equation (3)" (LaTeX: `Equation~\eqref{eq:x}`). `bare` (`[-@tbl-x]`): the number alone, "2", "(3)".
 * The words come from the document's catalogue (`表 2`, `第 2.1 节`, `式 (3)`).
 */
function referenceText(target: Reference, bare = false, msg: Messages = ENGLISH): { text: string; numbered: boolean } {
  if (target.kind === 'section') {
    if (!target.text) return { text: target.title ?? target.id, numbered: false };
    return { text: bare ? target.text : msg.t(target.chapter ? 'ref.chapter' : 'ref.section', { n: target.text }), numbered: true };
  }
  const number = target.kind === 'equation' ? `(${target.number})` : String(target.number);
  return { text: bare ? number : msg.t(`ref.${target.kind}`, { n: number }), numbered: true };
}

function split(node: Text, file: VFile, state: DocumentState): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const value = node.value;
  let last = 0;
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(value); m; m = REFERENCE.exec(value)) {
    const start = m.index + m[1]!.length;
    const bare = m[2] !== undefined;
    // A trailing '.' or '-' ends the sentence, not the id.
    const id = m[3]!.replace(/[-.]+$/, '');
    // `[-@id]` must close right after the id; otherwise it is `@id` after a literal "[-".
    if (bare && value[start + 3 + id.length] !== ']') {
      REFERENCE.lastIndex = start + 1;
      continue;
    }
    const end = bare ? start + 4 + id.length : start + 1 + id.length;
    if (start > last) out.push({ type: 'text', value: value.slice(last, start) });
    const begin = node.position ? advance(node.position.start, value.slice(0, start)) : undefined;
    const place = begin ? { start: begin, end: advance(begin, value.slice(start, end)) } : undefined;
    const target = state.numbers.get(id) ?? state.externalNumbers?.get(id);
    if (target) {
      const { text, numbered } = referenceText(target, bare, stateMessages(state));
      const link: PhrasingContent = {
        type: 'link',
        url: target.document && target.document !== state.documentName ? `${target.document}.html#${id}` : `#${id}`,
        data: { hProperties: { className: ['mp-ref'] } },
        children: [{ type: 'text', value: text }],
      };
      setOutput(link, {
        kind: 'xref',
        id,
        target: target.kind,
        text,
        numbered,
        document: target.document,
        ...(bare ? { bare: true } : {}),
        ...(target.chapter ? { chapter: true } : {}),
      });
      out.push(link);
    } else {
      const known = [...state.numbers.keys()];
      const hint = known.length ? phrase('diag.ref.labels', { ids: names(known) }) : phrase('diag.ref.labelFirst', { example: labelExample(id) });
      const reason = phrase('diag.ref.unknown', { id, suggestion: suggestion(id, known), hint });
      diagnose(file, reason, { place, ruleId: 'unknown-reference' });
      const at = { type: 'text', position: place } as Text;
      const box = errorElement(at, file, reason, 'unknown-reference');
      const text: Text = { type: 'text', value: `@${id}`, data: { hName: box.tagName, hProperties: box.properties as never, hChildren: box.children } } as Text;
      setOutput(text, errorOutput(at, file, reason, 'unknown-reference'));
      out.push(text);
    }
    last = end;
  }
  if (out.length === 0) return [node];
  if (last < value.length) out.push({ type: 'text', value: value.slice(last) });
  return out;
}
