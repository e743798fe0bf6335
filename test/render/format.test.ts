/** The number-format policy and the metric registry: every expected string worked out by hand. */
import { describe, expect, test } from 'vitest';
import type { Profile } from '../../src/analysis/types.js';
import type { BenchResult } from '../../src/runtime/types.js';
import {
  DEFAULT_FORMAT,
  FormatOptionsError,
  METRIC_NAMES,
  UnknownMetricError,
  columnScale,
  describeInputs,
  formatColumn,
  formatInline,
  formatInteger,
  formatMetric,
  metricHeader,
  metricSpec,
  metricValue,
  parseFormatOptions,
  parseMetricList,
  resolveFormat,
} from '../../src/render/index.js';
import { decimalsForDigits, exactNumber, fixed, groupDigits, roundTo, significantScale } from '../../src/render/format.js';
import { flopShares } from '../../src/document/ops.js';

const fmt = DEFAULT_FORMAT;

describe('headers state unit and scale', () => {
  test('default headers of every metric', () => {
    const headers = Object.fromEntries(METRIC_NAMES.map((m) => [m, metricHeader(m, columnScale(m, [], fmt), 'img')]));
    expect(headers).toEqual({
      params: 'Params (M)',
      params_bytes: 'Params size (MB)',
      macs: 'MACs (G)',
      flops: 'FLOPs (G)',
      activations_peak: 'Peak activations (MB)',
      activations_total: 'Total activations (MB)',
      depth: 'Depth',
      latency: 'Latency (ms)',
      latency_p90: 'Latency p90 (ms)',
      throughput: 'Throughput (img/s)',
      throughput_wall: 'Throughput, wall (img/s)',
      achieved_flops: 'Achieved (GFLOP/s)',
      input: 'Input',
      macs_per_token: 'MACs/token (G)',
      flops_per_token: 'FLOPs/token (G)',
      kv_cache_bytes: 'KV cache (MB)',
      arithmetic_intensity: 'Arithmetic intensity (FLOP/B)',
    });
  });

  test('throughput of non-image models is samples/s; other scales follow the prefix', () => {
    expect(metricHeader('throughput', '', 'samples')).toBe('Throughput (samples/s)');
    expect(metricHeader('throughput', 'K', 'img')).toBe('Throughput (K img/s)');
    expect(metricHeader('latency', 'us')).toBe('Latency (µs)');
    expect(metricHeader('params', '')).toBe('Params');
    expect(metricHeader('params_bytes', 'G')).toBe('Params size (GB)');
  });
});

describe('counted quantities: fixed decimals after scaling', () => {
  test('ResNet-18 and VGG-16 parameters as the ptflops table prints them (seed: 11.69, 138.36)', () => {
    // torchvision parameter counts: resnet18 11,689,512; vgg16 138,357,544
    const col = formatColumn('params', [11_689_512, 138_357_544], fmt);
    expect(col.header).toBe('Params (M)');
    expect(col.cells.map((c) => c.text)).toEqual(['11.69', '138.36']);
    expect(col.cells.map((c) => c.plain)).toEqual(['11.69', '138.36']);
  });

  test('one scale per column even when one value is small', () => {
    // 950 params in a column with 11.7 M keeps the M scale: 950 / 1e6 = 0.00095 → 0.00
    const col = formatColumn('params', [950, 11_689_512], fmt);
    expect(col.cells.map((c) => c.text)).toEqual(['0.00', '11.69']);
  });

  test('auto scale picks the largest prefix under the column maximum', () => {
    const auto = resolveFormat({ scale: { params: 'auto', macs: 'auto' } });
    expect(columnScale('params', [950, 12], auto)).toBe('');
    expect(columnScale('params', [11_689_512], auto)).toBe('M');
    expect(columnScale('macs', [1_819_066_368], auto)).toBe('G');
    expect(formatColumn('params', [950], auto).header).toBe('Params');
  });

  test('bytes are decimal megabytes; depth is a plain integer', () => {
    // 11,689,512 float32 params = 46,758,048 bytes = 46.758048 MB
    expect(formatMetric('params_bytes', 46_758_048, 'M', fmt).text).toBe('46.76');
    expect(formatMetric('activations_peak', 3_211_264, 'M', fmt).text).toBe('3.21');
    expect(formatMetric('depth', 71, '', fmt).text).toBe('71');
  });

  test('large scaled counts are grouped in text and plain in `plain`', () => {
    // 15,470,264,320 MACs at scale M = 15470.26432 → 15,470.26 (5 integer digits: grouped)
    const v = formatMetric('macs', 15_470_264_320, 'M', fmt);
    expect(v.text).toBe('15,470.26');
    expect(v.plain).toBe('15470.26');
  });
});

describe('measured quantities: significant digits, never dropping integer digits', () => {
  test.each([
    [12.3456, '12.3'],
    [0.0123456, '0.0123'],
    [1234.5, '1235'], // 4 integer digits > 3 significant: rounded to an integer, not 1230
    [12345.6, '12,346'],
    [9.996, '10.0'], // rounding carries into a new digit: 3 significant digits are 10.0
    [223.2022, '223'], // the seed's SpT UNet inference time, batch/ms
  ])('latency %f ms → %s', (ms, text) => {
    expect(formatMetric('latency', ms, 'ms', fmt).text).toBe(text);
  });

  test('precision per metric overrides digits', () => {
    const f = resolveFormat({ precision: { latency: 5 } });
    expect(formatMetric('latency', 19.02173, 'ms', f).text).toBe('19.022');
  });

  test('achieved FLOP/s in GFLOP/s', () => {
    expect(formatColumn('achieved_flops', [1.5e10], fmt).cells[0]!.text).toBe('15.0');
  });
});

describe('default scales that would print zeros', () => {
  test('a column of tiny counts drops the default M/G scale for a plain integer; a chosen scale stays', () => {
    // 15 params in M would be 0.000015 → "0.00": the default gives way to the plain count, shown as 15.
    expect(formatColumn('params', [15], DEFAULT_FORMAT)).toMatchObject({ header: 'Params', cells: [{ text: '15' }] });
    // 4,000 MACs in G would be 0.000004 → "0.00": auto picks K, 4.00.
    expect(formatColumn('macs', [4_000], DEFAULT_FORMAT)).toMatchObject({ header: 'MACs (K)', cells: [{ text: '4.00' }] });
    // Beside a real network the column keeps its standard scale (one scale per column).
    expect(formatColumn('params', [15, 11_689_512], DEFAULT_FORMAT).header).toBe('Params (M)');
    // A scale the author sets is kept even when it prints zeros.
    const fmt = resolveFormat({ scale: { params: 'M' } });
    expect(formatColumn('params', [15], fmt).cells[0]!.text).toBe('0.00');
  });
});

describe('helpers', () => {
  test('decimal rounding and grouping', () => {
    expect(roundTo(1.005, 2)).toBe(1.01); // toFixed(2) gives 1.00 (binary 1.00499…)
    expect(roundTo(-2.5, 0)).toBe(-3);
    // Values whose shortest form is exponential: 12 MACs at scale G is 1.2e-8 → 0.00 at 2 decimals,
    // and 1.2e-8 kept at 9 decimals is 1.2e-8 (0.000000012); huge values are left whole.
    expect(fixed(12 / 1e9, 2)).toBe('0.00');
    expect(roundTo(1.2e-8, 9)).toBe(1.2e-8);
    expect(roundTo(1.23456e25, 2)).toBe(1.23456e25);
    expect(fixed(-0.001, 2)).toBe('0.00');
    expect(groupDigits('1234567.5', ',', 5)).toBe('1,234,567.5');
    expect(groupDigits('1234', ',', 5)).toBe('1234');
    expect(groupDigits('-12345', '\u202f', 5)).toBe('-12\u202f345');
    expect(decimalsForDigits(0.5, 3)).toBe(3); // 0.500: three significant digits
    expect(formatInteger(7632)).toBe('7632');
    expect(formatInteger(1_814_083_584)).toBe('1,814,083,584');
  });

  test('missing values', () => {
    expect(formatMetric('latency', null, 'ms', fmt)).toEqual({ value: null, text: '—', plain: '' });
    expect(formatMetric('latency', Number.NaN, 'ms', fmt).text).toBe('—');
  });

  test('inline values carry their unit', () => {
    expect(formatInline('params', 11_689_512, fmt).withUnit).toBe('11.69\u00a0M parameters');
    // Counts name what was counted (issue 20): 0.23 GFLOPs, not 0.23 G; 7632 MACs unscaled.
    expect(formatInline('flops', 233_000_000, fmt).withUnit).toBe('0.23\u00a0GFLOPs');
    expect(formatInline('macs', 1_819_066_368, fmt).withUnit).toBe('1.82\u00a0GMACs');
    // 7632 FLOPs: the default G would print 0.00, so the scale is auto: K (7.63 KFLOPs).
    expect(formatInline('flops', 7632, fmt).withUnit).toBe('7.63\u00a0KFLOPs');
    expect(formatInline('flops', 7632, resolveFormat({ scale: { flops: '' } })).withUnit).toBe('7632\u00a0FLOPs');
    expect(formatInline('params_bytes', 46_758_048, fmt).withUnit).toBe('46.76\u00a0MB');
    expect(formatInline('latency', 12.3456, fmt).withUnit).toBe('12.3\u00a0ms');
    expect(formatInline('throughput', 81.0005, fmt, 'img').withUnit).toBe('81.0\u00a0img/s');
    expect(formatInline('depth', 71, fmt).withUnit).toBe('71');
    expect(formatInline('input', '224×224', fmt).withUnit).toBe('224×224');
  });
});

describe('format options', () => {
  test('layers merge, later wins', () => {
    const f = resolveFormat({ digits: 4, scale: { params: 'K' } }, { scale: { macs: 'M' } }, { digits: 2 });
    expect(f.digits).toBe(2);
    expect(f.decimals).toBe(2);
    expect(f.scale).toEqual({ params: 'K', macs: 'M' });
  });

  test('bad settings name the field', () => {
    const bad = (raw: unknown) => {
      try {
        parseFormatOptions(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatOptionsError);
        return [(e as FormatOptionsError).field, (e as Error).message];
      }
      return null;
    };
    expect(bad({ scale: { params: 'ms' } })).toEqual([
      'format.scale.params',
      `format.scale.params: "ms" is not a scale of params (use one of '', K, M, G, T, auto)`,
    ]);
    expect(bad({ digits: 0 })?.[0]).toBe('format.digits');
    expect(bad({ scale: { flopz: 'G' } })?.[0]).toBe('format.scale.flopz');
    expect(bad({ colour: 'red' })?.[1]).toMatch(/colour/);
    expect(parseFormatOptions({ digits: 4, scale: { latency: 'us' } })).toEqual({ digits: 4, scale: { latency: 'us' } });
  });
});

describe('metric names and values', () => {
  test('an unknown metric lists the known ones', () => {
    expect(() => metricSpec('flop')).toThrow(UnknownMetricError);
    try {
      parseMetricList('params flop');
    } catch (e) {
      const err = e as UnknownMetricError;
      expect(err.metric).toBe('flop');
      expect(err.known).toEqual(METRIC_NAMES);
      expect(err.message).toBe(
        'unknown metric "flop"; known metrics: params, params_bytes, macs, flops, activations_peak, activations_total, depth, latency, latency_p90, throughput, throughput_wall, achieved_flops, input, macs_per_token, flops_per_token, kv_cache_bytes, arithmetic_intensity',
      );
    }
    expect(parseMetricList('params, macs  latency')).toEqual(['params', 'macs', 'latency']);
  });

  test('values come from the profile totals and the benchmark', () => {
    const profile = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 224, 224] }],
      totals: {
        params: 11_689_512,
        paramsBytes: 46_758_048,
        paramsBytesByDtype: {},
        macs: 1_819_066_368,
        flops: 3_638_132_736,
        activationsPeakBytes: 3_211_264,
        activationsTotalBytes: 9e7,
        depth: 71,
      },
    } as unknown as Profile;
    const bench = {
      status: 'ok',
      latencyMedianMs: 12.3456,
      throughputPerSecond: 81.0005,
      throughputWallPerSecond: 77.5,
      pooled: { p90Ms: 13.1 },
      achieved: { flopsPerSecond: 2.9e11 },
      config: { inputs: [], batch: 2 },
    } as unknown as BenchResult;
    const failed = { status: 'failed', reason: 'timeout', config: { inputs: [] } } as unknown as BenchResult;
    expect(metricValue('params', { profile })).toBe(11_689_512);
    expect(metricValue('depth', { profile })).toBe(71);
    expect(metricValue('latency', { profile, bench })).toBe(12.3456);
    expect(metricValue('latency_p90', { bench })).toBe(13.1);
    // throughput is derived from the latency, never read from the record: batch 2 ÷ 12.3456 ms = 162.001… /s
    expect(metricValue('throughput', { bench })).toBeCloseTo(2000 / 12.3456, 9);
    expect(metricValue('throughput_wall', { bench })).toBe(77.5);
    expect(metricValue('achieved_flops', { bench })).toBe(2.9e11);
    expect(metricValue('latency', { profile, bench: failed })).toBeNull();
    expect(metricValue('throughput', { profile })).toBeNull();
    expect(metricValue('input', { profile })).toBe('224×224');
  });

  test('inputs: image resolution, else the shape without batch', () => {
    expect(describeInputs([{ name: 'x', shape: [2, 1, 256, 256] }])).toBe('256×256');
    expect(describeInputs([{ name: 'ids', shape: [1, 128] }])).toBe('128');
    expect(
      describeInputs([
        { name: 'ids', shape: [1, 128] },
        { name: 'mask', shape: [1, 'seq'] },
      ]),
    ).toBe('ids=128, mask=seq');
  });
});

describe('breakdown scales (issue 20): every non-zero value keeps significant digits', () => {
  test('the largest prefix at which the smallest non-zero value is still ≥ 1', () => {
    // A 2,512-parameter encoder stage beside an 11,689,512-parameter model: M would print 0.00;
    // K prints 2.51 and 11,689.51. Zeros do not count (0 parameters of a ReLU).
    expect(significantScale('params', [2512, 11_689_512, 0], DEFAULT_FORMAT)).toBe('K');
    const col = formatColumn('params', [2512, 11_689_512, 0], DEFAULT_FORMAT, 'samples', undefined, 'significant');
    expect(col.header).toBe('Params (K)');
    expect(col.cells.map((c) => c.text)).toEqual(['2.51', '11,689.51', '0.00']);
    // The shared (comparison-table) scale keeps M for the same column: 0.00 for the stage.
    expect(formatColumn('params', [2512, 11_689_512, 0], DEFAULT_FORMAT).cells.map((c) => c.text)).toEqual(['0.00', '11.69', '0.00']);
    // 18 parameters: no prefix, a plain integer; 2,097,152 FLOPs beside 39,845,888: M (2.10, 39.85).
    expect(significantScale('params', [18, 0], DEFAULT_FORMAT)).toBe('');
    expect(formatColumn('flops', [2_097_152, 39_845_888], DEFAULT_FORMAT, 'samples', undefined, 'significant').cells.map((c) => c.text)).toEqual([
      '2.10',
      '39.85',
    ]);
    // A scale the author set is kept.
    expect(significantScale('params', [2512], resolveFormat({ scale: { params: 'M' } }))).toBe('M');
  });

  test("::ops's FLOPs share: one decimal, two significant digits below 1%", () => {
    // 9957 and 43 of 10,000 FLOPs: 99.57% → 99.6, 0.43% → 0.43; 1 of 3: 33.3; no FLOPs at all: 0.0.
    expect(flopShares([9957, 43])).toEqual(['99.6', '0.43']);
    expect(flopShares([1, 2])).toEqual(['33.3', '66.7']);
    expect(flopShares([0, 0])).toEqual(['0.0', '0.0']);
    // 1 of 250,000: 0.0004% → 0.00040 (two significant digits, never 0.0).
    expect(flopShares([1, 249_999])).toEqual(['0.00040', '100.0']);
  });

  test('CSV values are exact: integers in full, fractions without exponent', () => {
    expect(exactNumber(15_470_264_320)).toBe('15470264320');
    expect(exactNumber(12.3456)).toBe('12.3456');
    expect(exactNumber(1.5e-7)).toBe('0.00000015');
    expect(exactNumber(6_738_415_616)).toBe('6738415616');
  });
});

describe('typographic quotes (issue 20)', () => {
  test('opening after a space or the start, closing after a word; apostrophes', async () => {
    const { smartQuotes } = await import('../../src/document/typography.js');
    expect(smartQuotes('reports "FLOPs" that')).toBe('reports \u201cFLOPs\u201d that');
    expect(smartQuotes("ResNet's 'classic' (\"x\")")).toBe('ResNet\u2019s \u2018classic\u2019 (\u201cx\u201d)');
    // A text node that follows an inline element (here: after a word) closes its first quote.
    expect(smartQuotes('" and', 'd')).toBe('\u201d and');
  });
  test('LaTeX writes them as TeX quotes', async () => {
    const { escapeLatexText } = await import('../../src/render/latex-escape.js');
    expect(escapeLatexText('\u201cFLOPs\u201d and ResNet\u2019s')).toBe("``FLOPs'' and ResNet's");
  });
});

describe('suggestions for an unknown node (issue 20)', () => {
  test('nearest by containment, shared beginning, then edit distance', async () => {
    const { nearestNames } = await import('../../src/document/directive.js');
    // ResNet-18's node names (PyTorch 1.13 scopes).
    const names = ['/conv1/Conv', '/layer1/layer1.0/conv1/Conv', '/layer1/layer1.0/conv2/Conv', '/layer2/layer2.0/conv1/Conv', '/fc/Gemm'];
    // A scope left out: the names that contain what was typed come first, in graph order.
    expect(nearestNames('layer1.0/conv1/Conv', names, 1)).toEqual(['/layer1/layer1.0/conv1/Conv']);
    expect(nearestNames('conv1', names, 3)).toEqual(['/conv1/Conv', '/layer1/layer1.0/conv1/Conv', '/layer2/layer2.0/conv1/Conv']);
    // A typo in the last part: the longest shared beginning wins.
    expect(nearestNames('/layer2/layer2.0/conv1/Cnv', names, 1)).toEqual(['/layer2/layer2.0/conv1/Conv']);
    expect(nearestNames('/fc', names, 1)).toEqual(['/fc/Gemm']);
  });
});

describe('bytes: profile and documents say the same (issue 20)', () => {
  test('decimal MB in both, for the same number', async () => {
    const { formatBytes } = await import('../../src/cli/profile-view.js');
    // ResNet-18's weights at float32: 11,689,512 × 4 = 46,758,048 B → 46.76 MB (10⁶ B), in `profile`
    // and in a document's :metric and table alike; `--units binary` is the only MiB (44.59 MiB).
    expect(formatBytes(46_758_048)).toBe('46.76 MB');
    expect(formatInline('params_bytes', 46_758_048, DEFAULT_FORMAT).withUnit).toBe('46.76\u00a0MB');
    expect(formatColumn('params_bytes', [46_758_048], DEFAULT_FORMAT).header).toBe('Params size (MB)');
    expect(formatBytes(46_758_048, 'binary')).toBe('44.59 MiB');
  });
});
