/**
 * Graph topology: which values a node reads (including the outer-scope values its sub-graphs read,
 * which ONNX scoping allows), and a topological order of a graph's nodes. Files in the wild are not
 * always sorted, so the engine never trusts the stored order; a cycle is an error naming its nodes.
 */
import type { Graph, Node } from '../onnx/model.js';
import { AnalysisError } from './types.js';

const outerCache = new WeakMap<Graph, ReadonlySet<string>>();

/** A readable label for a node in messages. */
export function nodeLabel(node: Node, index?: number): string {
  if (node.name) return node.name;
  return index === undefined ? node.opType : `${node.opType} #${index}`;
}

/** The sub-graphs held in a node's attributes (If branches, Loop/Scan bodies). */
export function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attributes) {
    if (a.type === 'graph') out.push(a.value);
    else if (a.type === 'graphs') out.push(...a.value);
  }
  return out;
}

/** Names a graph reads from enclosing scopes: used but not produced, input or initializer inside it. */
function outerReferences(g: Graph): ReadonlySet<string> {
  const cached = outerCache.get(g);
  if (cached) return cached;
  const defined = new Set<string>();
  for (const i of g.inputs) defined.add(i.name);
  for (const t of g.initializers) defined.add(t.name);
  for (const s of g.sparseInitializers) defined.add(s.values.name);
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') defined.add(o);
  const outer = new Set<string>();
  for (const n of g.nodes) {
    for (const name of nodeReads(n)) if (!defined.has(name)) outer.add(name);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) outer.add(o.name);
  outerCache.set(g, outer);
  return outer;
}

/**
 * Every value a node reads: its explicit inputs and the outer-scope values of its sub-graphs. For the
 * common node (no omitted input, no sub-graph) this is the node's own input list, not a copy.
 */
export function nodeReads(node: Node): readonly string[] {
  if (!node.inputs.includes('') && !node.attributes.some((a) => a.type === 'graph' || a.type === 'graphs')) return node.inputs;
  const reads = node.inputs.filter((i) => i !== '');
  for (const g of subgraphsOf(node)) reads.push(...outerReferences(g));
  return reads;
}

/**
 * The graph's nodes in a topological order that keeps the stored order where it is already valid.
 * Throws AnalysisError when a value has two producers or the nodes form a cycle.
 */
export function topologicalOrder(g: Graph): Node[] {
  const nodes = g.nodes;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      const prev = producer.get(o);
      if (prev !== undefined) {
        throw new AnalysisError(`value '${o}' is produced by two nodes: '${nodeLabel(nodes[prev]!, prev)}' and '${nodeLabel(n, i)}'`);
      }
      producer.set(o, i);
    }
  });
  // Dependencies as one flat list (CSR): deps of node i are flat[depStart[i]] … flat[depStart[i + 1] − 1].
  const depStart = new Int32Array(nodes.length + 1);
  let flat = new Int32Array(Math.max(16, nodes.length * 2));
  let used = 0;
  nodes.forEach((n, i) => {
    for (const name of nodeReads(n)) {
      const p = producer.get(name);
      if (p === undefined) continue;
      if (used === flat.length) {
        const grown = new Int32Array(flat.length * 2);
        grown.set(flat);
        flat = grown;
      }
      flat[used++] = p;
    }
    depStart[i + 1] = used;
  });
  // Iterative depth-first search (graphs can be thousands of nodes deep): 0 new, 1 on the stack, 2 placed.
  const state = new Uint8Array(nodes.length);
  const order: Node[] = [];
  for (let start = 0; start < nodes.length; start++) {
    if (state[start] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: start, next: 0 }];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const from = depStart[top.node]!;
      if (top.next < depStart[top.node + 1]! - from) {
        const dep = flat[from + top.next++]!;
        if (state[dep] === 1) {
          const first = stack.findIndex((f) => f.node === dep);
          const cycle = stack.slice(first).map((f) => nodeLabel(nodes[f.node]!, f.node));
          cycle.push(nodeLabel(nodes[dep]!, dep));
          throw new AnalysisError(`the graph has a cycle: ${cycle.join(' → ')}`);
        }
        if (state[dep] === 0) {
          state[dep] = 1;
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state[top.node] = 2;
        order.push(nodes[top.node]!);
        stack.pop();
      }
    }
  }
  return order;
}

/** Every sub-graph nested anywhere in a graph (If branches, Loop/Scan bodies, recursively). */
export function allSubgraphs(g: Graph): Graph[] {
  const out: Graph[] = [];
  for (const n of g.nodes) {
    for (const s of subgraphsOf(n)) out.push(s, ...allSubgraphs(s));
  }
  return out;
}
