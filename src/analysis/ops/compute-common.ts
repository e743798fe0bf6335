/**
 * Helpers shared by the compute-heavy op families (conv, gemm, attention, norm, pool, softmax,
 * recurrent): reading shapes that cost needs as numbers, convolution/pooling window geometry, and how
 * a rule's convention is told apart (`costRule`: the exact rule, or the preset's table of deviations).
 * Formulas are printed by the expression objects of expr.ts.
 */
import type { Dim } from '../../onnx/model.js';
import { AnalysisError, type Convention, type CostContext, type CostEntry, type NodeContext } from '../types.js';
import { Expr, flopsEntry, macsOnly } from './expr.js';

/** How a node is named in messages. */
export function where(ctx: NodeContext): string {
  return ctx.node.name || ctx.node.opType;
}

/** True when input i is given (present and not the empty name). */
export function hasInput(ctx: NodeContext, i: number): boolean {
  return i < ctx.node.inputs.length && ctx.node.inputs[i] !== '';
}

/** The shape of input i, or throw naming the input when its rank is unknown. */
export function inputShape(ctx: NodeContext, i: number, what: string): Dim[] {
  const shape = ctx.inputs[i]?.shape;
  if (shape === undefined) throw new AnalysisError(`the rank of ${what} (input ${i}) is unknown`, where(ctx));
  return shape;
}

/** The shape of input i if its rank is known. */
export function maybeShape(ctx: NodeContext, i: number): Dim[] | undefined {
  return hasInput(ctx, i) ? ctx.inputs[i]?.shape : undefined;
}

/** A dim as a number, or throw naming which dim of what is not known. */
export function knownDim(ctx: NodeContext, d: Dim | undefined, what: string): number {
  if (typeof d === 'number') return d;
  const shown = d === null || d === undefined ? 'unknown' : `the symbol '${d}'`;
  throw new AnalysisError(`cannot count: ${what} is ${shown}; bind it with --input`, where(ctx));
}

/**
 * Every dim of a shape as a number (cost needs them), or throw naming the first unknown one. A loop,
 * not `map`: the message is made only for an unknown dim (not one string per dim of every node
 * counted), and the list is always of one kind, holey (the kind `map` makes too once optimized code
 * inlines it, so with `map` the code reading these lists met a second kind halfway through a large
 * graph and was compiled again).
 */
export function knownShape(ctx: NodeContext, shape: readonly Dim[] | undefined, what: string): number[] {
  if (shape === undefined) throw new AnalysisError(`cannot count: the shape of ${what} is unknown`, where(ctx));
  const dims: number[] = new Array(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    dims[i] = typeof d === 'number' ? d : knownDim(ctx, d, `dim ${i} of ${what}`);
  }
  return dims;
}

export function prod(xs: readonly number[]): number {
  let n = 1;
  for (const x of xs) n *= x;
  return n;
}

/** Two dims that must agree (numbers win over symbols); a conflict is an error naming `what`. */
export function sameDim(ctx: NodeContext, a: Dim, b: Dim, what: string): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== b) throw new AnalysisError(`${what}: ${a} vs ${b}`, where(ctx));
    return a;
  }
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return a ?? b;
}

// ---------------------------------------------------------------------------------------------
// Formula text

/** Template id of a preset formula: `<base>:<convention>` (exact uses the bare base id). */
export function presetTemplate(base: string, convention: string): string {
  return `${base}:${convention}`;
}

// ---------------------------------------------------------------------------------------------
// Conventions: the exact rule, or a preset's deviation from it

/** A tool's convention (COUNTING.md, "Presets"). */
export type Preset = Exclude<Convention, 'exact'>;

/** The tools that report MACs: their formula gives the MACs, and FLOPs are 2·MACs. DeepSpeed and torch report FLOPs. */
export const MAC_TOOLS: ReadonlySet<Preset> = new Set(['ptflops', 'fvcore', 'thop']);

/** A preset's count from its expression: the MACs of a MAC tool, else the FLOPs (with `macs` as the MACs column). */
export function presetEntry(preset: Preset, template: string, vars: Record<string, number>, e: Expr, macs = 0): CostEntry {
  return MAC_TOOLS.has(preset) ? macsOnly(template, vars, e) : flopsEntry(macs, template, vars, e);
}

/** What a preset counts for an op; null when the tool does not count it (uncounted, not zero). */
export type PresetCost = (ctx: CostContext, preset: Preset) => CostEntry | null;

/** The tools count nothing for the op. */
const notCounted: PresetCost = () => null;

/**
 * An op's cost function from its exact rule and its presets' deviations: the one place a rule's
 * convention is told apart, so that the exact rule stays pure and each preset reads as a table.
 */
export function costRule(
  exact: (ctx: CostContext) => CostEntry | null,
  preset: PresetCost = notCounted,
): (ctx: CostContext, convention: Convention) => CostEntry | null {
  return (ctx, convention) => (convention === 'exact' ? exact(ctx) : preset(ctx, convention));
}

/** What the presets count for an op, from a table of the tools that count it (the others do not). */
export function presetTable(table: Partial<Record<Preset, PresetCost>>): PresetCost {
  return (ctx, preset) => table[preset]?.(ctx, preset) ?? null;
}

/** Names of spatial dims by rank, for formula text and vars: 1-D L, 2-D H W, 3-D D H W. */
export function spatialNames(rank: number): string[] {
  if (rank === 1) return ['L'];
  if (rank === 2) return ['H', 'W'];
  if (rank === 3) return ['D', 'H', 'W'];
  return Array.from({ length: rank }, (_, i) => `S${i + 1}`);
}

/** Kernel names by rank: 1-D K, 2-D K_h K_w, 3-D K_d K_h K_w. */
export function kernelNames(rank: number): { sym: string[]; vars: string[] } {
  if (rank === 1) return { sym: ['K'], vars: ['K'] };
  const sp = spatialNames(rank).map((s) => s.toLowerCase());
  return { sym: sp.map((s) => `K_${s}`), vars: sp.map((s) => `K${s}`) };
}

// ---------------------------------------------------------------------------------------------
// Window geometry (Conv, ConvTranspose, pools)

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export function readAutoPad(ctx: NodeContext): AutoPad {
  const v = ctx.attr.string('auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  throw new AnalysisError(`auto_pad '${v}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`, where(ctx));
}

/** An attribute list of one value per spatial axis, checked for length. */
export function perAxis(ctx: NodeContext, name: string, rank: number, fallback: number): number[] {
  const v = ctx.attr.intsOpt(name);
  if (v === undefined) return Array.from({ length: rank }, () => fallback);
  if (v.length !== rank) {
    throw new AnalysisError(`attribute '${name}' has ${v.length} values for ${rank} spatial axes`, where(ctx));
  }
  return v;
}

/** Explicit pads [begin…, end…] for `rank` axes, checked for length. */
export function explicitPads(ctx: NodeContext, rank: number): number[] {
  const v = ctx.attr.intsOpt('pads');
  if (v === undefined) return Array.from({ length: 2 * rank }, () => 0);
  if (v.length !== 2 * rank) {
    throw new AnalysisError(`attribute 'pads' has ${v.length} values, expected ${2 * rank} (begin and end per axis)`, where(ctx));
  }
  return v;
}

/** Geometry of a sliding window along the spatial axes of a Conv or pool. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin…, end…] once auto_pad is resolved (undefined per axis when the input size is unknown). */
  padsBegin: (number | undefined)[];
  padsEnd: (number | undefined)[];
  /** Output spatial dims (numbers, symbols when the output keeps the input's size, or null). */
  out: Dim[];
}

/**
 * Output spatial size of a Conv/pool window, per ONNX: NOTSET uses explicit pads (ceil_mode for pools),
 * SAME_* gives ceil(in/stride) with pads split (extra at the end for UPPER), VALID pads nothing.
 */
export function slideWindow(ctx: NodeContext, inSpatial: readonly Dim[], kernel: number[], opts: { ceilMode?: boolean; dilations?: boolean } = {}): Window {
  const rank = inSpatial.length;
  const strides = perAxis(ctx, 'strides', rank, 1);
  const dilations = opts.dilations === false ? kernel.map(() => 1) : perAxis(ctx, 'dilations', rank, 1);
  const autoPad = readAutoPad(ctx);
  const pads = explicitPads(ctx, rank);
  const padsBegin: (number | undefined)[] = [];
  const padsEnd: (number | undefined)[] = [];
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const k = kernel[i]!;
    const s = strides[i]!;
    const d = dilations[i]!;
    if (k <= 0 || s <= 0 || d <= 0) {
      throw new AnalysisError(`kernel ${k}, stride ${s} and dilation ${d} of axis ${i} must be positive`, where(ctx));
    }
    const effective = (k - 1) * d + 1;
    const x = inSpatial[i]!;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      if (typeof x === 'number') {
        const o = Math.ceil(x / s);
        const total = Math.max(0, (o - 1) * s + effective - x);
        const small = Math.floor(total / 2);
        padsBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
        padsEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
        out.push(o);
      } else {
        padsBegin.push(undefined);
        padsEnd.push(undefined);
        out.push(s === 1 ? x : null); // SAME with stride 1 keeps the size, even a symbolic one
      }
      continue;
    }
    const pb = autoPad === 'VALID' ? 0 : pads[i]!;
    const pe = autoPad === 'VALID' ? 0 : pads[i + rank]!;
    padsBegin.push(pb);
    padsEnd.push(pe);
    if (typeof x === 'number') {
      const o = windowSize(x, effective, s, pb, pe, opts.ceilMode === true);
      if (o <= 0) {
        throw new AnalysisError(`axis ${i}: input ${x} with pads ${pb}+${pe} is smaller than the window ${effective} (kernel ${k}, dilation ${d})`, where(ctx));
      }
      out.push(o);
    } else {
      // A symbolic size survives only when the window maps it onto itself.
      out.push(s === 1 && pb + pe === effective - 1 ? x : null);
    }
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, out };
}

/** Output length of a window sweep (floor, or ceil_mode dropping a window that starts in the end padding). */
export function windowSize(input: number, effective: number, stride: number, padBegin: number, padEnd: number, ceil: boolean): number {
  const span = input + padBegin + padEnd - effective;
  if (span < 0) return 0;
  let o = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (o - 1) * stride >= input + padBegin) o -= 1;
  return o;
}

/** The kernel of a Conv-like node: `kernel_shape`, else the weight's spatial dims. */
export function kernelFromWeight(ctx: NodeContext, weight: readonly Dim[] | undefined, spatialRank: number): number[] | undefined {
  const attr = ctx.attr.intsOpt('kernel_shape');
  if (attr !== undefined) {
    if (attr.length !== spatialRank) {
      throw new AnalysisError(`kernel_shape has ${attr.length} values for ${spatialRank} spatial axes`, where(ctx));
    }
    return attr;
  }
  if (weight === undefined) return undefined;
  const k = weight.slice(2);
  return k.every((d): d is number => typeof d === 'number') ? k : undefined;
}

// ---------------------------------------------------------------------------------------------
// A preset's count as an expression (gemm, attention, rotary, softmax, recurrent, quantization):
// each family's table of deviations gives the tool's count from the op's sizes, toolEntry the entry

/** A FLOPs tool's count with the MACs it reports beside it when those are not the exact MACs (DeepSpeed's 0). */
export interface ToolCount {
  count: Expr;
  macs: number;
}

/** What a preset counts for an op: the tool's number as an expression, or null where it does not count the op. */
export type Counted = Expr | ToolCount | null;

export function reporting(count: Expr, macs: number): ToolCount {
  return { count, macs };
}

/**
 * The cost entry of an op under a preset from the preset's deviation (undefined: the table has no
 * entry, the tool does not count the op), with the template `<base>:<preset>`: a MAC tool's count is
 * its MACs; a FLOPs tool's MACs column is `macs` (the exact MACs) unless the deviation reports its own.
 */
export function toolEntry(preset: Preset, counted: Counted | undefined, template: string, vars: Record<string, number>, macs: number): CostEntry | null {
  if (counted === null || counted === undefined) return null;
  const { count, macs: reported } = counted instanceof Expr ? { count: counted, macs } : counted;
  return presetEntry(preset, presetTemplate(template, preset), vars, count, reported);
}
