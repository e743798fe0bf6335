import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/onnx/random.js';
import { bootstrapMedianCi, hierarchicalMedianCi, percentileMinSamples, quantile, sampleStd, summarize } from '../../src/runtime/stats.js';

// All expected values below are worked out by hand with the type-7 rule stated in stats.ts:
// h = (n − 1)·p, q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]), x sorted ascending, 0-based.

describe('summarize', () => {
  it('1..10 (given shuffled): mean, sample std, quartiles, p90, no p95/p99', () => {
    const s = summarize([7, 1, 10, 3, 5, 2, 9, 4, 8, 6]);
    expect(s.n).toBe(10);
    // mean = 55 / 10
    expect(s.meanMs).toBe(5.5);
    // Σ(x − 5.5)² = 2·(4.5² + 3.5² + 2.5² + 1.5² + 0.5²) = 2·41.25 = 82.5; ÷ (n − 1 = 9) = 9.1666…; √ = 3.02765035…
    expect(s.stdMs).toBeCloseTo(Math.sqrt(82.5 / 9), 12);
    expect(s.stdMs).toBeCloseTo(3.0276503541, 9);
    // median: h = 9·0.5 = 4.5 → x[4] + 0.5·(x[5] − x[4]) = 5 + 0.5 = 5.5
    expect(s.medianMs).toBe(5.5);
    // q1: h = 2.25 → 3 + 0.25·1 = 3.25; q3: h = 6.75 → 7 + 0.75·1 = 7.75; IQR = 4.5
    expect(s.q1Ms).toBe(3.25);
    expect(s.q3Ms).toBe(7.75);
    expect(s.iqrMs).toBe(4.5);
    // p90: h = 9·0.9 = 8.1 → 9 + 0.1·(10 − 9) = 9.1; p95 needs ≥ 20 samples, p99 ≥ 100
    expect(s.p90Ms).toBeCloseTo(9.1, 12);
    expect(s.p95Ms).toBeNull();
    expect(s.p99Ms).toBeNull();
    expect(s.minMs).toBe(1);
    expect(s.maxMs).toBe(10);
    // IQR / median = 4.5 / 5.5 = 0.8181… > 0.10 → unstable
    expect(s.relativeIqr).toBeCloseTo(4.5 / 5.5, 12);
    expect(s.unstable).toBe(true);
    // fences: 3.25 − 1.5·4.5 = −3.5 and 7.75 + 6.75 = 14.5: nothing outside
    expect(s.outliersLow).toBe(0);
    expect(s.outliersHigh).toBe(0);
  });

  it('counts an outlier by Tukey fences and keeps it in every statistic', () => {
    // sorted: 10 10 10 10 11 11 11 11 12 40
    const s = summarize([10, 10, 10, 10, 11, 11, 11, 11, 12, 40]);
    // q1: h = 2.25 → 10 + 0.25·0 = 10; q3: h = 6.75 → 11 + 0.75·0 = 11; IQR = 1; fences 8.5 and 12.5 → only 40 is out
    expect(s.q1Ms).toBe(10);
    expect(s.q3Ms).toBe(11);
    expect(s.outliersHigh).toBe(1);
    expect(s.outliersLow).toBe(0);
    // never dropped: n = 10, mean = (4·10 + 4·11 + 12 + 40) / 10 = 136 / 10 = 13.6, max = 40
    expect(s.n).toBe(10);
    expect(s.meanMs).toBeCloseTo(13.6, 12);
    expect(s.maxMs).toBe(40);
    // median: h = 4.5 → 11; IQR / median = 1/11 = 0.0909 ≤ 0.10 → stable
    expect(s.medianMs).toBe(11);
    expect(s.unstable).toBe(false);
    // p90: h = 8.1 → 12 + 0.1·(40 − 12) = 14.8
    expect(s.p90Ms).toBeCloseTo(14.8, 12);
  });

  it('the unstable flag is strict: IQR/median = 0.10 is stable, 0.11 is not', () => {
    // [9, 10, 11]: q1 = 9 + 0.5·1 = 9.5, q3 = 10 + 0.5·1 = 10.5 → IQR 1, median 10 → 0.10
    expect(summarize([9, 10, 11]).unstable).toBe(false);
    // [9, 10, 11.2]: q3 = 10 + 0.5·1.2 = 10.6 → IQR 1.1 → 0.11
    const s = summarize([9, 10, 11.2]);
    expect(s.relativeIqr).toBeCloseTo(0.11, 12);
    expect(s.unstable).toBe(true);
  });

  it('reports p99 from 100 samples and not from 99', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    const s100 = summarize(hundred);
    // p99: h = 99·0.99 = 98.01 → x[98] + 0.01·(x[99] − x[98]) = 99 + 0.01 = 99.01
    expect(s100.p99Ms).toBeCloseTo(99.01, 10);
    // p95: h = 99·0.95 = 94.05 → 95 + 0.05 = 95.05; p90: h = 89.1 → 90.1
    expect(s100.p95Ms).toBeCloseTo(95.05, 10);
    expect(s100.p90Ms).toBeCloseTo(90.1, 10);
    const s99 = summarize(hundred.slice(0, 99));
    expect(s99.p99Ms).toBeNull();
    // p95 of 1..99: h = 98·0.95 = 93.1 → 94 + 0.1 = 94.1
    expect(s99.p95Ms).toBeCloseTo(94.1, 10);
  });

  it('one sample: no standard deviation, zero spread', () => {
    const s = summarize([5]);
    expect(s.stdMs).toBeNull();
    expect(s.medianMs).toBe(5);
    expect(s.iqrMs).toBe(0);
    expect(s.medianCi95Ms).toEqual([5, 5]);
    expect(s.p90Ms).toBeNull();
  });

  it('rejects empty and non-finite samples with a message', () => {
    expect(() => summarize([])).toThrow('no latency samples');
    expect(() => summarize([1, Number.NaN])).toThrow('not a finite number');
  });
});

describe('helpers', () => {
  it('minimum samples per percentile are 1/(1 − p): 10, 20, 100', () => {
    expect(percentileMinSamples(0.9)).toBe(10);
    expect(percentileMinSamples(0.95)).toBe(20);
    expect(percentileMinSamples(0.99)).toBe(100);
  });

  it('type-7 quantiles of [1, 2, 3, 4] and the sample std of [2, 4, 4, 4, 5, 5, 7, 9]', () => {
    // q(0.25): h = 3·0.25 = 0.75 → 1 + 0.75 = 1.75; q(0.5): h = 1.5 → 2.5
    expect(quantile([4, 3, 2, 1], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    // mean 5, Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32; 32 / 7 = 4.571…; √ = 2.13808993…
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
});

describe('bootstrap CI of the median', () => {
  it('[1, 3]: resampled medians are 1, 2, 3 with probabilities 1/4, 1/2, 1/4, so the 95% CI is [1, 3]', () => {
    // P(median = 1) = P(both draws are 1) = 1/4 > 2.5%, same for 3: both tails land on the extremes.
    expect(bootstrapMedianCi([1, 3], { seed: 7 })).toEqual([1, 3]);
  });

  it('[1, 2, 3]: P(median = 1) = 3·(1/3)²·(2/3) + (1/3)³ = 7/27 ≈ 26% > 2.5%, so the CI is [1, 3]', () => {
    expect(bootstrapMedianCi([1, 2, 3], { seed: 11 })).toEqual([1, 3]);
  });

  it('a constant sample has a zero-width CI, and the same seed gives the same interval', () => {
    expect(bootstrapMedianCi([4, 4, 4, 4])).toEqual([4, 4]);
    const data = [7, 1, 10, 3, 5, 2, 9, 4, 8, 6];
    const a = bootstrapMedianCi(data, { seed: 3 });
    expect(bootstrapMedianCi(data, { seed: 3 })).toEqual(a);
    // The CI of a median of values in [1, 10] lies in [1, 10] and around the sample median 5.5.
    expect(a[0]).toBeGreaterThanOrEqual(1);
    expect(a[0]).toBeLessThanOrEqual(5.5);
    expect(a[1]).toBeGreaterThanOrEqual(5.5);
    expect(a[1]).toBeLessThanOrEqual(10);
  });
});

/**
 * The percentile bootstrap as its definition reads (docs/benchmark.md): draw n values with
 * replacement (draw i = values[⌊rand()·n⌋]), sort them, take the type-7 median; the CI is the type-7
 * 2.5% and 97.5% quantiles of the resampled medians. stats.ts counts the draws by rank instead of
 * sorting them; these references sort, with the same generator and seed, so the two must agree to the bit.
 */
function sortedMedian(draw: number[]): number {
  return quantile(draw, 0.5);
}
function referenceCi(medians: number[]): [number, number] {
  // The tail as stats.ts writes it for level 0.95: (1 − 0.95) / 2 is 0.025000000000000022 in doubles.
  const tail = (1 - 0.95) / 2;
  return [quantile(medians, tail), quantile(medians, 1 - tail)];
}
function referenceBootstrap(values: number[], seed: number, resamples: number): [number, number] {
  const rand = seededRandom(seed);
  const medians: number[] = [];
  for (let b = 0; b < resamples; b++) medians.push(sortedMedian(values.map(() => values[Math.floor(rand() * values.length)]!)));
  return referenceCi(medians);
}
function referenceHierarchical(groups: number[][], seed: number, resamples: number): [number, number] {
  const rand = seededRandom(seed);
  const medians: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const groupMedians = groups.map(() => {
      const g = groups[groups.length === 1 ? 0 : Math.floor(rand() * groups.length)]!;
      return sortedMedian(g.map(() => g[Math.floor(rand() * g.length)]!));
    });
    medians.push(quantile(groupMedians, 0.5));
  }
  return referenceCi(medians);
}

describe('bootstrap by counting ranks equals sorting each resample', () => {
  // Samples of 1–80 values, every third one of few distinct values (ties), shuffled as given.
  const make = seededRandom(5);
  const samples = Array.from({ length: 60 }, (_, t) => {
    const n = 1 + Math.floor(make() * 80);
    return Array.from({ length: n }, () => (t % 3 === 0 ? Math.floor(make() * 4) : 1 + make() * 9));
  });

  it('bootstrapMedianCi: the same interval, bit for bit, as the sorting definition', () => {
    samples.forEach((values, t) => {
      expect(bootstrapMedianCi(values, { seed: t, resamples: 200 })).toEqual(referenceBootstrap(values, t, 200));
    });
  });

  it("hierarchicalMedianCi: the same interval as drawing processes, then each one's samples, and sorting", () => {
    samples.forEach((values, t) => {
      const groups = [values, values.slice(0, Math.max(1, values.length >> 1)), values.map((v) => v * 1.25)];
      expect(hierarchicalMedianCi(groups, { seed: t, resamples: 100 })).toEqual(referenceHierarchical(groups, t, 100));
      expect(hierarchicalMedianCi([values], { seed: t, resamples: 100 })).toEqual(referenceHierarchical([values], t, 100));
    });
  });
});
