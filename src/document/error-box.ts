/**
 * A failed directive still shows something: a visible box at its place with the diagnostic's text and
 * position, so a reader of the draft sees what is missing and why (the build also reports it).
 */
import type { Element } from 'hast';
import type { Node } from 'mdast';
import type { VFile } from 'vfile';
import { errorBoxHast } from '../render/page.js';
import { messagesFor } from '../i18n/index.js';
import type { DirectiveNode } from './directive.js';
import { replaceWith, report } from './directive.js';
import { type ErrorOutput, setOutput } from '../docmodel/output.js';
import { placeText } from '../render/page.js';
import { placeName } from './source.js';

/**
 * The boundary every directive is processed under: whatever its handler throws (a bug, an exhausted
 * limit, an engine error) becomes one positioned diagnostic and an error box in the directive's place,
 * and the rest of the document still builds.
 */
export async function guarded(node: DirectiveNode, file: VFile, handle: () => void | Promise<void>): Promise<void> {
  try {
    await handle();
  } catch (err) {
    const marker = node.type === 'textDirective' ? ':' : '::';
    const reason = `${marker}${node.name} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the rest of the document was built`;
    report(file, node, reason, 'directive-failed');
    showError(node, file, reason, 'directive-failed');
  }
}

/** Synchronous form of `guarded`, for plugins that visit their directives in place. */
export function guardedSync(node: DirectiveNode, file: VFile, handle: () => void): void {
  try {
    handle();
  } catch (err) {
    const marker = node.type === 'textDirective' ? ':' : '::';
    const reason = `${marker}${node.name} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the rest of the document was built`;
    report(file, node, reason, 'directive-failed');
    showError(node, file, reason, 'directive-failed');
  }
}

/** Replace a directive with an error box (block or inline, matching the directive). */
export function showError(node: DirectiveNode, file: VFile, message: string, ruleId?: string): void {
  replaceWith(node, errorElement(node, file, message, ruleId));
  setOutput(node, errorOutput(node, file, message, ruleId));
}

/** What the error box stands for, for the LaTeX writer. */
export function errorOutput(node: Node, file: VFile, message: string, ruleId?: string): ErrorOutput {
  const where = placeText({ message, ...placeName(file, node.position?.start) });
  return { kind: 'error', message, where: where || undefined, rule: ruleId ? `[modelpress:${ruleId}]` : undefined, inline: node.type === 'textDirective' || node.type === 'text' };
}

export function errorElement(node: Node, file: VFile, message: string, ruleId?: string): Element {
  return errorBoxHast(
    {
      message,
      // The document's name, or an included file's (relative to the document) for included text.
      ...placeName(file, node.position?.start),
      ruleId: ruleId ? `modelpress:${ruleId}` : undefined,
    },
    { inline: node.type === 'textDirective' || node.type === 'text', title: file.data.modelpress ? messagesFor(file.data.modelpress.settings.lang, file.data.modelpress.settings.messages).t('error.title') : undefined },
  );
}
