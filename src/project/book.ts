/**
 * A book (`modelpress.config.json` `book: {title, chapters}`): the chapters build as documents whose
 * counters continue one another and whose labels are known to each other (read first, without
 * measuring, by scanLabels), so `@sec-x` in chapter 2 links to chapter 1's page and LaTeX refers to
 * `<chapter>:sec:x`. Besides each chapter's page this writes:
 *
 * - `<out>/index.html`: the book's title and its chapters;
 * - navigation (contents, previous, next) at the top of every chapter page;
 * - the book's one References (citations are numbered once across the chapters): in the place of
 *   the first chapter's `::bibliography`, else on `<out>/references.html`, after the last chapter;
 * - `<out>/book.html` → `<out>/book.pdf`: every chapter in one page, printed once (`--to pdf`);
 * - `<out>/book.tex` (`--to tex`): a `report`-class main file that `\input`s each chapter's fragment
 *   (`\chapter` per chapter), with the contents and one bibliography (`book.bib`, every chapter's works).
 */
import path from 'node:path';
import { writeFileAtomic } from '../cache/store.js';
import { type CitedWork, type DocumentData, documentMessages } from '../docmodel/types.js';
import { catalogueFor } from '../i18n/index.js';
import { latexEngine } from '../export/latex.js';
import { standaloneLatex } from '../render/latex-document.js';
import { latexInputName } from '../render/latex-escape.js';
import { renderPage } from '../render/page.js';
import { bibFile } from '../export/bib.js';
import { BrowserNotFoundError, htmlToPdf } from '../export/pdf.js';

export interface BookConfig {
  title: string;
  author?: string | undefined;
  chapters: string[];
}

export interface BookChapter {
  stem: string;
  title: string;
  htmlFile: string;
  body: string;
  data: DocumentData;
  /** The chapter has `::bibliography`: the book's References are shown there. */
  placesReferences?: boolean | undefined;
}

/** The book's one References: HTML, works (citation order) and its own page's stem, if it has one. */
export interface BookReferences {
  html: string;
  works: CitedWork[];
  /** `references`: a page of its own (no chapter has ::bibliography); undefined: shown in that chapter. */
  page?: string | undefined;
}

/** The place a chapter's `::bibliography` left for the book's References (src/document/citations.ts). */
const REFERENCES_PLACE = /<section class="mp-references" id="references"><!--modelpress:book-references--><\/section>/g;

/**
 * Put the book's References in the place a chapter's `::bibliography` left for them (none cited: the
 * place goes). There the list comes without a heading of its own: the chapter's heading is its title
 * (`# References {.unnumbered}`, as in a Quarto book's references.qmd).
 */
export function withReferences(html: string, references: string | undefined): string {
  return html.replace(REFERENCES_PLACE, () => references?.replace('<h2>References</h2>', '') ?? '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The navigation bar of chapter `i`. */
export function chapterNav(chapters: readonly { stem: string; title: string }[], i: number, contents = 'Contents'): string {
  const prev = chapters[i - 1];
  const next = chapters[i + 1];
  return [
    '<nav class="mp-book-nav">',
    `<a href="index.html">${escapeHtml(contents)}</a>`,
    prev ? ` · <a href="${prev.stem}.html" rel="prev">← ${escapeHtml(prev.title)}</a>` : '',
    next ? ` · <a href="${next.stem}.html" rel="next">${escapeHtml(next.title)} →</a>` : '',
    '</nav>',
  ].join('');
}

/** Insert the navigation right after `<main …>` of a rendered chapter page. */
export function withNav(html: string, nav: string): string {
  return html.replace(/(<main[^>]*>)/, `$1\n${nav}`);
}

export async function writeBook(
  book: BookConfig,
  chapters: BookChapter[],
  out: string,
  to: readonly string[],
  templateDirs: readonly string[],
  failures: string[],
  /** A missing browser is a warning, not a failure (the rest of the book is written). */
  warn: (message: string) => void = (message) => failures.push(message),
  references?: BookReferences | undefined,
): Promise<string[]> {
  const written: string[] = [];
  // The book's language is its first chapter's (lang: in the config applies to every chapter).
  const lang = chapters[0]?.data.lang;
  const words = documentMessages(chapters[0]?.data ?? {});
  const referencesTitle = words.t('bibliography.title');
  const pages = references?.page ? [...chapters, { stem: references.page, title: referencesTitle }] : chapters;
  const list = pages.map((c) => `<li><a href="${c.stem}.html">${escapeHtml(c.title)}</a></li>`).join('\n');
  const index = renderPage(
    {
      title: book.title,
      author: book.author,
      lang,
      footer: words.t('footer.text'),
      body: `<h1>${escapeHtml(book.title)}</h1>\n<nav class="mp-book-index"><ol>\n${list}\n</ol></nav>`,
    },
    { templateDirs },
  );
  writeFileAtomic(path.join(out, 'index.html'), index);
  written.push(path.join(out, 'index.html'));
  if (references?.page) {
    // The References page, after the last chapter in the navigation.
    // The page's title is the heading: the section's own "References" heading would repeat it.
    const page = renderPage(
      {
        title: referencesTitle,
        author: book.author,
        lang,
        footer: words.t('footer.text'),
        body: references.html.replace(`<h2>${escapeHtml(referencesTitle)}</h2>`, ''),
      },
      { templateDirs },
    );
    const file = path.join(out, `${references.page}.html`);
    writeFileAtomic(file, withNav(page, chapterNav(pages, pages.length - 1, words.t('toc.title'))));
    written.push(file);
  }

  if (to.includes('pdf')) {
    // One page holding every chapter: links between chapters become links within the page.
    const bodies = chapters.map(
      (c) =>
        `<section class="mp-chapter" id="chapter-${c.stem}">\n${withReferences(c.body, references?.html).replace(/href="([\w.-]+)\.html#/g, 'href="#')}\n</section>`,
    );
    if (references?.page) bodies.push(`<section class="mp-chapter" id="chapter-${references.page}">\n${references.html}\n</section>`);
    const html = renderPage({ title: book.title, author: book.author, lang, footer: words.t('footer.text'), body: bodies.join('\n') }, { templateDirs });
    const htmlFile = path.join(out, 'book.html');
    writeFileAtomic(htmlFile, html);
    try {
      await htmlToPdf(htmlFile, path.join(out, 'book.pdf'), { title: book.title });
      written.push(path.join(out, 'book.pdf'));
    } catch (err) {
      if (err instanceof BrowserNotFoundError) warn(`book: PDF not written: ${err.message}`);
      else failures.push(`book: PDF not written: ${(err as Error).message}`);
    }
  }

  if (to.includes('tex')) {
    // One bibliography: every chapter's works, in citation order (biblatex numbers them the same way).
    const merged: DocumentData = { ...chapters[0]!.data, source: 'the book', citations: references?.works ?? [] };
    const bib = merged.citations.length > 0 ? 'book.bib' : undefined;
    if (bib) writeFileAtomic(path.join(out, bib), bibFile(merged));
    const tex = standaloneLatex(
      {
        title: book.title,
        author: book.author,
        body: chapters.map((c) => `\\input{${latexInputName(`${c.stem}.tex`)}}`).join('\n\\clearpage\n'),
        toc: true,
        bibFile: bib,
        // A chapter with ::bibliography prints it there; else it comes last.
        bibPrinted: chapters.some((c) => c.placesReferences),
        // \chapter per chapter; tables, figures and equations numbered per chapter (2.1), as in the HTML.
        documentClass: 'report',
        // A CJK book compiles with xelatex and ctex, as its chapters' standalone files do.
        xelatex: latexEngine(lang, chapters.map((c) => `${c.title}\n${c.body}`).join('\n')) === 'xelatex',
        cjkScheme: catalogueFor(lang) === 'zh-CN' ? 'chinese' : 'plain',
      },
      { templateDirs },
    );
    writeFileAtomic(path.join(out, 'book.tex'), tex);
    written.push(path.join(out, 'book.tex'));
  }
  return written;
}
