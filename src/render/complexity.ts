/**
 * Measured complexity as a table (one row per family: claimed order, fitted exponents with R²,
 * sequential operations from depth, derived maximum path length) and as a log–log chart (one line
 * per family: the claimed metric against the first swept axis). Shared by the `::complexity`
 * directive and `modelpress complexity`.
 */
import type { ComplexityMetric, FamilySweep } from '../analysis/complexity.js';
import { ENGLISH, type MessageKey, type Messages } from '../i18n/index.js';
import { en } from '../i18n/en.js';
import type { ModelFamily } from '../types/family.js';
import { fixed } from './format.js';
import type { ItemNumber, NumberFormat, ScatterChartSpec, TableCell, TableColumn, TableData } from './types.js';

const textCell = (t: string, note?: string): TableCell => ({ value: t, text: t, plain: t, note });
const numCell = (v: number | undefined, decimals: number, note?: string): TableCell =>
  v === undefined || !Number.isFinite(v)
    ? { value: null, text: '—', plain: '', note }
    : { value: v, text: fixed(v, decimals), plain: fixed(v, decimals), note };

/** A family's words in the document's language (its own text where the catalogue has none: formulas, names). */
function familyText(family: ModelFamily, field: 'label' | 'description' | 'claim' | 'sequential' | 'derivation', msg: Messages = ENGLISH): string {
  const key = `family.${family.name}.${field}`;
  if (key in en) return msg.t(key as MessageKey);
  return field === 'label' || field === 'description' ? family[field] : field === 'derivation' ? (family.pathLength?.derivation ?? '') : family[field].text;
}

/** `n ∈ {128, 256, 512}; d = 256` for a footnote. */
export function describeSweep(s: FamilySweep): string {
  const swept = s.varied.map((v) => `${v} ∈ {${[...new Set(s.points.map((p) => p.vars[v]!))].join(', ')}}`);
  const fixedVars = Object.keys(s.family.variables)
    .filter((v) => !s.varied.includes(v))
    .map((v) => `${v} = ${s.points[0]!.vars[v]}`);
  return [...swept, ...fixedVars].join(', ');
}

/** The metrics whose exponents are shown (depth has its own columns). */
function exponentMetrics(metrics: readonly ComplexityMetric[]): ComplexityMetric[] {
  return metrics.filter((m) => m !== 'depth' && m !== 'params');
}

export interface ComplexityTableOptions {
  id?: string | undefined;
  number?: ItemNumber | undefined;
  caption?: string | undefined;
  metrics: readonly ComplexityMetric[];
  /** The document's words (headers, notes); English when absent. */
  messages?: Messages | undefined;
}

export function complexityTable(sweeps: FamilySweep[], o: ComplexityTableOptions): TableData {
  const axes = [...new Set(sweeps.flatMap((s) => s.axes))];
  const shown = exponentMetrics(o.metrics);
  const msg = o.messages ?? ENGLISH;
  const columns: TableColumn[] = [{ key: 'claim', header: msg.t('complexity.claimed'), numeric: false }];
  for (const m of shown)
    for (const a of axes)
      columns.push({ key: `${m}@${a}`, header: msg.t('complexity.exponent', { metric: msg.t(`complexity.word.${m}`), axis: a }), numeric: true });
  columns.push({ key: 'r2', header: msg.t('complexity.r2'), numeric: true });
  const depth = o.metrics.includes('depth');
  if (depth) {
    columns.push({ key: 'seq-claim', header: msg.t('complexity.sequentialClaimed'), numeric: false });
    columns.push({ key: 'depth', header: msg.t('complexity.depthMeasured'), numeric: false });
  }
  const withPath = sweeps.some((s) => s.family.pathLength);
  if (withPath) columns.push({ key: 'path', header: msg.t('complexity.pathDerived'), numeric: false });

  const rows = sweeps.map((s) => {
    const cells: TableCell[] = [textCell(familyText(s.family, 'claim', msg))];
    let r2 = Infinity;
    for (const m of shown) {
      const f = s.fits.find((x) => x.metric === m);
      for (const a of axes) {
        const e = f?.exponents[a];
        const claimed = m === s.family.claimMetric ? s.family.claim.exponents[a] : undefined;
        cells.push(numCell(e, 2, f?.problem ?? (claimed !== undefined ? msg.t('complexity.claimedNote', { value: claimed }) : undefined)));
      }
      if (f?.fit) r2 = Math.min(r2, f.fit.r2);
    }
    cells.push(numCell(Number.isFinite(r2) ? r2 : undefined, 4));
    if (depth) {
      const ds = s.points.map((p) => p.values.depth);
      const lo = Math.min(...ds);
      const hi = Math.max(...ds);
      cells.push(textCell(familyText(s.family, 'sequential', msg)));
      cells.push(textCell(lo === hi ? String(lo) : `${lo} → ${hi}`, msg.t('complexity.depthOver', { sweep: describeSweep(s) })));
    }
    if (withPath) {
      const p = s.family.pathLength;
      const at = s.points[0]!.vars;
      const where = Object.entries(at)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ');
      cells.push(
        p
          ? textCell(
              msg.t('complexity.pathAt', { path: p.text, value: p.value(at).toLocaleString('en-US'), vars: where }),
              familyText(s.family, 'derivation', msg),
            )
          : textCell('—'),
      );
    }
    return { label: familyText(s.family, 'label', msg), cells };
  });
  const footnotes = [
    msg.t('complexity.fitNote', { convention: sweeps[0]?.convention ?? 'exact' }),
    ...sweeps.map((s) =>
      msg.t('complexity.familyNote', {
        label: familyText(s.family, 'label', msg),
        description: familyText(s.family, 'description', msg),
        sweep: describeSweep(s),
        fitted: s.family.axes ? msg.t('complexity.fittedAgainst', { axes: s.axes.join(', ') }) : '',
      }),
    ),
  ];
  if (o.metrics.includes('latency')) footnotes.push(latencyFootnote(sweeps, msg));
  if (depth) footnotes.push(msg.t('complexity.depthNote'));
  if (withPath) {
    const derivations = sweeps
      .filter((s) => s.family.pathLength)
      .map((s) =>
        msg.t('complexity.derivation', { label: familyText(s.family, 'label', msg).toLowerCase(), derivation: familyText(s.family, 'derivation', msg) }),
      );
    footnotes.push(msg.t('complexity.pathNote', { derivations: derivations.join(msg.t('list.semicolon')) }));
  }
  return { id: o.id, number: o.number, caption: o.caption, stubHeader: msg.t('table.layerType'), groups: [{ columns }], rows, footnotes };
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

/** What each latency point measured, with its uncertainty: the exponent is fitted to these medians. */
function latencyFootnote(sweeps: FamilySweep[], msg: Messages): string {
  const perFamily = sweeps.map((s) => {
    const points = s.points.map((p) => {
      const at = s.varied.map((v) => `${v} = ${p.vars[v]}`).join(', ');
      const ci = p.latencyCi95 ? msg.t('complexity.latencyCi', { range: `${ms(p.latencyCi95[0])}–${ms(p.latencyCi95[1])}` }) : '';
      return `${at}: ${ms(p.values.latency)}${ci}${p.latencyUnstable ? '†' : ''}`;
    });
    return msg.t('complexity.latencyFamily', { label: familyText(s.family, 'label', msg), points: points.join(msg.t('list.semicolon')) });
  });
  const unstable = sweeps.some((s) => s.points.some((p) => p.latencyUnstable));
  return msg.t('complexity.latencyNote', { unstable: unstable ? msg.t('complexity.unstableMark') : '', points: perFamily.join(msg.t('list.sentence')) });
}

/** Log–log chart of each family's claimed metric against its first swept axis (other swept variables at their first value). */
export function complexityChart(sweeps: FamilySweep[], format: NumberFormat, title?: string, messages: Messages = ENGLISH): ScatterChartSpec {
  const axis = sweeps[0]!.axes[0]!;
  const metric = sweeps[0]!.family.claimMetric;
  const points = sweeps.flatMap((s) => {
    const other = s.varied.slice(1);
    const first = s.points[0]!.vars;
    return s.points
      .filter((p) => other.every((v) => p.vars[v] === first[v]))
      .map((p) => ({
        label: messages.t('complexity.pointLabel', { label: familyText(s.family, 'label', messages), axis, value: p.axes[s.axes[0]!]! }),
        series: familyText(s.family, 'label', messages),
        x: p.axes[s.axes[0]!]!,
        y: p.values[s.family.claimMetric],
      }));
  });
  return {
    kind: 'scatter',
    x: 'macs',
    y: 'macs',
    xTitle: axis,
    yPrefix: metric === 'attention_macs' ? messages.t('chart.attention') : undefined,
    messages,
    points,
    logX: true,
    logY: true,
    title,
    format,
  };
}
