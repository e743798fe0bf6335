/**
 * Costing an inferred graph under one convention: each node's rule gives its MACs, FLOPs and formula.
 * A node without a rule, with an inference problem, or whose rule cannot cost it (an unknown dim) is
 * kept as uncounted with the reason — never silently zero. Sub-graph costs asked for by control-flow
 * rules are kept, so depth and the uncounted list can see inside If/Loop/Scan bodies.
 */
import type { Graph, Node } from '../onnx/model.js';
import { type ContextHooks, engineCostContext } from './context.js';
import type { GraphAnalysis, Inferrer, NodeRecord } from './infer.js';
import { inputFacts, outputFact, outputFacts, problemText } from './infer.js';
import { valueBytes } from './memory.js';
import type { Convention, FormulaUse, ValueFacts } from './types.js';

/**
 * A graph costed under one convention, as columns index-aligned with `analysis.records` (one typed
 * array per number, not an object per node: a large graph's costs are what the profile keeps to its end).
 */
export interface GraphCost {
  analysis: GraphAnalysis;
  convention: Convention;
  macs: Float64Array;
  flops: Float64Array;
  /** 1 for the nodes that are counted. */
  counted: Uint8Array;
  /** Why each uncounted node is not, by position. */
  reasons: Map<number, string>;
  formulas: (FormulaUse | undefined)[];
  /** Costs of the sub-graphs a node's rule asked for, by node position and sub-graph (made when a rule asks for one). */
  subCosts: Map<number, Map<Graph, GraphCost>>;
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
    private readonly gc: GraphCost,
    private readonly at: number,
    private readonly inferrer: Inferrer,
  ) {}

  /** Asked only by the rules that care (most never do): no set is built per node. */
  get weightInputs(): { has(index: number): boolean } {
    return this;
  }

  has(i: number): boolean {
    const { inputStart, inputIds } = this.gc.analysis.index;
    const first = inputStart[this.at]!;
    if (!(i >= 0 && i < inputStart[this.at + 1]! - first)) return false;
    const id = inputIds[first + i]!;
    return id >= 0 && this.gc.analysis.records[this.at]!.scope.constantById(id) !== undefined;
  }

  inferSubgraph(g: Graph, inputs: (ValueFacts | undefined)[]): ValueFacts[] {
    return this.inferrer.inferSubgraphOf(this.gc.analysis.records[this.at]!, g, inputs);
  }

  subgraphCost(g: Graph, inputs: (ValueFacts | undefined)[]): { macs: number; flops: number } {
    const rec = this.gc.analysis.records[this.at]!;
    const sub = costGraph(this.inferrer.inferGraph(g, inputs, rec.scope), this.gc.convention, this.inferrer);
    let costs = this.gc.subCosts.get(this.at);
    if (costs === undefined) this.gc.subCosts.set(this.at, (costs = new Map()));
    costs.set(g, sub);
    return { macs: columnSum(sub.macs), flops: columnSum(sub.flops) };
  }
}

/** A column added up. */
function columnSum(column: Float64Array): number {
  let s = 0;
  for (let i = 0; i < column.length; i++) s += column[i]!;
  return s;
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

/** Cost node `i` of the graph into the columns. */
function costNode(gc: GraphCost, i: number, inferrer: Inferrer, formulas: SharedFormulas): void {
  const rec = gc.analysis.records[i]!;
  if (rec.problem !== undefined || rec.rule === undefined) {
    gc.reasons.set(i, rec.problem ?? 'no rule');
    return;
  }
  const ctx = engineCostContext(rec.node, inputFacts(rec), rec.opset, outputFacts(rec), new CostHooks(gc, i, inferrer));
  try {
    const entry = rec.rule.cost(ctx, gc.convention);
    if (entry !== null) {
      if (!Number.isFinite(entry.macs) || !Number.isFinite(entry.flops) || entry.macs < 0 || entry.flops < 0) {
        gc.reasons.set(i, `rule gave an invalid count (MACs ${entry.macs}, FLOPs ${entry.flops})`);
        return;
      }
      gc.macs[i] = entry.macs;
      gc.flops[i] = entry.flops;
      if (entry.formula !== undefined) gc.formulas[i] = formulas.share(entry.formula);
    }
    gc.counted[i] = 1;
  } catch (err) {
    gc.reasons.set(i, problemText(err));
  }
}

export function costGraph(analysis: GraphAnalysis, convention: Convention, inferrer: Inferrer): GraphCost {
  const n = analysis.records.length;
  const gc: GraphCost = {
    analysis,
    convention,
    macs: new Float64Array(n),
    flops: new Float64Array(n),
    counted: new Uint8Array(n),
    reasons: new Map(),
    formulas: new Array(n).fill(undefined),
    subCosts: new Map(),
  };
  const formulas = new SharedFormulas();
  for (let i = 0; i < n; i++) costNode(gc, i, inferrer, formulas);
  return gc;
}

/** Bytes of a node's outputs whose shapes are known. */
export function outputBytes(rec: NodeRecord): number {
  // One output at a time: no list of the facts made to add them up.
  let sum = 0;
  for (let j = 0; j < rec.node.outputs.length; j++) sum += valueBytes(outputFact(rec, j)) ?? 0;
  return sum;
}

/** Every uncounted node, including those inside the sub-graphs the rules costed. */
export function uncountedNodes(gc: GraphCost, inside?: string): UncountedNode[] {
  const out: UncountedNode[] = [];
  const { records } = gc.analysis;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    if (gc.counted[i] === 0) out.push({ node: rec.node, outputBytes: outputBytes(rec), reason: gc.reasons.get(i) ?? 'no rule', inside });
    const subs = gc.subCosts.get(i);
    if (subs) for (const sub of subs.values()) out.push(...uncountedNodes(sub, inside ?? (rec.node.name || rec.node.opType)));
  }
  return out;
}
