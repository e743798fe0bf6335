/**
 * What a module row shows beyond its totals (the profile's torchinfo-like view): the layer kind with
 * its hyper-parameters, the module's input and output shapes (values crossing its boundary), and its
 * activation bytes (outputs of its nodes). Works on the Profile's nodes and the graph's value ids.
 */
import type { Dim } from '../onnx/model.js';
import { describeModule } from './layer-kind.js';
import type { GraphIndex } from './topology.js';
import type { ModuleTotals, NodeCost } from './types.js';

/** What the module view asks about a value, by its dense id in the graph's index (and its name). */
export interface ValueKinds {
  /** A constant (weight, Constant node, Identity copy): neither a module input nor an activation. */
  isConstant(id: number, name: string): boolean;
  /** A value inference knows the elements of (shape arithmetic): not shown as a module input/output. */
  isStatic(id: number, name: string): boolean;
  /** Bytes of a value, as the activation total counts it (undefined when unknown). */
  bytes(id: number, name: string): number | undefined;
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
  const { ids, producer, inputStart, inputIds, outputStart, outputIds } = index;
  const values = ids.size;
  // Shapes of values no node makes (graph inputs, initializers) as their first reader sees them.
  const outsideShape: (Dim[] | null | undefined)[] = new Array(values);
  const shapeOf = (id: number): Dim[] | null => {
    const p = producer[id]!;
    if (p < 0) return outsideShape[id] ?? null;
    for (let j = outputStart[p]!; j < outputStart[p + 1]!; j++) if (outputIds[j] === id) return nodes[p]!.outputShapes[j - outputStart[p]!] ?? null;
    return null;
  };
  const isGraphOutput = new Uint8Array(values);
  for (const o of graphOutputs) {
    const id = ids.get(o);
    if (id !== undefined) isGraphOutput[id] = 1;
  }

  // Every module once, in the tree's order, with an index for the per-module accumulators.
  const modules: ModuleTotals[] = [];
  const moduleIds = new Map<ModuleTotals, number>();
  const childByName = new Map<ModuleTotals, Map<string, ModuleTotals>>();
  const collect = (m: ModuleTotals): void => {
    moduleIds.set(m, modules.length);
    modules.push(m);
    childByName.set(m, new Map(m.children.map((c) => [c.name, c])));
    for (const c of m.children) collect(c);
  };
  collect(root);
  // The chain of module ids of each node (root first); consecutive nodes of one module share it.
  const chains: number[][] = new Array(nodes.length);
  let prevScope: readonly string[] | undefined;
  let prevChain: number[] = [0];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (prevScope === undefined || !sameScope(prevScope, n.scope)) {
      const chain = [0];
      let m: ModuleTotals | undefined = root;
      for (const segment of n.scope) {
        m = m && childByName.get(m)!.get(segment);
        if (m === undefined) break;
        chain.push(moduleIds.get(m)!);
      }
      prevChain = chain;
      prevScope = n.scope;
    }
    chains[i] = prevChain;
  }
  const shared = (a: readonly number[], b: readonly number[]): number => {
    if (a === b) return a.length;
    const k = Math.min(a.length, b.length);
    let l = 0;
    while (l < k && a[l] === b[l]) l++;
    return l;
  };

  const members: number[][] = modules.map(() => []);
  // Values entering each module, by id, in first-reading order.
  const ins: number[][] = modules.map(() => []);
  const insSeen: (Set<number> | undefined)[] = [];
  const bytes = new Float64Array(modules.length);
  // The shallowest level of the producer's chain a value leaves: its producer's chain length when no
  // reader is outside the producer's own module, 0 for a graph output (the root gives it out).
  const leaves = new Int32Array(values);
  for (let i = 0; i < nodes.length; i++) {
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      if (id >= 0) leaves[id] = isGraphOutput[id] === 1 ? 0 : chains[i]!.length;
    }
  }
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const chain = chains[i]!;
    for (let d = 1; d < chain.length; d++) members[chain[d]!]!.push(i);
    let own = 0;
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      const name = n.outputs[j - outputStart[i]!]!;
      if (id >= 0 && !kinds.isConstant(id, name)) own += kinds.bytes(id, name) ?? 0;
    }
    if (own !== 0) for (const m of chain) bytes[m]! += own;
    const first = inputStart[i]!;
    for (let j = first; j < inputStart[i + 1]!; j++) {
      const id = inputIds[j]!;
      if (id < 0) continue;
      const p = producer[id]!;
      if (p < 0 && outsideShape[id] === undefined) outsideShape[id] = n.inputShapes[j - first] ?? null;
      const level = p < 0 ? 0 : shared(chain, chains[p]!);
      if (p >= 0 && level < leaves[id]!) leaves[id] = level;
      if (kinds.isConstant(id, n.inputs[j - first]!) || kinds.isStatic(id, n.inputs[j - first]!)) continue;
      for (let d = level; d < chain.length; d++) {
        const m = chain[d]!;
        const seen = (insSeen[m] ??= new Set());
        if (seen.has(id)) continue;
        seen.add(id);
        ins[m]!.push(id);
      }
    }
  }
  const outs: number[][] = modules.map(() => []);
  for (let i = 0; i < nodes.length; i++) {
    const chain = chains[i]!;
    const n = nodes[i]!;
    for (let j = outputStart[i]!; j < outputStart[i + 1]!; j++) {
      const id = outputIds[j]!;
      const name = n.outputs[j - outputStart[i]!]!;
      if (id < 0 || kinds.isConstant(id, name) || kinds.isStatic(id, name)) continue;
      for (let d = leaves[id]!; d < chain.length; d++) outs[chain[d]!]!.push(id);
    }
  }
  const names: string[] = new Array(values);
  for (const [name, id] of ids) names[id] = name;
  modules.forEach((m, id) => {
    m.kind = m.depth === 0 ? undefined : describeModule(members[id]!.map((i) => nodes[i]!));
    m.inputs = ins[id]!.map((v) => ({ name: names[v]!, shape: shapeOf(v) }));
    m.outputs = outs[id]!.map((v) => ({ name: names[v]!, shape: shapeOf(v) }));
    m.activationBytes = bytes[id]!;
  });
}

function sameScope(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
