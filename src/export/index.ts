/**
 * The exports of a built document, next to its HTML in the output folder:
 *
 * - always: `<doc>.data.json` (every number with its provenance) and one CSV per table;
 * - `tex`: `<doc>.tex` (fragment to \input), `<doc>.macros.tex`, `<doc>.standalone.tex`, and each
 *   chart as `<doc>.<fig>.svg` plus a `.pdf` for pdflatex when a Chromium can print it.
 *
 * Every file is written atomically and only when its content changed, so a warm rebuild rewrites
 * nothing; files of this document that a rebuild no longer produces (a removed table's CSV) are
 * deleted. The PDF of the page itself is printed by the build (src/export/pdf.ts).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { writeFileAtomic } from '../cache/store.js';
import type { DocumentData, ItemNumber } from '../docmodel/types.js';
import { tableCsvFiles } from './csv.js';
import { bibFile } from './bib.js';
import { documentFiles, stampTex } from './coherence.js';
import { dataJson } from './data-json.js';
import { svgsToPdf } from './figures.js';
import type { BrowserLease } from './pdf.js';
import { documentToLatex, titleHeading } from './latex.js';
import { macrosFile } from './macros.js';
import { standaloneDocument } from './standalone.js';

export interface ExportOptions {
  /** File stem of the document (`survey` for survey.md). */
  stem: string;
  /** User template folders (a content folder may override latex/standalone.tex.hbs). */
  templateDirs?: readonly string[] | undefined;
  /** Chromium for chart PDFs (default: findChromium's search). */
  executablePath?: string | undefined;
  /** The document's browser, shared with its PDF (see BrowserLease); else one is launched per conversion. */
  browser?: BrowserLease | undefined;
  /** Prefix of the fragment's labels (a book's chapter). */
  labelNamespace?: string | undefined;
  /** Prefix of another chapter's labels (cross-chapter references). */
  namespaceOf?: ((document: string) => string | undefined) | undefined;
  /** `\tableofcontents` in the standalone. */
  toc?: boolean | undefined;
  /** biblatex style of the standalone (`numeric-comp` by default; `authoryear` for APA). */
  bibStyle?: string | undefined;
  /** The data hash the LaTeX files record (export/coherence.ts); none when absent. */
  dataHash?: string | undefined;
  /**
   * A book's chapter: its top-level headings are `\chapter`s (report class) and this many chapters
   * come before it (its standalone starts its chapter counter there).
   */
  chaptersBefore?: number | undefined;
}

export interface ExportResult {
  /** Every file this export stands for, absolute paths. */
  files: string[];
  /** Of those, the ones written now (new or changed). */
  written: string[];
  /** Removed files of this document that the build no longer produces. */
  removed: string[];
  /** What could not be done, in words (e.g. chart PDFs without a Chromium): the rest is written. */
  problems: string[];
}

function writeIfChanged(file: string, content: string | Uint8Array, result: ExportResult): void {
  result.files.push(file);
  if (writeFileAtomic(file, content)) result.written.push(file);
}

/** This document's generated side files (CSV, chart SVG/PDF) left over from an earlier build. */
function removeStale(outDir: string, stem: string, keep: Set<string>, withFigures: boolean, result: ExportResult): void {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return;
  }
  const prefix = `${stem}.`;
  for (const name of documentFiles(names, stem)) {
    const rest = name.slice(prefix.length);
    // Chart files belong to the LaTeX export: a build without `tex` leaves them with the .tex that uses them.
    const ours = /\.csv$/.test(rest) || (withFigures && /^fig-[\w-]+\.(svg|pdf)$/.test(rest));
    const file = path.join(outDir, name);
    if (!ours || keep.has(file)) continue;
    rmSync(file, { force: true });
    result.removed.push(file);
  }
}

function figureBase(chart: { id?: string | undefined; number?: ItemNumber | undefined }, index: number): string {
  if (chart.id) return chart.id.replace(/[^A-Za-z0-9_-]+/g, '-');
  // `2.1` in a book: no second dot in a file name that \includegraphics reads.
  return `fig-${String(chart.number ?? index + 1).replace(/\./g, '-')}`;
}

/**
 * Write the exports of one document. `data` is the collected data of the pipeline, `tree` its
 * Markdown tree after the pipeline ran (directives resolved), `targets` the build's `--to` list.
 */
export async function exportDocument(
  data: DocumentData,
  tree: Root,
  outDir: string,
  targets: readonly string[],
  options: ExportOptions,
): Promise<ExportResult> {
  const result: ExportResult = { files: [], written: [], removed: [], problems: [] };
  const { stem } = options;
  const out = path.resolve(outDir);

  writeIfChanged(path.join(out, `${stem}.data.json`), dataJson(data), result);
  for (const csv of tableCsvFiles(data, stem)) writeIfChanged(path.join(out, csv.name), csv.content, result);

  if (targets.includes('tex')) {
    const figureFiles = new Map<ItemNumber, string>();
    const svgFiles = new Map<ItemNumber, string>();
    const jobs: Parameters<typeof svgsToPdf>[0] = [];
    data.charts.forEach((chart, i) => {
      if (chart.number === undefined) return;
      const base = `${stem}.${figureBase(chart, i)}`;
      writeIfChanged(path.join(out, `${base}.svg`), chart.svg, result);
      svgFiles.set(chart.number, `${base}.svg`);
      const pdf = path.join(out, `${base}.pdf`);
      // The PDF is made from the SVG: when the SVG is unchanged and its PDF exists, keep it.
      if (existsSync(pdf) && !result.written.includes(path.join(out, `${base}.svg`))) {
        figureFiles.set(chart.number, `${base}.pdf`);
        result.files.push(pdf);
        return;
      }
      const number = chart.number;
      jobs.push({
        svg: chart.svg,
        write: (bytes) => {
          writeIfChanged(pdf, bytes, result);
          figureFiles.set(number, `${base}.pdf`);
        },
      });
    });
    if (jobs.length > 0) {
      try {
        await svgsToPdf(jobs, options.executablePath, options.browser);
      } catch (err) {
        result.problems.push(`charts not converted for LaTeX (the fragment shows a note instead): ${(err as Error).message}`);
      }
    }

    // SVG images: printed to PDF beside them for pdflatex (as charts are).
    const imageFiles = new Map<string, string>();
    const imageJobs: Parameters<typeof svgsToPdf>[0] = [];
    for (const asset of data.assets) {
      if (!/\.svg$/i.test(asset.target)) continue;
      const pdfTarget = asset.target.replace(/\.svg$/i, '-svg.pdf');
      const pdf = path.join(out, pdfTarget);
      if (existsSync(pdf) && existsSync(path.join(out, asset.target)) && readFileSync(path.join(out, asset.target)).equals(readFileSync(asset.source))) {
        imageFiles.set(asset.target, pdfTarget);
        result.files.push(pdf);
        continue;
      }
      imageJobs.push({
        svg: readFileSync(asset.source, 'utf8'),
        write: (bytes) => {
          writeIfChanged(pdf, bytes, result);
          imageFiles.set(asset.target, pdfTarget);
        },
      });
    }
    if (imageJobs.length > 0) {
      try {
        await svgsToPdf(imageJobs, options.executablePath, options.browser);
      } catch (err) {
        result.problems.push(`SVG images not converted for LaTeX (the fragment shows a note instead): ${(err as Error).message}`);
      }
    }
    const fragment = documentToLatex(tree, data, {
      figureFiles,
      svgFiles,
      outDir: out,
      imageFiles,
      labelNamespace: options.labelNamespace,
      namespaceOf: options.namespaceOf,
      chapters: options.chaptersBefore !== undefined,
    });
    const bib = data.citations.length > 0 ? bibFile(data) : undefined;
    if (bib !== undefined) writeIfChanged(path.join(out, `${stem}.bib`), bib, result);
    const stamp = (tex: string) => (options.dataHash ? stampTex(tex, options.dataHash) : tex);
    writeIfChanged(path.join(out, `${stem}.tex`), stamp(fragment), result);
    writeIfChanged(path.join(out, `${stem}.macros.tex`), stamp(macrosFile(data)), result);
    const title = data.title ?? titleHeading(tree, data.title)?.text ?? stem;
    const standalone = standaloneDocument({
      title,
      author: data.author,
      date: data.date,
      fragmentFile: `${stem}.tex`,
      macrosFile: `${stem}.macros.tex`,
      fragment,
      templateDirs: options.templateDirs,
      toc: options.toc,
      bibFile: bib !== undefined ? `${stem}.bib` : undefined,
      bibStyle: options.bibStyle,
      bibPrinted: fragment.includes('\\printbibliography'),
      lang: data.lang,
      ...(options.chaptersBefore !== undefined ? { documentClass: 'report' as const, chaptersBefore: options.chaptersBefore } : {}),
    });
    result.problems.push(...standalone.problems);
    writeIfChanged(path.join(out, `${stem}.standalone.tex`), stamp(standalone.tex), result);
  }
  removeStale(out, stem, new Set(result.files), targets.includes('tex'), result);
  return result;
}

export { documentToLatex, tableLatex, titleHeading } from './latex.js';
export { macrosFile, metricMacros } from './macros.js';
export { dataFile, dataJson, documentNumbers } from './data-json.js';
export { tableCsvFiles } from './csv.js';
export { latexEngine, standaloneDocument, standaloneFile } from './standalone.js';
