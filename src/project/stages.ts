/**
 * The rendering and export stages, loaded by a build only when it renders a document: a warm rebuild
 * that skips every document (cache/document-stamp.ts) loads none of unified, KaTeX, citeproc or
 * handlebars.
 */
export { renderDocument, scanLabels } from '../document/pipeline.js';
export { BOOK_REFERENCES_MARK, bookReferences } from '../document/citations.js';
export { exportDocument } from '../export/index.js';
export { chapterNav, withNav, withReferences, writeBook } from './book.js';
