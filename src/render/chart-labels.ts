/**
 * Where a scatter chart's point labels go, without a browser: each label's box is estimated from
 * the font's character widths, and labels are placed one by one (the most crowded points first) at
 * the first of eight positions around their point that overlaps no point, no error bar, no label
 * already placed and stays inside the plot; when none is free, at the same positions further out
 * with a leader line back to the point; failing even that, where it overlaps least.
 */

/** An axis-aligned box in viewBox units (top-left corner, size). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedLabel {
  text: string;
  /** SVG `text-anchor` and the text's anchor point (baseline). */
  anchor: 'start' | 'middle' | 'end';
  x: number;
  y: number;
  /** The estimated box the text covers. */
  box: Box;
  /** From the point's edge to the label, when the label sits away from its point. */
  leader?: { x1: number; y1: number; x2: number; y2: number } | undefined;
}

/**
 * Advance widths of Helvetica/Arial (Liberation Sans) in em, per character; other characters count
 * as one em (CJK is). Sans fonts wider than Arial (DejaVu Sans is about 10% wider) are covered by
 * the margin labelWidth adds.
 */
const WIDTHS: Record<string, number> = {
  ...Object.fromEntries([...'abdeghnopqu0123456789#$_'].map((c) => [c, 0.556])),
  ...Object.fromEntries([...'cksvxyzJ'].map((c) => [c, 0.5])),
  ...Object.fromEntries([...'fijlt'].map((c) => [c, c === 'f' || c === 't' ? 0.278 : 0.222])),
  r: 0.333,
  m: 0.833,
  w: 0.722,
  ...Object.fromEntries([...'ABEKPSVXY'].map((c) => [c, 0.667])),
  ...Object.fromEntries([...'CDHNRUw'].map((c) => [c, 0.722])),
  ...Object.fromEntries([...'GOQ'].map((c) => [c, 0.778])),
  F: 0.611,
  T: 0.611,
  Z: 0.611,
  L: 0.556,
  I: 0.278,
  M: 0.833,
  W: 0.944,
  ' ': 0.278,
  '.': 0.278,
  ',': 0.278,
  '/': 0.278,
  ':': 0.278,
  '-': 0.333,
  '(': 0.333,
  ')': 0.333,
  '@': 1.015,
  '×': 0.584,
  '+': 0.584,
  '=': 0.584,
};

/** Estimated width of `text` at `fontSize`, with a 12% margin for wider sans fonts. */
export function labelWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += WIDTHS[ch] ?? 1;
  return em * fontSize * 1.12;
}

export function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Distance from a point to the nearest point of a box (0 inside it). */
export function boxDistance(b: Box, x: number, y: number): number {
  const dx = Math.max(b.x - x, 0, x - (b.x + b.width));
  const dy = Math.max(b.y - y, 0, y - (b.y + b.height));
  return Math.hypot(dx, dy);
}

/** Distance from a point to a segment. */
export function segmentDistance(s: { x1: number; y1: number; x2: number; y2: number }, x: number, y: number): number {
  const vx = s.x2 - s.x1;
  const vy = s.y2 - s.y1;
  const len = vx * vx + vy * vy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((x - s.x1) * vx + (y - s.y1) * vy) / len));
  return Math.hypot(s.x1 + t * vx - x, s.y1 + t * vy - y);
}

function inside(b: Box, bounds: Box): boolean {
  return b.x >= bounds.x && b.y >= bounds.y && b.x + b.width <= bounds.x + bounds.width && b.y + b.height <= bounds.y + bounds.height;
}

export interface LabelRequest {
  /** The point's centre. */
  x: number;
  y: number;
  /** '' for a point without a label (it is still an obstacle). */
  text: string;
}

/** Eight directions around a point, in order of preference: right, left, then above and below. */
const DIRECTIONS: { dx: number; dy: number; anchor: PlacedLabel['anchor'] }[] = [
  { dx: 1, dy: -1, anchor: 'start' },
  { dx: 1, dy: 0, anchor: 'start' },
  { dx: 1, dy: 1, anchor: 'start' },
  { dx: -1, dy: -1, anchor: 'end' },
  { dx: -1, dy: 0, anchor: 'end' },
  { dx: -1, dy: 1, anchor: 'end' },
  { dx: 0, dy: -1, anchor: 'middle' },
  { dx: 0, dy: 1, anchor: 'middle' },
];

/**
 * Place the labels of `points` inside `bounds`, avoiding `obstacles` (error bars, a legend), every
 * point (as a box of `pointRadius`) and each other. A label must also read as its own point's: beside
 * it, no other point may be nearer to the label than its own; with a leader line, the line passes no
 * other point. Returns one PlacedLabel per point with a label, in the order of `points`.
 */
export function placeLabels(
  points: readonly LabelRequest[],
  bounds: Box,
  options: { fontSize: number; pointRadius: number; obstacles?: readonly Box[] },
): PlacedLabel[] {
  const { fontSize, pointRadius } = options;
  const ascent = fontSize * 0.8;
  const descent = fontSize * 0.25;
  const pointBoxes = points.map((p) => ({ x: p.x - pointRadius - 1, y: p.y - pointRadius - 1, width: 2 * pointRadius + 2, height: 2 * pointRadius + 2 }));

  const candidate = (p: LabelRequest, width: number, dir: (typeof DIRECTIONS)[number], ring: number): PlacedLabel => {
    const gap = pointRadius + 2 + ring * 14;
    const x = p.x + dir.dx * gap;
    // Vertically: above the point the baseline sits `gap` above it, below the box's top `gap` below it.
    const y =
      dir.dy < 0 ? p.y - gap * (dir.dx === 0 ? 1 : 0.7) - descent : dir.dy > 0 ? p.y + gap * (dir.dx === 0 ? 1 : 0.7) + ascent : p.y + (ascent - descent) / 2;
    const left = dir.anchor === 'start' ? x : dir.anchor === 'end' ? x - width : x - width / 2;
    const box = { x: left, y: y - ascent, width, height: ascent + descent };
    if (ring === 0) return { text: p.text, anchor: dir.anchor, x, y, box };
    // A leader from the point's edge to the nearest point of the label's box.
    const nx = Math.max(box.x, Math.min(p.x, box.x + box.width));
    const ny = Math.max(box.y, Math.min(p.y, box.y + box.height));
    const d = Math.hypot(nx - p.x, ny - p.y) || 1;
    return {
      text: p.text,
      anchor: dir.anchor,
      x,
      y,
      box,
      leader: { x1: p.x + ((nx - p.x) / d) * (pointRadius + 1), y1: p.y + ((ny - p.y) / d) * (pointRadius + 1), x2: nx, y2: ny },
    };
  };

  // Most crowded first: the point with the most others within three label heights.
  const near = (i: number) => points.filter((q, j) => j !== i && Math.hypot(q.x - points[i]!.x, q.y - points[i]!.y) < fontSize * 6).length;
  const base = points
    .map((_, i) => i)
    .filter((i) => points[i]!.text !== '')
    .sort((a, b) => near(b) - near(a) || a - b);

  const readsAsOwn = (label: PlacedLabel, i: number): boolean => {
    const own = points[i]!;
    if (label.leader) return points.every((q, j) => j === i || segmentDistance(label.leader!, q.x, q.y) > pointRadius + 2);
    const mine = boxDistance(label.box, own.x, own.y);
    return points.every((q, j) => j === i || boxDistance(label.box, q.x, q.y) > mine);
  };

  /** One greedy pass in `order`; the labels, and those that found no free place of their own. */
  const pass = (order: number[]): { placed: Map<number, PlacedLabel>; poor: number[]; overlapping: number } => {
    const taken: Box[] = [...pointBoxes, ...(options.obstacles ?? [])];
    const placed = new Map<number, PlacedLabel>();
    const poor: number[] = [];
    let overlapping = 0;
    for (const i of order) {
      const p = points[i]!;
      const width = labelWidth(p.text, fontSize);
      const own = pointBoxes[i]!;
      // First a free place that reads as this point's, then any free place, then the least overlap.
      let best: { label: PlacedLabel; cost: number; own: boolean } | undefined;
      let free: PlacedLabel | undefined;
      search: for (let ring = 0; ring < 5; ring++) {
        for (const dir of DIRECTIONS) {
          const label = candidate(p, width, dir, ring);
          if (!inside(label.box, bounds)) continue;
          const cost = taken.reduce((sum, b) => (b === own ? sum : sum + overlap(label.box, b)), 0);
          if (cost === 0 && readsAsOwn(label, i)) {
            best = { label, cost, own: true };
            break search;
          }
          if (cost === 0) free ??= label;
          if (!best || cost < best.cost) best = { label, cost, own: false };
        }
      }
      if (best && !best.own && free) best = { label: free, cost: 0, own: false };
      if (!best?.own) poor.push(i);
      if (best && best.cost > 0) overlapping++;
      // Nothing fits inside the plot at all (a label wider than the plot): beside the point.
      const label = best?.label ?? candidate(p, width, DIRECTIONS[0]!, 0);
      placed.set(i, label);
      taken.push(label.box);
    }
    return { placed, poor, overlapping };
  };

  // Labels that found no place of their own go first in the next pass (a few passes at most); the
  // pass with the fewest overlaps, then the fewest such labels, wins.
  let order = base;
  let result = pass(order);
  for (let attempt = 0; attempt < 6 && (result.poor.length > 0 || result.overlapping > 0); attempt++) {
    order = [...result.poor, ...order.filter((i) => !result.poor.includes(i))];
    const next = pass(order);
    if (next.overlapping < result.overlapping || (next.overlapping === result.overlapping && next.poor.length < result.poor.length)) result = next;
    else if (next.poor.length >= result.poor.length) break;
  }
  const placed = result.placed;
  return points.flatMap((_, i) => (placed.has(i) ? [placed.get(i)!] : []));
}
