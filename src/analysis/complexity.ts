/**
 * Measured complexity: build a model family at each point of a sweep of one or two of its size
 * variables, count MACs, FLOPs and depth (sequential operations) of each graph, and fit a power law
 * per fitted axis. What a profiler reports for one model, measured as a function of its size.
 *
 * `attention_macs` is the part of the MACs in MatMuls whose two operands are both activations
 * (no weight): attention scores and their mixing with the values, the term that is quadratic in the
 * tokens for global attention and linear for windowed attention.
 */
import type { Model } from '../onnx/model.js';
import type { ModelFamily, Vars } from '../types/family.js';
import { fitPowerLaw, FitError, type PowerLawFit } from './fit.js';
import { profileModel } from './profile.js';
import { phrase, type Said, SaidError, saidOf } from '../i18n/index.js';
import type { Convention, Profile } from './types.js';

import { COMPLEXITY_METRICS, type ComplexityMetric } from './complexity-metrics.js';

export { COMPLEXITY_METRICS, type ComplexityMetric };

export interface SweepRequest {
  /** Variables swept (one or two), each with its values (the family's default sweep when empty). */
  vary: { name: string; values?: number[] | undefined }[];
  /** Values of the variables that are not swept (the family's defaults otherwise). */
  at?: Vars | undefined;
  convention?: Convention | undefined;
  seed?: number | undefined;
}

export interface SweepPoint {
  vars: Vars;
  axes: Vars;
  /** Counted values; `latency` (ms, median) only after `addLatency`, else NaN. */
  values: Record<ComplexityMetric, number>;
  /** The latency's 95% confidence interval (ms), when the benchmark gave one. */
  latencyCi95?: [number, number] | undefined;
  /** True when the benchmark judged the point's latency unstable (printed with a †). */
  latencyUnstable?: boolean | undefined;
}

/** One point's timing: the median latency (ms), and its CI and stability when known. */
export interface PointTiming {
  medianMs: number;
  ci95?: [number, number] | null | undefined;
  unstable?: boolean | undefined;
}

export interface MetricFit {
  metric: ComplexityMetric;
  /** Exponent per swept axis; undefined when the series cannot be fitted (e.g. zeros). */
  fit?: PowerLawFit | undefined;
  exponents: Record<string, number>;
  problem?: string | undefined;
}

export interface FamilySweep {
  family: ModelFamily;
  /** Names of the swept variables and of the axes fitted against. */
  varied: string[];
  axes: string[];
  points: SweepPoint[];
  fits: MetricFit[];
  convention: Convention;
}

export class SweepError extends SaidError {
  constructor(message: Said) {
    super(message);
    this.name = 'SweepError';
  }
}

/** MACs of MatMuls between two activations (neither operand an initializer or Constant). */
export function activationMatmulMacs(model: Model, profile: Profile): number {
  const constant = new Set(model.graph.initializers.map((t) => t.name));
  for (const n of model.graph.nodes) if (n.opType === 'Constant') for (const o of n.outputs) constant.add(o);
  const byName = new Map(model.graph.nodes.map((n) => [n.name, n]));
  let total = 0;
  for (const c of profile.nodes) {
    if (c.opType !== 'MatMul') continue;
    const node = byName.get(c.name);
    if (node && !node.inputs.some((i) => constant.has(i))) total += c.macs;
  }
  return total;
}

/** Every combination of the swept values (the first variable varies slowest). */
function grid(vary: { name: string; values: number[] }[]): Vars[] {
  let out: Vars[] = [{}];
  for (const v of vary) out = out.flatMap((g) => v.values.map((x) => ({ ...g, [v.name]: x })));
  return out;
}

/** Check a sweep against the family (unknown variables, unbuildable values) before building anything. */
function planSweep(family: ModelFamily, request: SweepRequest): { vary: { name: string; values: number[] }[]; at: Vars } {
  if (request.vary.length < 1 || request.vary.length > 2) throw new SweepError(phrase('diag.sweep.count', { count: request.vary.length }));
  const known = Object.keys(family.variables);
  const vary = request.vary.map((v) => {
    const spec = family.variables[v.name];
    if (!spec) throw new SweepError(phrase('diag.sweep.noVariable', { family: family.name, name: v.name, known: known.join(', ') }));
    const values = v.values && v.values.length > 0 ? v.values : spec.sweep;
    if (new Set(values).size < 2) throw new SweepError(phrase('diag.sweep.twoValues', { family: family.name, name: v.name }));
    for (const x of values) {
      const why = spec.check?.(x);
      if (why) throw new SweepError(phrase('diag.sweep.why', { family: family.name, why }));
    }
    return { name: v.name, values };
  });
  const points = vary.reduce((t, v) => t * v.values.length, 1);
  if (points > 64) throw new SweepError(phrase('diag.sweep.tooMany', { family: family.name, points }));
  const at: Vars = {};
  for (const [name, spec] of Object.entries(family.variables)) {
    const given = request.at?.[name];
    const value = given ?? spec.default;
    const why = spec.check?.(value);
    if (why) throw new SweepError(phrase('diag.sweep.why', { family: family.name, why }));
    at[name] = value;
  }
  return { vary, at };
}

export function sweepFamily(family: ModelFamily, request: SweepRequest, metrics: readonly ComplexityMetric[] = ['macs', 'flops', 'depth']): FamilySweep {
  const { vary, at } = planSweep(family, request);
  const convention = request.convention ?? 'exact';
  const combos = grid(vary).map((g) => ({ ...at, ...g }));
  for (const vars of combos) {
    const why = family.checkPoint?.(vars);
    if (why) throw new SweepError(phrase('diag.sweep.why', { family: family.name, why }));
  }
  const points: SweepPoint[] = [];
  for (const vars of combos) {
    let model: Model;
    let inputs: Record<string, number[]>;
    let profile: Profile;
    try {
      ({ model, inputs } = family.build(vars, request.seed ?? 1));
      profile = profileModel(model, { inputs, convention });
    } catch (err) {
      const at = Object.entries(vars)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ');
      throw new SweepError(phrase('diag.sweep.at', { family: family.name, at, reason: saidOf(err) }));
    }
    const values: Record<ComplexityMetric, number> = {
      macs: profile.totals.macs,
      flops: profile.totals.flops,
      depth: profile.totals.depth,
      params: profile.totals.params,
      attention_macs: activationMatmulMacs(model, profile),
      latency: Number.NaN,
    };
    points.push({ vars, axes: family.axes ? family.axes(vars) : vars, values });
  }
  const axes = family.axes ? Object.keys(family.axes(at)) : vary.map((v) => v.name);
  const fits = metrics.filter((m) => m !== 'latency').map((metric) => fitMetric(points, axes, metric));
  return { family, varied: vary.map((v) => v.name), axes, points, fits, convention };
}

function fitMetric(points: SweepPoint[], axes: string[], metric: ComplexityMetric): MetricFit {
  try {
    const fit = fitPowerLaw(
      points.map((p) => axes.map((a) => p.axes[a]!)),
      points.map((p) => p.values[metric]),
    );
    return { metric, fit, exponents: Object.fromEntries(axes.map((a, i) => [a, fit.exponents[i]!])) };
  } catch (err) {
    if (!(err instanceof FitError)) throw err;
    return { metric, exponents: {}, problem: err.message };
  }
}

/**
 * Time every point of a sweep (`measure` returns the median latency in ms of one run of the model
 * at its inputs, e.g. with the benchmark harness) and fit the latencies like the counts. Timings are
 * of this machine, not of the graph: the exponent of a small layer is flattened by fixed per-call costs.
 */
export async function addLatency(
  sweep: FamilySweep,
  measure: (model: Model, inputs: Record<string, number[]>, point: SweepPoint) => Promise<number | PointTiming>,
  seed = 1,
): Promise<FamilySweep> {
  const timings: PointTiming[] = [];
  for (const p of sweep.points) {
    const { model, inputs } = sweep.family.build(p.vars, seed);
    const t = await measure(model, inputs, p);
    timings.push(typeof t === 'number' ? { medianMs: t } : t);
  }
  return setLatencies(sweep, timings);
}

/** Put one timing on each point of a sweep (in order) and fit the latencies like the counts. */
export function setLatencies(sweep: FamilySweep, timings: readonly PointTiming[]): FamilySweep {
  if (timings.length !== sweep.points.length) throw new SweepError(`${sweep.family.name}: ${timings.length} timings for ${sweep.points.length} points`);
  sweep.points.forEach((p, i) => {
    const t = timings[i]!;
    p.values.latency = t.medianMs;
    p.latencyCi95 = t.ci95 ?? undefined;
    p.latencyUnstable = t.unstable;
  });
  sweep.fits = [...sweep.fits.filter((f) => f.metric !== 'latency'), fitMetric(sweep.points, sweep.axes, 'latency')];
  return sweep;
}
