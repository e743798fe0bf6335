/**
 * The unified pipeline, Markdown → HTML:
 *
 *   remark-parse → remark-frontmatter (YAML) → remark-gfm → remark-math → remark-directive →
 *   modelpress: front matter, models, elements (heading ids, figures, captions, labels), numbering, tables, layers, ops, formulas, metrics, charts,
 *   complexity, environment, references, finish → remark-rehype → math (KaTeX, once per formula) → rehype-stringify
 *
 * and the page layout from render around the body. Each modelpress plugin works on its own in any
 * unified pipeline; here they share one state per file (file.data.modelpress) made from the options.
 */
import path from 'node:path';
import type { Root as HastRoot } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { toolVersion } from '../cache/tool-version.js';
import { renderPage } from '../render/page.js';
import remarkModelpressBrokenDirectives from './broken-directive.js';
import remarkModelpressCharts from './chart.js';
import remarkModelpressComplexity from './complexity.js';
import remarkModelpressEnvironment from './environment.js';
import remarkModelpressCitations from './citations.js';
import remarkModelpressElements from './elements.js';
import { expandIncludes, parseMarkdown } from './include.js';
import { relocateMessages } from './source.js';
import remarkModelpressFinish from './finish.js';
import remarkModelpressFormulas from './formula.js';
import remarkModelpressFrontMatter from './front-matter.js';
import rehypeModelpressMathCheck from './katex-check.js';
import remarkModelpressLayers from './layers.js';
import remarkModelpressMetrics from './metric.js';
import remarkModelpressModels from './model.js';
import type { ModelRegistry, RegistryOptions } from '../measure/registry.js';
import remarkModelpressOps from './ops.js';
import { DEFAULT_SETTINGS, type DocumentSettings } from './settings.js';
import { type CounterStart, type DocumentData, documentState, stateMessages } from './state.js';
import type { BookCitations, Reference } from '../docmodel/types.js';
import remarkModelpressTables from './table.js';
import remarkModelpressTypography from './typography.js';
import { remarkModelpressNumbering, remarkModelpressReferences } from './xref.js';

export interface PipelineOptions {
  /** Project settings (defaults + modelpress.config.json); front matter overrides them. */
  settings?: DocumentSettings | undefined;
  /** Share one registry between documents of a build (models declared per document, cache shared). */
  registry?: ModelRegistry | undefined;
  registryOptions?: RegistryOptions | undefined;
}

/** The remark+rehype processor (body HTML, no page). */
export function createProcessor(options: PipelineOptions = {}) {
  const state = { settings: options.settings, registry: options.registry, registryOptions: options.registryOptions };
  return unified()
    .use(remarkParse)
    .use(remarkFrontmatter, ['yaml'])
    .use(remarkGfm)
    .use(remarkMath)
    .use(remarkDirective)
    .use(remarkModelpressBrokenDirectives)
    .use(remarkModelpressFrontMatter, { ...state, settings: options.settings ?? DEFAULT_SETTINGS })
    .use(remarkModelpressModels, state)
    .use(remarkModelpressElements, state)
    .use(remarkModelpressNumbering, state)
    .use(remarkModelpressTables, state)
    .use(remarkModelpressLayers, state)
    .use(remarkModelpressOps, state)
    .use(remarkModelpressFormulas, state)
    .use(remarkModelpressMetrics, state)
    .use(remarkModelpressCharts, state)
    .use(remarkModelpressComplexity, state)
    .use(remarkModelpressEnvironment, state)
    .use(remarkModelpressReferences, state)
    .use(remarkModelpressCitations, state)
    .use(remarkModelpressFinish, state)
    .use(remarkModelpressTypography)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeModelpressMathCheck)
    .use(rehypeStringify, { allowDangerousHtml: true });
}

export interface RenderedDocument {
  /** The whole page (layout around the body). */
  html: string;
  /** The body alone. */
  body: string;
  data: DocumentData;
  /** The Markdown tree after the modelpress plugins ran (directives resolved): the LaTeX export reads it. */
  tree: MdastRoot;
  /** The file, with its messages (diagnostics). */
  file: VFile;
  /** The page title (front matter, else the first heading). */
  title?: string | undefined;
}

export interface RenderOptions extends PipelineOptions {
  /** Relative URL of the assets folder from the page (default `assets`). */
  assetsHref?: string | undefined;
  /** Extra template folders searched before the content folder and the built-in templates. */
  templateDirs?: readonly string[] | undefined;
  /** In a book: this chapter's name, where its counters start, and the other chapters' labels. */
  documentName?: string | undefined;
  counterStart?: CounterStart | undefined;
  externalNumbers?: Map<string, Reference> | undefined;
  /** In a book: the citations of the chapters before (one numbering, one References for the book). */
  bookCitations?: BookCitations | undefined;
}

/**
 * The labels of a document and its counts, without measuring anything (parse, front matter,
 * elements, numbering): a book reads every chapter's labels first, for cross-chapter references.
 */
export async function scanLabels(
  file: VFile,
  options: RenderOptions = {},
): Promise<{ numbers: Map<string, Reference>; counted: CounterStart | undefined; bibliography: boolean }> {
  const processor = unified()
    .use(remarkParse)
    .use(remarkFrontmatter, ['yaml'])
    .use(remarkGfm)
    .use(remarkMath)
    .use(remarkDirective)
    .use(remarkModelpressFrontMatter, { settings: options.settings ?? DEFAULT_SETTINGS })
    .use(remarkModelpressElements, {})
    .use(remarkModelpressNumbering, {});
  const scratch = new VFile({ value: file.value, path: file.path, cwd: file.cwd });
  const state = documentState(scratch, { settings: options.settings });
  state.counterStart = options.counterStart ?? { table: 0, figure: 0, equation: 0, topSection: 0 };
  state.documentName = options.documentName;
  seedBookState(file, options);
  const mdast = parseMarkdown(processor, String(file.value ?? ''), file.path);
  if (file.path) expandIncludes(processor, mdast, scratch, path.resolve(file.cwd, file.path));
  let bibliography = false;
  visit(mdast, 'leafDirective', (n) => {
    if (n.name === 'bibliography') bibliography = true;
  });
  await processor.run(mdast, scratch);
  for (const ref of state.numbers.values()) ref.document = options.documentName;
  return { numbers: state.numbers, counted: state.counted, bibliography };
}

/** A book chapter's place in the book (its name, where its counters start, the other chapters' numbers), before the plugins run. */
function seedBookState(file: VFile, options: RenderOptions): void {
  const pre = documentState(file, options);
  pre.documentName = options.documentName;
  pre.counterStart = options.counterStart;
  pre.externalNumbers = options.externalNumbers;
  pre.bookCitations = options.bookCitations;
}

/** The first level-1 heading's text, for a page title when front matter gives none. */
function firstHeading(tree: HastRoot): string | undefined {
  let title: string | undefined;
  visit(tree, 'element', (el) => {
    if (title === undefined && el.tagName === 'h1') {
      const parts: string[] = [];
      visit(el, (n) => {
        // A section number is not part of the title.
        if (n.type === 'element' && (n.properties?.className as string[] | undefined)?.includes('mp-section-number')) return SKIP;
        if (n.type === 'text') parts.push(n.value);
        return undefined;
      });
      title = parts.join('').trim();
    }
  });
  return title;
}

/** Render one Markdown document: `file` holds its text and path (src= is relative to its folder). */
export async function renderDocument(file: VFile, options: RenderOptions = {}): Promise<RenderedDocument> {
  const processor = createProcessor(options);
  seedBookState(file, options);
  const mdast = parseMarkdown(processor, String(file.value ?? ''), file.path);
  if (file.path) expandIncludes(processor, mdast, file, path.resolve(file.cwd, file.path));
  const hast = (await processor.run(mdast, file)) as HastRoot;
  const body = processor.stringify(hast, file);
  // Diagnostics inside included text: at their own file, line and column.
  relocateMessages(file);
  const state = documentState(file, options, toolVersion());
  state.data.tool = toolVersion();
  state.data.source = file.path;
  state.registry.flush();
  const title = state.settings.title ?? firstHeading(hast) ?? (file.stem || 'modelpress document');
  let html: string;
  try {
    html = renderPage(
      {
        title,
        author: state.settings.author,
        date: state.settings.date,
        lang: state.settings.lang,
        body,
        assetsHref: options.assetsHref,
        footer: stateMessages(state).t('footer.text'),
      },
      { templateDirs: [...(options.templateDirs ?? []), state.baseDir] },
    );
  } catch (err) {
    file.message(`page template: ${(err as Error).message}; fix or remove your page.hbs override`, { ruleId: 'template-error', source: 'modelpress' });
    html = `<!doctype html>\n<html lang="${state.settings.lang}"><head><meta charset="utf-8"><title>${title.replace(/[<&]/g, '')}</title></head><body>\n${body}\n</body></html>\n`;
  }
  return { html, body, data: state.data, tree: mdast, file, title };
}

/** Convenience for tests and tools: render Markdown text as if it were the file at `filePath`. */
export function renderMarkdown(markdown: string, filePath: string, options: RenderOptions = {}): Promise<RenderedDocument> {
  return renderDocument(new VFile({ value: markdown, path: path.resolve(filePath) }), options);
}
