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
  const shapeOf = new Map<string, Dim[] | null>();
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    n.outputs.forEach((o, j) => {
      if (o === '') return;
      shapeOf.set(o, n.outputShapes[j] ?? null);
      producer.set(o, i);
    });
    n.inputs.forEach((name, j) => {
      if (name === '') return;
      if (!shapeOf.has(name)) shapeOf.set(name, n.inputShapes[j] ?? null);
      const list = consumers.get(name);
      if (list) list.push(i);
      else consumers.set(name, [i]);
    });
  });
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
  const outs: string[][] = modules.map(() => []);
  const bytes = new Float64Array(modules.length);
  nodes.forEach((n, i) => {
    const chain = chains[i]!;
    for (let d = 1; d < chain.length; d++) members[chain[d]!]!.push(i);
    let own = 0;
    for (const o of n.outputs) if (o !== '' && !kinds.isConstant(o)) own += kinds.bytes(o) ?? 0;
    if (own !== 0) for (const id of chain) bytes[id]! += own;
    n.inputs.forEach((name, j) => {
      if (name === '' || n.constantInputs.includes(j) || kinds.isStatic(name)) return;
      const from = producer.get(name);
      const level = from === undefined ? 0 : shared(chain, chains[from]!);
      for (let d = level; d < chain.length; d++) {
        const id = chain[d]!;
        const seen = (insSeen[id] ??= new Set());
        if (seen.has(name)) continue;
        seen.add(name);
        ins[id]!.push(name);
      }
    });
    n.outputs.forEach((o, j) => {
      if (o === '' || n.outputs.indexOf(o) !== j || kinds.isConstant(o) || kinds.isStatic(o)) return;
      let level = chain.length;
      if (isGraphOutput.has(o)) level = 0;
      else for (const r of consumers.get(o) ?? []) level = Math.min(level, shared(chain, chains[r]!));
      for (let d = level; d < chain.length; d++) outs[chain[d]!]!.push(o);
    });
  });
  modules.forEach((m, id) => {
    m.kind = m.depth === 0 ? undefined : describeModule(members[id]!.map((i) => nodes[i]!));
    m.inputs = ins[id]!.map((name) => ({ name, shape: shapeOf.get(name) ?? null }));
    m.outputs = outs[id]!.map((name) => ({ name, shape: shapeOf.get(name) ?? null }));
    m.activationBytes = bytes[id]!;
  });
}

function sameScope(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
