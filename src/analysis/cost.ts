/**
 * Costing an inferred graph under one convention: each node's rule gives its MACs, FLOPs and formula.
 * A node without a rule, with an inference problem, or whose rule cannot cost it (an unknown dim) is
 * kept as uncounted with the reason — never silently zero. Sub-graph costs asked for by control-flow
 * rules are kept, so depth and the uncounted list can see inside If/Loop/Scan bodies.
 */
import type { Graph, Node } from '../onnx/model.js';
import { type ContextHooks, engineCostContext } from './context.js';
import type { GraphAnalysis, Inferrer, NodeRecord } from './infer.js';
import { inputFacts, outputFacts, problemText } from './infer.js';
import { valueBytes } from './memory.js';
import type { GraphIndex } from './topology.js';
import type { Convention, FormulaUse, ValueFacts } from './types.js';

export interface NodeCostRecord {
  rec: NodeRecord;
  counted: boolean;
  reason?: string | undefined;
  macs: number;
  flops: number;
  formula?: FormulaUse | undefined;
  /** Costs of the sub-graphs the node's rule asked for, by sub-graph (made when a rule asks for one). */
  subCosts?: Map<Graph, GraphCost> | undefined;
}

export interface GraphCost {
  analysis: GraphAnalysis;
  convention: Convention;
  nodes: NodeCostRecord[];
}

/** A node that could not be counted, wherever it sits (main graph or a sub-graph). */
export interface UncountedNode {
  node: Node;
  outputBytes: number;
  reason: string;
  /** The control-flow node whose body holds it, for nodes inside sub-graphs. */
  inside?: string | undefined;
}

/** The engine's hooks for one node's cost context: one object, its methods on the prototype. */
class CostHooks implements ContextHooks {
  constructor(
    private readonly result: NodeCostRecord,
    private readonly convention: Convention,
    private readonly inferrer: Inferrer,
    private readonly index: GraphIndex,
  ) {}

  /** Asked only by the rules that care (most never do): no set is built per node. */
  get weightInputs(): { has(index: number): boolean } {
    return this;
  }

  has(i: number): boolean {
    const { rec } = this.result;
    const { inputStart, inputIds } = this.index;
    const first = inputStart[rec.index]!;
    if (!(i >= 0 && i < inputStart[rec.index + 1]! - first)) return false;
    const id = inputIds[first + i]!;
    return id >= 0 && rec.scope.constantById(id) !== undefined;
  }

  inferSubgraph(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
    return this.inferrer.inferSubgraphOf(this.result.rec, g, inputs);
  }

  subgraphCost(g: Graph, inputs: (ValueFacts | undefined)[]): { macs: number; flops: number } {
    const { rec } = this.result;
    const sub = costGraph(this.inferrer.inferGraph(g, inputs, rec.scope), this.convention, this.inferrer);
    (this.result.subCosts ??= new Map()).set(g, sub);
    let macs = 0;
    let flops = 0;
    for (const n of sub.nodes) {
      macs += n.macs;
      flops += n.flops;
    }
    return { macs, flops };
  }
}

/**
 * One object for equal formulas: the repeated layers of a large model (every block of a transformer)
 * give the same template, texts and vars node after node, and the profile keeps each node's formula
 * to its end. Equal means the JSON would be: same template, texts, and vars with the same keys in the
 * same order. Bounded: a graph of all-different formulas stops adding after MAX_SHARED.
 */
class SharedFormulas {
  /** By template, symbolic text and substituted text: the formulas kept, each with its vars' keys. */
  private readonly byTemplate = new Map<string, Map<string, Map<string, SharedFormula[]>>>();
  private size = 0;
  private static readonly MAX_SHARED = 4096;

  share(f: FormulaUse): FormulaUse {
    let bySymbolic = this.byTemplate.get(f.template);
    let bySubstituted = bySymbolic?.get(f.symbolic);
    const same = bySubstituted?.get(f.substituted);
    if (same !== undefined) {
      for (const g of same) if (sameVars(g, f.vars)) return g.formula;
      if (same.length < 8) same.push({ formula: f, keys: Object.keys(f.vars) });
    } else if (this.size < SharedFormulas.MAX_SHARED) {
      if (bySymbolic === undefined) this.byTemplate.set(f.template, (bySymbolic = new Map()));
      if (bySubstituted === undefined) bySymbolic.set(f.symbolic, (bySubstituted = new Map()));
      bySubstituted.set(f.substituted, [{ formula: f, keys: Object.keys(f.vars) }]);
      this.size++;
    }
    return f;
  }
}

interface SharedFormula {
  formula: FormulaUse;
  /** Its vars' keys, in order (listed once, not for every formula compared with it). */
  keys: string[];
}

/** Same keys in the same order and the same values (for-in lists own keys in Object.keys' order). */
function sameVars(g: SharedFormula, vars: Record<string, number>): boolean {
  const { keys } = g;
  const held = g.formula.vars;
  let i = 0;
  for (const k in vars) {
    if (!Object.hasOwn(vars, k)) return false;
    if (i >= keys.length || keys[i] !== k || !Object.is(held[k], vars[k])) return false;
    i++;
  }
  return i === keys.length;
}

function costNode(rec: NodeRecord, convention: Convention, inferrer: Inferrer, index: GraphIndex, formulas: SharedFormulas): NodeCostRecord {
  const result: NodeCostRecord = { rec, counted: false, macs: 0, flops: 0, reason: undefined, formula: undefined, subCosts: undefined };
  if (rec.problem !== undefined || rec.rule === undefined) {
    result.reason = rec.problem ?? 'no rule';
    return result;
  }
  const ctx = engineCostContext(rec.node, inputFacts(rec), rec.opset, outputFacts(rec), new CostHooks(result, convention, inferrer, index));
  try {
    const entry = rec.rule.cost(ctx, convention);
    if (entry !== null) {
      if (!Number.isFinite(entry.macs) || !Number.isFinite(entry.flops) || entry.macs < 0 || entry.flops < 0) {
        result.reason = `rule gave an invalid count (MACs ${entry.macs}, FLOPs ${entry.flops})`;
        return result;
      }
      result.macs = entry.macs;
      result.flops = entry.flops;
      result.formula = entry.formula === undefined ? undefined : formulas.share(entry.formula);
    }
    result.counted = true;
  } catch (err) {
    result.reason = problemText(err);
  }
  return result;
}

export function costGraph(analysis: GraphAnalysis, convention: Convention, inferrer: Inferrer): GraphCost {
  const nodes: NodeCostRecord[] = new Array(analysis.records.length);
  const formulas = new SharedFormulas();
  for (let i = 0; i < nodes.length; i++) nodes[i] = costNode(analysis.records[i]!, convention, inferrer, analysis.index, formulas);
  return { analysis, convention, nodes };
}

/** Bytes of a node's outputs whose shapes are known. */
export function outputBytes(rec: NodeRecord): number {
  if (rec.ownOutputs !== undefined) {
    let sum = 0;
    for (const f of rec.ownOutputs) sum += valueBytes(f) ?? 0;
    return sum;
  }
  // Read through the ids: no list of the facts made to add them up.
  const index = rec.scope.index!;
  let sum = 0;
  for (let j = index.outputStart[rec.index]!; j < index.outputStart[rec.index + 1]!; j++) sum += valueBytes(rec.scope.getById(index.outputIds[j]!)) ?? 0;
  return sum;
}

/** Every uncounted node, including those inside the sub-graphs the rules costed. */
export function uncountedNodes(gc: GraphCost, inside?: string): UncountedNode[] {
  const out: UncountedNode[] = [];
  for (let i = 0; i < gc.nodes.length; i++) {
    const n = gc.nodes[i]!;
    if (!n.counted) out.push({ node: n.rec.node, outputBytes: outputBytes(n.rec), reason: n.reason ?? 'no rule', inside });
    if (n.subCosts) for (const sub of n.subCosts.values()) out.push(...uncountedNodes(sub, inside ?? (n.rec.node.name || n.rec.node.opType)));
  }
  return out;
}
