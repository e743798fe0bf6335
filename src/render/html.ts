/**
 * Serialising hast to HTML (through rehype-stringify, the same serialiser the document pipeline
 * uses, so fragments and pages agree byte for byte).
 */
import type { Element, Root, RootContent } from 'hast';
import rehypeStringify from 'rehype-stringify';
import { unified } from 'unified';

const htmlProcessor = unified().use(rehypeStringify);
const svgProcessor = unified().use(rehypeStringify, { space: 'svg', closeEmptyElements: true });

/** HTML text of a hast node or list of nodes. */
export function hastToHtml(node: Root | RootContent | RootContent[]): string {
  const root: Root = Array.isArray(node) ? { type: 'root', children: node } : node.type === 'root' ? node : { type: 'root', children: [node] };
  return htmlProcessor.stringify(root);
}

/** XML-style text of an `<svg>` element (empty elements self-closed), for standalone `.svg` files. */
export function svgToXml(svg: Element): string {
  return svgProcessor.stringify({ type: 'root', children: [svg] });
}
