/**
 * Published numbers for `::table{published="ptflops.csv"}`: a CSV beside the Markdown file, typed from
 * a paper or a tool's README, so a table shows them beside what modelpress measures and the
 * difference. The numbers are data the author cites, kept in one clearly named file, never mixed into
 * measured cells.
 *
 *   model,params (M),macs (G),Acc@1,Acc@5
 *   r18,11.69,1.82,70.142,89.274
 *
 * `model` holds declared model ids. A column named after a metric (with an optional K/M/G/T scale in
 * parentheses) is compared with the measured metric; any other column is shown as published text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../render/metrics.js';
import type { MetricName } from '../render/types.js';

export class PublishedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishedError';
  }
}

export interface PublishedTable {
  /** Per model id: published metric values in base units. */
  metrics: Map<string, Partial<Record<MetricName, number>>>;
  /** Published columns that are not metrics, in file order. */
  extra: { header: string; byModel: Map<string, string> }[];
  /** Metrics the file publishes. */
  metricNames: MetricName[];
}

const SCALES: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Split CSV text into rows of fields (RFC 4180 quoting; blank lines skipped). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field.trim());
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field.trim());
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) throw new PublishedError('a quoted field is not closed');
  row.push(field.trim());
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** `macs (G)` → { metric: 'macs', scale: 1e9 }; a header naming no metric → undefined. */
function metricHeader(header: string): { metric: MetricName; scale: number } | undefined {
  const m = /^([a-z_0-9]+)\s*(?:\(\s*([KMGT]?)\s*\))?$/.exec(header.trim());
  if (!m || !(m[1]! in METRICS)) return undefined;
  const metric = m[1] as MetricName;
  if (METRICS[metric].kind === 'text') return undefined;
  return { metric, scale: SCALES[m[2] ?? '']! };
}

/** Read and check a published-numbers CSV; `where` is the path as written, for messages. */
export function readPublished(file: string, where: string): PublishedTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new PublishedError(`cannot read '${where}' (looked for ${path.resolve(file)})`);
  }
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new PublishedError(`${where}: ${(err as Error).message}`);
  }
  const [header, ...body] = rows;
  if (header?.[0]?.toLowerCase() !== 'model') {
    throw new PublishedError(`${where}: the first column must be 'model' (the declared model ids), e.g. "model,params (M),macs (G)"`);
  }
  const columns = header.slice(1).map((h) => ({ header: h, metric: metricHeader(h) }));
  const metrics = new Map<string, Partial<Record<MetricName, number>>>();
  const extra = columns.filter((c) => !c.metric).map((c) => ({ header: c.header, byModel: new Map<string, string>() }));
  body.forEach((fields, r) => {
    const id = fields[0] ?? '';
    if (id === '') throw new PublishedError(`${where}:${r + 2}: the row has no model id`);
    if (metrics.has(id)) throw new PublishedError(`${where}:${r + 2}: model '${id}' is listed twice`);
    const values: Partial<Record<MetricName, number>> = {};
    let k = 0;
    columns.forEach((c, i) => {
      const raw = fields[i + 1] ?? '';
      if (!c.metric) {
        if (raw !== '') extra[k]!.byModel.set(id, raw);
        k++;
        return;
      }
      if (raw === '') return;
      const n = Number(raw.replace(/,/g, ''));
      if (!Number.isFinite(n)) throw new PublishedError(`${where}:${r + 2}: '${raw}' in column '${c.header}' is not a number`);
      values[c.metric.metric] = n * c.metric.scale;
    });
    metrics.set(id, values);
  });
  return { metrics, extra, metricNames: columns.flatMap((c) => (c.metric ? [c.metric.metric] : [])) };
}
