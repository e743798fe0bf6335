/**
 * The per-file state the directive plugins share, kept on `file.data.modelpress` (per document, not
 * global). The collected data's types are the document model (src/docmodel/), re-exported here.
 */
import type { Root } from 'mdast';
import type { VFile } from 'vfile';
import { blockDirectives, type DirectiveNode, markHandled } from './directive.js';
import { guarded } from './error-box.js';
import type { BookCitations, DocumentData, Reference } from '../docmodel/types.js';
import { type Failure, ModelRegistry, type RegistryOptions } from '../measure/registry.js';
import { type Messages, messagesFor } from '../i18n/index.js';
import { applySettings, DEFAULT_SETTINGS, type DocumentSettings, type FrontMatter } from './settings.js';

export type {
  CitedWork,
  CollectedChart,
  CollectedEnvironment,
  CollectedFormula,
  CollectedMetric,
  CollectedTable,
  DocumentData,
  Provenance,
  Reference,
} from '../docmodel/types.js';

export interface DocumentState {
  /**
   * The settings of the plugin now running: its own base settings (else the first plugin's) with the
   * document's front matter over them. Recomputed by documentState for each plugin, so plugins given
   * different options each see theirs (front matter still wins over every one of them).
   */
  settings: DocumentSettings;
  /** Base settings of the plugin that created the state (used by plugins given no settings). */
  baseSettings: DocumentSettings;
  /** The document's validated front-matter keys (set by the front-matter plugin). */
  frontMatter: FrontMatter;
  /** Inside a host's pipeline (modelpress/remark): leave the host's directives and front-matter keys alone. */
  embedded: boolean;
  registry: ModelRegistry;
  /** Folder of the Markdown file: `src=` and user templates are relative to it. */
  baseDir: string;
  data: DocumentData;
  /** Numbers of labelled (and all numbered) items, by id: filled by the cross-reference pass. */
  numbers: Map<string, Reference>;
  /** Labels of the other chapters of a book (cross-chapter references), by id. */
  externalNumbers?: Map<string, Reference> | undefined;
  /** The document's file stem (`survey`): references into other chapters link to `<doc>.html`. */
  documentName?: string | undefined;
  /** The counters after this document (set by the numbering pass): where the next chapter starts. */
  counted?: CounterStart | undefined;
  /** Where this document's counters start (a book's later chapter continues the earlier ones). */
  counterStart?: CounterStart | undefined;
  /** A book's citations so far (shared by its chapters, in order): one numbering, one References. */
  bookCitations?: BookCitations | undefined;
  /** Model failures already reported (each once, at its declaration). */
  reported: Set<string>;
  /** Why each failed model failed: its declaration shows these in an error box. */
  modelFailures: Map<string, Failure[]>;
}

/** Items counted before a document (a book's earlier chapters). */
export interface CounterStart {
  table: number;
  figure: number;
  equation: number;
  /** Top-level sections (the first level below the title). */
  topSection: number;
}

declare module 'vfile' {
  interface DataMap {
    modelpress: DocumentState;
  }
}

export interface StateOptions {
  settings?: DocumentSettings | undefined;
  /** The registry (models, cache) is per file, made by the first plugin that runs on it. */
  registry?: ModelRegistry | undefined;
  registryOptions?: RegistryOptions | undefined;
  /**
   * Running inside a host site's pipeline (Docusaurus, Astro, MDX): directives that are not
   * modelpress's and front-matter keys it does not know belong to the host and are left untouched;
   * the registry's file-hash memo is saved by the last plugin. Default false (the modelpress CLI).
   */
  embedded?: boolean | undefined;
}

function emptyData(settings: DocumentSettings, source: string | undefined, tool: string): DocumentData {
  return {
    schema: 1,
    source,
    title: settings.title,
    author: settings.author,
    date: settings.date,
    lang: settings.lang,
    ...(Object.keys(settings.messages).length > 0 ? { messages: settings.messages } : {}),
    convention: settings.convention,
    tool,
    models: [],
    tables: [],
    metrics: [],
    formulas: [],
    charts: [],
    environments: [],
    references: [],
    assets: [],
    citations: [],
  };
}

/**
 * The file's state, created on first use from the plugin's options; on every call its `settings`
 * become this plugin's: `options.settings` (else the creating plugin's) with the front matter over them.
 */
export function documentState(file: VFile, options: StateOptions = {}, tool = ''): DocumentState {
  const existing = file.data.modelpress;
  if (existing) {
    existing.settings = applySettings(options.settings ?? existing.baseSettings, existing.frontMatter);
    return existing;
  }
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const state: DocumentState = {
    settings,
    baseSettings: settings,
    frontMatter: {},
    embedded: options.embedded ?? false,
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

/** The words of this document (its language, the user's overrides): what every directive writes with. */
export function stateMessages(state: DocumentState): Messages {
  return messagesFor(state.settings.lang, state.settings.messages);
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
