/**
 * The document model: the types every stage after the directives shares. The document pipeline
 * (src/document/) fills a DocumentData and attaches an ElementOutput to each node it renders; the
 * exporters (src/export/) and the renderers (src/render/) read them. This module imports nothing from
 * document/ or export/, so neither depends on the other through it.
 */
import type { Convention, FormulaUse } from '../analysis/types.js';
import type { Environment } from '../runtime/types.js';
import type { FormulaLatex, ItemNumber, MetricName, TableData } from '../render/types.js';
import { type Messages, type MessageOverrides, messagesFor } from '../i18n/index.js';

export type { ItemNumber } from '../render/types.js';

/** What can be numbered and referred to with `@prefix-name`. */
export type ItemKind = 'section' | 'table' | 'figure' | 'equation';

/** The id prefix of each kind: `@sec-intro`, `@tbl-cnn`, `@fig-arch`, `@eq-conv`. */
export const ID_PREFIX: Record<ItemKind, string> = { section: 'sec', table: 'tbl', figure: 'fig', equation: 'eq' };
export const KIND_OF_PREFIX: Record<string, ItemKind> = { sec: 'section', tbl: 'table', fig: 'figure', eq: 'equation' };

/** The words of a document: its language's catalogue with the user's overrides. */
export function documentMessages(data: Pick<DocumentData, 'lang' | 'messages'>): Messages {
  return messagesFor(data.lang ?? 'en', data.messages ?? {});
}

/** A labelled, numbered item of a document. */
export interface Reference {
  id: string;
  kind: ItemKind;
  /** Per kind in document order (sections: in document order too); in a book `2.1`, the chapter first. */
  number: ItemNumber;
  /** As shown: `2`, or `2.1` for a numbered section; absent for an unnumbered section. */
  text?: string | undefined;
  /** A book's chapter (a top-level heading of a chapter): referred to as "Chapter 2". */
  chapter?: boolean | undefined;
  /** A section's title (what an unnumbered section's reference reads). */
  title?: string | undefined;
  /** The document (file stem) that holds it: a book refers across chapters. */
  document?: string | undefined;
}

/** A local file the document refers to, and where the outputs put it. */
export interface Asset {
  /** Absolute path of the file. */
  source: string;
  /** Path relative to the output folder (forward slashes), the same in HTML and LaTeX. */
  target: string;
}

/** A work in the bibliography: its key, CSL-JSON record and formatted entry. */
export interface CitedWork {
  key: string;
  /** The formatted bibliography entry (HTML from the CSL style). */
  html: string;
  /** The same as plain text. */
  text: string;
  /** The CSL-JSON record (the LaTeX export writes the .bib from it). */
  csl?: unknown;
}

/** A CSL-JSON record, as citation-js reads and writes it. */
export type CslItem = { id: string; author?: { family?: string; literal?: string }[]; [k: string]: unknown };

/**
 * What a book's chapters cite, in book order: each chapter's citations are formatted after the ones
 * of the chapters before it, so numeric labels are the same on every page ([1] in chapter 3 is [1] in
 * chapter 1) and the book's one References lists every work once.
 */
export interface BookCitations {
  /** citeproc's clusters of the chapters built so far, in order. */
  clusters: unknown[];
  items: Map<string, CslItem>;
  /** The style of the first chapter that cites (one style for the book). */
  style?: string | undefined;
  /** Stem of the page with the References: the chapter with ::bibliography, else the book's own page. */
  page: string;
}

/** Where a number comes from: enough to reproduce it. */
export interface Provenance {
  model: string;
  /** sha256 of the model file, or of the zoo build recipe. */
  sha256: string | undefined;
  /** `zoo:resnet50` or the model file's path as written. */
  source: string;
  input: string;
  convention: Convention;
  tool: string;
  /** Present for measured numbers. */
  benchmark?:
    | {
        /** The machine's short name in the results store (absent for results stored before machines were named). */
        machine?: string | undefined;
        hardware: string;
        cpuModel: string;
        onnxruntime: string;
        provider: string;
        threads: number;
        batch: number;
        method: string;
      }
    | undefined;
}

export interface CollectedMetric {
  model: string;
  name: MetricName;
  input: string;
  value: number | string | null;
  text: string;
  withUnit: string;
  provenance: Provenance;
  /** Set for an unstable measurement: what is unstable and its 95% CI (shown with a †, never bare). */
  unstable?: string | undefined;
}

export interface CollectedFormula {
  id?: string | undefined;
  number?: ItemNumber | undefined;
  /** For a node formula: the model and node; for a worked example: the op and its given numbers. */
  model?: string | undefined;
  node?: string | undefined;
  op?: string | undefined;
  given?: Record<string, string> | undefined;
  formula: FormulaUse;
  latex: FormulaLatex;
  /** The counted value (FLOPs, or MACs under a MAC-only convention). */
  value: number;
  provenance?: Provenance | undefined;
}

export interface CollectedTable {
  table: TableData;
  models: string[];
  metrics: MetricName[];
  provenance: Provenance[];
}

export interface CollectedChart {
  id?: string | undefined;
  number?: ItemNumber | undefined;
  kind: string;
  svg: string;
  models: string[];
}

export interface CollectedEnvironment {
  /** The machine's short name in the results store (absent for results stored before machines were named). */
  machine?: string | undefined;
  environment: Environment;
  threads: number;
  batch: number;
  provider: string;
  method: string;
  models: string[];
  /** The binding's per-call floor measured beside each model (ms), when measured. */
  floors: { model: string; input: string; latencyMedianMs: number }[];
}

export interface DocumentData {
  schema: 1;
  source: string | undefined;
  title: string | undefined;
  author: string | undefined;
  date: string | undefined;
  /** The document's language (BCP 47, `lang:`); absent means English. */
  lang?: string | undefined;
  /** The user's overrides of catalogue messages (`messages:`), when any. */
  messages?: MessageOverrides | undefined;
  convention: Convention;
  tool: string;
  models: { id: string; label: string; source: string; inputs: string[]; batch: number }[];
  tables: CollectedTable[];
  metrics: CollectedMetric[];
  formulas: CollectedFormula[];
  charts: CollectedChart[];
  environments: CollectedEnvironment[];
  references: Reference[];
  /** Local files the document shows (images): copied beside the HTML, written into the LaTeX. */
  assets: Asset[];
  /** Works cited, in the order the style's bibliography lists them (empty without citations). */
  citations: CitedWork[];
}
