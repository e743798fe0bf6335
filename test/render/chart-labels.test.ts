/**
 * Scatter labels never collide (issue 20): on the example survey's own chart (@fig-cnn: throughput
 * against FLOPs per image, log–log), each label's box — estimated from the font's widths, as the
 * placement does — overlaps no other label and no point, and stays inside the plot.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_FORMAT, chartToSvg } from '../../src/render/index.js';
import { LABEL_FONT_SIZE, SCATTER } from '../../src/render/chart.js';
import { type Box, boxDistance, labelWidth, overlap, placeLabels, segmentDistance } from '../../src/render/chart-labels.js';
import type { ScatterChartSpec } from '../../src/render/types.js';

// content/survey.md's @fig-cnn as the example build measured it (output/survey.data.json, tbl-cnn):
// FLOPs per image are exact counts of the zoo models; throughputs are one run's img/s at batch 2 on
// a 2-core machine. The crowded pairs the issue saw: DenseNet-121 near ResNet-50's label,
// ResNet-101 on VGG-11 and Inception-v3 near ResNet-50 and VGG-16.
const EXAMPLE: ScatterChartSpec = {
  kind: 'scatter',
  x: 'flops',
  y: 'throughput',
  logX: true,
  logY: true,
  sampleUnit: 'img',
  format: DEFAULT_FORMAT,
  points: [
    { label: 'AlexNet', x: 1429585920, y: 51.18621493808259 },
    { label: 'VGG-11', x: 15230230528, y: 24.28665539361079 },
    { label: 'VGG-16', x: 30958700544, y: 12.794225607744908 },
    { label: 'ResNet-18', x: 3635321856, y: 109.67680657990645 },
    { label: 'ResNet-50', x: 8206316544, y: 13.656968012639279 },
    { label: 'ResNet-101', x: 15644406784, y: 25.702914469536026 },
    { label: 'DenseNet-121', x: 5710784768, y: 62.48678209287542 },
    { label: 'Inception-v3', x: 11480044064, y: 10.285374715537392 },
    { label: 'MobileNetV2', x: 620717344, y: 416.5252650168032 },
  ],
};

const PLOT: Box = {
  x: SCATTER.left,
  y: SCATTER.top,
  width: SCATTER.width - SCATTER.left - SCATTER.right,
  height: SCATTER.height - SCATTER.top - SCATTER.bottom,
};
const ASCENT = LABEL_FONT_SIZE * 0.8;
const DESCENT = LABEL_FONT_SIZE * 0.25;

/** Points and label boxes read back from the SVG text (what a browser draws). */
function layout(svg: string): { points: [number, number][]; labels: (Box & { text: string })[] } {
  const points = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4"/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  const labels = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" font-size="11" fill="#111"(?: text-anchor="(\w+)")?>([^<]*)<\/text>/g)].map((m) => {
    const width = labelWidth(m[4]!, LABEL_FONT_SIZE);
    const x = Number(m[1]);
    const left = m[3] === 'end' ? x - width : m[3] === 'middle' ? x - width / 2 : x;
    return { text: m[4]!, x: left, y: Number(m[2]) - ASCENT, width, height: ASCENT + DESCENT };
  });
  return { points, labels };
}

function collisions(points: [number, number][], labels: (Box & { text: string })[]): string[] {
  const found: string[] = [];
  labels.forEach((a, i) => {
    labels.forEach((b, j) => j > i && overlap(a, b) > 0 && found.push(`${a.text} on ${b.text}`));
    points.forEach(([x, y]) => overlap(a, { x: x - 4, y: y - 4, width: 8, height: 8 }) > 0 && found.push(`${a.text} on a point at ${x},${y}`));
    if (a.x < PLOT.x || a.y < PLOT.y || a.x + a.width > PLOT.x + PLOT.width || a.y + a.height > PLOT.y + PLOT.height) found.push(`${a.text} outside the plot`);
  });
  return found;
}

describe("the example's scatter chart", () => {
  test('every point is labelled and no label covers another label or a point', () => {
    const { points, labels } = layout(chartToSvg(EXAMPLE));
    expect(points).toHaveLength(9);
    expect(labels.map((l) => l.text).sort()).toEqual(EXAMPLE.points.map((p) => p.label).sort());
    expect(collisions(points, labels)).toEqual([]);
  });

  test('each label reads as its own point: nearest to it, or joined by a leader line that passes no other point', () => {
    const svg = chartToSvg(EXAMPLE);
    const { points, labels } = layout(svg);
    const leaders = [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="#888"/g)].map(
      (m) => m.slice(1).map(Number) as [number, number, number, number],
    );
    EXAMPLE.points.forEach((p, i) => {
      const label = labels.find((l) => l.text === p.label)!;
      const [x, y] = points[i]!;
      const leader = leaders.find(([x1, y1]) => Math.hypot(x1 - x, y1 - y) < 6);
      if (leader) {
        const others = points.filter((_, j) => j !== i);
        for (const [ox, oy] of others)
          expect(segmentDistance({ x1: leader[0], y1: leader[1], x2: leader[2], y2: leader[3] }, ox, oy), p.label).toBeGreaterThan(4);
      } else {
        const mine = boxDistance(label, x, y);
        points.forEach(([ox, oy], j) => j !== i && expect(boxDistance(label, ox, oy), `${p.label} nearer ${EXAMPLE.points[j]!.label}`).toBeGreaterThan(mine));
      }
    });
  });

  test('the old placement (every label up-right of its point, left in the right quarter) did collide there', () => {
    // The same points with the labels where the previous version put them: the test above can fail.
    const { points } = layout(chartToSvg(EXAMPLE));
    const naive = EXAMPLE.points.map((p, i) => {
      const [cx, cy] = points[i]!;
      const width = labelWidth(p.label, LABEL_FONT_SIZE);
      const right = cx > PLOT.x + PLOT.width * 0.75;
      return { text: p.label, x: right ? cx - 6 - width : cx + 6, y: cy - 6 - ASCENT, width, height: ASCENT + DESCENT };
    });
    expect(collisions(points, naive).filter((c) => !c.includes('point')).length).toBeGreaterThan(0);
  });

  test('a crowded cluster gets leader lines rather than overlaps', () => {
    // Nine points 3 units apart on a diagonal: the first ring of positions cannot hold them all.
    const pts = Array.from({ length: 9 }, (_, i) => ({ x: 300 + 3 * i, y: 200 - 3 * i, text: `Model ${i + 1}` }));
    const placed = placeLabels(pts, PLOT, { fontSize: 11, pointRadius: 4 });
    expect(placed).toHaveLength(9);
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlap(placed[i]!.box, placed[j]!.box)).toBe(0);
    expect(placed.some((p) => p.leader !== undefined)).toBe(true);
  });
});

describe('error bars and groups', () => {
  test('the 95% CI as a vertical bar with caps, and one mark and colour per group with a legend', () => {
    // ResNet-50's throughput 13.66 img/s with the CI 13.2–14.8 (from the example's unstable latency,
    // 135–152 ms at batch 2: 2 / 0.152 = 13.16, 2 / 0.135 = 14.81 img/s).
    const spec: ScatterChartSpec = {
      ...EXAMPLE,
      errorBars: true,
      groupTitle: 'machine',
      points: [
        { label: 'ResNet-50', x: 8206316544, y: 13.656968012639279, yCi: [2 / 0.152, 2 / 0.135], group: 'AMD EPYC' },
        { label: 'ResNet-18', x: 3635321856, y: 109.67680657990645, yCi: [100, 120], group: 'Intel Xeon' },
      ],
    };
    const svg = chartToSvg(spec);
    // One error bar per point: a vertical line and two caps 6 units wide.
    expect(svg.match(/<path d="M[\d.]+,[\d.]+V[\d.]+M[\d.]+,[\d.]+H[\d.]+M[\d.]+,[\d.]+H[\d.]+" stroke="#1f5fa8"/g)).toHaveLength(1);
    expect(svg.match(/<path d="M[\d.]+,[\d.]+V[\d.]+M[\d.]+,[\d.]+H[\d.]+M[\d.]+,[\d.]+H[\d.]+" stroke="#c0392b"/g)).toHaveLength(1);
    // Group 1 a blue circle, group 2 a red square; the legend names both, after its title.
    expect(svg).toContain('<text x="80" y="20" font-size="11" fill="#444">machine:</text>');
    expect(svg).toMatch(/<rect x="[\d.]+" y="[\d.]+" width="7" height="7" fill="#c0392b" ?\/>/);
    expect(svg).toContain('>AMD EPYC</text>');
    expect(svg).toContain('>Intel Xeon</text>');
    // Log axes: x 1–10 G, y 10–1000 img/s. ResNet-50 sits at x = 80 + 530·log10(8.206) = 564.5; its
    // bar spans y = 30 + 310 − 310·(log10(v) − 1)/2 for v = 13.16 and 14.81: 321.53 and 313.54.
    expect(svg).toContain('<path d="M564.5,321.53V313.54M561.5,321.53H567.5M561.5,313.54H567.5"');
  });
});
