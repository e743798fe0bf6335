/**
 * The last remark pass: model declarations disappear (or, when their model failed, become the error
 * box that says why), and any directive no plugin handled is reported as unknown. A `:word` inside a
 * sentence with no `{…}` is prose (`ratio 16:9`, `see:here`), not a directive, and is put back as text.
 */
import type { PhrasingContent, Root } from 'mdast';
import { SKIP, visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { didYouMean, type DirectiveNode, isDirective, isHandled, report } from './directive.js';
import { showError } from './error-box.js';
import { documentState, type StateOptions } from './state.js';

export const DIRECTIVES = ['model', 'table', 'layers', 'ops', 'formula', 'metric', 'chart', 'environment', 'bibliography', 'include'] as const;

/** The source text of a text directive, to put back in the prose. */
function asText(node: DirectiveNode, file: VFile): string {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start !== undefined && end !== undefined && file.value !== undefined) return String(file.value).slice(start, end);
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
          showError(node, file, failures.map((f) => f.reason).join('; '), failures[0]!.ruleId);
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
      if (node.type === 'textDirective' && !asText(node, file).includes('{') && parent && index !== undefined && !(DIRECTIVES as readonly string[]).includes(node.name)) {
        // Prose such as `16:9` or `note:this`: not meant as a directive.
        const restored: PhrasingContent = { type: 'text', value: asText(node, file), position: node.position };
        parent.children.splice(index, 1, restored as never);
        return [SKIP, index + 1];
      }
      const marker = node.type === 'textDirective' ? ':' : node.type === 'leafDirective' ? '::' : ':::';
      const known = (DIRECTIVES as readonly string[]).includes(node.name);
      const reason = known
        ? `${marker}${node.name} is not handled in this pipeline; add its modelpress plugin`
        : `unknown directive '${marker}${node.name}'; ${didYouMean(node.name, DIRECTIVES)}modelpress knows ${DIRECTIVES.map((d) => (d === 'metric' ? ':metric' : `::${d}`)).join(', ')}`;
      report(file, node, reason, 'unknown-directive');
      showError(node, file, reason, 'unknown-directive');
      return SKIP;
    });
  };
}
