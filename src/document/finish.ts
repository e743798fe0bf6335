/**
 * The last remark pass: model declarations disappear (or, when their model failed, become the error
 * box that says why), and any directive no plugin handled is reported as unknown (inside a host's
 * pipeline, `embedded`, only modelpress's own names are: the others are the host's). A `:word` inside a
 * sentence with no `{…}` is prose (`ratio 16:9`, `see:here`), not a directive, and is put back as text.
 */
import type { PhrasingContent, Root } from 'mdast';
import { SKIP, visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { allOf, type DirectiveNode, isDirective, isHandled, names, report, suggestion } from './directive.js';
import { phrase } from '../i18n/index.js';
import { failureSaid } from './uses.js';
import { showError } from './error-box.js';
import { sourceSlice } from './source.js';
import { documentState, type StateOptions } from './state.js';

const DIRECTIVES = ['model', 'table', 'layers', 'ops', 'formula', 'metric', 'chart', 'complexity', 'environment', 'bibliography', 'include'] as const;

/** The source text of a text directive, to put back in the prose. */
function asText(node: DirectiveNode, file: VFile): string {
  const text = sourceSlice(file, node.position);
  if (text !== undefined) return text;
  return `:${node.name}`;
}

export default function remarkModelpressFinish(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    visit(tree, (node, index, parent) => {
      if (!isDirective(node)) return;
      if (node.name === 'model' && isHandled(node)) {
        const id = node.attributes?.id;
        const failures = id ? state.modelFailures.get(id) : undefined;
        if (failures && failures.length > 0) {
          showError(node, file, allOf(failures.map(failureSaid)), failures[0]!.ruleId);
          return SKIP;
        }
        if ((node.data as { hName?: string } | undefined)?.hName) return SKIP; // already an error box
        if (parent && index !== undefined) {
          parent.children.splice(index, 1);
          return [SKIP, index];
        }
        return SKIP;
      }
      if (isHandled(node)) return SKIP;
      const ours = (DIRECTIVES as readonly string[]).includes(node.name);
      // Inside a host's pipeline only `:word` with neither `{…}` nor `[…]` is taken for prose.
      const prose = !asText(node, file).includes('{') && !(state.embedded && asText(node, file).includes('['));
      if (node.type === 'textDirective' && prose && parent && index !== undefined && !ours) {
        // Prose such as `16:9` or `note:this`: not meant as a directive.
        const restored: PhrasingContent = { type: 'text', value: asText(node, file), position: node.position };
        parent.children.splice(index, 1, restored as never);
        return [SKIP, index + 1];
      }
      // Inside a host's pipeline a directive that is not modelpress's is the host's (`:::note`):
      // untouched, for the host's own plugins.
      if (state.embedded && !ours) return;
      const marker = node.type === 'textDirective' ? ':' : node.type === 'leafDirective' ? '::' : ':::';
      const known = ours;
      const directive = `${marker}${node.name}`;
      const reason = known
        ? phrase('diag.notHandled', { directive })
        : phrase('diag.unknownDirective', {
            directive,
            suggestion: suggestion(node.name, DIRECTIVES),
            known: names(DIRECTIVES.map((d) => (d === 'metric' ? ':metric' : `::${d}`))),
          });
      report(file, node, reason, 'unknown-directive');
      showError(node, file, reason, 'unknown-directive');
      return SKIP;
    });
    // The CLI saves the file-hash memo once per build; inside a host's pipeline this is the end of one.
    if (state.embedded) state.registry.flush();
  };
}
