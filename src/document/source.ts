/**
 * Where a node's text comes from: the document itself, or a file it `::include`s (nested at any
 * depth). An included file's nodes keep their own line, column and offset, shifted into a band of
 * their own (`line + k·LINE_BAND`, `offset + k·OFFSET_BAND` for the k-th included file), so every
 * place computed from them (an attribute inside a directive, a reference inside a sentence) still
 * points into that file. Diagnostics, error boxes and source slices decode the band here:
 * `parts/method.md:3:12`, not the `::include` line of the document.
 */
import path from 'node:path';
import type { Point, Position } from 'unist';
import type { Node } from 'unist';
import { visit } from 'unist-util-visit';
import { VFile } from 'vfile';

/** No Markdown file has ten million lines or 2^36 characters. */
const LINE_BAND = 10_000_000;
const OFFSET_BAND = 2 ** 36;

interface IncludedSource {
  /** Absolute path of the included file. */
  path: string;
  text: string;
}

declare module 'vfile' {
  interface DataMap {
    /** The files this document includes, in the order they were read (band k is entry k − 1). */
    modelpressSources: IncludedSource[];
  }
}

/** Give an included file's nodes their band: call on the tree parsed from `text` before it is spliced in. */
export function placeIncluded(file: VFile, tree: Node, includedPath: string, text: string): void {
  const sources = (file.data.modelpressSources ??= []);
  sources.push({ path: includedPath, text });
  const band = sources.length;
  const shift = (p: Point): Point => ({
    line: p.line + band * LINE_BAND,
    column: p.column,
    ...(p.offset !== undefined ? { offset: p.offset + band * OFFSET_BAND } : {}),
  });
  visit(tree, (n) => {
    if (n.position) n.position = { start: shift(n.position.start), end: shift(n.position.end) };
  });
}

/** Where a point really is: the file (undefined: the document itself), line, column and offset. */
export function sourcePoint(file: VFile, point: Point): { source?: IncludedSource | undefined; line: number; column: number; offset?: number | undefined } {
  const band = Math.floor(point.line / LINE_BAND);
  const source = band > 0 ? file.data.modelpressSources?.[band - 1] : undefined;
  if (!source) return { line: point.line, column: point.column, offset: point.offset };
  return {
    source,
    line: point.line - band * LINE_BAND,
    column: point.column,
    offset: point.offset !== undefined ? point.offset - band * OFFSET_BAND : undefined,
  };
}

/** The source text of a place (the document's, or the included file's that holds it). */
export function sourceSlice(file: VFile, position: Position | undefined): string | undefined {
  if (!position || position.start.offset === undefined || position.end.offset === undefined) return undefined;
  const start = sourcePoint(file, position.start);
  const end = sourcePoint(file, position.end);
  if (start.offset === undefined || end.offset === undefined || start.source !== end.source) return undefined;
  const text = start.source ? start.source.text : file.value === undefined ? undefined : String(file.value);
  return text?.slice(start.offset, end.offset);
}

/** How an error box names a place: `doc.md` for the document, `parts/x.md` (relative to it) for an included file. */
export function placeName(file: VFile, point: Point | undefined): { file: string | undefined; line: number | undefined; column: number | undefined } {
  if (!point) return { file: file.path ? file.basename : undefined, line: undefined, column: undefined };
  const at = sourcePoint(file, point);
  const name = at.source ? included(file, at.source.path) : file.path ? file.basename : undefined;
  return { file: name, line: at.line, column: at.column };
}

function included(file: VFile, full: string): string {
  const dir = file.path ? path.dirname(path.resolve(file.cwd, file.path)) : file.cwd;
  return path.relative(dir, full).split(path.sep).join('/');
}

/**
 * Move each diagnostic inside included text to its own file and place: `message.file` becomes the
 * included file (as the document's path is written: relative to the working directory), with its
 * line and column. Run once the document's plugins are done.
 */
export function relocateMessages(file: VFile): void {
  if (!file.data.modelpressSources?.length) return;
  for (const message of file.messages) {
    const place = message.place;
    if (!place) continue;
    const start = 'start' in place ? place.start : place;
    const at = sourcePoint(file, start);
    if (!at.source) continue;
    const end = 'end' in place ? sourcePoint(file, place.end) : undefined;
    const startPoint = { line: at.line, column: at.column, ...(at.offset !== undefined ? { offset: at.offset } : {}) };
    message.place = end
      ? { start: startPoint, end: { line: end.line, column: end.column, ...(end.offset !== undefined ? { offset: end.offset } : {}) } }
      : startPoint;
    message.line = at.line;
    message.column = at.column;
    message.file = path.relative(file.cwd, at.source.path) || at.source.path;
    message.name = end ? `${at.line}:${at.column}-${end.line}:${end.column}` : `${at.line}:${at.column}`;
  }
}

/**
 * The document's messages grouped by the file they are in, as VFiles a reporter prints one by one:
 * the document first, then each included file that has a message.
 */
export function filesOfMessages(file: VFile): VFile[] {
  const own = file.messages.filter((m) => !m.file || m.file === file.path);
  if (own.length === file.messages.length) return [file];
  const main = new VFile({ path: file.path, cwd: file.cwd });
  main.messages = own;
  const others = new Map<string, VFile>();
  for (const m of file.messages) {
    if (!m.file || m.file === file.path) continue;
    let f = others.get(m.file);
    if (!f) others.set(m.file, (f = new VFile({ path: m.file, cwd: file.cwd })));
    f.messages.push(m);
  }
  return [main, ...others.values()];
}
