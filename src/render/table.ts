/**
 * Comparison tables: build a TableData from metric values (one column group per sweep point), then
 * write it as HTML (hast), LaTeX (booktabs + siunitx S columns) or CSV. The three writers read the
 * same headers and cell strings, so a number looks the same everywhere.
 */
import { h } from 'hastscript';
import type { Element, ElementContent } from 'hast';
import { DEFAULT_FORMAT, exactNumber, fixed, formatColumn, groupDigits } from './format.js';
import { ENGLISH, type Messages } from '../i18n/index.js';
import { METRICS, metricHeader, metricLabel, scaleFactor, unitText } from './metrics.js';
import { latexCaption } from './latex.js';
import { escapeLatexText, latexLabel } from './latex-escape.js';
import { smartQuotes } from './typography.js';
import type { ColumnGroup, MetricName, MetricTableSpec, NumberFormat, TableCell, TableColumn, TableData, TableRow } from './types.js';

/**
 * Lay out a metric table. A metric keeps one scale across all its columns (every group), so a sweep
 * reads `FLOPs (G)` under 200×200, 224×224 and 256×256 alike. `sharedMetrics` (e.g. params, which do
 * not change with the input size) come first, once per row.
 */
export function buildMetricTable(spec: MetricTableSpec): TableData {
  if (spec.groups.length === 0) throw new Error('a table needs at least one column group');
  for (const row of spec.rows) {
    if (row.points.length !== spec.groups.length) {
      throw new Error(`row "${row.label}" has ${row.points.length} value sets for ${spec.groups.length} column groups`);
    }
  }
  const sampleUnit = spec.sampleUnit ?? 'samples';
  const msg = spec.messages ?? ENGLISH;
  const labelled = spec.groups.some((g) => g !== undefined);
  const publishedMetrics = spec.metrics.filter((m) => spec.rows.some((r) => typeof r.published?.[m] === 'number'));
  if (labelled && publishedMetrics.length > 0) {
    throw new Error('published values can be compared in a table without input sizes (no sweep)');
  }
  const publishedOf = (metric: MetricName) => spec.rows.map((r) => r.published?.[metric] ?? null);
  const shared = labelled ? spec.metrics.filter((m) => spec.sharedMetrics?.includes(m)) : [];
  const perGroup = spec.metrics.filter((m) => !shared.includes(m));

  // Each metric formatted over every cell it has in the table, for one shared scale.
  const layout: { metric: MetricName; group: number | null }[] = [
    ...shared.map((metric) => ({ metric, group: null })),
    ...spec.groups.flatMap((_, g) => perGroup.map((metric) => ({ metric, group: g }))),
  ];
  const valuesOf = (metric: MetricName, group: number | null) => spec.rows.map((r) => r.points[group ?? 0]!.values[metric] ?? null);
  const noteOf = (rowIndex: number, metric: MetricName, group: number | null) => spec.rows[rowIndex]!.points[group ?? 0]!.notes?.[metric];
  const markOf = (rowIndex: number, metric: MetricName, group: number | null) => spec.rows[rowIndex]!.points[group ?? 0]!.marks?.[metric];

  const columnsByMetric = new Map<MetricName, ReturnType<typeof formatColumn>>();
  for (const metric of new Set(layout.map((l) => l.metric))) {
    const all = layout.filter((l) => l.metric === metric).flatMap((l) => valuesOf(metric, l.group));
    // Published values share the measured column's scale, so the two read side by side; their
    // cells come after the measured ones in the formatted column.
    if (publishedMetrics.includes(metric)) all.push(...publishedOf(metric));
    columnsByMetric.set(metric, formatColumn(metric, all, spec.format, sampleUnit, msg, spec.scalePolicy ?? 'shared'));
  }
  // formatColumn formatted every cell of a metric in layout order; hand them out column by column.
  const offsets = new Map<MetricName, number>();
  const cellsFor = (metric: MetricName): TableCell[] => {
    const col = columnsByMetric.get(metric)!;
    const start = offsets.get(metric) ?? 0;
    offsets.set(metric, start + spec.rows.length);
    return col.cells.slice(start, start + spec.rows.length).map((c) => ({ value: c.value, text: c.text, plain: c.plain }));
  };

  type Built = { column: TableColumn; cells: TableCell[] };
  const measuredColumn = (metric: MetricName, group: number | null): Built => {
    const label = group === null ? undefined : spec.groups[group];
    const formatted = columnsByMetric.get(metric)!;
    const cells = cellsFor(metric).map((c, i): TableCell => {
      const raw = valuesOf(metric, group)[i];
      const note = noteOf(i, metric, group);
      const cell: TableCell = { ...c, value: typeof raw === 'string' ? raw : c.value, ...(note ? { note } : {}) };
      const mark = markOf(i, metric, group);
      if (mark && typeof cell.value === 'number') {
        const where =
          label === undefined
            ? msg.t('table.cell', { row: spec.rows[i]!.label, header: formatted.header })
            : msg.t('table.cellAt', { row: spec.rows[i]!.label, header: formatted.header, group: label });
        const ci = mark.ci95 ? uncertainty(mark.ci95, cell.plain, formatted.scale, unitText(metric, formatted.scale, sampleUnit, msg)) : undefined;
        if (mark.unstable)
          cell.unstable = `${msg.t('table.unstable', { where })}${mark.reason ? ` (${mark.reason})` : ''}${ci ? `; ${msg.t('table.ci95', { range: ci.range })}` : ''}`;
        if (spec.showCi && ci) cell.ci = ci.halfWidth;
      }
      return cell;
    });
    const column = {
      key: label === undefined ? metric : `${metric}@${label}`,
      metric,
      header: columnsByMetric.get(metric)!.header,
      numeric: METRICS[metric].kind !== 'text',
      csvHeader: baseHeader(metric, sampleUnit, msg),
    };
    return { column, cells };
  };
  // Called after measuredColumn: cellsFor hands out the published cells after the measured ones.
  const publishedColumn = (metric: MetricName): Built => ({
    column: {
      key: `${metric}:published`,
      metric,
      header: msg.t('table.published', { header: columnsByMetric.get(metric)!.header }),
      numeric: true,
      csvHeader: msg.t('table.published', { header: baseHeader(metric, sampleUnit, msg) }),
    },
    cells: cellsFor(metric).map((c) => (c.value === null ? { ...c, note: msg.t('table.notPublished') } : c)),
  });
  const deltaColumn = (metric: MetricName): Built => {
    const published = publishedOf(metric);
    return {
      column: { key: `${metric}:delta`, header: msg.t('table.delta', { label: metricLabel(metric, msg) }), numeric: true },
      cells: valuesOf(metric, 0).map((m, i) => percentDifference(typeof m === 'number' ? m : null, published[i] ?? null, msg, spec.format)),
    };
  };
  /** A metric's columns in display order: published, measured, difference — or just measured. */
  const metricColumns = (metric: MetricName, group: number | null): Built[] => {
    const measured = measuredColumn(metric, group);
    return publishedMetrics.includes(metric) ? [publishedColumn(metric), measured, deltaColumn(metric)] : [measured];
  };
  const extraColumns: Built[] = (spec.extraColumns ?? []).map((extra, k) => ({
    column: { key: `extra:${k}`, header: extra.header, numeric: extra.numeric ?? extra.cells.every((v) => v === null || /^[-+]?\d+(\.\d+)?$/.test(v)) },
    cells: extra.cells.map((v) => (v === null ? { value: null, text: '—', plain: '', note: msg.t('table.notPublished') } : { value: v, text: v, plain: v })),
  }));

  const built: { label?: string | undefined; columns: Built[] }[] = [];
  if (shared.length) built.push({ columns: shared.flatMap((m) => metricColumns(m, null)) });
  spec.groups.forEach((label, g) => built.push({ label, columns: perGroup.flatMap((m) => metricColumns(m, g)) }));
  built[built.length - 1]!.columns.push(...extraColumns);
  const groups: ColumnGroup[] = built.map((b) => ({ ...(b.label === undefined ? {} : { label: b.label }), columns: b.columns.map((c) => c.column) }));
  const columnCells = built.flatMap((b) => b.columns.map((c) => c.cells));

  const rows: TableRow[] = spec.rows.map((r, i) => ({ label: r.label, cells: columnCells.map((col) => col[i]!) }));
  return {
    id: spec.id,
    number: spec.number,
    caption: spec.caption,
    stubHeader: spec.stubHeader ?? msg.t('table.model'),
    groups,
    rows,
    // Notes are prose: typographic quotes, as in the text (`input ‘x’`).
    footnotes: (spec.footnotes ?? []).map((f) => smartQuotes(f)),
  };
}

/** A metric's header in its base unit, unscaled (`Params`, `FLOPs`, `Params size (B)`, `Latency (ms)`): the CSV's. */
function baseHeader(metric: MetricName, sampleUnit: 'img' | 'samples', messages: Messages = ENGLISH): string {
  return metricHeader(metric, METRICS[metric].kind === 'time' ? 'ms' : '', sampleUnit, messages);
}

/** A CI in a cell's scale and decimals: `547–1067 ms` and the ± half-width `260`. */
function uncertainty(ci: [number, number], plain: string, scale: Parameters<typeof scaleFactor>[0], unit: string): { range: string; halfWidth: string } {
  const decimals = /\.(\d+)$/.exec(plain)?.[1]?.length ?? 0;
  const f = scaleFactor(scale);
  const lo = Math.min(ci[0], ci[1]) / f;
  const hi = Math.max(ci[0], ci[1]) / f;
  return { range: `${fixed(lo, decimals)}–${fixed(hi, decimals)}${unit ? ` ${unit}` : ''}`, halfWidth: fixed((hi - lo) / 2, decimals) };
}

/** The unstable cells of a table in reading order, each with its mark (`†`, or `†1`, `†2` … when several) and note id. */
function unstableMarks(table: TableData): { row: number; column: number; mark: string; id: string; note: string }[] {
  const found: { row: number; column: number; note: string }[] = [];
  table.rows.forEach((r, row) => r.cells.forEach((c, column) => c.unstable && found.push({ row, column, note: c.unstable })));
  const base = table.id ?? `tbl-${table.number ?? 'x'}`;
  return found.map((f, k) => ({ ...f, mark: found.length === 1 ? '†' : `†${k + 1}`, id: `${base}-unstable-${k + 1}` }));
}

/**
 * (measured − published) ÷ published, in percent with one decimal and an explicit sign, grouped as
 * other numbers are (`+490,904.5`). The plain string keeps the `+` (`+0.2`), which LaTeX prints too
 * (siunitx `retain-explicit-plus`); a difference that rounds to zero is `0.0`, unsigned.
 */
export function percentDifference(
  measured: number | null,
  published: number | null,
  messages: Messages = ENGLISH,
  fmt: NumberFormat = DEFAULT_FORMAT,
): TableCell {
  if (measured === null || published === null || published === 0) {
    return { value: null, text: '—', plain: '', note: messages.t(measured === null ? 'table.notMeasured' : 'table.noPublishedValue') };
  }
  const pct = ((measured - published) / published) * 100;
  const rounded = fixed(pct, 1);
  const zero = rounded === '-0.0' || rounded === '0.0';
  const plain = zero ? '0.0' : pct > 0 ? `+${rounded}` : rounded;
  const magnitude = groupDigits(zero ? '0.0' : rounded.replace('-', ''), fmt.thousands, fmt.groupMinDigits);
  return { value: pct, text: zero ? magnitude : `${pct > 0 ? '+' : '−'}${magnitude}`, plain };
}

function flatColumns(table: TableData): TableColumn[] {
  return table.groups.flatMap((g) => g.columns);
}

function hasGroupRow(table: TableData): boolean {
  return table.groups.some((g) => g.label !== undefined);
}

function checkShape(table: TableData): void {
  const n = flatColumns(table).length;
  for (const row of table.rows) {
    if (row.cells.length !== n) throw new Error(`table row "${row.label}" has ${row.cells.length} cells for ${n} columns`);
  }
}

/** `Table 3.` (`表 3`) — the prefix of a numbered caption. */
export function tableNumberLabel(table: TableData, messages: Messages = ENGLISH): string {
  return table.number === undefined ? '' : messages.t('caption.table', { n: table.number });
}

// ---- HTML

/**
 * The table as a hast `<figure class="mp-table">`: caption (with its number) inside `<table>`, a
 * two-row `<thead>` when there are column groups, numeric cells right-aligned (`mp-num`), and the
 * footnotes after the table.
 */
export function tableToHast(table: TableData, messages: Messages = ENGLISH): Element {
  checkShape(table);
  const columns = flatColumns(table);
  const grouped = hasGroupRow(table);
  const numClass = (c: TableColumn) => (c.numeric ? 'mp-num' : undefined);

  const headRows: Element[] = [];
  if (grouped) {
    const top: ElementContent[] = [h('th', { scope: 'col', rowSpan: 2 }, table.stubHeader)];
    for (const g of table.groups) {
      if (g.label === undefined) {
        for (const c of g.columns) top.push(h('th', { scope: 'col', rowSpan: 2, className: numClass(c) }, c.header));
      } else {
        top.push(h('th', { scope: 'colgroup', colSpan: g.columns.length, className: 'mp-group' }, g.label));
      }
    }
    const second = table.groups
      .filter((g) => g.label !== undefined)
      .flatMap((g) => g.columns.map((c) => h('th', { scope: 'col', className: numClass(c) }, c.header)));
    headRows.push(h('tr', top), h('tr', second));
  } else {
    headRows.push(h('tr', [h('th', { scope: 'col' }, table.stubHeader), ...columns.map((c) => h('th', { scope: 'col', className: numClass(c) }, c.header))]));
  }

  const marks = unstableMarks(table);
  const markAt = (row: number, column: number) => marks.find((m) => m.row === row && m.column === column);
  const body = table.rows.map((row, r) =>
    h('tr', [
      h('th', { scope: 'row' }, row.label),
      ...row.cells.map((cell, i) => {
        const mark = markAt(r, i);
        const content: ElementContent[] = [{ type: 'text', value: cell.ci ? `${cell.text} ± ${cell.ci}` : cell.text }];
        if (mark) content.push(h('sup', [h('a', { href: `#${mark.id}`, className: 'mp-unstable-mark', title: cell.unstable }, mark.mark)]));
        const className = [numClass(columns[i]!), mark ? 'mp-unstable' : undefined].filter((c): c is string => c !== undefined);
        return h('td', { className: className.length ? className : undefined, title: cell.note ?? cell.unstable }, content);
      }),
    ]),
  );

  const captionParts: ElementContent[] = [];
  const numberLabel = tableNumberLabel(table, messages);
  if (numberLabel) captionParts.push(h('span', { className: 'mp-caption-number' }, numberLabel), { type: 'text', value: ' ' });
  if (table.caption) captionParts.push({ type: 'text', value: table.caption });

  const tableEl = h('table', [...(captionParts.length ? [h('caption', captionParts)] : []), h('thead', headRows), h('tbody', body)]);
  const unstableNotes = marks.length
    ? [h('p', messages.t('table.unstableLegend')), ...marks.map((m) => h('p', { id: m.id, className: 'mp-unstable-note' }, `${m.mark} ${m.note}`))]
    : [];
  const notes =
    table.footnotes.length || unstableNotes.length
      ? [h('div', { className: 'mp-table-notes' }, [...table.footnotes.map((f) => h('p', f)), ...unstableNotes])]
      : [];
  return h('figure', { className: 'mp-table', id: table.id }, [tableEl, ...notes]);
}

// ---- LaTeX

/** siunitx `table-format` for a column's plain strings, e.g. `3.2` for `138.36`, `-1.2` with a sign (`+0.2` or `-3.5`). */
export function siunitxFormat(plains: readonly string[]): string {
  let intDigits = 1;
  let decimals = 0;
  let signed = false;
  for (const p of plains) {
    const m = /^([-+]?)(\d+)(?:\.(\d+))?$/.exec(p);
    if (!m) continue;
    if (m[1]) signed = true;
    intDigits = Math.max(intDigits, m[2]!.length);
    decimals = Math.max(decimals, m[3]?.length ?? 0);
  }
  return `${signed ? '-' : ''}${intDigits}.${decimals}`;
}

function latexCell(cell: TableCell, column: TableColumn, mark?: string): string {
  if (!column.numeric) return escapeLatexText(cell.text);
  // siunitx parses S cells as numbers; anything else must be braced to pass through as text.
  if (cell.plain === '') return '{---}';
  const numeric = /^[-+]?\d+(\.\d+)?$/.test(cell.plain);
  if (!mark && !cell.ci) return numeric ? cell.plain : `{${escapeLatexText(cell.text)}}`;
  const value = numeric ? cell.plain : escapeLatexText(cell.text);
  const ci = cell.ci ? `\\,$\\pm$\\,${cell.ci}` : '';
  return `{${value}${ci}${mark ? latexMark(mark) : ''}}`;
}

/** `†` → `\textsuperscript{\dag}`, `†2` → `\textsuperscript{\dag2}`. */
function latexMark(mark: string): string {
  return `\\textsuperscript{\\dag${mark.slice(1)}}`;
}

/**
 * The table as a LaTeX float: booktabs rules, siunitx S columns with `table-format` from the data,
 * braced headers (`{Params (M)}`), `\cmidrule` under each group label, `\caption` and
 * `\label{tbl:…}`, footnotes in small type under the tabular. Needs `booktabs` and `siunitx`.
 */
export function tableToLatex(table: TableData, messages: Messages = ENGLISH): string {
  checkShape(table);
  const columns = flatColumns(table);
  // A column with an explicit `+` (a Δ) keeps it: siunitx drops it unless told `retain-explicit-plus`.
  const spec = columns.map((c, i) => {
    if (!c.numeric) return 'l';
    const plains = table.rows.map((r) => r.cells[i]!.plain);
    return `S[table-format=${siunitxFormat(plains)}${plains.some((p) => p.startsWith('+')) ? ', retain-explicit-plus' : ''}]`;
  });
  const header = (c: TableColumn) => (c.numeric ? `{${escapeLatexText(c.header)}}` : escapeLatexText(c.header));
  const lines: string[] = [];
  lines.push('\\begin{table}[htbp]', '\\centering');
  if (table.caption) lines.push(latexCaption(table.caption, escapeLatexText(table.caption)));
  if (table.id) lines.push(`\\label{${latexLabel(table.id)}}`);
  lines.push(`\\begin{tabular}{l ${spec.join(' ')}}`, '\\toprule');

  if (hasGroupRow(table)) {
    const top: string[] = [escapeLatexText(table.stubHeader)];
    const rules: string[] = [];
    let col = 2; // column 1 is the stub
    for (const g of table.groups) {
      if (g.label === undefined) {
        for (const c of g.columns) top.push(header(c));
      } else {
        top.push(`\\multicolumn{${g.columns.length}}{c}{${escapeLatexText(g.label)}}`);
        rules.push(`\\cmidrule(lr){${col}-${col + g.columns.length - 1}}`);
      }
      col += g.columns.length;
    }
    lines.push(`${top.join(' & ')} \\\\`);
    lines.push(rules.join(' '));
    const second = table.groups.flatMap((g) => g.columns.map((c) => (g.label === undefined ? '' : header(c))));
    lines.push(`${['', ...second].join(' & ')} \\\\`);
  } else {
    lines.push(`${[escapeLatexText(table.stubHeader), ...columns.map(header)].join(' & ')} \\\\`);
  }
  lines.push('\\midrule');
  const marks = unstableMarks(table);
  table.rows.forEach((row, r) => {
    const cells = row.cells.map((c, i) => latexCell(c, columns[i]!, marks.find((m) => m.row === r && m.column === i)?.mark));
    lines.push(`${[escapeLatexText(row.label), ...cells].join(' & ')} \\\\`);
  });
  lines.push('\\bottomrule', '\\end{tabular}');
  const notes = [
    ...table.footnotes.map(escapeLatexText),
    ...(marks.length
      ? [escapeLatexText(messages.t('table.unstableLegend')).replace(/^†/, '\\dag'), ...marks.map((m) => `${latexMark(m.mark)}~${escapeLatexText(m.note)}`)]
      : []),
  ];
  if (notes.length) {
    lines.push('\\par\\smallskip', `{\\footnotesize ${notes.join('\\par\n')}\\par}`);
  }
  lines.push('\\end{table}');
  return `${lines.join('\n')}\n`;
}

// ---- CSV

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The table as CSV (RFC 4180 quoting, `\n` line ends): one header row — a grouped column's header
 * is `<header> [<group>]`, e.g. `FLOPs [224×224]` — then one row per model. Metric columns hold the
 * exact values in base units, unscaled and unrounded (`11689512` parameters, latency in ms), under a
 * header without a scale (`Params`, `Latency (ms)`); other columns (Δ %, published text) their plain
 * strings. No digit grouping, so spreadsheets read them as numbers; empty when missing.
 */
export function tableToCsv(table: TableData): string {
  checkShape(table);
  const columns = flatColumns(table);
  const header = (c: TableColumn) => c.csvHeader ?? c.header;
  const headers = [table.stubHeader, ...table.groups.flatMap((g) => g.columns.map((c) => (g.label === undefined ? header(c) : `${header(c)} [${g.label}]`)))];
  const field = (c: TableCell, column: TableColumn) => (column.csvHeader !== undefined && typeof c.value === 'number' ? exactNumber(c.value) : c.plain);
  const lines = [headers, ...table.rows.map((r) => [r.label, ...r.cells.map((c, i) => field(c, columns[i]!))])];
  return lines.map((l) => l.map(csvField).join(',')).join('\n') + '\n';
}
