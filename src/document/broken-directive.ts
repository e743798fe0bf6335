/**
 * A directive whose attributes cannot be read (a quote left open, a `{` never closed) is not a
 * directive to remark-directive: `::formula{op="Conv}` stays a paragraph of plain text, and
 * `:metric{model=r50 name="params}` becomes an attribute-less `:metric` followed by the text
 * `{model=…`. Without this check the draft silently shows the raw text. Here either shape is a
 * positioned warning (rule `broken-directive`, counted by --strict) saying what to fix.
 */
import type { Root, Text } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { advance, SOURCE } from './directive.js';

/** `:name{`, `::name{` or `:::name{` where a directive could start (not inside a word like `a:b{`). */
const LOOKS_LIKE = /(^|[\s([>*_~])(:{1,3})([A-Za-z][\w-]*)\{/g;

/** What is wrong with the attribute text that starts at `{`. */
function whatIsWrong(attrs: string): string {
  const line = attrs.split('\n')[0]!;
  const close = line.indexOf('}');
  const inside = close < 0 ? line : line.slice(0, close);
  const quotes = (q: string): number => inside.split(q).length - 1;
  if (quotes('"') % 2 === 1 || quotes("'") % 2 === 1) return 'a quote is not closed';
  if (close < 0) return "the '{' is not closed on its line";
  return "its attributes cannot be read (check quotes, '=' and spaces)";
}

function warn(file: VFile, at: Text, index: number, name: string, marker: string, reason: string): void {
  // Included text has no positions in this document (include.ts drops them): no place, no warning.
  if (!at.position) return;
  const start = advance(at.position.start, at.value.slice(0, index));
  file.message(`this looks like the directive ${marker}${name}{…} but is shown as plain text: ${reason}; fix it, or escape the colon (\\:) if it is prose`, {
    place: start,
    ruleId: 'broken-directive',
    source: SOURCE,
  });
}

export default function remarkModelpressBrokenDirectives() {
  return (tree: Root, file: VFile): void => {
    visit(tree, 'text', (node: Text, index, parent) => {
      // An attribute-less text directive directly followed by `{…`: its attributes failed to parse.
      const before = parent && index !== undefined && index > 0 ? parent.children[index - 1] : undefined;
      if (before?.type === 'textDirective' && node.value.startsWith('{') && Object.keys(before.attributes ?? {}).length === 0) {
        const end = before.position?.end.offset;
        if (end === undefined || end === node.position?.start.offset) {
          const start = before.position ? { type: 'text' as const, value: '', position: before.position } : node;
          warn(file, start, 0, before.name, ':', whatIsWrong(node.value));
        }
      }
      for (const m of node.value.matchAll(LOOKS_LIKE)) {
        const at = m.index! + m[1]!.length;
        warn(file, node, at, m[3]!, m[2]!, whatIsWrong(node.value.slice(at + m[2]!.length + m[3]!.length)));
      }
    });
  };
}
