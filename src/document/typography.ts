/**
 * Typographic quotes in prose: straight `"` and `'` typed in the Markdown become “ ” ‘ ’ in every
 * output (the HTML and, through the same tree, the LaTeX), as a typeset page prints them. Only prose
 * text nodes change: code, math, raw HTML and directive attributes are left as written.
 */
import type { Parent, Root, Text } from 'mdast';
import { visit } from 'unist-util-visit';
import { smartQuotes } from '../render/typography.js';

export { smartQuotes };

/** The last character a node shows, for the context of the text that follows it. */
function lastChar(node: unknown): string {
  const n = node as { type: string; value?: string; children?: unknown[] };
  if (typeof n.value === 'string') return n.value.slice(-1);
  if (n.children?.length) return lastChar(n.children[n.children.length - 1]);
  // An inline element without text (an image, a rendered directive) reads like a word.
  return 'x';
}

export default function remarkModelpressTypography() {
  return (tree: Root): void => {
    visit(tree, 'text', (node: Text, index, parent: Parent | undefined) => {
      if (!node.value.includes('"') && !node.value.includes("'")) return;
      const previous = parent && index !== undefined && index > 0 ? parent.children[index - 1] : undefined;
      node.value = smartQuotes(node.value, previous ? lastChar(previous) : '');
    });
  };
}
