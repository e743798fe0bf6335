/**
 * What a module row shows beyond its totals (the profile's torchinfo-like view): the layer kind with
 * its hyper-parameters, the module's input and output shapes (values crossing its boundary), and its
 * activation bytes (outputs of its nodes). Works on the Profile's nodes and the graph's value ids.
 */
import type { Dim } from '../onnx/model.js';
import { describeModule } from './layer-kind.js';
import type { GraphIndex } from './topology.js';
import type { ModuleTotals, NodeCost } from './types.js';

/** What the module view asks about a value, by its dense id in the graph's index. */
export interface ValueKinds {
  /** A constant (weight, Constant node, Identity copy): neither a module input nor an activation. */
  isConstant(id: number): boolean;
  /** A value inference knows the elements of (shape arithmetic): not shown as a module input/output. */
  isStatic(id: number): boolean;
  /** Bytes of a value, as the activation total counts it (undefined when unknown). */
  bytes(id: number): number | undefined;
}

/**
 * Fill kind, inputs, outputs and activationBytes of every module of the tree, in place. A module's
 * activation bytes add its nodes' non-constant outputs, as activationsTotalBytes does, so the root's
 * share is 100%. Inputs and outputs are the tensors crossing its boundary, shape arithmetic left out.
 * `index` is the graph's index (src/analysis/topology.ts), its node lists aligned with `nodes`: values
 * are followed by their dense ids, in per-value arrays.
 *
 * One pass over the nodes: a value read by node i and made by node p crosses the boundary of exactly
 * the modules of i's chain (root → its own module) below the levels the two chains share, so each
 * node adds its values to those modules only, in node order (the order a per-module walk would give).
 */
export function annotateModules(root: ModuleTotals, nodes: readonly NodeCost[], index: GraphIndex, graphOutputs: readonly string[], kinds: ValueKinds): void {
  // Each step is a function of its own with one loop: V8 optimizes a small function as a whole
  // instead of recompiling one long one each time a new loop of it gets hot.
  const { modules, chains } = moduleChains(root, nodes);
  const view: View = { nodes, index, kinds, chains, outsideShape: new Array(index.ids.size) };
  const leaves = leaveLevels(view, graphOutputs);
  const members = moduleMembers(view, modules.length);
  const bytes = moduleBytes(view, modules.length);
  const ins = moduleInputs(view, modules.length);
  const outs = moduleOutputs(view, modules.length, leaves);
  const { names } = index.ids;
  for (let id = 0; id < modules.length; id++) {
    const m = modules[id]!;
    m.kind = m.depth === 0 ? undefined : describeModule(nodes, members[id]!);
    m.inputs = ins[id]!.map((v) => ({ name: names[v]!, shape: shapeOf(view, v) }));
    m.outputs = outs[id]!.map((v) => ({ name: names[v]!, shape: shapeOf(view, v) }));
    m.activationBytes = bytes[id]!;
  }
}

/** What the steps share: the nodes, the graph's ids, and each node's chain of module ids. */
interface View {
  nodes: readonly NodeCost[];
  index: GraphIndex;
  kinds: ValueKinds;
  /** The chain of module ids of each node (root first). */
  chains: number[][];
  /** Shapes of values no node makes (graph inputs, initializers) as their first reader sees them (moduleInputs fills it). */
  outsideShape: (Dim[] | null | undefined)[];
}

function shapeOf(view: View, id: number): Dim[] | null {
  const { producer, outputStart, outputIds } = view.index;
  const p = producer[id]!;
  if (p < 0) return view.outsideShape[id] ?? null;
  for (let j = outputStart[p]!; j < outputStart[p + 1]!; j++) if (outputIds[j] === id) return view.nodes[p]!.outputShapes[j - outputStart[p]!] ?? null;
  return null;
}

/** Every module once, in the tree's order (its position is its id), and each node's chain of module ids. */
function moduleChains(root: ModuleTotals, nodes: readonly NodeCost[]): { modules: ModuleTotals[]; chains: number[][] } {
  const modules: ModuleTotals[] = [];
  // Module ids by path (unique: segments hold no '/'): one map for the tree, not one per module.
  const idByPath = new Map<string, number>();
  const collect = (m: ModuleTotals): void => {
    idByPath.set(m.path, modules.length);
    modules.push(m);
    for (const c of m.children) collect(c);
  };
  collect(root);
  // Consecutive nodes of one module share one chain.
  const chains: number[][] = new Array(nodes.length);
  let prevScope: readonly string[] | undefined;
  let prevChain: number[] = [0];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (prevScope === undefined || !sameScope(prevScope, n.scope)) {
      prevChain = scopeChain(n.scope, idByPath);
      prevScope = n.scope;
    }
    chains[i] = prevChain;
  }
  return { modules, chains };
}

/** The module ids from the root down to a scope's module (the paths moduleTree gave them). */
function scopeChain(scope: readonly string[], idByPath: ReadonlyMap<string, number>): number[] {
  const chain = [0];
  let path = '';
  for (let d = 0; d < scope.length; d++) {
    path = d === 0 ? scope[0]! : `${path}/${scope[d]!}`;
    const id = idByPath.get(path);
    if (id === undefined) break;
    chain.push(id);
  }
  return chain;
}

/** How many leading module levels two chains share. */
function shared(a: readonly number[], b: readonly number[]): number {
  if (a === b) return a.length;
  const k = Math.min(a.length, b.length);
  let l = 0;
  while (l < k && a[l] === b[l]) l++;
  return l;
}

/**
 * The shallowest level of its producer's chain each value leaves: the producer's chain length when no
 * reader is outside the producer's own module, 0 for a graph output (the root gives it out).
 */
function leaveLevels(view: View, graphOutputs: readonly string[]): Int32Array {
  const { ids, producer, inputStart, inputIds, outputStart, outputIds } = view.index;
  const { chains } = view;
  const leaves = new Int32Array(ids.size);
  for (let i = 0; i < chains.length; i++) {
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) if (outputIds[j]! >= 0) leaves[outputIds[j]!] = chains[i]!.length;
  }
  for (const o of graphOutputs) {
    const id = ids.get(o);
    if (id !== undefined && producer[id]! >= 0) leaves[id] = 0;
  }
  for (let i = 0; i < chains.length; i++) {
    for (let j = inputStart[i]!; j < inputStart[i + 1]!; j++) {
      const id = inputIds[j]!;
      if (id < 0 || producer[id]! < 0) continue;
      const level = shared(chains[i]!, chains[producer[id]!]!);
      if (level < leaves[id]!) leaves[id] = level;
    }
  }
  return leaves;
}

/** The nodes of each module (the root's left empty: it has no layer kind). */
function moduleMembers(view: View, count: number): number[][] {
  const members: number[][] = [];
  for (let m = 0; m < count; m++) members.push([]);
  const { chains } = view;
  for (let i = 0; i < chains.length; i++) {
    const chain = chains[i]!;
    for (let d = 1; d < chain.length; d++) members[chain[d]!]!.push(i);
  }
  return members;
}

/** Activation bytes of each module: its nodes' non-constant outputs. */
function moduleBytes(view: View, count: number): Float64Array {
  const { outputStart, outputIds } = view.index;
  const { nodes, kinds, chains } = view;
  const bytes = new Float64Array(count);
  for (let i = 0; i < nodes.length; i++) {
    let own = 0;
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      if (id >= 0 && !kinds.isConstant(id)) own += kinds.bytes(id) ?? 0;
    }
    const chain = chains[i]!;
    if (own !== 0) for (let d = 0; d < chain.length; d++) bytes[chain[d]!]! += own;
  }
  return bytes;
}

/** Values entering each module, by id, in first-reading order; notes the shapes of values no node makes. */
function moduleInputs(view: View, count: number): number[][] {
  const { producer, inputStart, inputIds } = view.index;
  const { nodes, kinds, chains, outsideShape } = view;
  const ins: number[][] = [];
  for (let m = 0; m < count; m++) ins.push([]);
  const seen: (Set<number> | undefined)[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const chain = chains[i]!;
    const first = inputStart[i]!;
    for (let j = first; j < inputStart[i + 1]!; j++) {
      const id = inputIds[j]!;
      if (id < 0) continue;
      const p = producer[id]!;
      if (p < 0 && outsideShape[id] === undefined) outsideShape[id] = n.inputShapes[j - first] ?? null;
      if (kinds.isConstant(id) || kinds.isStatic(id)) continue;
      for (let d = p < 0 ? 0 : shared(chain, chains[p]!); d < chain.length; d++) {
        const m = chain[d]!;
        const s = (seen[m] ??= new Set());
        if (s.has(id)) continue;
        s.add(id);
        ins[m]!.push(id);
      }
    }
  }
  return ins;
}

/** Values leaving each module, by id, in node order: a value leaves the modules of its producer's chain below its leave level. */
function moduleOutputs(view: View, count: number, leaves: Int32Array): number[][] {
  const { outputStart, outputIds } = view.index;
  const { nodes, kinds, chains } = view;
  const outs: number[][] = [];
  for (let m = 0; m < count; m++) outs.push([]);
  for (let i = 0; i < nodes.length; i++) {
    const chain = chains[i]!;
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      if (id < 0 || kinds.isConstant(id) || kinds.isStatic(id)) continue;
      for (let d = leaves[id]!; d < chain.length; d++) outs[chain[d]!]!.push(id);
    }
  }
  return outs;
}

function sameScope(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
