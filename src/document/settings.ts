/**
 * Document settings and where they come from: built-in defaults < `modelpress.config.json` (project) <
 * front matter (document) < directive attributes. Both files are validated with the same schema, so
 * a misspelt key or a bad value is one message naming the key, in config or front matter alike.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CONVENTIONS, type Convention } from '../analysis/types.js';
import { numberFormatSchema } from '../render/format.js';
import { LANG_PATTERN, type MessageOverrides, messageOverridesSchema } from '../i18n/index.js';
import type { NumberFormatOptions } from '../render/types.js';

const positiveInt = z.number().int().positive();
/** Keys shared by the config file and front matter. Times are in seconds, as authors think of them. */
const settingsShape = {
  title: z.string().describe('Document title (page title, PDF header, LaTeX \\title).').optional(),
  author: z.string().describe('Author line.').optional(),
  date: z.string().describe('Date line, as written.').optional(),
  lang: z
    .string()
    .regex(LANG_PATTERN, "is not a BCP 47 language tag (e.g. 'en', 'zh', 'zh-CN')")
    .describe("Document language, BCP 47 (default 'en'): the HTML lang attribute, the words modelpress writes (en, zh-CN catalogues), CJK fonts and xelatex for zh/ja/ko.")
    .optional(),
  /** Override any word modelpress writes into documents (src/i18n/en.ts lists the keys). */
  messages: messageOverridesSchema.describe('Override any word modelpress writes into documents, by catalogue key (docs/i18n.md).').optional(),
  /** Samples per run for benchmarks (the seed measures at batch 2). */
  batch: positiveInt.describe('Samples per benchmark run (default 1).').optional(),
  /** intraOpNumThreads; default: physical cores. */
  threads: positiveInt.describe('intraOpNumThreads (default: physical cores).').optional(),
  /** Warm-up: at least this many seconds… */
  warmup: z.number().min(0).describe('Warm-up: at least this many seconds (default 1).').optional(),
  warmup_runs: z.number().int().min(0).describe('Warm-up: at least this many runs (default 10).').optional(),
  /** Timed phase: at least this many seconds… */
  min_time: z.number().min(0).describe('Timed phase: at least this many seconds (default 2).').optional(),
  /** …and at least this many runs. */
  runs: positiveInt.describe('Timed phase: at least this many runs (default 30).').optional(),
  /** Stop a timed phase after this many seconds at most. */
  max_time: z.number().positive().describe('Stop a timed phase after this many seconds (default 60).').optional(),
  /** Child processes per configuration (median of their medians). */
  processes: positiveInt.describe('Child processes per benchmark configuration (default 3).').optional(),
  /** Extra processes at most for a configuration that comes out unstable (0: none). */
  extra_processes: z.number().int().min(0).describe('Extra processes at most for a configuration that comes out unstable (0: none).').optional(),
  /** onnxruntime's execution provider (part of every benchmark's configuration key). */
  provider: z.enum(['cpu', 'cuda']).describe("Execution provider of benchmarks: cpu (default) or cuda (opt-in at install; docs/cluster.md).").optional(),
  /** Measure the binding's per-call floor (an Identity model with the same shapes). */
  floor: z.boolean().describe("Measure the binding's per-call floor with an Identity model (default true).").optional(),
  convention: z.enum(CONVENTIONS).describe("Counting convention (default 'exact'; docs/counting.md).").optional(),
  /** The number-format policy (render's schema: docs/formatting.md). */
  format: numberFormatSchema.describe('Number format (docs/formatting.md).').optional(),
  /** A table of contents after the title (HTML, PDF; \tableofcontents in the standalone LaTeX). */
  toc: z.boolean().describe('A table of contents after the title.').optional(),
  /** Number sections 1, 1.1, … (Pandoc/Quarto `number-sections`). */
  'number-sections': z.boolean().describe('Number sections 1, 1.1, … (Pandoc/Quarto number-sections).').optional(),
  /** BibTeX/BibLaTeX (.bib) or CSL-JSON (.json) files, relative to the document (front matter) or project. */
  bibliography: z.union([z.string(), z.array(z.string())]).describe('BibTeX/BibLaTeX (.bib) or CSL-JSON (.json) files.').optional(),
  /** A .csl file or a bundled style: ieee, apa, numeric (default). */
  csl: z.string().describe('A .csl file or a bundled style: ieee, apa, numeric (default).').optional(),
  /** In-text citations link to their bibliography entry (default true). */
  'link-citations': z.boolean().describe('In-text citations link to their bibliography entry (default true).').optional(),
};

export const frontMatterSchema = z.object(settingsShape).strict();
export const projectConfigSchema = z
  .object({
    ...settingsShape,
    /** Where `modelpress build` writes (default `output`). */
    out: z.string().describe("Where modelpress build writes (default 'output').").optional(),
    /** Markdown files or folders built when none are named on the command line. */
    content: z.array(z.string()).describe('Markdown files or folders built when none are named on the command line (default ["content"]).').optional(),
    /** The JSON Schema an editor checks this file against (modelpress.config.schema.json). */
    $schema: z.string().describe('The JSON Schema of this file, for editors.').optional(),
    /** The committable results store (default `modelpress-results`). */
    results: z.string().describe("The committable results store (default 'modelpress-results').").optional(),
    /** This machine's short name in the results store (default: the host name's first label); `--machine` wins. */
    machine: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a short name of letters, digits, ".", "_" or "-"').describe("This machine's short name in the results store (default: the host name).").optional(),
    /** Per-machine benchmark settings: what each named machine measures with (`threads`, `provider`). */
    machines: z
      .record(
        z.string().regex(/^[A-Za-z0-9._-]+$/, 'a short name of letters, digits, ".", "_" or "-"'),
        z.object({ threads: positiveInt.optional(), provider: z.enum(['cpu', 'cuda']).optional() }).strict(),
      )
      .describe('Benchmark settings per machine name, e.g. {"h200": {"provider": "cuda"}, "laptop": {"threads": 4}}: they win over the document\'s threads/provider for that machine\'s results.')
      .optional(),
    /** ES modules exporting `rules` for custom operators (docs/custom-ops.md), relative to the config file. */
    rules: z.array(z.string()).describe('ES modules exporting rules for custom operators (docs/custom-ops.md), relative to the config file.').optional(),
    /** A book: its chapters (Markdown files, in order) build to one page each, an index, one PDF and a LaTeX main file. */
    book: z
      .object({
        title: z.string(),
        author: z.string().optional(),
        chapters: z.array(z.string()).min(1),
      })
      .strict()
      .describe('A book: its chapters (Markdown files, in order) build to one page each, an index, one PDF and a LaTeX main file.')
      .optional(),
  })
  .strict();

export type FrontMatter = z.infer<typeof frontMatterSchema>;
export type ProjectConfig = z.infer<typeof projectConfigSchema>;

/** Every document setting, settled. */
export interface DocumentSettings {
  title: string | undefined;
  author: string | undefined;
  date: string | undefined;
  lang: string;
  /** The user's overrides of catalogue messages (config, then front matter over it). */
  messages: MessageOverrides;
  batch: number;
  /** undefined: the runtime's default (physical cores). */
  threads: number | undefined;
  warmupSeconds: number;
  warmupRuns: number;
  minTimeSeconds: number;
  runs: number;
  maxTimeSeconds: number;
  processes: number;
  extraProcesses: number;
  floor: boolean;
  /** Execution provider of benchmarks. */
  provider: 'cpu' | 'cuda';
  /** Per-machine overrides of threads and provider (config `machines`). */
  machines: Record<string, { threads?: number | undefined; provider?: 'cpu' | 'cuda' | undefined }>;
  convention: Convention;
  format: NumberFormatOptions;
  toc: boolean;
  numberSections: boolean;
  /** Absolute paths, or as written when relative to the document. */
  bibliography: string[];
  csl: string | undefined;
  linkCitations: boolean;
}

/** The defaults of BENCHMARK.md's protocol for documents. */
export const DEFAULT_SETTINGS: DocumentSettings = {
  title: undefined,
  author: undefined,
  date: undefined,
  lang: 'en',
  messages: {},
  batch: 1,
  threads: undefined,
  warmupSeconds: 1,
  warmupRuns: 10,
  minTimeSeconds: 2,
  runs: 30,
  maxTimeSeconds: 60,
  processes: 3,
  extraProcesses: 2,
  floor: true,
  provider: 'cpu',
  machines: {},
  convention: 'exact',
  format: {},
  toc: false,
  numberSections: false,
  bibliography: [],
  csl: undefined,
  linkCitations: true,
};

/** The threads and provider a machine's benchmarks use: its `machines` entry over the document's. */
export function machineSettings(settings: DocumentSettings, machine: string): { threads: number | undefined; provider: 'cpu' | 'cuda' } {
  const own = settings.machines[machine];
  return { threads: own?.threads ?? settings.threads, provider: own?.provider ?? settings.provider };
}

/** One problem in a settings source: the key path and what is wrong. */
export interface SettingsIssue {
  key: string;
  message: string;
}

export function describeIssues(error: z.ZodError): SettingsIssue[] {
  return error.issues.map((issue) => {
    const key = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return { key: issue.keys.join(', '), message: `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
    }
    return { key, message: `'${key}': ${issue.message}` };
  });
}

/** Layer a validated source over settings (front matter over config over defaults). */
export function applySettings(base: DocumentSettings, layer: FrontMatter): DocumentSettings {
  const out: DocumentSettings = { ...base, format: { ...base.format } };
  if (layer.title !== undefined) out.title = layer.title;
  if (layer.author !== undefined) out.author = layer.author;
  if (layer.date !== undefined) out.date = layer.date;
  if (layer.lang !== undefined) out.lang = layer.lang;
  if (layer.messages !== undefined) out.messages = { ...base.messages, ...layer.messages };
  if (layer.batch !== undefined) out.batch = layer.batch;
  if (layer.threads !== undefined) out.threads = layer.threads;
  if (layer.warmup !== undefined) out.warmupSeconds = layer.warmup;
  if (layer.warmup_runs !== undefined) out.warmupRuns = layer.warmup_runs;
  if (layer.min_time !== undefined) out.minTimeSeconds = layer.min_time;
  if (layer.runs !== undefined) out.runs = layer.runs;
  if (layer.max_time !== undefined) out.maxTimeSeconds = layer.max_time;
  if (layer.processes !== undefined) out.processes = layer.processes;
  if (layer.extra_processes !== undefined) out.extraProcesses = layer.extra_processes;
  if (layer.floor !== undefined) out.floor = layer.floor;
  if (layer.provider !== undefined) out.provider = layer.provider;
  if (layer.convention !== undefined) out.convention = layer.convention;
  if (layer.toc !== undefined) out.toc = layer.toc;
  if (layer['number-sections'] !== undefined) out.numberSections = layer['number-sections'];
  if (layer.bibliography !== undefined) out.bibliography = typeof layer.bibliography === 'string' ? [layer.bibliography] : layer.bibliography;
  if (layer.csl !== undefined) out.csl = layer.csl;
  if (layer['link-citations'] !== undefined) out.linkCitations = layer['link-citations'];
  if (layer.format !== undefined) {
    const f = layer.format as NumberFormatOptions;
    out.format = { ...out.format, ...f, scale: { ...out.format.scale, ...f.scale }, precision: { ...out.format.precision, ...f.precision } };
  }
  return out;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: SettingsIssue[],
  ) {
    super(`${file}: ${issues.map((i) => i.message).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export { CONFIG_FILE, findProjectConfig } from '../cache/project.js';

/** Read and validate a project config; throws ConfigError naming every bad key. */
export function readProjectConfig(file: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [{ key: '', message: `not valid JSON (${(err as Error).message}); fix the file or delete it` }]);
  }
  const parsed = projectConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, describeIssues(parsed.error));
  return parsed.data;
}

/** Settings of a project: defaults with the config file applied. */
export function projectSettings(config: ProjectConfig | undefined): DocumentSettings {
  if (!config) return DEFAULT_SETTINGS;
  const { out: _out, content: _content, book: _book, $schema: _schema, machine: _machine, machines, ...rest } = config;
  return { ...applySettings(DEFAULT_SETTINGS, rest), machines: machines ?? {} };
}
