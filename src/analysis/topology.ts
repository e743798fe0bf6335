/**
 * Graph topology: which values a node reads (including the outer-scope values its sub-graphs read,
 * which ONNX scoping allows), and a topological order of a graph's nodes. Files in the wild are not
 * always sorted, so the engine never trusts the stored order; a cycle is an error naming its nodes.
 */
import type { Graph, Node } from '../onnx/model.js';
import { NameIds } from './name-ids.js';
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
function nodeReads(node: Node): readonly string[] {
  if (!node.inputs.includes('') && !hasSubgraphs(node)) return node.inputs;
  const reads = node.inputs.filter((i) => i !== '');
  for (const g of subgraphsOf(node)) reads.push(...outerReferences(g));
  return reads;
}

/** True when a node holds sub-graphs (If branches, Loop/Scan bodies): checked without building a list. */
export function hasSubgraphs(node: Node): boolean {
  for (const a of node.attributes) if (a.type === 'graph' || a.type === 'graphs') return true;
  return false;
}

/**
 * A graph's values as dense integer ids and its nodes in topological order, made once per inferred
 * graph. Every later stage (inference, cost, parameters, memory, depth, the module view) reads values
 * through these ids: an array slot per value instead of a string-keyed map lookup per stage and use.
 *
 * Per-node lists are flat (CSR) and in topological order: the ids of the k-th node's inputs are
 * inputIds[inputStart[k]] … inputIds[inputStart[k + 1] − 1], index-aligned with node.inputs (−1 for
 * an omitted ''); outputs likewise; `reads` are the values the node reads (nodeReads: non-empty
 * inputs and the outer values of its sub-graphs).
 */
export interface GraphIndex {
  /** Value name → id (and id → name): the graph's inputs, initializers and node outputs, then the names read from enclosing graphs. */
  ids: NameIds;
  /** The id of each of the graph's initializers, in their order. */
  initializerIds: Int32Array;
  /** 1 for the nodes (by position in `order`) that hold sub-graphs: the later stages skip the attribute scan. */
  holdsSubgraphs: Uint8Array;
  /** The nodes in topological order. */
  order: Node[];
  /** Producer of each value id: its node's position in `order`, −1 for values no node of the graph makes. */
  producer: Int32Array;
  inputStart: Int32Array;
  inputIds: Int32Array;
  outputStart: Int32Array;
  outputIds: Int32Array;
  readStart: Int32Array;
  readIds: Int32Array;
}

/** Flat lists (CSR) being filled: ids of entry i are at ids[start[i]] … ids[start[i + 1] − 1]. */
class FlatLists {
  readonly start: Int32Array;
  ids: Int32Array;
  used = 0;
  constructor(entries: number, capacity: number) {
    this.start = new Int32Array(entries + 1);
    this.ids = new Int32Array(Math.max(16, capacity));
  }
  push(id: number): void {
    if (this.used === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.used++] = id;
  }
  /** Close entry i (its ids are the ones pushed since entry i − 1 closed). */
  close(i: number): void {
    this.start[i + 1] = this.used;
  }
  /** The same lists with entries taken in `order` (these very arrays when `order` is the stored one). */
  permuted(order: Int32Array, stored: boolean): { start: Int32Array; ids: Int32Array } {
    if (stored) return { start: this.start, ids: this.used === this.ids.length ? this.ids : this.ids.subarray(0, this.used) };
    const start = new Int32Array(order.length + 1);
    const ids = new Int32Array(this.used);
    let used = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      for (let j = this.start[i]!; j < this.start[i + 1]!; j++) ids[used++] = this.ids[j]!;
      start[k + 1] = used;
    }
    return { start, ids };
  }
}

/**
 * How many nodes back an input is looked for among the outputs before the map is asked. A node mostly
 * reads what the last few nodes made, and the reader hands out one string per name, so these are
 * mostly compared by pointer: on a 100k-node graph they are most of the lookups, and the map, being
 * large, is the costly place to find them.
 */
const RECENT_NODES = 4;

/**
 * Index a graph: value ids, and a topological order that keeps the stored order where it is already
 * valid. Throws AnalysisError when a value has two producers or the nodes form a cycle.
 */
export function indexGraph(g: Graph): GraphIndex {
  const nodes = g.nodes;
  const inputCount = listLength(nodes, 'inputs');
  const outputCount = listLength(nodes, 'outputs');
  // Sized for every name the graph holds (each output, initializer and input at most one).
  const values = new NameIds(outputCount + g.initializers.length + g.inputs.length);
  for (const i of g.inputs) values.idOf(i.name);
  const initializerIds = initializerIdsOf(g, values);
  for (const s of g.sparseInitializers) values.idOf(s.values.name);
  // Producers by stored position while the outputs get their ids (at most one new id per output).
  let producerAt = new Int32Array(values.size + outputCount + 16).fill(-1);
  const outputs = new FlatLists(nodes.length, outputCount);
  indexAllOutputs(nodes, values, outputs, producerAt);
  const inputs = new FlatLists(nodes.length, inputCount);
  const reads = new FlatLists(nodes.length, inputCount);
  const holds = new Uint8Array(nodes.length);
  indexAllInputs(nodes, values, outputs, inputs, reads, holds);
  if (producerAt.length < values.size) {
    const grown = new Int32Array(values.size).fill(-1);
    grown.set(producerAt);
    producerAt = grown;
  }
  const order = topologicalPositions(nodes, reads, producerAt);
  const producer = producersInOrder(order, outputs, values.size);
  const holdsSubgraphs = new Uint8Array(order.length);
  const inOrderNodes: Node[] = new Array(order.length);
  // Files are mostly sorted already: then the lists are kept as they were filled, not copied.
  const stored = takeInOrder(order, nodes, holds, inOrderNodes, holdsSubgraphs);
  const inOrder = inputs.permuted(order, stored);
  const outOrder = outputs.permuted(order, stored);
  const readOrder = reads.permuted(order, stored);
  return {
    ids: values,
    initializerIds,
    holdsSubgraphs,
    order: inOrderNodes,
    producer,
    inputStart: inOrder.start,
    inputIds: inOrder.ids,
    outputStart: outOrder.start,
    outputIds: outOrder.ids,
    readStart: readOrder.start,
    readIds: readOrder.ids,
  };
}

// indexGraph's loops, each a function of its own: V8 compiles a long loop while it runs (on-stack
// replacement), and code after it in the same function, not yet run, would throw that compile away
// ("insufficient type feedback") for another one at the next loop: six compiles of one function.

/** How many names the nodes' input (or output) lists hold in all. */
function listLength(nodes: readonly Node[], list: 'inputs' | 'outputs'): number {
  let count = 0;
  for (let i = 0; i < nodes.length; i++) count += nodes[i]![list].length;
  return count;
}

function initializerIdsOf(g: Graph, values: NameIds): Int32Array {
  const ids = new Int32Array(g.initializers.length);
  for (let i = 0; i < g.initializers.length; i++) ids[i] = values.idOf(g.initializers[i]!.name);
  return ids;
}

function indexAllOutputs(nodes: readonly Node[], values: NameIds, outputs: FlatLists, producerAt: Int32Array): void {
  for (let i = 0; i < nodes.length; i++) indexOutputs(nodes, i, values, outputs, producerAt);
}

function indexAllInputs(nodes: readonly Node[], values: NameIds, outputs: FlatLists, inputs: FlatLists, reads: FlatLists, holds: Uint8Array): void {
  for (let i = 0; i < nodes.length; i++) indexInputs(nodes, i, values, outputs, inputs, reads, holds);
}

/** Each value's producer as a position in `order`. */
function producersInOrder(order: Int32Array, outputs: FlatLists, size: number): Int32Array {
  const producer = new Int32Array(size).fill(-1);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    for (let j = outputs.start[i]!; j < outputs.start[i + 1]!; j++) if (outputs.ids[j]! >= 0) producer[outputs.ids[j]!] = k;
  }
  return producer;
}

/** The nodes and their sub-graph flags in `order`; true when that is the stored order. */
function takeInOrder(order: Int32Array, nodes: readonly Node[], holds: Uint8Array, inOrderNodes: Node[], holdsSubgraphs: Uint8Array): boolean {
  let stored = true;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    stored &&= i === k;
    holdsSubgraphs[k] = holds[i]!;
    inOrderNodes[k] = nodes[i]!;
  }
  return stored;
}

/** The ids of node i's outputs, and i as their producer; throws when a value has two. */
function indexOutputs(nodes: readonly Node[], i: number, values: NameIds, outputs: FlatLists, producerAt: Int32Array): void {
  const n = nodes[i]!;
  for (let j = 0; j < n.outputs.length; j++) {
    const o = n.outputs[j]!;
    if (o === '') {
      outputs.push(-1);
      continue;
    }
    const id = values.idOf(o);
    const prev = producerAt[id]!;
    if (prev !== -1) {
      throw new AnalysisError(`value '${o}' is produced by two nodes: '${nodeLabel(nodes[prev]!, prev)}' and '${nodeLabel(n, i)}'`);
    }
    producerAt[id] = i;
    outputs.push(id);
  }
  outputs.close(i);
}

/** The id of a name node i reads: an output of the last few nodes, or the map's. */
function inputId(nodes: readonly Node[], i: number, name: string, values: NameIds, outputs: FlatLists): number {
  for (let p = i - 1; p >= 0 && p >= i - RECENT_NODES; p--) {
    const made = nodes[p]!.outputs;
    for (let j = 0; j < made.length; j++) if (made[j] === name) return outputs.ids[outputs.start[p]! + j]!;
  }
  return values.idOf(name);
}

/** The ids of node i's inputs and of the values it reads, and whether it holds sub-graphs. */
function indexInputs(nodes: readonly Node[], i: number, values: NameIds, outputs: FlatLists, inputs: FlatLists, reads: FlatLists, holds: Uint8Array): void {
  const n = nodes[i]!;
  let omitted = false;
  for (let j = 0; j < n.inputs.length; j++) {
    const name = n.inputs[j]!;
    omitted ||= name === '';
    inputs.push(name === '' ? -1 : inputId(nodes, i, name, values, outputs));
  }
  inputs.close(i);
  if (hasSubgraphs(n)) holds[i] = 1;
  // The common node (no omitted input, no sub-graph) reads exactly its inputs: their ids are known.
  if (!omitted && holds[i] === 0) for (let j = inputs.start[i]!; j < inputs.used; j++) reads.push(inputs.ids[j]!);
  else for (const name of nodeReads(n)) reads.push(values.idOf(name));
  reads.close(i);
}

/** Stored positions of the nodes in a topological order (iterative depth-first search: graphs can be thousands of nodes deep). */
function topologicalPositions(nodes: readonly Node[], reads: FlatLists, producerAt: Int32Array): Int32Array {
  // 0 new, 1 on the stack, 2 placed.
  const state = new Uint8Array(nodes.length);
  const order = new Int32Array(nodes.length);
  let placed = 0;
  // The stack as two parallel arrays: node positions and how many of their reads were followed.
  const stackNode = new Int32Array(nodes.length);
  const stackNext = new Int32Array(nodes.length);
  for (let start = 0; start < nodes.length; start++) {
    if (state[start] !== 0) continue;
    let top = 0;
    stackNode[0] = start;
    stackNext[0] = 0;
    state[start] = 1;
    while (top >= 0) {
      const node = stackNode[top]!;
      const from = reads.start[node]!;
      if (stackNext[top]! < reads.start[node + 1]! - from) {
        const dep = producerAt[reads.ids[from + stackNext[top]!]!]!;
        stackNext[top] = stackNext[top]! + 1;
        if (dep === -1) continue;
        if (state[dep] === 1) {
          let first = 0;
          while (stackNode[first] !== dep) first++;
          const cycle: string[] = [];
          for (let f = first; f <= top; f++) cycle.push(nodeLabel(nodes[stackNode[f]!]!, stackNode[f]!));
          cycle.push(nodeLabel(nodes[dep]!, dep));
          throw new AnalysisError(`the graph has a cycle: ${cycle.join(' → ')}`);
        }
        if (state[dep] === 0) {
          state[dep] = 1;
          top++;
          stackNode[top] = dep;
          stackNext[top] = 0;
        }
      } else {
        state[node] = 2;
        order[placed++] = node;
        top--;
      }
    }
  }
  return order;
}

/** Every sub-graph nested anywhere in a graph (If branches, Loop/Scan bodies, recursively). */
export function allSubgraphs(g: Graph): Graph[] {
  const out: Graph[] = [];
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i]!;
    if (hasSubgraphs(n)) for (const s of subgraphsOf(n)) out.push(s, ...allSubgraphs(s));
  }
  return out;
}
