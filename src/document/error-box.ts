/**
 * A failed directive still shows something: a visible box at its place with the diagnostic's text and
 * position, so a reader of the draft sees what is missing and why (the build also reports it).
 */
import type { Element } from 'hast';
import type { Node } from 'mdast';
import type { VFile } from 'vfile';
import { errorBoxHast } from '../render/page.js';
import type { DirectiveNode } from './directive.js';
import { replaceWith } from './directive.js';
import { type ErrorOutput, setOutput } from '../docmodel/output.js';
import { placeText } from '../render/page.js';

/** Replace a directive with an error box (block or inline, matching the directive). */
export function showError(node: DirectiveNode, file: VFile, message: string, ruleId?: string): void {
  replaceWith(node, errorElement(node, file, message, ruleId));
  setOutput(node, errorOutput(node, file, message, ruleId));
}

/** What the error box stands for, for the LaTeX writer. */
export function errorOutput(node: Node, file: VFile, message: string, ruleId?: string): ErrorOutput {
  const start = node.position?.start;
  const where = placeText({ message, file: file.path ? file.basename : undefined, line: start?.line, column: start?.column });
  return { kind: 'error', message, where: where || undefined, rule: ruleId ? `[modelpress:${ruleId}]` : undefined, inline: node.type === 'textDirective' || node.type === 'text' };
}

export function errorElement(node: Node, file: VFile, message: string, ruleId?: string): Element {
  const start = node.position?.start;
  return errorBoxHast(
    {
      message,
      file: file.path ? file.basename : undefined,
      line: start?.line,
      column: start?.column,
      ruleId: ruleId ? `modelpress:${ruleId}` : undefined,
    },
    { inline: node.type === 'textDirective' || node.type === 'text' },
  );
}
