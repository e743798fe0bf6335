/**
 * What a module row shows beyond its totals (the profile's torchinfo-like view): the layer kind with
 * its hyper-parameters, the module's input and output shapes (values crossing its boundary), and its
 * activation bytes (outputs of its nodes). Works on the Profile's nodes, so it needs no graph.
 */
import type { Dim } from '../onnx/model.js';
import { describeModule } from './layer-kind.js';
import type { ModuleTotals, NodeCost } from './types.js';

export interface ValueKinds {
  /** A constant (weight, Constant node, Identity copy): neither a module input nor an activation. */
  isConstant(name: string): boolean;
  /** A value inference knows the elements of (shape arithmetic): not shown as a module input/output. */
  isStatic(name: string): boolean;
  /** Bytes of a value, as the activation total counts it (undefined when unknown). */
  bytes(name: string): number | undefined;
}

/**
 * Fill kind, inputs, outputs and activationBytes of every module of the tree, in place. A module's
 * activation bytes add its nodes' non-constant outputs, as activationsTotalBytes does, so the root's
 * share is 100%. Inputs and outputs are the tensors crossing its boundary, shape arithmetic left out.
 *
 * One pass over the nodes: a value read by node i and made by node p crosses the boundary of exactly
 * the modules of i's chain (root → its own module) below the levels the two chains share, so each
 * node adds its values to those modules only, in node order (the order a per-module walk would give).
 */
export function annotateModules(root: ModuleTotals, nodes: readonly NodeCost[], graphOutputs: readonly string[], kinds: ValueKinds): void {
  // Each node output gets a slot (outStart[i] + j); a value is found by name once, through `slot`.
  const outStart = new Int32Array(nodes.length + 1);
  nodes.forEach((n, i) => (outStart[i + 1] = outStart[i]! + n.outputs.length));
  const slot = new Map<string, number>();
  const producerOf = new Int32Array(outStart[nodes.length]!);
  nodes.forEach((n, i) => {
    n.outputs.forEach((o, j) => {
      if (o === '') return;
      slot.set(o, outStart[i]! + j);
      producerOf[outStart[i]! + j] = i;
    });
  });
  // Shapes of values no node makes (graph inputs, initializers) as their first reader sees them.
  const outsideShape = new Map<string, Dim[] | null>();
  const shapeOf = (name: string): Dim[] | null => {
    const k = slot.get(name);
    if (k === undefined) return outsideShape.get(name) ?? null;
    const p = producerOf[k]!;
    return nodes[p]!.outputShapes[k - outStart[p]!] ?? null;
  };
  const isGraphOutput = new Set(graphOutputs);

  // Every module once, in the tree's order, with an index for the per-module accumulators.
  const modules: ModuleTotals[] = [];
  const ids = new Map<ModuleTotals, number>();
  const childByName = new Map<ModuleTotals, Map<string, ModuleTotals>>();
  const collect = (m: ModuleTotals): void => {
    ids.set(m, modules.length);
    modules.push(m);
    childByName.set(m, new Map(m.children.map((c) => [c.name, c])));
    for (const c of m.children) collect(c);
  };
  collect(root);
  // The chain of module ids of each node (root first); consecutive nodes of one module share it.
  const chains: number[][] = [];
  let prevScope: readonly string[] | undefined;
  let prevChain: number[] = [0];
  for (const n of nodes) {
    if (prevScope === undefined || !sameScope(prevScope, n.scope)) {
      const chain = [0];
      let m: ModuleTotals | undefined = root;
      for (const segment of n.scope) {
        m = m && childByName.get(m)!.get(segment);
        if (m === undefined) break;
        chain.push(ids.get(m)!);
      }
      prevChain = chain;
      prevScope = n.scope;
    }
    chains.push(prevChain);
  }
  const shared = (a: readonly number[], b: readonly number[]): number => {
    if (a === b) return a.length;
    const k = Math.min(a.length, b.length);
    let l = 0;
    while (l < k && a[l] === b[l]) l++;
    return l;
  };

  const members: number[][] = modules.map(() => []);
  const ins: string[][] = modules.map(() => []);
  const insSeen: (Set<string> | undefined)[] = [];
  const bytes = new Float64Array(modules.length);
  // The shallowest level of the producer's chain a value leaves: its producer's chain length when no
  // reader is outside the producer's own module, 0 for a graph output (the root gives it out).
  const leaves = new Int32Array(producerOf.length);
  nodes.forEach((n, i) => {
    const chain = chains[i]!;
    n.outputs.forEach((o, j) => (leaves[outStart[i]! + j] = isGraphOutput.has(o) ? 0 : chain.length));
  });
  nodes.forEach((n, i) => {
    const chain = chains[i]!;
    for (let d = 1; d < chain.length; d++) members[chain[d]!]!.push(i);
    let own = 0;
    for (const o of n.outputs) if (o !== '' && !kinds.isConstant(o)) own += kinds.bytes(o) ?? 0;
    if (own !== 0) for (const id of chain) bytes[id]! += own;
    n.inputs.forEach((name, j) => {
      if (name === '') return;
      const k = slot.get(name);
      if (k === undefined && !outsideShape.has(name)) outsideShape.set(name, n.inputShapes[j] ?? null);
      const level = k === undefined ? 0 : shared(chain, chains[producerOf[k]!]!);
      if (k !== undefined && level < leaves[k]!) leaves[k] = level;
      if (n.constantInputs.includes(j) || kinds.isStatic(name)) return;
      for (let d = level; d < chain.length; d++) {
        const id = chain[d]!;
        const seen = (insSeen[id] ??= new Set());
        if (seen.has(name)) continue;
        seen.add(name);
        ins[id]!.push(name);
      }
    });
  });
  const outs: string[][] = modules.map(() => []);
  nodes.forEach((n, i) => {
    const chain = chains[i]!;
    n.outputs.forEach((o, j) => {
      if (o === '' || n.outputs.indexOf(o) !== j || kinds.isConstant(o) || kinds.isStatic(o)) return;
      for (let d = leaves[outStart[i]! + j]!; d < chain.length; d++) outs[chain[d]!]!.push(o);
    });
  });
  modules.forEach((m, id) => {
    m.kind = m.depth === 0 ? undefined : describeModule(members[id]!.map((i) => nodes[i]!));
    m.inputs = ins[id]!.map((name) => ({ name, shape: shapeOf(name) }));
    m.outputs = outs[id]!.map((name) => ({ name, shape: shapeOf(name) }));
    m.activationBytes = bytes[id]!;
  });
}

function sameScope(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
