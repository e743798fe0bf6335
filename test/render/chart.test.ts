/** SVG charts: well-formed XML, deterministic, points where the arithmetic in the comments puts them. */
import { describe, expect, test } from 'vitest';
import { ChartError, DEFAULT_FORMAT, chartToSvg, hastToHtml, scatterChart, barChart } from '../../src/render/index.js';
import { SCATTER, makeAxis, niceStep } from '../../src/render/chart.js';

/**
 * A minimal XML well-formedness check: every tag closes in order, attributes are quoted, and text
 * holds no raw `<` or unescaped `&`.
 */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textPart = xml.slice(i, lt === -1 ? xml.length : lt);
    expect(textPart, `text near ${i}`).not.toMatch(/&(?!#x[0-9A-F]+;|#\d+;|amp;|lt;|gt;|quot;)/i);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    expect(m, `malformed tag at ${lt}: ${xml.slice(lt, lt + 40)}`).not.toBeNull();
    const [, close, name, , self] = m!;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!self) stack.push(name!);
    i = tag.lastIndex;
  }
  expect(stack).toEqual([]);
}

function circles(svg: string): [number, number][] {
  return [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('scatter', () => {
  // Plot area: x from 80 to 640 − 30 = 610 (530 wide), y from 30 to 400 − 60 = 340 (310 high).
  const spec = {
    kind: 'scatter' as const,
    x: 'macs' as const,
    y: 'throughput' as const,
    sampleUnit: 'img' as const,
    format: DEFAULT_FORMAT,
    points: [
      { label: 'A<B & "C"', x: 1e9, y: 100 },
      { label: 'Net-2', x: 2e9, y: 50 },
    ],
  };

  test('geometry constants the hand computations use', () => {
    expect(SCATTER).toEqual({ width: 640, height: 400, left: 80, right: 30, top: 30, bottom: 60 });
  });

  test('axes: nice steps from 0', () => {
    // MACs in G: [1, 2] → span 2, 2/5 = 0.4 → step 0.5, axis 0…2
    expect(niceStep(2)).toBe(0.5);
    expect(makeAxis([1, 2], false, 'x').ticks).toEqual([0, 0.5, 1, 1.5, 2]);
    // throughput [100, 50] → 100/5 = 20 → step 20, axis 0…100
    expect(makeAxis([100, 50], false, 'y').ticks).toEqual([0, 20, 40, 60, 80, 100]);
  });

  test('points at hand-computed positions, labels escaped, axis titles with units', () => {
    const svg = chartToSvg(spec);
    assertWellFormed(svg);
    // A: x = 80 + (1/2)·530 = 345, y = 340 − (100/100)·310 = 30; B: x = 80 + 530 = 610, y = 340 − 0.5·310 = 185
    expect(circles(svg)).toEqual([
      [345, 30],
      [610, 185],
    ]);
    expect(svg).toContain('viewBox="0 0 640 400"');
    expect(svg).toContain('>A&#x3C;B &#x26; "C"</text>');
    expect(svg).toContain('>MACs (G)</text>');
    expect(svg).toContain('>Throughput (img/s)</text>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // deterministic
    expect(chartToSvg(spec)).toBe(svg);
  });

  test('log axes span whole decades', () => {
    // MACs 1e8, 1e10 → 0.1 G and 10 G: decades 10^-1 … 10^1; 1 G would sit in the middle (x = 345)
    const svg = chartToSvg({
      ...spec,
      logX: true,
      points: [
        { label: 'a', x: 1e8, y: 10 },
        { label: 'b', x: 1e10, y: 20 },
        { label: 'c', x: 1e9, y: 20 },
      ],
    });
    assertWellFormed(svg);
    expect(circles(svg).map((c) => c[0])).toEqual([80, 610, 345]);
    expect(() => scatterChart({ ...spec, logY: true, points: [{ label: 'z', x: 1, y: 0 }] })).toThrow(ChartError);
  });

  test('inline in HTML: the same element through the HTML serialiser', () => {
    const html = hastToHtml(scatterChart(spec));
    expect(html).toContain('<circle cx="345" cy="30" r="4" fill="#1f5fa8"></circle>');
  });
});

describe('share bars', () => {
  test('widths are the shares of the 420-unit bar area, largest first', () => {
    // total 100: Conv 75 % → 0.75·420 = 315; Gemm 20 % → 84; Relu 5 % → 21
    const svg = chartToSvg({
      kind: 'bar',
      valueLabel: 'FLOPs',
      bars: [
        { label: 'Relu', value: 5 },
        { label: 'Conv', value: 75 },
        { label: 'Gemm', value: 20 },
      ],
    });
    assertWellFormed(svg);
    const rects = [...svg.matchAll(/<rect x="150" y="([\d.]+)" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // rows every 18 + 6 = 24 units from y = 30
    expect(rects).toEqual([
      [30, 315],
      [54, 84],
      [78, 21],
    ]);
    expect([...svg.matchAll(/>(\d+\.\d)%</g)].map((m) => m[1])).toEqual(['75.0', '20.0', '5.0']);
    // height: 30 + 3·24 + 40 = 142
    expect(svg).toContain('viewBox="0 0 640 142"');
  });

  test('beyond maxBars the rest is summed into "other"', () => {
    const el = barChart({
      kind: 'bar',
      valueLabel: 'FLOPs',
      maxBars: 2,
      bars: [
        { label: 'Relu', value: 5 },
        { label: 'Conv', value: 75 },
        { label: 'Gemm', value: 20 },
      ],
    });
    const svg = hastToHtml(el);
    expect([...svg.matchAll(/text-anchor="end" font-size="12">([^<]+)</g)].map((m) => m[1])).toEqual(['Conv', 'other (2)']);
    expect(svg).toContain('>25.0%<');
  });
});
