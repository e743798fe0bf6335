/**
 * What a rendered node stands for, attached to its Markdown node by the plugin that rendered it
 * (`node.data.modelpressOutput`). The HTML is made from the same data by remark-rehype; the LaTeX
 * writer reads this and never the HTML, so each output writes itself from the collected data.
 */
import type { CitedWork, ItemNumber, CollectedChart, CollectedFormula, CollectedMetric, CollectedTable, ItemKind } from './types.js';

export interface ErrorOutput {
  kind: 'error';
  message: string;
  /** `file.md:12:3`. */
  where?: string | undefined;
  /** `modelpress:unknown-model`. */
  rule?: string | undefined;
  /** A numbered item that failed still takes its number (and label), as in the HTML. */
  counter?: { kind: ItemKind; id?: string | undefined } | undefined;
  inline: boolean;
}

export interface TablesOutput {
  kind: 'tables';
  tables: CollectedTable[];
  /** The breakdown also draws a bar chart (HTML/PDF only). */
  chartNote?: boolean | undefined;
}

export interface FormulaOutput {
  kind: 'formula';
  formula: CollectedFormula;
  /** The display math as shown (without the `with …` row, which `where` holds). */
  display?: string | undefined;
  /** The template's `with C_in = 3, …` assignments (math), set as wrapping prose under the formula. */
  where?: string[] | undefined;
}

export interface ChartOutput {
  kind: 'chart';
  chart: CollectedChart;
  caption?: string | undefined;
}

export interface MetricOutput {
  kind: 'metric';
  metric: CollectedMetric | undefined;
  /** The number as shown. */
  text: string;
}

/** A reference to a labelled item: `@tbl-cnn` → "Table 2". */
export interface CrossRefOutput {
  kind: 'xref';
  id: string;
  target: ItemKind;
  /** As the HTML shows it. */
  text: string;
  /** The document that holds the target (a book refers across chapters); undefined: this one. */
  document?: string | undefined;
  /** The item shows a number (unnumbered sections are referred to by title). */
  numbered: boolean;
  /** `[-@id]`: the number alone (LaTeX `\ref`/`\eqref` without the word). */
  bare?: boolean | undefined;
  /** A book's chapter (its top-level heading): "Chapter 2". */
  chapter?: boolean | undefined;
}

/** A citation: `[@a; @b, p. 3]`, `@a` (narrative), `[-@a]`. */
export interface CitationOutput {
  kind: 'citation';
  items: { key: string; locator?: string | undefined; prefix?: string | undefined; suffix?: string | undefined }[];
  mode: 'normal' | 'narrative' | 'suppress-author';
  /** The formatted citation as HTML shows it. */
  html: string;
}

/** `![caption](path){#fig-x width=60%}` alone in a paragraph. */
export interface ImageFigureOutput {
  kind: 'image-figure';
  id?: string | undefined;
  number?: ItemNumber | undefined;
  /** Output-relative path (Asset.target), or the URL as written for a web image. */
  target: string;
  /** `0.6\linewidth` from `width=60%`, `8cm` as written; undefined: natural size up to the line width. */
  width?: string | undefined;
  /** The path was found and copied; a LaTeX file can include it when pdflatex reads its format. */
  found: boolean;
}

/** A Markdown table with a `: caption {#tbl-x}` line. */
export interface TableCaptionOutput {
  kind: 'table-caption';
  id?: string | undefined;
  number?: ItemNumber | undefined;
}

export interface BibliographyOutput {
  kind: 'bibliography';
  works: CitedWork[];
  /** A book's References (every chapter's works): LaTeX prints the book's bibliography here. */
  book?: boolean | undefined;
}

/** The table of contents (HTML and PDF; the standalone LaTeX has \tableofcontents). */
export interface TocOutput {
  kind: 'toc';
}

/** A heading's section number, shown in the HTML (LaTeX numbers its own). */
export interface SectionNumberOutput {
  kind: 'section-number';
}

/** Term–value lists (`::environment`): an optional sentence, then one list per setting. */
export interface DefinitionsOutput {
  kind: 'definitions';
  intro?: string | undefined;
  lists: [term: string, value: string][][];
}

export type ElementOutput =
  | DefinitionsOutput
  | TocOutput
  | SectionNumberOutput
  | ErrorOutput
  | TablesOutput
  | FormulaOutput
  | ChartOutput
  | MetricOutput
  | CrossRefOutput
  | CitationOutput
  | ImageFigureOutput
  | TableCaptionOutput
  | BibliographyOutput;

interface WithData {
  data?: unknown;
}

/** Attach what a node stands for (kept beside any other data). */
export function setOutput(node: WithData, output: ElementOutput): void {
  node.data = { ...((node.data as object | undefined) ?? {}), modelpressOutput: output };
}

export function outputOf(node: WithData): ElementOutput | undefined {
  return (node.data as { modelpressOutput?: ElementOutput } | undefined)?.modelpressOutput;
}

/** What the numbering pass counts on a Markdown element (heading, image figure, captioned table, equation). */
export interface ElementLabel {
  kind: ItemKind;
  id?: string | undefined;
  /** A heading written `{.unnumbered}` or `{-}`; an image without caption. */
  unnumbered?: boolean | undefined;
}

export function labelOf(node: WithData): ElementLabel | undefined {
  return (node.data as { modelpressLabel?: ElementLabel } | undefined)?.modelpressLabel;
}

/** The number the numbering pass gave a directive or element, if any. */
export function numberOf(node: WithData): ItemNumber | undefined {
  return (node.data as { modelpressNumber?: ItemNumber } | undefined)?.modelpressNumber;
}
