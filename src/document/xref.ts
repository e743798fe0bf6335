/**
 * Cross-references: `::table{#tbl-cnn …}` (and `::chart{#fig-…}`, `::formula{#eq-…}`) are numbered in
 * order of appearance, per kind; `@tbl-cnn` in prose becomes a link reading "Table 1". Every table and
 * chart gets a number (labelled or not), so the numbers in captions and references agree; formulas are
 * numbered only when labelled. An unknown `@tbl-…` is a diagnostic at its place, shown in red.
 */
import type { PhrasingContent, Root, Text } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { advance, didYouMean, type DirectiveNode, isDirective, report, SOURCE } from './directive.js';
import { errorElement } from './error-box.js';
import { documentState, type DocumentState, type StateOptions } from './state.js';

type Kind = 'table' | 'figure' | 'equation';

const KIND_OF_DIRECTIVE: Record<string, Kind> = { table: 'table', chart: 'figure', formula: 'equation' };
/** ::complexity is a table, or a figure with show=chart. */
function kindOf(node: DirectiveNode): Kind | undefined {
  if (node.name === 'complexity') return node.attributes?.show === 'chart' ? 'figure' : 'table';
  return KIND_OF_DIRECTIVE[node.name];
}
const WORD: Record<Kind, string> = { table: 'Table', figure: 'Figure', equation: 'Equation' };
const PREFIX: Record<string, Kind> = { tbl: 'table', fig: 'figure', eq: 'equation' };

/** The number the cross-reference pass gave a directive, if any. */
export function numberOf(node: DirectiveNode): number | undefined {
  return (node.data as { modelpressNumber?: number } | undefined)?.modelpressNumber;
}

/** Number the labelled and numbered directives; run before the directive plugins render them. */
export function remarkModelpressNumbering(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    const counters: Record<Kind, number> = { table: 0, figure: 0, equation: 0 };
    visit(tree, (node) => {
      if (!isDirective(node) || node.type === 'textDirective') return;
      const kind = kindOf(node);
      if (!kind) return;
      const id = node.attributes?.id ?? undefined;
      if (kind === 'equation' && !id) return;
      if (id) {
        const expected = Object.entries(PREFIX).find(([, k]) => k === kind)![0];
        if (!id.startsWith(`${expected}-`)) {
          report(file, node, `the id of a ::${node.name} should start with '${expected}-' (e.g. #${expected}-${id}) so that @${expected}-… references find it`, 'bad-attribute', 'id');
        }
        if (state.numbers.has(id)) {
          report(file, node, `id '${id}' is used twice; give each labelled item its own id`, 'duplicate-id', 'id');
          return;
        }
      }
      const number = ++counters[kind];
      node.data = { ...(node.data ?? {}), modelpressNumber: number } as DirectiveNode['data'];
      if (id) {
        state.numbers.set(id, { kind, number });
        state.data.references.push({ id, kind, number });
      }
    });
  };
}

const REFERENCE = /(^|[^\w@.])@((?:tbl|fig|eq)-[\w-]+)/g;


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

function split(node: Text, file: VFile, state: DocumentState): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const value = node.value;
  let last = 0;
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(value); m; m = REFERENCE.exec(value)) {
    const start = m.index + m[1]!.length;
    // A trailing '.' or '-' ends the sentence, not the id.
    const id = m[2]!.replace(/[-.]+$/, '');
    const end = start + 1 + id.length;
    if (start > last) out.push({ type: 'text', value: value.slice(last, start) });
    const begin = node.position ? advance(node.position.start, value.slice(0, start)) : undefined;
    const place = begin ? { start: begin, end: advance(begin, value.slice(start, end)) } : undefined;
    const target = state.numbers.get(id);
    if (target) {
      out.push({
        type: 'link',
        url: `#${id}`,
        data: { hProperties: { className: ['mp-ref'] } },
        children: [{ type: 'text', value: `${WORD[target.kind]}\u00a0${target.number}` }],
      });
    } else {
      const known = [...state.numbers.keys()];
      const reason = `unknown cross-reference '@${id}'; ${didYouMean(id, known)}${known.length ? `labels in this document: ${known.join(', ')}` : `label an item first, e.g. ::table{#${id} …}`}`;
      file.message(reason, { place, ruleId: 'unknown-reference', source: SOURCE });
      const box = errorElement({ type: 'text', position: place } as Text, file, reason, 'unknown-reference');
      out.push({ type: 'text', value: `@${id}`, data: { hName: box.tagName, hProperties: box.properties as never, hChildren: box.children } } as Text);
    }
    last = end;
  }
  if (out.length === 0) return [node];
  if (last < value.length) out.push({ type: 'text', value: value.slice(last) });
  return out;
}
