/**
 * Building a project (above document/ and export/, which do not depend on each other): find the Markdown documents, read `modelpress.config.json`, render each document
 * through the pipeline (its own model registry, one shared cache), write `<out>/<doc>.html`,
 * `<out>/<doc>.data.json` and the assets, and decide the exit code:
 * 0 ok, 1 document or model errors (an error box in a page unless lenient, a --frozen miss always;
 * any diagnostic with --strict).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { VFile } from 'vfile';
import { loadRuleModules, RuleModuleError } from '../analysis/user-rules.js';
import { sha256Hex, writeFileAtomic } from '../cache/store.js';
import { copyAssets, copyDocumentAssets } from '../export/assets.js';
import { DocumentStamps, documentSnapshot, replayMessages, settled, snapshotProject, type DocumentStamp } from '../cache/document-stamp.js';
import { existingFormats, removeOutputs, staleOutputs, stampHtml, writeManifest } from '../export/coherence.js';
import { documentDataHash } from '../export/data-json.js';
import { BrowserLease, BrowserNotFoundError, findChromium, htmlToPdf } from '../export/pdf.js';
import { cjkFontProblem } from '../export/cjk-fonts.js';
import { hasCjk, isCjkLang } from '../i18n/index.js';
import type { MeasureStats, ProgressEvent, RegistryOptions } from '../measure/registry.js';
import type { CounterStart } from '../document/state.js';
import type { BookCitations, Reference } from '../docmodel/types.js';
import type { BookChapter } from './book.js';

/** The stages that render and export (stages.ts), imported on first use. */
let loadedStages: Promise<typeof import('./stages.js')> | undefined;
const stages = (): Promise<typeof import('./stages.js')> => (loadedStages ??= import('./stages.js'));
import { cacheDirOf, projectRoot } from '../cache/project.js';
import { DEFAULT_RESULTS_DIR, machineName } from '../cache/results.js';
import { ConfigError, projectSettings, readProjectConfig, type ProjectConfig } from '../document/settings.js';
import { type DocumentData, documentMessages } from '../docmodel/types.js';

import { type OutputFormat, UsageError } from './formats.js';

export { OUTPUT_FORMATS, type OutputFormat, UsageError } from './formats.js';

export interface BuildOptions {
  /** Markdown files or folders; default: the config's `content`, else `content/`. */
  inputs?: string[] | undefined;
  /** Output folder; default: the config's `out`, else `output/`. */
  out?: string | undefined;
  to?: OutputFormat[] | undefined;
  frozen?: boolean | undefined;
  refresh?: boolean | string[] | undefined;
  strict?: boolean | undefined;
  /**
   * Exit 0 even when a document has errors (an error box in the page: a table that cannot be filled,
   * a missing model file); by default errors exit 1, warnings do not.
   */
  lenient?: boolean | undefined;
  /** The results store; default: the config's `results`, else `modelpress-results/` in the project. */
  results?: string | undefined;
  /** Where the project is (config, .modelpress/); default: the folder holding modelpress.config.json, else cwd. */
  cwd?: string | undefined;
  /** This machine's short name in the results store (`--machine`); default: the config's `machine`, else the host name. */
  machine?: string | undefined;
  /** This machine's execution provider (`--provider`): wins over the document's and the config's. */
  provider?: 'cpu' | 'cuda' | undefined;
  onProgress?: ((event: ProgressEvent & { document: string }) => void) | undefined;
}

export interface BuiltDocument {
  source: string;
  html: string;
  /** The page as rendered (before a book's navigation). */
  page: string;
  dataFile: string;
  pdf?: string | undefined;
  /** The LaTeX files written (`<doc>.tex`, `.macros.tex`, `.standalone.tex`, a `.bib`), with `tex`. */
  latex: string[];
  /** Formats not asked for but rewritten because an output of them existed (outputs never disagree). */
  alsoRebuilt: string[];
  /** Outputs removed because they were made from other data and could not be rewritten. */
  removedStale: string[];
  /** The data hash every output of this document records. */
  dataHash: string;
  file: VFile;
  data: DocumentData;
  stats: MeasureStats;
  /** Not rendered: nothing it is made from changed since the build that wrote its outputs (cache/document-stamp.ts). */
  skipped?: boolean;
}

export interface BuildResult {
  documents: BuiltDocument[];
  exitCode: 0 | 1;
  /** Problems that stopped a document from being written at all (unreadable file, PDF failure). */
  failures: string[];
}

export { cacheDirOf, projectRoot } from '../cache/project.js';

/** Every .md file under the inputs (folders searched recursively, output and hidden folders skipped). */
export function findDocuments(inputs: string[], root: string, out: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = path.join(dir, name);
      if (path.resolve(full) === path.resolve(out)) continue;
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (name.endsWith('.md')) found.push(full);
    }
  };
  for (const input of inputs) {
    const full = path.resolve(root, input);
    if (!existsSync(full)) throw new UsageError(`${input}: no such file or folder`);
    if (statSync(full).isDirectory()) walk(full);
    else if (full.endsWith('.md')) found.push(full);
    else throw new UsageError(`${input}: not a Markdown (.md) file`);
  }
  return [...new Set(found)];
}

/** Documents that another one ::includes are parts of it, not documents of their own. */
function withoutIncluded(documents: string[]): string[] {
  const included = new Set<string>();
  for (const doc of documents) {
    let text = '';
    try {
      text = readFileSync(doc, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^::include\{[^}]*\bfile=("([^"]*)"|'([^']*)'|([^\s}]+))/gm)) {
      included.add(path.resolve(path.dirname(doc), m[2] ?? m[3] ?? m[4]!));
    }
  }
  return documents.filter((d) => !included.has(path.resolve(d)));
}

/** A project ready to render: its config and settings, rules, documents, and where things go. */
export interface PreparedProject {
  root: string;
  configFile: string | undefined;
  config: ProjectConfig | undefined;
  settings: ReturnType<typeof projectSettings>;
  rules: RegistryOptions['rules'];
  out: string;
  book: ProjectConfig['book'];
  inputs: string[];
  documents: string[];
  resultsDir: string;
  /** This machine's name (`--machine`, config `machine`; undefined: the host name). */
  machine: string | undefined;
}

/** Read the config, load custom rules, find the documents (shared by build and `modelpress plan`). */
/** A document's text, or undefined with the reason added to `failures` (the other documents still build). */
export async function readDocument(doc: string, failures: string[]): Promise<string | undefined> {
  try {
    return await readFile(doc, 'utf8');
  } catch (err) {
    failures.push(`${doc}: cannot read: ${(err as Error).message}`);
    return undefined;
  }
}

export async function prepareProject(options: Pick<BuildOptions, 'cwd' | 'inputs' | 'out' | 'results' | 'machine' | 'provider'>): Promise<PreparedProject> {
  const { root, configFile } = projectRoot(path.resolve(options.cwd ?? process.cwd()));
  let config: ProjectConfig | undefined;
  if (configFile) {
    try {
      config = readProjectConfig(configFile);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  // A copy: the settings are adjusted below (paths, this machine's provider), never the defaults themselves.
  const settings = { ...projectSettings(config) };
  let rules: RegistryOptions['rules'];
  if (config?.rules && config.rules.length > 0) {
    try {
      const files = config.rules.map((f) => path.resolve(root, f));
      const loaded = await loadRuleModules(files);
      rules = { rules: loaded, key: sha256Hex(files.map((f) => readFileSync(f)).reduce((a, b) => Buffer.concat([a, b]), Buffer.alloc(0))) };
    } catch (err) {
      if (err instanceof RuleModuleError) throw new UsageError(`${configFile}: rules: ${err.message}`);
      throw err;
    }
  }
  // Bibliographies named in the config are relative to the project; front matter's to the document.
  settings.bibliography = settings.bibliography.map((b) => path.resolve(root, b));
  const out = path.resolve(root, options.out ?? config?.out ?? 'output');
  const book = options.inputs && options.inputs.length > 0 ? undefined : config?.book;
  const inputs = options.inputs && options.inputs.length > 0 ? options.inputs : book ? book.chapters : (config?.content ?? ['content']);
  const documents = withoutIncluded(findDocuments(inputs, root, out));
  if (documents.length === 0) throw new UsageError(`no Markdown documents found in ${inputs.join(', ')}`);
  const stems = new Map<string, string>();
  for (const doc of documents) {
    const stem = path.basename(doc, '.md');
    if (stems.has(stem)) throw new UsageError(`two documents would both write ${stem}.html: ${stems.get(stem)} and ${doc}; rename one`);
    stems.set(stem, doc);
  }
  const resultsDir = path.resolve(root, options.results ?? config?.results ?? DEFAULT_RESULTS_DIR);
  const machine = options.machine ?? config?.machine;
  if (options.provider) {
    // `--provider` is this machine's: over the document's setting, as a `machines` entry is.
    const name = machineName(machine);
    settings.machines = { ...settings.machines, [name]: { ...settings.machines[name], provider: options.provider } };
  }
  return { root, configFile, config, settings, rules, out, book, inputs, documents, resultsDir, machine };
}

/**
 * Drop a built document's plugin state (`file.data.modelpress`: its model registry with every profile
 * and benchmark it measured or read, the cross-reference numbers, the collected data's working copy).
 * The VFile stays for its messages; nothing reads the state once the document's outputs are written.
 */
export function releaseDocumentState(file: VFile): void {
  delete file.data.modelpress;
}

/** The browser a PDF would be printed with, or '' (part of a document's inputs). */
function browserPath(): string {
  try {
    return findChromium();
  } catch {
    return '';
  }
}

/** A `csl` setting that names a file (relative to the document), not a bundled style. */
function cslFile(csl: string | undefined, doc: string): string[] {
  return csl && /\.csl$/i.test(csl) ? [path.resolve(path.dirname(doc), csl)] : [];
}

/**
 * A document not built again: its report from the stamp, its data from the data file it wrote (the
 * stamp vouches the file is as written), its warnings printed again. Undefined when the data file
 * cannot be read back, and the document is built.
 */
function skippedDocument(source: string, stamp: DocumentStamp, out: string): BuiltDocument | undefined {
  let data: DocumentData;
  let page: string;
  try {
    const {
      numbers: _numbers,
      dataHash: _hash,
      ...rest
    } = JSON.parse(readFileSync(stamp.report.dataFile, 'utf8')) as DocumentData & { numbers?: unknown; dataHash?: string };
    data = rest as DocumentData;
    page = readFileSync(stamp.report.html, 'utf8');
  } catch {
    return undefined;
  }
  const file = new VFile({ path: path.relative(process.cwd(), source) || source, cwd: process.cwd() });
  replayMessages(file, stamp.messages);
  // A figure copy deleted from the output folder is put back (its source is unchanged).
  for (const problem of copyDocumentAssets(data, out)) file.message(problem, { ruleId: 'missing-asset', source: 'modelpress' });
  return {
    source,
    html: stamp.report.html,
    page,
    dataFile: stamp.report.dataFile,
    pdf: stamp.report.pdf,
    latex: stamp.report.latex,
    alsoRebuilt: [],
    removedStale: [],
    dataHash: stamp.report.dataHash,
    file,
    data,
    stats: { profiled: 0, benchmarked: 0, profileHits: 0, benchHits: 0 },
    skipped: true,
  };
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const { root, settings, rules, out, book, documents, resultsDir, machine } = await prepareProject(options);
  const to = options.to ?? ['html'];

  const built: BuiltDocument[] = [];
  const failures: string[] = [];
  copyAssets(out, { templateDirs: [root] });
  // A book: every chapter's labels and counts first, so chapters refer to each other and count on.
  const starts = new Map<string, CounterStart | undefined>();
  const external = new Map<string, Reference>();
  // A book's References: on the first chapter with ::bibliography, else a page of their own.
  let referencesPage: string | undefined;
  if (book) {
    let start: CounterStart | undefined;
    for (const doc of documents) {
      const stem = path.basename(doc, '.md');
      starts.set(doc, start);
      try {
        const text = await readFile(doc, 'utf8');
        const { scanLabels } = await stages();
        const scanned = await scanLabels(new VFile({ value: text, path: doc }), { settings, documentName: stem, counterStart: start });
        for (const [id, ref] of scanned.numbers) if (!external.has(id)) external.set(id, ref);
        if (scanned.bibliography) referencesPage ??= stem;
        start = scanned.counted;
      } catch {
        /* reported when the chapter is built */
      }
    }
  }
  const ownReferencesPage = book !== undefined && referencesPage === undefined;
  if (ownReferencesPage) referencesPage = documents.some((d) => path.basename(d, '.md') === 'references') ? 'book-references' : 'references';
  const bookCitations: BookCitations | undefined = book ? { clusters: [], items: new Map(), page: referencesPage! } : undefined;
  const bookChapters: BookChapter[] = [];
  // A document whose inputs are all as its last build recorded is not built again (never in a book,
  // whose chapters depend on each other, nor with --refresh). The project is snapshotted once, before
  // any document is read.
  const stamps = book || options.refresh !== undefined ? undefined : new DocumentStamps(cacheDirOf(root));
  const project = stamps
    ? snapshotProject({
        root,
        excluded: [out, path.dirname(cacheDirOf(root)), resultsDir],
        command: JSON.stringify({
          to,
          out,
          resultsDir,
          frozen: options.frozen,
          strict: options.strict,
          lenient: options.lenient,
          machine,
          provider: options.provider,
          // Custom rules by their content (they may live outside the project folder).
          rules: rules?.key,
        }),
        browser: browserPath(),
      })
    : undefined;
  for (const doc of documents) {
    const stem = path.basename(doc, '.md');
    const snapshot = project
      ? documentSnapshot(
          project,
          documents.filter((d) => d !== doc),
        )
      : undefined;
    const stamp = stamps && snapshot ? stamps.current(out, doc, snapshot) : undefined;
    const unchanged = stamp ? skippedDocument(doc, stamp, out) : undefined;
    if (unchanged) {
      built.push(unchanged);
      continue;
    }
    const failed = failures.length;
    const value = await readDocument(doc, failures);
    if (value === undefined) continue;
    const registryOptions: RegistryOptions = {
      cacheDir: cacheDirOf(root),
      resultsDir,
      machine,
      projectRoot: root,
      frozen: options.frozen,
      refresh: options.refresh,
      onProgress: options.onProgress ? (e) => options.onProgress!({ ...e, document: stem }) : undefined,
      rules,
    };
    // Paths relative to the working directory, as compilers print them (file.md:line:col).
    const file = new VFile({ value, path: path.relative(process.cwd(), doc) || doc, cwd: process.cwd() });
    // The last boundary: directives and front matter are guarded one by one; a failure outside them
    // costs this document only, named with its file, and every other document still builds.
    const { renderDocument, exportDocument, BOOK_REFERENCES_MARK } = await stages();
    let rendered: Awaited<ReturnType<typeof renderDocument>>;
    try {
      rendered = await renderDocument(file, {
        settings,
        registryOptions,
        templateDirs: [root],
        ...(book ? { documentName: stem, counterStart: starts.get(doc), externalNumbers: external, bookCitations } : {}),
      });
    } catch (err) {
      failures.push(`${path.relative(root, doc)}:1:1: not built: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    const htmlFile = path.join(out, `${stem}.html`);
    const dataFile = path.join(out, `${stem}.data.json`);
    const dataHash = documentDataHash(rendered.data);
    // A book's chapter pages get their navigation once every chapter's title is known (below).
    if (book)
      bookChapters.push({
        stem,
        title: rendered.title ?? stem,
        htmlFile,
        body: rendered.body,
        data: rendered.data,
        placesReferences: rendered.body.includes(BOOK_REFERENCES_MARK),
      });
    else writeFileAtomic(htmlFile, stampHtml(rendered.html, dataHash));
    for (const problem of copyDocumentAssets(rendered.data, out)) file.message(problem, { ruleId: 'missing-asset', source: 'modelpress' });
    // Outputs never disagree: a format this document already has in the folder is rewritten too.
    const alsoRebuilt = existingFormats(out, stem).filter((f) => !to.includes(f));
    const targets: OutputFormat[] = [...to, ...alsoRebuilt];
    const entry: BuiltDocument = {
      source: doc,
      html: htmlFile,
      page: rendered.html,
      dataFile,
      file,
      data: rendered.data,
      stats: { ...file.data.modelpress!.registry.stats },
      alsoRebuilt,
      latex: [],
      removedStale: [],
      dataHash,
    };
    const made = [htmlFile, dataFile];
    if (targets.includes('pdf') && (isCjkLang(rendered.data.lang) || hasCjk(rendered.body))) {
      // Without a TrueType CJK font the PDF shows boxes or embeds Type 3 fonts: say so, with the package.
      const problem = cjkFontProblem();
      if (problem) file.message(`PDF: ${problem}`, { ruleId: 'no-cjk-font', source: 'modelpress' });
    }
    // One Chromium for this document's PDF, charts and SVG images, closed once they are written (none
    // is launched when nothing needs printing).
    const browser = new BrowserLease();
    try {
      if (targets.includes('pdf') && !book) {
        const pdf = path.join(out, `${stem}.pdf`);
        try {
          // Not printed again when the HTML and its assets are unchanged (stamped under .modelpress/cache).
          await htmlToPdf(htmlFile, pdf, { title: rendered.data.title ?? stem, stamps: path.join(cacheDirOf(root), 'outputs.json'), browser });
          entry.pdf = pdf;
          made.push(pdf);
        } catch (err) {
          // A missing browser is a diagnostic (the HTML and LaTeX are still written; --strict fails);
          // a browser that is there and fails is an error.
          const why = `PDF not written: ${(err as Error).message}`;
          const stale = to.includes('pdf') ? '' : '; the PDF of an earlier build is removed rather than left with other numbers';
          if (err instanceof BrowserNotFoundError) file.message(`${why}${stale}`, { ruleId: 'no-browser', source: 'modelpress' });
          else if (to.includes('pdf')) failures.push(`${path.relative(root, doc)}: ${why}`);
          else file.message(`${why}${stale}`, { ruleId: 'export', source: 'modelpress' });
        }
      }
      // data.json (written once, by the exporter), a CSV per table and, with `tex`, the LaTeX files (src/export/).
      try {
        const docSettings = file.data.modelpress!.settings;
        const exported = await exportDocument(rendered.data, rendered.tree, out, targets, {
          stem,
          dataHash,
          templateDirs: [root],
          toc: docSettings.toc,
          bibStyle: docSettings.csl === 'apa' ? 'authoryear' : 'numeric-comp',
          browser,
          ...(book ? { labelNamespace: stem, namespaceOf: (d: string) => d, chaptersBefore: starts.get(doc)?.topSection ?? 0 } : {}),
        });
        made.push(...exported.files);
        entry.latex = exported.files.filter((f) => /\.(tex|bib)$/.test(f));
        for (const problem of exported.problems) file.message(problem, { ruleId: 'export', source: 'modelpress' });
      } catch (err) {
        failures.push(`${path.relative(root, doc)}: exports not written: ${(err as Error).message}`);
      }
    } finally {
      await browser.close();
    }
    // Anything of this document left from other data (an output that could not be rewritten) goes.
    entry.removedStale = removeOutputs(staleOutputs(out, stem, dataHash, made).filter((f) => !made.includes(f)));
    try {
      writeManifest(out, stem, dataHash, made);
    } catch (err) {
      failures.push(`${path.relative(root, doc)}: ${stem}.outputs.json not written: ${(err as Error).message}`);
    }
    if (stamps && snapshot) {
      if (failures.length === failed && settled(file)) {
        const state = file.data.modelpress!;
        stamps.record(out, doc, snapshot, {
          // What it read outside the walk: results and model files, images, included files, bibliographies, a style.
          extraFiles: [
            ...state.registry.filesUsed,
            ...rendered.data.assets.map((a) => a.source),
            ...(file.data.modelpressSources ?? []).map((s) => s.path),
            ...state.settings.bibliography.map((b) => path.resolve(path.dirname(doc), b)),
            ...cslFile(state.settings.csl, doc),
          ],
          outputs: [...made, path.join(out, `${stem}.outputs.json`), ...rendered.data.assets.map((a) => path.join(out, a.target))],
          file,
          report: { html: htmlFile, dataFile, pdf: entry.pdf, latex: entry.latex, dataHash },
        });
      } else stamps.forget(out, doc);
    }
    // This document's outputs are written: its measurements (the registry's profiles and benchmarks,
    // tens of MB for a survey) go with its plugin state, so the next document does not build on top of
    // them. What the report and watch read (messages, data, stats) stays on the entry.
    releaseDocumentState(file);
    built.push(entry);
  }
  if (book) {
    const bookWords = documentMessages(bookChapters[0]?.data ?? {});
    const { bookReferences, chapterNav, withNav, withReferences, writeBook } = await stages();
    const references = bookCitations ? bookReferences(bookCitations, bookWords.t('bibliography.title')) : undefined;
    // The navigation runs through the References page when the book writes one.
    const pages = ownReferencesPage && references ? [...bookChapters, { stem: referencesPage!, title: bookWords.t('bibliography.title') }] : bookChapters;
    bookChapters.forEach((c, i) => {
      const page = built.find((b) => b.html === c.htmlFile);
      if (page)
        writeFileAtomic(
          c.htmlFile,
          stampHtml(withReferences(withNav(page.page, chapterNav(pages, i, documentMessages(c.data).t('toc.title'))), references?.html), page.dataHash),
        );
    });
    // Without a browser the book's PDF is a warning on its first chapter, as each chapter's own PDF is.
    const first = built[0]?.file;
    try {
      const refs = references ? { ...references, page: ownReferencesPage ? referencesPage : undefined } : undefined;
      await writeBook(
        book,
        bookChapters,
        out,
        to,
        [root],
        failures,
        first ? (m) => void first.message(m, { ruleId: 'no-browser', source: 'modelpress' }) : undefined,
        refs,
      );
    } catch (err) {
      failures.push(`book: not written: ${(err as Error).message}`);
    }
  }
  const frozenMiss = built.some((d) => d.file.messages.some((m) => m.ruleId === 'frozen-miss'));
  const anyMessage = built.some((d) => d.file.messages.length > 0);
  const anyError = built.some((d) => d.file.messages.some((m) => m.fatal === true));
  const exitCode = failures.length > 0 || frozenMiss || (options.strict && anyMessage) || (!options.lenient && anyError) ? 1 : 0;
  return { documents: built, exitCode, failures };
}
