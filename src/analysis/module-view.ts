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
      const list = consumers.get(name) ?? [];
      list.push(i);
      consumers.set(name, list);
    });
  });
  const isGraphOutput = new Set(graphOutputs);
  const byPath = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (let d = 0; d <= n.scope.length; d++) {
      const path = n.scope.slice(0, d).join('/');
      const list = byPath.get(path) ?? [];
      list.push(i);
      byPath.set(path, list);
    }
  });
  const visit = (m: ModuleTotals): void => {
    const members = byPath.get(m.path) ?? [];
    const inside = new Set(members);
    const ins: string[] = [];
    const outs: string[] = [];
    let bytes = 0;
    for (const i of members) {
      const n = nodes[i]!;
      for (const o of n.outputs) if (o !== '' && !kinds.isConstant(o)) bytes += kinds.bytes(o) ?? 0;
      n.inputs.forEach((name, j) => {
        if (name === '' || n.constantInputs.includes(j) || ins.includes(name) || kinds.isStatic(name)) return;
        const from = producer.get(name);
        if (from === undefined || !inside.has(from)) ins.push(name);
      });
      for (const o of n.outputs) {
        if (o === '' || outs.includes(o) || kinds.isConstant(o) || kinds.isStatic(o)) continue;
        const readers = consumers.get(o) ?? [];
        if (isGraphOutput.has(o) || readers.some((r) => !inside.has(r))) outs.push(o);
      }
    }
    m.kind = m.depth === 0 ? undefined : describeModule(members.map((i) => nodes[i]!));
    m.inputs = ins.map((name) => ({ name, shape: shapeOf.get(name) ?? null }));
    m.outputs = outs.map((name) => ({ name, shape: shapeOf.get(name) ?? null }));
    m.activationBytes = bytes;
    for (const c of m.children) visit(c);
  };
  visit(root);
}
