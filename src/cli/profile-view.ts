/**
 * The views of `modelpress profile`: a module tree like torchinfo's (layer kind and hyper-parameters,
 * input/output shapes, params, MACs, FLOPs and activation bytes per module, each with its share),
 * the parameter list (`--params`), totals with trainable parameters and buffers, and the uncounted
 * ops. One view model, written as an aligned table, CSV (plain integers, no units) or Markdown.
 * Bytes use one unit system: decimal SI (KB = 10³ B, MB = 10⁶ B, as documents print) or binary (KiB, MiB) on request.
 */
import { formatShape } from '../analysis/shapes.js';
import type { ModuleTotals, Profile } from '../analysis/types.js';
import type { Dim } from '../onnx/model.js';

/**
 * A count with thousands separators, as toLocaleString('en-US') writes it, without loading ICU's
 * number formatter (its first use costs ~10 ms, a tenth of profiling a small model).
 */
const grouped = (n: number): string => (Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US'));

export type ViewFormat = 'table' | 'csv' | 'markdown';
export type Units = 'si' | 'binary';

export interface ViewOptions {
  depth: number;
  top: number;
  units: Units;
  /** List every parameter and buffer tensor with its shape. */
  params: boolean;
}

/** 11689512 → `11.69 M`; below a thousand the integer itself. */
export function formatCount(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${suffix}`;
  return String(n);
}

/** Bytes in decimal SI (`6.42 MB`, as documents print) or binary (`6.12 MiB`). */
export function formatBytes(n: number, units: Units = 'si'): string {
  const steps: [number, string][] =
    units === 'binary'
      ? [
          [2 ** 40, 'TiB'],
          [2 ** 30, 'GiB'],
          [2 ** 20, 'MiB'],
          [2 ** 10, 'KiB'],
        ]
      : [
          [1e12, 'TB'],
          [1e9, 'GB'],
          [1e6, 'MB'],
          [1e3, 'KB'],
        ];
  for (const [scale, suffix] of steps) if (n >= scale) return `${(n / scale).toFixed(2)} ${suffix}`;
  return `${n} B`;
}

export const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

const shapesText = (xs: { shape: Dim[] | null }[] | undefined): string => (xs ?? []).map((x) => formatShape(x.shape ?? undefined)).join(', ');

/** One row of the module view: display cells and the raw numbers (CSV). */
interface ModuleRow {
  indent: number;
  name: string;
  path: string;
  kind: string;
  input: string;
  output: string;
  params: number;
  macs: number;
  flops: number;
  activationBytes: number;
}

export function moduleRows(p: Profile, depth: number): ModuleRow[] {
  const rows: ModuleRow[] = [];
  const walk = (m: ModuleTotals, indent: number): void => {
    rows.push({
      indent,
      name: m.depth === 0 ? '(model)' : m.name,
      path: m.path,
      kind: m.kind ?? '',
      input: m.depth === 0 ? shapesText(p.inputs) : shapesText(m.inputs),
      output: m.depth === 0 ? shapesText(p.outputs) : shapesText(m.outputs),
      params: m.params,
      macs: m.macs,
      flops: m.flops,
      activationBytes: m.activationBytes ?? 0,
    });
    if (m.depth < depth) for (const c of m.children) walk(c, indent + 1);
  };
  walk(p.modules, 0);
  return rows;
}

const MODULE_HEADER = ['module', 'layer', 'input', 'output', 'params', '%', 'MACs', '%', 'FLOPs', '%', 'activations', '%'];
const MODULE_RIGHT = [false, false, false, false, true, true, true, true, true, true, true, true];

function moduleCells(r: ModuleRow, p: Profile, units: Units, indentText: string): string[] {
  const t = p.totals;
  return [
    `${indentText.repeat(r.indent)}${r.name}`,
    r.kind,
    r.input,
    r.output,
    formatCount(r.params),
    percent(r.params, t.params),
    formatCount(r.macs),
    percent(r.macs, t.macs),
    formatCount(r.flops),
    percent(r.flops, t.flops),
    formatBytes(r.activationBytes, units),
    percent(r.activationBytes, t.activationsTotalBytes),
  ];
}

function tensorRows(p: Profile): string[][] {
  return p.tensors.map((x) => [x.name, formatShape(x.dims), x.dtype, grouped(x.count), x.kind, x.owner]);
}
const TENSOR_HEADER = ['tensor', 'shape', 'dtype', 'count', 'kind', 'owner'];

function totalsLines(p: Profile, units: Units): [string, string][] {
  const t = p.totals;
  const dtypes = Object.entries(t.paramsBytesByDtype)
    .map(([d, b]) => `${formatBytes(b, units)} ${d}`)
    .join(', ');
  const out: [string, string][] = [
    ['params', `${grouped(t.params)} trainable (${formatBytes(t.paramsBytes, units)}${dtypes ? `: ${dtypes}` : ''})`],
    ['buffers', `${grouped(t.buffers ?? 0)} (BN running statistics and other non-trained state)`],
  ];
  if (p.dedupe) out.push(['params, copies counted once', `${grouped(p.dedupe.params)} (${p.dedupe.duplicates.length} copies)`]);
  out.push(
    ['MACs', grouped(t.macs)],
    ['FLOPs', grouped(t.flops)],
    ['activations', `peak ${formatBytes(t.activationsPeakBytes, units)}, total ${formatBytes(t.activationsTotalBytes, units)}`],
    ['depth', `${t.depth} sequential ops`],
  );
  return out;
}

/** The uncounted list, each line saying how to count the op. */
function uncountedLines(p: Profile, units: Units): string[] {
  return p.uncounted.map(
    (u) =>
      `${u.domain ? `${u.domain}.` : ''}${u.opType} ×${u.nodes} (outputs ${formatBytes(u.outputBytes, units)}): ${u.reason}${u.remedy ? ` — ${u.remedy}` : ''}`,
  );
}

function alignedTable(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

const mdCell = (s: string): string => s.replaceAll('|', '\\|');
function markdownTable(rows: string[][], rightAlign: boolean[]): string[] {
  const [head, ...body] = rows;
  return [
    `| ${head!.map(mdCell).join(' | ')} |`,
    `|${rightAlign.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...body.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ];
}

const csvCell = (s: string | number): string => {
  const text = String(s);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** CSV: one module table with plain integers (no units, no percentages), then (--params) the tensors. */
function renderCsv(p: Profile, o: ViewOptions): string {
  const lines = [['module', 'depth', 'layer', 'input', 'output', 'params', 'macs', 'flops', 'activation_bytes'].join(',')];
  for (const r of moduleRows(p, o.depth)) {
    lines.push([r.path === '' ? '(model)' : r.path, r.indent, r.kind, r.input, r.output, r.params, r.macs, r.flops, r.activationBytes].map(csvCell).join(','));
  }
  if (o.params) {
    lines.push('');
    lines.push(['tensor', 'shape', 'dtype', 'count', 'kind', 'owner'].join(','));
    for (const x of p.tensors) lines.push([x.name, x.dims.join('x'), x.dtype, x.count, x.kind, x.owner].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function renderText(p: Profile, o: ViewOptions, markdown: boolean): string {
  const lines: string[] = [];
  const table = markdown ? markdownTable : alignedTable;
  const header = `${p.model.path ?? 'model'}  (opset ${p.model.opset}, convention ${p.convention})`;
  lines.push(markdown ? `**${mdCell(header)}**` : header);
  lines.push(`inputs: ${p.inputs.map((i) => `${i.name} ${formatShape(i.shape)} ${i.dtype}`).join(', ') || '(none)'}`);
  lines.push('');
  const rows = moduleRows(p, o.depth).map((r) => moduleCells(r, p, o.units, markdown ? '· ' : '  '));
  lines.push(...table([MODULE_HEADER, ...rows], MODULE_RIGHT));
  lines.push('');
  const totals = totalsLines(p, o.units);
  if (markdown) lines.push(...markdownTable([['total', ''], ...totals.map(([k, v]) => [k, v])], [false, false]));
  else for (const [k, v] of totals) lines.push(`${k.padEnd(13)} ${v}`);
  if (o.params) {
    lines.push('');
    lines.push(...table([TENSOR_HEADER, ...tensorRows(p)], [false, false, false, true, false, false]));
  }
  const uncounted = uncountedLines(p, o.units);
  if (uncounted.length > 0) {
    lines.push('');
    lines.push('not counted:');
    for (const u of uncounted) lines.push(`${markdown ? '- ' : '  '}${u}`);
  }
  if (o.top > 0) {
    const t = p.totals;
    lines.push('');
    const opRows = [['op type', 'nodes', 'MACs', '%', 'FLOPs', '%']];
    for (const x of p.byOpType.slice(0, o.top)) {
      opRows.push([x.opType, String(x.nodes), formatCount(x.macs), percent(x.macs, t.macs), formatCount(x.flops), percent(x.flops, t.flops)]);
    }
    lines.push(...table(opRows, [false, true, true, true, true, true]));
    lines.push('');
    const heaviest = [...p.nodes].sort((a, b) => b.flops - a.flops).slice(0, o.top);
    const nodeRows = [['node', 'op', 'output', 'MACs', 'FLOPs', '%']];
    for (const n of heaviest) {
      nodeRows.push([
        n.name || '(unnamed)',
        n.opType,
        formatShape(n.outputShapes[0] ?? undefined),
        formatCount(n.macs),
        formatCount(n.flops),
        percent(n.flops, t.flops),
      ]);
    }
    lines.push(...table(nodeRows, [false, false, false, true, true, true]));
  }
  for (const note of p.notes) lines.push(`${markdown ? '- ' : ''}note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** The profile in one of the text formats (JSON is the Profile itself). */
export function renderProfileView(p: Profile, format: ViewFormat, o: ViewOptions): string {
  if (format === 'csv') return renderCsv(p, o);
  return renderText(p, o, format === 'markdown');
}
