/**
 * Document settings and where they come from: built-in defaults < `modelpress.config.json` (project) <
 * front matter (document) < directive attributes. Both files are validated with the same schema, so
 * a misspelt key or a bad value is one message naming the key, in config or front matter alike.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CONVENTIONS, type Convention } from '../analysis/types.js';
import { numberFormatSchema } from '../render/format.js';
import type { NumberFormatOptions } from '../render/types.js';

const positiveInt = z.number().int().positive();
/** Keys shared by the config file and front matter. Times are in seconds, as authors think of them. */
const settingsShape = {
  title: z.string().optional(),
  author: z.string().optional(),
  date: z.string().optional(),
  lang: z.string().optional(),
  /** Samples per run for benchmarks (the seed measures at batch 2). */
  batch: positiveInt.optional(),
  /** intraOpNumThreads; default: physical cores. */
  threads: positiveInt.optional(),
  /** Warm-up: at least this many seconds… */
  warmup: z.number().min(0).optional(),
  warmup_runs: z.number().int().min(0).optional(),
  /** Timed phase: at least this many seconds… */
  min_time: z.number().min(0).optional(),
  /** …and at least this many runs. */
  runs: positiveInt.optional(),
  /** Stop a timed phase after this many seconds at most. */
  max_time: z.number().positive().optional(),
  /** Child processes per configuration (median of their medians). */
  processes: positiveInt.optional(),
  /** Extra processes at most for a configuration that comes out unstable (0: none). */
  extra_processes: z.number().int().min(0).optional(),
  /** Measure the binding's per-call floor (an Identity model with the same shapes). */
  floor: z.boolean().optional(),
  convention: z.enum(CONVENTIONS).optional(),
  /** The number-format policy (render's schema: docs/formatting.md). */
  format: numberFormatSchema.optional(),
  /** A table of contents after the title (HTML, PDF; \tableofcontents in the standalone LaTeX). */
  toc: z.boolean().optional(),
  /** Number sections 1, 1.1, … (Pandoc/Quarto `number-sections`). */
  'number-sections': z.boolean().optional(),
  /** BibTeX/BibLaTeX (.bib) or CSL-JSON (.json) files, relative to the document (front matter) or project. */
  bibliography: z.union([z.string(), z.array(z.string())]).optional(),
  /** A .csl file or a bundled style: ieee, apa, numeric (default). */
  csl: z.string().optional(),
  /** In-text citations link to their bibliography entry (default true). */
  'link-citations': z.boolean().optional(),
};

export const frontMatterSchema = z.object(settingsShape).strict();
export const projectConfigSchema = z
  .object({
    ...settingsShape,
    /** Where `modelpress build` writes (default `output`). */
    out: z.string().optional(),
    /** Markdown files or folders built when none are named on the command line. */
    content: z.array(z.string()).optional(),
    /** The committable results store (default `modelpress-results`). */
    results: z.string().optional(),
    /** ES modules exporting `rules` for custom operators (docs/custom-ops.md), relative to the config file. */
    rules: z.array(z.string()).optional(),
    /** A book: its chapters (Markdown files, in order) build to one page each, an index, one PDF and a LaTeX main file. */
    book: z
      .object({
        title: z.string(),
        author: z.string().optional(),
        chapters: z.array(z.string()).min(1),
      })
      .strict()
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
  convention: 'exact',
  format: {},
  toc: false,
  numberSections: false,
  bibliography: [],
  csl: undefined,
  linkCitations: true,
};

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
  const { out: _out, content: _content, book: _book, ...rest } = config;
  return applySettings(DEFAULT_SETTINGS, rest);
}
