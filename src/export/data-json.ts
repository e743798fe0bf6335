/**
 * `<doc>.data.json`: the document's collected data (tables, inline metrics, formulas, charts,
 * environments, cross-references: state.ts's DocumentData, as the build writes it) plus `numbers`,
 * a flat list with one entry per number the document shows and the provenance of each: model path
 * and sha256, input shapes, convention, tool version, and for measured numbers the hardware,
 * runtime and method. A script that checks or re-plots a table reads `numbers`, not the HTML.
 */
import type { CollectedTable, DocumentData, Provenance } from '../docmodel/types.js';
import { dataHashOf } from './coherence.js';
import type { MetricName } from '../render/index.js';

export interface DocumentNumber {
  /** Where the number is shown: `table`, `metric` (inline in prose) or `formula` (a worked result). */
  place: 'table' | 'metric' | 'formula';
  /** `tbl-cnn`, `Table 2`, `eq-conv`, …: how a reader finds it. */
  where: string;
  /** The table row (model or module) and column header, for table cells. */
  row?: string | undefined;
  column?: string | undefined;
  /** The input size group of a sweep column, e.g. `224×224`. */
  group?: string | undefined;
  metric?: MetricName | string | undefined;
  /** In base units (count, bytes, ms per batch, per second). */
  value: number;
  /** As the document shows it. */
  text: string;
  provenance?: Provenance | undefined;
  /**
   * Not measured: `published` for a number quoted from the table's published-numbers file,
   * `difference` for its Δ (%) from the measured one.
   */
  quoted?: 'published' | 'difference' | undefined;
  /** Set for an unstable measurement: what is unstable and its 95% CI (the document marks it with a †). */
  unstable?: string | undefined;
}

export interface DocumentDataFile extends DocumentData {
  numbers: DocumentNumber[];
  /** Hash of this data (without this field); every output made from it records the same hash. */
  dataHash?: string | undefined;
}

function tableWhere(t: CollectedTable, index: number): string {
  if (t.table.id) return t.table.id;
  if (t.table.number !== undefined) return `Table ${t.table.number}`;
  return `${t.table.caption ?? 'breakdown table'} (#${index + 1})`;
}

/**
 * The provenance of a table cell. A comparison table has one provenance per model and input point,
 * in row order (a sweeping model's points in column-group order); a breakdown table (::layers,
 * ::ops) has one for its model, shared by every row.
 */
function cellProvenance(t: CollectedTable, rowIndex: number, groupIndex: number | null, labelledGroups: number): Provenance | undefined {
  if (t.provenance.length === 1) return t.provenance[0];
  const model = t.models[rowIndex];
  const own = t.provenance.filter((p) => p.model === model);
  if (own.length === 0) return undefined;
  if (groupIndex === null || own.length !== labelledGroups) return own[0];
  return own[groupIndex];
}

/** Every number of the document with its provenance. */
export function documentNumbers(data: DocumentData): DocumentNumber[] {
  const out: DocumentNumber[] = [];
  data.tables.forEach((t, index) => {
    const where = tableWhere(t, index);
    const labelled = t.table.groups.filter((g) => g.label !== undefined).length;
    t.table.rows.forEach((row, r) => {
      let col = 0;
      let groupIndex = 0;
      for (const g of t.table.groups) {
        for (const c of g.columns) {
          const cell = row.cells[col++]!;
          if (typeof cell.value !== 'number') continue;
          const quoted = c.key.endsWith(':published') ? 'published' : c.key.endsWith(':delta') ? 'difference' : undefined;
          out.push({
            place: 'table',
            where,
            row: row.label,
            column: c.header,
            group: g.label,
            // A quoted number is not the metric as measured: it carries no measurement provenance.
            metric: quoted ? undefined : c.metric,
            value: cell.value,
            text: cell.text,
            provenance: quoted ? undefined : cellProvenance(t, r, g.label === undefined ? null : groupIndex, labelled),
            ...(quoted ? { quoted } : {}),
            ...(cell.unstable ? { unstable: cell.unstable } : {}),
          });
        }
        if (g.label !== undefined) groupIndex++;
      }
    });
  });
  for (const m of data.metrics) {
    if (typeof m.value !== 'number') continue;
    out.push({
      place: 'metric',
      where: `:metric{model=${m.model} name=${m.name}}`,
      metric: m.name,
      value: m.value,
      text: m.withUnit,
      provenance: m.provenance,
      ...(m.unstable ? { unstable: m.unstable } : {}),
    });
  }
  data.formulas.forEach((f, i) => {
    const where =
      f.id ??
      (f.op
        ? `${f.op} worked example (${Object.entries(f.given ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : `${f.model} ${f.node}`) + (f.id ? '' : ` (formula ${i + 1})`);
    out.push({ place: 'formula', where, metric: f.formula.template, value: f.value, text: f.latex.result, provenance: f.provenance });
  });
  return out;
}

/** The data file: the collected data as the build has it, with `numbers` and the hash every output of this data records (export/coherence.ts). */
export function dataFile(data: DocumentData): DocumentDataFile {
  const file = { ...data, numbers: documentNumbers(data) };
  return { ...file, dataHash: dataHashOf(JSON.stringify(file)) };
}

/** The hash of a document's data, as its data file records it. */
export function documentDataHash(data: DocumentData): string {
  return dataFile(data).dataHash!;
}

export function dataJson(data: DocumentData): string {
  return `${JSON.stringify(dataFile(data), null, 2)}\n`;
}
