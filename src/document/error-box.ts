/**
 * A failed directive still shows something: a visible box at its place with the diagnostic's text and
 * position, so a reader of the draft sees what is missing and why (the build also reports it).
 */
import type { Element } from 'hast';
import type { Node } from 'mdast';
import type { VFile } from 'vfile';
import { errorBoxHast } from '../render/page.js';
import { ENGLISH, type Messages, messagesFor, phrase, type Said, say, saidOf } from '../i18n/index.js';
import type { DirectiveNode } from './directive.js';
import { allOf, diagnose, replaceWith, report, saidOfMessage, SOURCE } from './directive.js';
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
    failed(node, file, err);
  }
}

/** Synchronous form of `guarded`, for plugins that visit their directives in place. */
export function guardedSync(node: DirectiveNode, file: VFile, handle: () => void): void {
  try {
    handle();
  } catch (err) {
    failed(node, file, err);
  }
}

function failed(node: DirectiveNode, file: VFile, err: unknown): void {
  const marker = node.type === 'textDirective' ? ':' : '::';
  const said = saidOf(err);
  const reason = phrase('diag.directiveFailed', { directive: `${marker}${node.name}`, reason: typeof said === 'string' ? said.split('\n')[0]! : said });
  report(file, node, reason, 'directive-failed');
  showError(node, file, reason, 'directive-failed');
}

/** Rules that only advise (the value is still shown): they never become the text of an error box. */
const ADVISORY = new Set(['busy-machine', 'unstable-measurement', 'refresh-changed', 'no-browser']);

/** One diagnostic as both the terminal and the page's box print it. */
interface Shown {
  message: Said;
  line?: number | undefined;
  column?: number | undefined;
  ruleId?: string | undefined;
}

function within(point: { line: number; column: number } | undefined, node: Node): boolean {
  const pos = node.position;
  if (!point || !pos) return false;
  const after = point.line > pos.start.line || (point.line === pos.start.line && point.column >= pos.start.column);
  const before = point.line < pos.end.line || (point.line === pos.end.line && point.column <= pos.end.column);
  return after && before;
}

/**
 * The diagnostic an error box at `node` shows: the one(s) already reported inside the node (an
 * attribute's, at its column, with its rule), else `message` reported now at the node. Either way the
 * diagnostic is an error (the page shows a box where content should be), so the terminal and the
 * page say the same thing, at the same place, with the same rule and severity.
 */
function diagnosticAt(node: Node, file: VFile, message: Said, ruleId: string | undefined): Shown {
  const inside = file.messages.filter(
    (m) => m.source === SOURCE && !ADVISORY.has(m.ruleId ?? '') && within(m.place && 'start' in m.place ? m.place.start : m.place, node),
  );
  if (inside.length > 0) {
    for (const m of inside) m.fatal = true;
    return { message: allOf(inside.map(saidOfMessage)), line: inside[0]!.line, column: inside[0]!.column, ruleId: inside[0]!.ruleId ?? ruleId };
  }
  const m = diagnose(file, message, { place: node.position, ruleId });
  m.fatal = true;
  return { message, line: node.position?.start.line, column: node.position?.start.column, ruleId };
}

/** Replace a directive with an error box (block or inline, matching the directive). */
export function showError(node: DirectiveNode, file: VFile, message: Said, ruleId?: string): void {
  const shown = diagnosticAt(node, file, message, ruleId);
  replaceWith(node, boxElement(node, file, shown));
  setOutput(node, boxOutput(node, file, shown));
}

/** The file (the document's name, or an included file's relative to it), line and column a box shows. */
function placeOf(file: VFile, d: Shown): { file: string | undefined; line: number | undefined; column: number | undefined } {
  return placeName(file, d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : undefined);
}

/** The document's words (English outside a modelpress document). */
function wordsOf(file: VFile): Messages {
  const s = file.data.modelpress?.settings;
  return s ? messagesFor(s.lang, s.messages) : ENGLISH;
}

function boxOutput(node: Node, file: VFile, d: Shown): ErrorOutput {
  const message = say(wordsOf(file), d.message);
  const where = placeText({ message, ...placeOf(file, d) });
  return {
    kind: 'error',
    message,
    where: where || undefined,
    rule: d.ruleId ? `[modelpress:${d.ruleId}]` : undefined,
    inline: node.type === 'textDirective' || node.type === 'text',
  };
}

function boxElement(node: Node, file: VFile, d: Shown): Element {
  const words = wordsOf(file);
  return errorBoxHast(
    { message: say(words, d.message), ...placeOf(file, d), ruleId: d.ruleId ? `modelpress:${d.ruleId}` : undefined },
    { inline: node.type === 'textDirective' || node.type === 'text', title: file.data.modelpress ? words.t('error.title') : undefined },
  );
}

/**
 * What the error box for a diagnostic just reported at `node` stands for, for the LaTeX writer (the
 * caller reported it; it becomes an error, as every box's diagnostic is).
 */
export function errorOutput(node: Node, file: VFile, message: Said, ruleId?: string): ErrorOutput {
  return boxOutput(node, file, diagnosticAt(node, file, message, ruleId));
}

/** The error box for a diagnostic just reported at `node` (see errorOutput). */
export function errorElement(node: Node, file: VFile, message: Said, ruleId?: string): Element {
  return boxElement(node, file, diagnosticAt(node, file, message, ruleId));
}
