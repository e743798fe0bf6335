/**
 * Power-law fits for measured complexity: y ≈ c · x₁^a₁ · x₂^a₂ … by least squares on the logarithms
 * (log y = log c + Σ aᵢ log xᵢ), with the coefficient of determination R² of that linear fit. Pure
 * functions of numbers: the `::complexity` directive and `modelpress complexity` measure the series,
 * this module only fits them.
 */

export interface PowerLawFit {
  /** One exponent per variable, in the order given. */
  exponents: number[];
  /** The constant c. */
  coefficient: number;
  /** R² of the fit in log space (1 = every point on the power law). */
  r2: number;
  /** Points fitted. */
  points: number;
}

export class FitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FitError';
  }
}

/** Solve A·x = b (A square) by Gaussian elimination with partial pivoting; undefined if singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * Fit y = c · Π xᵢ^aᵢ. `xs[k]` holds the variables of point k (all of the same length), `ys[k]` its
 * value. Every value must be positive (a logarithm), and each variable must take at least two
 * distinct values that are not tied to another variable's (else its exponent is not determined).
 */
export function fitPowerLaw(xs: readonly (readonly number[])[], ys: readonly number[]): PowerLawFit {
  if (xs.length !== ys.length) throw new FitError(`${xs.length} points of variables for ${ys.length} values`);
  const k = xs[0]?.length ?? 0;
  if (k === 0) throw new FitError('no variables to fit');
  if (xs.length < k + 1) throw new FitError(`a fit in ${k} variable${k === 1 ? '' : 's'} needs at least ${k + 1} points, got ${xs.length}`);
  xs.forEach((row, i) => {
    if (row.length !== k) throw new FitError(`point ${i + 1} has ${row.length} variables, expected ${k}`);
    for (const v of row)
      if (!(v > 0) || !Number.isFinite(v)) throw new FitError(`point ${i + 1}: variable ${v} is not a positive number (a power law is fitted on logarithms)`);
    if (!(ys[i]! > 0) || !Number.isFinite(ys[i]!))
      throw new FitError(`point ${i + 1}: value ${ys[i]} is not a positive number (a power law is fitted on logarithms)`);
  });
  // Design matrix [1, log x₁, …, log x_k]; normal equations XᵀX β = Xᵀ log y.
  const rows = xs.map((row) => [1, ...row.map(Math.log)]);
  const ly = ys.map(Math.log);
  const p = k + 1;
  const xtx = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)));
  const xty = Array.from({ length: p }, (_, i) => rows.reduce((s, r, n) => s + r[i]! * ly[n]!, 0));
  const beta = solve(xtx, xty);
  if (!beta) throw new FitError('the variables do not vary independently (each needs at least two values, not tied to another variable)');
  const mean = ly.reduce((a, b) => a + b, 0) / ly.length;
  let ssRes = 0;
  let ssTot = 0;
  rows.forEach((r, n) => {
    const pred = r.reduce((s, v, i) => s + v * beta[i]!, 0);
    ssRes += (ly[n]! - pred) ** 2;
    ssTot += (ly[n]! - mean) ** 2;
  });
  // A constant series (every y equal) is fitted exactly by exponents 0: R² is 1 by convention.
  const r2 = ssTot === 0 ? 1 : 1 - ssRes / ssTot;
  return { exponents: beta.slice(1), coefficient: Math.exp(beta[0]!), r2, points: xs.length };
}

/** The slope of log y over log x between consecutive points of a one-variable series (the local exponent). */
export function localExponents(x: readonly number[], y: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < x.length; i++) out.push(Math.log(y[i]! / y[i - 1]!) / Math.log(x[i]! / x[i - 1]!));
  return out;
}
