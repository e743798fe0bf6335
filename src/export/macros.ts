/**
 * `<doc>.macros.tex`: one `\newcommand` per inline metric of the document, so the running text of a
 * thesis can quote the same numbers the document shows (`\ResNetEighteenParams` → `11.69`). The
 * name comes from the model's label and the metric (render's macroName); when one model quotes the
 * same metric at several inputs or conventions, what differs (the input, else the convention) is added.
 * The macro gives the number with its unit as the prose shows it (`11.69~M parameters`, `0.23~GFLOPs`);
 * `\<name>Value` the number alone (`11.69`), for siunitx or a table. Each pair is preceded by a
 * comment saying where the number comes from.
 */
import { escapeLatexText, macroDefinitions, macroName, metricSpec } from '../render/index.js';
import { latexComment } from '../render/latex-escape.js';
import { numberWords } from '../render/latex.js';
import type { CollectedMetric, DocumentData } from '../docmodel/types.js';

export interface MetricMacro {
  name: string;
  /** The number with its unit as the document's prose shows it (LaTeX text). */
  value: string;
  /** The number alone, without its unit (LaTeX text): the `\<name>Value` macro. */
  number: string;
  /** The number with its unit, as shown in the HTML. */
  withUnit: string;
  metric: CollectedMetric;
}

/** `input=1x3x200x200` → `TwoHundredByTwoHundred` (the spatial size of an image input, else every dim). */
function inputWords(input: string): string {
  const dims = (input.split(',')[0] ?? '')
    .replace(/^[^=]*=/, '')
    .split('x')
    .filter((d) => /^\d+$/.test(d));
  const shown = dims.length === 4 ? dims.slice(2) : dims;
  return shown.map((d) => numberWords(Number(d))).join('By');
}

/** The macros of a document's inline metrics, in order of appearance, each name unique. */
export function metricMacros(data: DocumentData): MetricMacro[] {
  const labels = new Map(data.models.map((m) => [m.id, m.label]));
  const byKey = new Map<string, MetricMacro>();
  const names = new Map<string, string>();
  const out: MetricMacro[] = [];
  for (const metric of data.metrics) {
    const key = [metric.model, metric.name, metric.provenance.input, metric.provenance.convention].join('\u0000');
    if (byKey.has(key)) continue; // the same number quoted twice: one macro
    const label = labels.get(metric.model) ?? metric.model;
    const base = macroName(label, metric.name) || macroName('Model', metric.model, metric.name) || 'Metric';
    // Told apart by what differs from the macro already named `base`: the input, else the convention.
    const taken = names.get(base);
    const sameInput = taken !== undefined && byKey.get(taken)!.metric.provenance.input === metric.provenance.input;
    const input = inputWords(metric.provenance.input);
    const convention = macroName(metric.provenance.convention);
    const candidates = [base, sameInput ? base + convention : base + input, base + input + convention];
    let name = candidates.find((c) => c !== '' && !names.has(c));
    for (let n = 2; name === undefined; n++) {
      const numbered = candidates[2] + numberWords(n);
      if (!names.has(numbered)) name = numbered;
    }
    names.set(name, key);
    // An unstable measurement is never printed bare: a dagger, explained by the comment above the macro.
    const dagger = metric.unstable ? '\\textsuperscript{\\dag}' : '';
    const macro: MetricMacro = {
      name,
      value: escapeLatexText(metric.withUnit) + dagger,
      number: escapeLatexText(metric.text) + dagger,
      withUnit: metric.withUnit,
      metric,
    };
    byKey.set(key, macro);
    out.push(macro);
  }
  return out;
}

function comment(m: MetricMacro): string {
  const p = m.metric.provenance;
  const what = `${metricSpec(m.metric.name).label} of ${m.metric.model}: ${m.withUnit}`;
  const where = [p.source, p.input && `input ${p.input}`, `${p.convention} convention`, p.benchmark && `${p.benchmark.cpuModel}, batch ${p.benchmark.batch}`]
    .filter(Boolean)
    .join(', ');
  const unstable = m.metric.unstable ? `; † ${m.metric.unstable}` : '';
  // A comment line must not contain a newline; % inside it is harmless.
  return `% ${latexComment(`${what} (${where})${unstable}`)}`;
}

/** The text of `<doc>.macros.tex`. */
export function macrosFile(data: DocumentData): string {
  const macros = metricMacros(data);
  const header = [
    `% Numbers of ${latexComment(data.title ?? 'this document')} for running text, written by modelpress ${latexComment(data.tool)}.`,
    '% \\input{} this file in the preamble; each macro gives the number with its unit as the document shows it,',
    '% \\<name>Value the number alone.',
  ];
  if (macros.length === 0) return `${header.join('\n')}\n% This document quotes no inline metric (:metric{…}).\n`;
  const lines: string[] = [];
  for (const m of macros) {
    lines.push(
      comment(m),
      macroDefinitions([
        { name: m.name, value: m.value },
        { name: `${m.name}Value`, value: m.number },
      ]).trimEnd(),
    );
  }
  return `${header.join('\n')}\n${lines.join('\n')}\n`;
}
