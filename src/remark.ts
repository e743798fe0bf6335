/**
 * `modelpress/remark`: the directive plugins for a host's own unified pipeline (a Docusaurus, Astro
 * or MDX site, or plain remark). One preset, `remarkModelpress`, runs them all in the right order;
 * each is also exported on its own.
 *
 * Options are public and validated here (a bad one throws at `.use()` time, naming the key):
 * the document settings of `modelpress.config.json` and front matter — written in snake_case as
 * there (`warmup_runs`, `min_time`, `max_time`) or in camelCase (`warmupRuns`, `minTime`,
 * `maxTime`) — merged over the defaults (docs/library.md), plus where the cache lives. Front matter
 * still overrides them per document, and a directive's attributes override that.
 *
 * Inside a host, modelpress claims only its own directives (`::model`, `::table`, `:metric`, …;
 * a Docusaurus `:::note` passes through untouched) and only its own front-matter keys
 * (`sidebar_position` is the host's), and writes nothing into the host's folder: results and
 * built zoo models go to `cacheDir` (default `$XDG_CACHE_HOME/modelpress`, else
 * `~/.cache/modelpress`).
 */
import os from 'node:os';
import path from 'node:path';
import type { Root } from 'mdast';
import remarkDirective from 'remark-directive';
import type { Processor } from 'unified';
import type { VFile } from 'vfile';
import { z } from 'zod';
import chartPlugin from './document/chart.js';
import citationsPlugin from './document/citations.js';
import elementsPlugin from './document/elements.js';
import environmentPlugin from './document/environment.js';
import finishPlugin from './document/finish.js';
import formulaPlugin from './document/formula.js';
import frontMatterPlugin from './document/front-matter.js';
import layersPlugin from './document/layers.js';
import metricPlugin from './document/metric.js';
import modelPlugin from './document/model.js';
import opsPlugin from './document/ops.js';
import { applySettings, DEFAULT_SETTINGS, describeIssues, frontMatterSchema } from './document/settings.js';
import type { StateOptions } from './document/state.js';
import tablePlugin from './document/table.js';
import { remarkModelpressNumbering as numberingPlugin, remarkModelpressReferences as referencesPlugin } from './document/xref.js';

/** The camelCase spellings the library also takes for three two-word settings. */
const CAMEL_TO_SNAKE = { warmupRuns: 'warmup_runs', minTime: 'min_time', maxTime: 'max_time' } as const;

/** The options only the library has: where its cache lives and how it uses it. */
const libraryOnly = {
  /** Where results and built zoo models are kept (default `$XDG_CACHE_HOME/modelpress`, else `~/.cache/modelpress`). */
  cacheDir: z.string().min(1).optional(),
  /** Use only stored results; a miss is an error message (default false). */
  frozen: z.boolean().optional(),
  /** Re-measure everything (true) or these model ids (default: nothing). */
  refresh: z.union([z.boolean(), z.array(z.string())]).optional(),
  /** Preset only: add remark-directive's syntax (default true; false when the host already parses directives). */
  syntax: z.boolean().optional(),
};

const libraryOptionsSchema = frontMatterSchema.extend(libraryOnly).strict();

type SettingOptions = z.input<typeof frontMatterSchema>;
/**
 * The public options of every plugin of `modelpress/remark` (all optional; defaults in docs/library.md):
 * the document settings as config and front matter write them (src/document/settings.ts), their
 * camelCase aliases, and the library's own.
 */
export type ModelpressOptions = SettingOptions & { [A in keyof typeof CAMEL_TO_SNAKE]?: SettingOptions[(typeof CAMEL_TO_SNAKE)[A]] } & z.input<
    z.ZodObject<typeof libraryOnly>
  >;

/** The default cache folder of the library: the user's cache, never the host's working folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'modelpress');
}

/** Public options → the plugins' internal ones: validated, camelCase aliases folded, defaults merged. */
export function resolveOptions(options: ModelpressOptions | null | undefined = {}): StateOptions & { syntax: boolean } {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    const snake: string | undefined = CAMEL_TO_SNAKE[key as keyof typeof CAMEL_TO_SNAKE];
    if (snake && (options as Record<string, unknown>)[snake] !== undefined) {
      throw new Error(`modelpress/remark: options '${key}' and '${snake}' are the same setting; give one`);
    }
    raw[snake ?? key] = value;
  }
  const parsed = libraryOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `modelpress/remark: ${describeIssues(parsed.error)
        .map((i) => i.message.replace(/^unknown setting/, 'unknown option'))
        .join('; ')}`,
    );
  }
  const { cacheDir, frozen, refresh, syntax, ...settings } = parsed.data;
  const dir = path.resolve(cacheDir ?? defaultCacheDir());
  return {
    settings: applySettings(DEFAULT_SETTINGS, settings),
    registryOptions: { cacheDir: path.join(dir, 'cache'), frozen, refresh },
    embedded: true,
    syntax: syntax ?? true,
  };
}

type Transformer = (tree: Root, file: VFile) => void | Promise<void>;
type Inner = (options: StateOptions) => Transformer;
/** A plugin of this module: public options in, one transformer out. */
export type ModelpressPlugin = (options?: ModelpressOptions | null) => Transformer;

function wrap(inner: Inner): ModelpressPlugin {
  return (options) => inner(resolveOptions(options));
}

/** The order the CLI runs them in (src/document/pipeline.ts): declarations first, finish last. */
const ORDER: Inner[] = [
  frontMatterPlugin,
  modelPlugin,
  numberingPlugin,
  tablePlugin,
  layersPlugin,
  opsPlugin,
  formulaPlugin,
  metricPlugin,
  chartPlugin,
  environmentPlugin,
  referencesPlugin,
  finishPlugin,
];

/**
 * The preset: every modelpress plugin, in order, with one set of options (and remark-directive's
 * syntax unless `syntax: false`). `unified().use(remarkParse).use(remarkModelpress, {cacheDir})`,
 * or in MDX `remarkPlugins: [[remarkModelpress, {cacheDir}]]`.
 */
export function remarkModelpress(this: Processor | void, options?: ModelpressOptions | null): Transformer {
  const resolved = resolveOptions(options);
  if (resolved.syntax && this) (remarkDirective as (this: Processor) => void).call(this as Processor);
  const transformers = ORDER.map((plugin) => plugin(resolved));
  return async (tree, file) => {
    for (const transform of transformers) await transform(tree, file);
  };
}

export default remarkModelpress;

/** Front matter: the document's modelpress keys over the options (other keys are the host's). */
export const remarkModelpressFrontMatter = wrap(frontMatterPlugin);
/** `::model{#id src=… | zoo=…}` declarations (they render nothing unless the model fails). */
export const remarkModelpressModels = wrap(modelPlugin);
/** Numbers tables, figures and equations (before anything refers to them). */
export const remarkModelpressNumbering = wrap(numberingPlugin);
export const remarkModelpressTables = wrap(tablePlugin);
export const remarkModelpressLayers = wrap(layersPlugin);
export const remarkModelpressOps = wrap(opsPlugin);
export const remarkModelpressFormulas = wrap(formulaPlugin);
export const remarkModelpressMetrics = wrap(metricPlugin);
export const remarkModelpressCharts = wrap(chartPlugin);
export const remarkModelpressEnvironment = wrap(environmentPlugin);
/** `@tbl-id` cross-references. */
export const remarkModelpressReferences = wrap(referencesPlugin);
/** The last pass: removes declarations, shows failed models' error boxes, reports misspelt modelpress directives. */
export const remarkModelpressFinish = wrap(finishPlugin);

/**
 * Opt-in, not in the preset, since they change the host's own Markdown: Pandoc/Quarto element syntax
 * (heading ids, `![…](…){#fig-x}` figures, captioned Markdown tables, labelled equations; run it
 * before the numbering, i.e. before the preset) and Pandoc citations `[@key]` with a `bibliography`.
 */
export const remarkModelpressElements = wrap(elementsPlugin);
export const remarkModelpressCitations = wrap(citationsPlugin);

export type { DocumentData } from './document/state.js';
