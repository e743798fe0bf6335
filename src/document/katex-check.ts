/**
 * Math rendering, once per formula: every math element (from `$…$`, `$$…$$` or a formula template)
 * is rendered by KaTeX here and replaced by KaTeX's HTML as a raw node (written out as is, never
 * re-parsed; this plugin does what rehype-katex did, without rendering twice). Bad LaTeX becomes a
 * diagnostic, not a red smudge found by a reader: a failure is reported at the math's place (the
 * column of the error for single-line math) with KaTeX's message, and the math is replaced by an
 * error box; the rest of the page renders as usual.
 */
import type { Element, ElementContent, Root } from 'hast';
import type { Point } from 'unist';
import { SKIP, visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { errorBoxHast } from '../render/page.js';
import { english, messagesFor, phrase, say } from '../i18n/index.js';
import { renderMath } from '../render/formula.js';
import { diagnose } from './directive.js';

function textOf(node: Element | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function classes(el: Element): string[] {
  const c = el.properties.className;
  return Array.isArray(c) ? c.map(String) : c === undefined || c === null ? [] : String(c).split(/\s+/);
}

export default function rehypeModelpressMathCheck() {
  return (tree: Root, file: VFile): void => {
    visit(tree, 'element', (el: Element, index, parent) => {
      if (!parent || index === undefined) return;
      const cls = classes(el);
      let scope: Element | undefined;
      let display = false;
      if (
        el.tagName === 'pre' &&
        el.children.length === 1 &&
        el.children[0]!.type === 'element' &&
        classes(el.children[0] as Element).includes('language-math')
      ) {
        scope = el;
        display = true;
      } else if (cls.includes('math-display') || cls.includes('math-inline')) {
        scope = el;
        display = cls.includes('math-display');
      }
      if (!scope) return;
      const latex = textOf(scope);
      const result = renderMath(latex, { displayMode: display });
      if (result.ok) {
        // `raw` is hast's node for HTML written out verbatim (rehype-stringify with allowDangerousHtml).
        parent.children.splice(index, 1, { type: 'raw', value: result.html } as unknown as ElementContent);
        return SKIP;
      }
      const start = scope.position?.start ?? (scope.children[0] as Element | undefined)?.position?.start;
      let place: Point | undefined = start;
      // Single-line inline math `$…$`: point at the offending character.
      if (start && !display && result.error.position !== undefined && !latex.includes('\n')) {
        place = { line: start.line, column: start.column + 1 + result.error.position };
      }
      const reason = phrase('diag.katex', { reason: result.error.message });
      diagnose(file, reason, { place, ruleId: 'katex-error' });
      const words = file.data.modelpress ? messagesFor(file.data.modelpress.settings.lang, file.data.modelpress.settings.messages) : undefined;
      const box = errorBoxHast(
        {
          message: words ? say(words, reason) : english(reason),
          file: file.path ? file.basename : undefined,
          line: place?.line,
          column: place?.column,
          ruleId: 'modelpress:katex-error',
        },
        { inline: !display, title: words?.t('error.title') },
      );
      parent.children.splice(index, 1, box);
      return SKIP;
    });
  };
}
