/**
 * Power-law fits on synthetic series whose exponents are known because we made them.
 */
import { describe, expect, it } from 'vitest';
import { FitError, fitPowerLaw, localExponents } from '../../src/analysis/fit.js';

describe('fitPowerLaw', () => {
  it('recovers y = 3·x² exactly, R² = 1', () => {
    const x = [16, 32, 64, 128, 256];
    const f = fitPowerLaw(
      x.map((v) => [v]),
      x.map((v) => 3 * v * v),
    );
    expect(f.exponents[0]).toBeCloseTo(2, 10);
    expect(f.coefficient).toBeCloseTo(3, 8);
    expect(f.r2).toBeCloseTo(1, 12);
  });

  it('recovers two exponents from a grid: y = 0.5·n²·d', () => {
    const pts: number[][] = [];
    for (const n of [64, 128, 256, 512]) for (const d of [32, 64, 128]) pts.push([n, d]);
    const f = fitPowerLaw(
      pts,
      pts.map(([n, d]) => 0.5 * n! * n! * d!),
    );
    expect(f.exponents[0]).toBeCloseTo(2, 10);
    expect(f.exponents[1]).toBeCloseTo(1, 10);
    expect(f.coefficient).toBeCloseTo(0.5, 8);
  });

  it('a sum of terms gives an exponent between them and R² below 1: y = n² + 1000·n', () => {
    const x = [10, 100, 1000, 10000];
    const f = fitPowerLaw(
      x.map((v) => [v]),
      x.map((v) => v * v + 1000 * v),
    );
    // Local slopes go from ≈1.01 (n ≪ 1000) to ≈1.91 (n ≫ 1000): the fit lies between and is imperfect.
    expect(f.exponents[0]).toBeGreaterThan(1.1);
    expect(f.exponents[0]).toBeLessThan(1.9);
    expect(f.r2).toBeLessThan(0.999);
    const local = localExponents(
      x,
      x.map((v) => v * v + 1000 * v),
    );
    // y(10) = 10,100 and y(100) = 110,000.
    expect(local[0]).toBeCloseTo(Math.log(110000 / 10100) / Math.log(10), 10);
    // y(1000) = 2,000,000 and y(10000) = 110,000,000: the slope rises towards 2.
    expect(local[2]).toBeCloseTo(Math.log(110_000_000 / 2_000_000) / Math.log(10), 10);
    expect(local[1]).toBeGreaterThan(local[0]!);
    expect(local[2]).toBeGreaterThan(local[1]!);
  });

  it('a constant series has exponent 0', () => {
    const f = fitPowerLaw([[1], [2], [4]], [7, 7, 7]);
    expect(f.exponents[0]).toBeCloseTo(0, 12);
    expect(f.r2).toBe(1);
  });

  it('refuses what cannot be fitted, saying why', () => {
    expect(() => fitPowerLaw([[1]], [1])).toThrow(/at least 2 points/);
    expect(() => fitPowerLaw([[0], [1], [2]], [1, 2, 3])).toThrow(/not a positive number/);
    expect(() => fitPowerLaw([[1], [2]], [1, -2])).toThrow(FitError);
    // n and d always equal: their exponents cannot be told apart.
    expect(() =>
      fitPowerLaw(
        [
          [1, 1],
          [2, 2],
          [4, 4],
        ],
        [1, 8, 64],
      ),
    ).toThrow(/do not vary independently/);
  });
});
