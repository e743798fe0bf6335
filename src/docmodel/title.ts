/**
 * Which heading is the document's title: a lone level-1 heading that comes first, when front matter
 * sets no `title` or the same one. The page shows it as the heading, the standalone LaTeX prints it
 * with \maketitle and the fragment leaves it out. A leading `# Introduction` under another front-matter
 * title is a section and stays one.
 */
import type { Heading, PhrasingContent, Root } from 'mdast';

export function plainText(nodes: readonly PhrasingContent[]): string {
  return nodes
    .map((n) => {
      if ((n.data as { modelpressOutput?: { kind: string } } | undefined)?.modelpressOutput?.kind === 'section-number') return '';
      if ('value' in n && typeof n.value === 'string') return n.value;
      return 'children' in n ? plainText(n.children as PhrasingContent[]) : '';
    })
    .join('');
}

export function titleHeading(tree: Root, frontMatterTitle?: string | undefined): { node: Heading; text: string } | undefined {
  const headings = tree.children.filter((n): n is Heading => n.type === 'heading');
  const h1 = headings.filter((h) => h.depth === 1);
  if (h1.length !== 1 || headings[0] !== h1[0]) return undefined;
  const text = plainText(h1[0]!.children).trim();
  if (frontMatterTitle !== undefined && frontMatterTitle.trim() !== text) return undefined;
  return { node: h1[0]!, text };
}
