/**
 * Document settings and where they come from: built-in defaults < `modelpress.config.json` (project) <
 * front matter (document) < directive attributes. Both files are validated with the same schema, so
 * a misspelt key or a bad value is one message naming the key, in config or front matter alike.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CONVENTIONS } from '../analysis/types.js';
import { numberFormatSchema } from '../render/format.js';
import { LANG_PATTERN, type MessageOverrides, messageOverridesSchema } from '../i18n/index.js';
import type { NumberFormatOptions } from '../render/format.js';

const positiveInt = z.number().int().positive();
const providerSchema = z.enum(['cpu', 'cuda']);
const machineName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a short name of letters, digits, ".", "_" or "-"');

/**
 * One document setting, declared once: the key config and front matter write (the table's key); its
 * schema, with `.default()` where the setting has a default (BENCHMARK.md's protocol for documents);
 * `field`, its name in DocumentSettings where that differs from the key; and `over`, how a layer's
 * value settles over the one below where it does not simply replace it.
 */
interface Setting {
  field?: string;
  schema: z.ZodTypeAny;
  over?: (value: never, below: never) => unknown;
}

/** Keys shared by the config file and front matter. Times are in seconds, as authors think of them. */
const SETTINGS = {
  title: { schema: z.string().describe('Document title (page title, PDF header, LaTeX \\title).') },
  author: { schema: z.string().describe('Author line.') },
  date: { schema: z.string().describe('Date line, as written.') },
  lang: {
    schema: z
      .string()
      .regex(LANG_PATTERN, "is not a BCP 47 language tag (e.g. 'en', 'zh', 'zh-CN')")
      .describe(
        "Document language, BCP 47 (default 'en'): the HTML lang attribute, the words modelpress writes (en, zh-CN catalogues), CJK fonts and xelatex for zh/ja/ko.",
      )
      .default('en'),
  },
  /** Overrides of any word modelpress writes (src/i18n/en.ts lists the keys); a layer adds to the one below. */
  messages: {
    schema: messageOverridesSchema.describe('Override any word modelpress writes into documents, by catalogue key (docs/i18n.md).').default({}),
    over: (value: MessageOverrides, below: MessageOverrides): MessageOverrides => ({ ...below, ...value }),
  },
  batch: { schema: positiveInt.describe('Samples per benchmark run (default 1).').default(1) },
  /** intraOpNumThreads; undefined: the runtime's default (physical cores). */
  threads: { schema: positiveInt.describe('intraOpNumThreads (default: physical cores).') },
  warmup: { field: 'warmupSeconds', schema: z.number().min(0).describe('Warm-up: at least this many seconds (default 1).').default(1) },
  warmup_runs: { field: 'warmupRuns', schema: z.number().int().min(0).describe('Warm-up: at least this many runs (default 10).').default(10) },
  min_time: { field: 'minTimeSeconds', schema: z.number().min(0).describe('Timed phase: at least this many seconds (default 2).').default(2) },
  runs: { schema: positiveInt.describe('Timed phase: at least this many runs (default 30).').default(30) },
  max_time: { field: 'maxTimeSeconds', schema: z.number().positive().describe('Stop a timed phase after this many seconds (default 60).').default(60) },
  /** Child processes per configuration (median of their medians). */
  processes: { schema: positiveInt.describe('Child processes per benchmark configuration (default 3).').default(3) },
  extra_processes: {
    field: 'extraProcesses',
    schema: z.number().int().min(0).describe('Extra processes at most for a configuration that comes out unstable (0: none).').default(2),
  },
  /** onnxruntime's execution provider (part of every benchmark's configuration key). */
  provider: { schema: providerSchema.describe('Execution provider of benchmarks: cpu (default) or cuda (opt-in at install; docs/cluster.md).').default('cpu') },
  floor: { schema: z.boolean().describe("Measure the binding's per-call floor with an Identity model (default true).").default(true) },
  convention: { schema: z.enum(CONVENTIONS).describe("Counting convention (default 'exact'; docs/counting.md).").default('exact') },
  /** The number-format policy (render's schema: docs/formatting.md); a layer refines the one below. */
  format: {
    schema: numberFormatSchema.describe('Number format (docs/formatting.md).').default({}),
    over: (value: z.output<typeof numberFormatSchema>, below: NumberFormatOptions): NumberFormatOptions => {
      const f = value as NumberFormatOptions;
      return { ...below, ...f, scale: { ...below.scale, ...f.scale }, precision: { ...below.precision, ...f.precision } };
    },
  },
  /** A table of contents after the title (HTML, PDF; \tableofcontents in the standalone LaTeX). */
  toc: { schema: z.boolean().describe('A table of contents after the title.').default(false) },
  'number-sections': { field: 'numberSections', schema: z.boolean().describe('Number sections 1, 1.1, … (Pandoc/Quarto number-sections).').default(false) },
  /** Files relative to the document (front matter) or project; settled as a list. */
  bibliography: {
    schema: z
      .union([z.string(), z.array(z.string())])
      .describe('BibTeX/BibLaTeX (.bib) or CSL-JSON (.json) files.')
      .default([]),
    over: (value: string | string[]): string[] => (typeof value === 'string' ? [value] : value),
  },
  /** undefined: the bundled numeric style. */
  csl: { schema: z.string().describe('A .csl file or a bundled style: ieee, apa, numeric (default).') },
  'link-citations': {
    field: 'linkCitations',
    schema: z.boolean().describe('In-text citations link to their bibliography entry (default true).').default(true),
  },
} as const satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
/** What a file writes: every key optional, no default filled in, so the layer below shows through. */
type Written<S extends z.ZodTypeAny> = S extends z.ZodDefault<infer Inner> ? z.ZodOptional<Inner> : z.ZodOptional<S>;
/** The settled value: what `over` makes of it, else the schema's output (undefined where no default). */
type Settled<E> = E extends { over: (value: never, below: never) => infer V }
  ? V
  : E extends { schema: z.ZodDefault<z.ZodTypeAny> }
    ? z.output<E['schema']>
    : E extends { schema: z.ZodTypeAny }
      ? z.output<E['schema']> | undefined
      : never;
type FieldOf<K, E> = E extends { field: infer F extends string } ? F : K;

const settingsShape = Object.fromEntries(
  Object.entries(SETTINGS).map(([key, entry]) => {
    const schema: z.ZodTypeAny = entry.schema;
    return [key, (schema instanceof z.ZodDefault ? (schema.removeDefault() as z.ZodTypeAny) : schema).optional()];
  }),
) as { [K in keyof Settings]: Written<Settings[K]['schema']> };

/** Config-only: benchmark settings per machine name (they win over the document's threads/provider). */
const machinesSchema = z
  .record(machineName, z.object({ threads: positiveInt.optional(), provider: providerSchema.optional() }).strict())
  .describe(
    'Benchmark settings per machine name, e.g. {"h200": {"provider": "cuda"}, "laptop": {"threads": 4}}: they win over the document\'s threads/provider for that machine\'s results.',
  );

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
    machine: machineName.describe("This machine's short name in the results store (default: the host name).").optional(),
    machines: machinesSchema.optional(),
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

/** Every document setting, settled: the table's fields, plus the config's per-machine overrides. */
export type DocumentSettings = { -readonly [K in keyof Settings as FieldOf<K, Settings[K]>]: Settled<Settings[K]> } & {
  machines: z.output<typeof machinesSchema>;
};

/** The defaults: each setting's `.default()`, else undefined. */
export const DEFAULT_SETTINGS: DocumentSettings = {
  ...(Object.fromEntries(
    Object.entries(SETTINGS).map(([key, entry]: [string, Setting]) => [
      entry.field ?? key,
      entry.schema instanceof z.ZodDefault ? entry.schema._def.defaultValue() : undefined,
    ]),
  ) as Omit<DocumentSettings, 'machines'>),
  machines: {},
};

/** The threads and provider a machine's benchmarks use: its `machines` entry over the document's. */
export function machineSettings(settings: DocumentSettings, machine: string): Pick<DocumentSettings, 'threads' | 'provider'> {
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
  const out: Record<string, unknown> = { ...base };
  for (const [key, entry] of Object.entries(SETTINGS) as [keyof Settings, Setting][]) {
    const value = layer[key];
    if (value === undefined) continue;
    const field = entry.field ?? key;
    out[field] = entry.over ? (entry.over as (value: unknown, below: unknown) => unknown)(value, out[field]) : value;
  }
  return out as DocumentSettings;
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

/** Settings of a project: defaults with the config file applied (its settings keys and `machines`). */
export function projectSettings(config: ProjectConfig | undefined): DocumentSettings {
  if (!config) return DEFAULT_SETTINGS;
  return { ...applySettings(DEFAULT_SETTINGS, config), machines: config.machines ?? {} };
}
