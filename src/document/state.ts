/**
 * The per-file state the directive plugins share, kept on `file.data.modelpress` (per document, not
 * global), and the document's collected data: every table, number and formula with its provenance.
 * Exporters (LaTeX, macros, data.json) read this, never the HTML.
 */
import type { Root } from 'mdast';
import type { VFile } from 'vfile';
import { blockDirectives, type DirectiveNode, markHandled } from './directive.js';
import { guarded } from './error-box.js';
import type { Convention, FormulaUse } from '../analysis/types.js';
import type { Environment } from '../runtime/types.js';
import type { FormulaLatex, MetricName, TableData } from '../render/types.js';
import { ModelRegistry, type RegistryOptions } from './models.js';
import { DEFAULT_SETTINGS, type DocumentSettings } from './settings.js';

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
  benchmark?: {
    hardware: string;
    cpuModel: string;
    onnxruntime: string;
    provider: string;
    threads: number;
    batch: number;
    method: string;
  } | undefined;
}

export interface CollectedMetric {
  model: string;
  name: MetricName;
  input: string;
  value: number | string | null;
  text: string;
  withUnit: string;
  provenance: Provenance;
}

export interface CollectedFormula {
  id?: string | undefined;
  number?: number | undefined;
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
  number?: number | undefined;
  kind: string;
  svg: string;
  models: string[];
}

export interface CollectedEnvironment {
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
  convention: Convention;
  tool: string;
  models: { id: string; label: string; source: string; inputs: string[]; batch: number }[];
  tables: CollectedTable[];
  metrics: CollectedMetric[];
  formulas: CollectedFormula[];
  charts: CollectedChart[];
  environments: CollectedEnvironment[];
  references: { id: string; kind: 'table' | 'figure' | 'equation'; number: number }[];
}

export interface DocumentState {
  settings: DocumentSettings;
  registry: ModelRegistry;
  /** Folder of the Markdown file: `src=` and user templates are relative to it. */
  baseDir: string;
  data: DocumentData;
  /** Numbers of labelled (and all numbered) items, by id: filled by the cross-reference pass. */
  numbers: Map<string, { kind: 'table' | 'figure' | 'equation'; number: number }>;
  /** Model failures already reported (each once, at its declaration). */
  reported: Set<string>;
  /** Why each failed model failed: its declaration shows these in an error box. */
  modelFailures: Map<string, { ruleId: string; reason: string }[]>;
}

declare module 'vfile' {
  interface DataMap {
    modelpress: DocumentState;
  }
}

export interface StateOptions {
  settings?: DocumentSettings | undefined;
  registry?: ModelRegistry | undefined;
  registryOptions?: RegistryOptions | undefined;
}

export function emptyData(settings: DocumentSettings, source: string | undefined, tool: string): DocumentData {
  return {
    schema: 1,
    source,
    title: settings.title,
    author: settings.author,
    date: settings.date,
    convention: settings.convention,
    tool,
    models: [],
    tables: [],
    metrics: [],
    formulas: [],
    charts: [],
    environments: [],
    references: [],
  };
}

/** The file's state, created on first use from the plugin's options. */
export function documentState(file: VFile, options: StateOptions = {}, tool = ''): DocumentState {
  const existing = file.data.modelpress;
  if (existing) return existing;
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const state: DocumentState = {
    settings,
    registry: options.registry ?? new ModelRegistry(options.registryOptions),
    baseDir: file.dirname ? (file.cwd ? resolveDir(file.cwd, file.dirname) : file.dirname) : (file.cwd ?? process.cwd()),
    data: emptyData(settings, file.path, tool),
    numbers: new Map(),
    reported: new Set(),
    modelFailures: new Map(),
  };
  file.data.modelpress = state;
  return state;
}

function resolveDir(cwd: string, dirname: string): string {
  return dirname.startsWith('/') ? dirname : `${cwd.replace(/\/$/, '')}/${dirname}`;
}

/**
 * A unified plugin that renders every `::name` block directive of a document, in order, with the
 * document's shared state: each directive file is this plus its own `render`.
 */
export function blockDirectivePlugin(
  name: string,
  options: StateOptions,
  render: (node: DirectiveNode, file: VFile, state: DocumentState) => void | Promise<void>,
): (tree: Root, file: VFile) => Promise<void> {
  return async (tree, file) => {
    const state = documentState(file, options);
    for (const node of blockDirectives(tree, name)) {
      markHandled(node);
      await guarded(node, file, () => render(node, file, state));
    }
  };
}
