/**
 * Model-local functions (ModelProto.functions): a node whose (domain, op type) names a FunctionDef is a
 * call. The engine inlines the body so every op inside is inferred and counted like any other node.
 * Inlined nodes are named `<call name>/<inner name>`, so they sit in the module tree under the call.
 */
import type { Attribute, FunctionDef, Graph, Model, Node, OpsetId } from '../onnx/model.js';
import { AnalysisError } from './types.js';

const normDomain = (d: string): string => (d === 'ai.onnx' ? '' : d);

/** The opset versions in force for a node, when it differs from the model's (inlined function bodies). */
export type NodeOpsets = WeakMap<Node, OpsetId[]>;

export interface Inlined {
  graph: Graph;
  nodeOpsets: NodeOpsets;
}

const MAX_NESTING = 32;

/**
 * Nodes inlining may make in all. Functions calling each other twice per level double the count with
 * every level (30 levels: a billion nodes from a 2 KB file); real models inline a few thousand.
 */
export const MAX_INLINED_NODES = 500_000;

function key(domain: string, name: string, overload?: string): string {
  return `${normDomain(domain)}::${name}::${overload ?? ''}`;
}

/** The model's main graph with every call of a model-local function replaced by its body. */
export function inlineFunctions(model: Model): Inlined {
  const nodeOpsets: NodeOpsets = new WeakMap();
  if (model.functions.length === 0) return { graph: model.graph, nodeOpsets };
  const byKey = new Map<string, FunctionDef>();
  for (const f of model.functions) byKey.set(key(f.domain, f.name, f.overload), f);
  let calls = 0;
  let inlined = 0;

  const expandGraph = (g: Graph, depth: number, opsets: OpsetId[] | undefined): Graph => {
    const nodes: Node[] = [];
    for (const n of g.nodes) expandNode(n, depth, opsets, nodes);
    return { ...g, nodes };
  };

  const withExpandedSubgraphs = (n: Node, depth: number, opsets: OpsetId[] | undefined): Node => {
    if (!n.attributes.some((a) => a.type === 'graph' || a.type === 'graphs')) return n;
    const attributes = n.attributes.map((a): Attribute => {
      if (a.type === 'graph') return { ...a, value: expandGraph(a.value, depth, opsets) };
      if (a.type === 'graphs') return { ...a, value: a.value.map((s) => expandGraph(s, depth, opsets)) };
      return a;
    });
    return { ...n, attributes };
  };

  const expandNode = (n: Node, depth: number, opsets: OpsetId[] | undefined, out: Node[]): void => {
    const f = byKey.get(key(n.domain, n.opType, n.overload));
    if (!f) {
      const m = withExpandedSubgraphs(n, depth, opsets);
      if (opsets) nodeOpsets.set(m, opsets);
      out.push(m);
      return;
    }
    if (depth >= MAX_NESTING) {
      throw new AnalysisError(`model-local function '${f.name}' is nested more than ${MAX_NESTING} calls deep (does it call itself?)`, n.name || n.opType);
    }
    const callId = calls++;
    inlined += f.nodes.length;
    if (inlined > MAX_INLINED_NODES) {
      throw new AnalysisError(
        `inlining model-local functions would make more than ${MAX_INLINED_NODES.toLocaleString('en-US')} nodes (the last call expanded: '${f.name}', call ${callId + 1}); functions calling each other grow too fast to analyse`,
        n.name || n.opType,
      );
    }
    const callName = n.name || `${f.name}_${callId}`;
    // Formal names map to the call's actual values; names made inside get a prefix unique to this call.
    const rename = new Map<string, string>();
    f.inputs.forEach((formal, i) => rename.set(formal, n.inputs[i] ?? ''));
    f.outputs.forEach((formal, i) => {
      const actual = n.outputs[i];
      rename.set(formal, actual !== undefined && actual !== '' ? actual : `${callName}/#${callId}/${formal}`);
    });
    for (const inner of f.nodes) {
      for (const o of inner.outputs) if (o !== '' && !rename.has(o)) rename.set(o, `${callName}/#${callId}/${o}`);
    }
    const rn = (v: string): string => (v === '' ? '' : (rename.get(v) ?? v));
    const callAttrs = new Map<string, Attribute>(n.attributes.map((a) => [a.name, a]));
    for (const d of f.attributeDefaults) if (!callAttrs.has(d.name)) callAttrs.set(d.name, d);
    const bodyOpsets = mergeOpsets(f.opsetImports, opsets);
    for (const inner of f.nodes) {
      const attributes: Attribute[] = [];
      for (const a of inner.attributes) {
        if (a.type === 'ref') {
          const bound = callAttrs.get(a.refAttrName);
          if (bound) attributes.push({ ...bound, name: a.name } as Attribute);
        } else if (a.type === 'graph') {
          attributes.push({ ...a, value: renameGraph(a.value, rn) });
        } else if (a.type === 'graphs') {
          attributes.push({ ...a, value: a.value.map((s) => renameGraph(s, rn)) });
        } else {
          attributes.push(a);
        }
      }
      const renamed: Node = {
        ...inner,
        name: `${callName}/${inner.name || inner.opType}`,
        inputs: inner.inputs.map(rn),
        outputs: inner.outputs.map(rn),
        attributes,
      };
      expandNode(renamed, depth + 1, bodyOpsets, out);
    }
  };

  return { graph: expandGraph(model.graph, 0, undefined), nodeOpsets };
}

/** Function-body opsets take precedence; domains they do not import fall back to the caller's. */
function mergeOpsets(own: OpsetId[], outer: OpsetId[] | undefined): OpsetId[] {
  if (!outer) return own;
  const seen = new Set(own.map((o) => normDomain(o.domain)));
  return [...own, ...outer.filter((o) => !seen.has(normDomain(o.domain)))];
}

/** Rename the outer references of a sub-graph inside a function body (its own names are left alone). */
function renameGraph(g: Graph, rn: (v: string) => string): Graph {
  const nodes = g.nodes.map((n) => ({
    ...n,
    inputs: n.inputs.map(rn),
    attributes: n.attributes.map((a): Attribute => {
      if (a.type === 'graph') return { ...a, value: renameGraph(a.value, rn) };
      if (a.type === 'graphs') return { ...a, value: a.value.map((s) => renameGraph(s, rn)) };
      return a;
    }),
  }));
  return { ...g, nodes, outputs: g.outputs.map((o) => ({ ...o, name: rn(o.name) })) };
}
