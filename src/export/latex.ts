/**
 * The LaTeX fragment (`<doc>.tex`, to `\input{}` into a thesis): the document's Markdown tree after
 * the pipeline ran, written as LaTeX from the document model (src/docmodel/): every node a plugin
 * rendered carries its ElementOutput (the collected table, formula, chart, metric, reference, error),
 * and each is written from that data, never from the HTML. Prose is escaped; math passes through;
 * tables go through render's booktabs + siunitx writer; charts and image figures become `figure`
 * environments. Sections, tables, figures and equations get `\label`s named after their ids
 * (`tbl-cnn` → `tbl:cnn`, namespaced `<doc>:tbl:cnn` in a book) and `@tbl-cnn` becomes
 * `Table~\ref{tbl:cnn}`, so the numbers agree with the HTML's.
 */
import type { List, Nodes, Paragraph, PhrasingContent, Root, RootContent, Table } from 'mdast';
// Type augmentations: directive and math nodes in the mdast unions.
import type {} from 'mdast-util-directive';
import type {} from 'mdast-util-math';
import { errorBoxLatex, latexLabel, siunitxFormat, tableToLatex, type TableData } from '../render/index.js';
import { latexCaption } from '../render/latex.js';
import { escapeLatexText, latexComment, latexPath, latexUrl, unsafeMath } from '../render/latex-escape.js';
import { type ElementOutput, type ErrorOutput, labelOf, numberOf as numberOfNode, outputOf } from '../docmodel/output.js';
import { type CollectedChart, type DocumentData, documentMessages, type ItemNumber } from '../docmodel/types.js';
import { ENGLISH, hasCjk, isCjkLang, type MessageKey, type Messages } from '../i18n/index.js';

type Kind = 'table' | 'figure' | 'equation';

/** `width=60%` → `0.6\linewidth`; lengths LaTeX knows pass through; px at 96 per inch. */
function latexWidth(width: string | undefined): string | undefined {
  if (!width) return undefined;
  const m = /^(\d+(?:\.\d+)?)(%|px|cm|mm|in|pt|em)$/.exec(width);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return `${Math.min(n, 100) / 100}\\linewidth`;
  if (m[2] === 'px') return `${(n * 0.75).toFixed(1)}pt`;
  return width;
}

export interface LatexFragmentOptions {
  /**
   * File names of figures written next to the fragment, by figure number (a PDF made from each
   * chart's SVG). A chart without one gets a framed note naming its SVG file.
   */
  figureFiles?: ReadonlyMap<ItemNumber, string> | undefined;
  /** File names of the charts' SVGs, by figure number (named in the note). */
  svgFiles?: ReadonlyMap<ItemNumber, string> | undefined;
  /** Folder the fragment is written to: local images are referred to relative to it. */
  outDir?: string | undefined;
  /** Prefix of every label (`ch1` → `ch1:tbl:cnn`): set in a book so two chapters never collide (and no heading is the title). */
  labelNamespace?: string | undefined;
  /** Namespaces of other documents' labels (a book's cross-chapter references), by document stem. */
  namespaceOf?: ((document: string) => string | undefined) | undefined;
  /** Image assets converted for pdflatex (an SVG printed to PDF), by output-relative target. */
  imageFiles?: ReadonlyMap<string, string> | undefined;
  /** A book's chapter: the top-level headings are `\chapter` (report class), the next level `\section`. */
  chapters?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Text

/** A formula that would read files or change how TeX reads (render/latex-escape.ts unsafeMath), left out visibly. */
function mathLeftOut(tex: string, msg: Messages): string {
  return `\\textbf{[${escapeLatexText(msg.t('latex.mathLeftOut', { command: unsafeMath(tex) ?? '' }))}]}`;
}

/**
 * Characters outside what pdflatex with T1 + utf8 input reads (ASCII, Latin-1, the usual quotes and
 * dashes, and the ones escaped above): the standalone wrapper declares them so it always compiles.
 */
export function unsupportedCharacters(latex: string): string[] {
  const found = new Set<string>();
  for (const ch of latex) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff)) continue;
    if ([0x2013, 0x2014, 0x2018, 0x2019, 0x201c, 0x201d, 0x2026, 0x20ac].includes(cp)) continue;
    found.add(ch);
  }
  return [...found];
}

const escapeUrl = latexUrl;

// ---------------------------------------------------------------------------------------------------
// The writer

class FragmentWriter {
  private readonly footnotes = new Map<string, RootContent[]>();

  constructor(
    private readonly data: DocumentData,
    private readonly options: LatexFragmentOptions,
    private readonly headingOffset: number,
    private readonly skipHeading: RootContent | undefined,
  ) {}

  /** The LaTeX label of an id of this document (or of `document`, in a book). */
  label(id: string, document?: string): string {
    const ns = document !== undefined && this.options.namespaceOf ? this.options.namespaceOf(document) : this.options.labelNamespace;
    const safe = ns?.replace(/[^\w.-]/g, '');
    return safe ? `${safe}:${latexLabel(id)}` : latexLabel(id);
  }

  collectFootnotes(tree: Root): void {
    for (const node of tree.children) {
      if (node.type === 'footnoteDefinition') this.footnotes.set(node.identifier, node.children);
    }
  }

  blocks(nodes: readonly RootContent[]): string {
    return nodes
      .map((n) => this.block(n))
      .filter((s) => s !== '')
      .join('\n\n');
  }

  block(node: RootContent): string {
    if (node === this.skipHeading) return '';
    const output = outputOf(node);
    if (output?.kind === 'toc') return '';
    if (output?.kind === 'table-caption') return this.captionedTable(node as unknown as { children: RootContent[]; data?: unknown });
    // A book's References in a chapter of their own: the chapter's heading is their title.
    if (output?.kind === 'bibliography') return output.book ? '\\printbibliography[heading=none]' : this.bibliography();
    switch (node.type) {
      case 'heading': {
        const level = node.depth + this.headingOffset;
        const commands = this.options.chapters
          ? ['chapter', 'section', 'subsection', 'subsubsection', 'paragraph']
          : ['section', 'subsection', 'subsubsection', 'paragraph', 'subparagraph'];
        const command = commands[Math.min(Math.max(level, 1), 5) - 1]!;
        const section = (node.data as { modelpressSection?: { unnumbered: boolean } } | undefined)?.modelpressSection;
        const star = section?.unnumbered && this.numberedSections ? '*' : '';
        const id = labelOf(node)?.id;
        return `\\${command}${star}{${this.inline(node.children).trim()}}${id ? `\\label{${this.label(id)}}` : ''}`;
      }
      case 'paragraph':
        if (labelOf(node)?.kind === 'figure') return this.imageFigure(node);
        return this.inline(node.children);
      case 'blockquote':
        return `\\begin{quote}\n${this.blocks(node.children)}\n\\end{quote}`;
      case 'list':
        return this.list(node);
      case 'code':
        return `\\begin{verbatim}\n${node.value.replace(/\\end\{verbatim\}/g, '\\end {verbatim}')}\n\\end{verbatim}`;
      case 'math': {
        const label = labelOf(node);
        if (unsafeMath(node.value)) return mathLeftOut(node.value, documentMessages(this.data));
        if (label?.id && numberOfNode(node) !== undefined) return `\\begin{equation}\\label{${this.label(label.id)}}\n${node.value}\n\\end{equation}`;
        return `\\[\n${node.value}\n\\]`;
      }
      case 'thematicBreak':
        return '\\par\\noindent\\rule{\\linewidth}{0.4pt}\\par';
      case 'table':
        return this.markdownTable(node);
      case 'html':
        return `% raw HTML left out of the LaTeX export: ${latexComment(node.value.replace(/\s+/g, ' ').slice(0, 60))}`;
      case 'yaml':
      case 'definition':
      case 'footnoteDefinition':
        return '';
      case 'leafDirective':
      case 'containerDirective':
        return this.blockDirective(node);
      default:
        // Phrasing content at block level (e.g. a lone text directive): write it as a paragraph.
        return this.inline([node as PhrasingContent]);
    }
  }

  /** Whether the standalone numbers sections (unnumbered ones then need the starred form). */
  numberedSections = true;

  private list(node: List): string {
    const env = node.ordered ? 'enumerate' : 'itemize';
    const start = node.ordered && node.start !== null && node.start !== undefined && node.start !== 1 ? `\\setcounter{enumi}{${node.start - 1}}\n` : '';
    const items = node.children.map((item) => {
      const box = item.checked === true ? '[$\\boxtimes$] ' : item.checked === false ? '[$\\square$] ' : '';
      return `\\item ${box}${this.blocks(item.children)}`;
    });
    return `\\begin{${env}}\n${start}${items.join('\n')}\n\\end{${env}}`;
  }

  inline(nodes: readonly PhrasingContent[]): string {
    return nodes.map((n) => this.phrasing(n)).join('');
  }

  private phrasing(node: PhrasingContent): string {
    const output = outputOf(node);
    if (output) return this.inlineOutput(output);
    switch (node.type) {
      case 'text':
        return escapeLatexText(node.value);
      case 'emphasis':
        return `\\emph{${this.inline(node.children)}}`;
      case 'strong':
        return `\\textbf{${this.inline(node.children)}}`;
      case 'delete':
        return this.inline(node.children);
      case 'inlineCode':
        return `\\texttt{${escapeLatexText(node.value)}}`;
      case 'inlineMath':
        return unsafeMath(node.value) ? mathLeftOut(node.value, documentMessages(this.data)) : `$${node.value}$`;
      case 'break':
        return '\\\\\n';
      case 'link': {
        const text = this.inline(node.children);
        if (node.url.startsWith('#')) return `\\hyperref[${this.label(node.url.slice(1))}]{${text}}`;
        return `\\href{${escapeUrl(node.url)}}{${text}}`;
      }
      case 'linkReference':
        return this.inline(node.children);
      case 'image':
        return this.image(node.url, node.alt ?? '', undefined);
      case 'imageReference':
        return `[${escapeLatexText(node.alt ?? '')}]`;
      case 'footnoteReference': {
        const body = this.footnotes.get(node.identifier);
        return body ? `\\footnote{${this.blocks(body).replace(/\n\n/g, '\\par ')}}` : '';
      }
      case 'html':
        return '';
      default:
        return '';
    }
  }

  /** What an inline node stands for, written from its data. */
  private inlineOutput(output: ElementOutput): string {
    switch (output.kind) {
      case 'section-number':
        return '';
      case 'metric':
        // An unstable measurement is never printed bare: a footnote gives its 95% CI.
        return (
          escapeLatexText(output.text) +
          (output.metric?.unstable ? `\\footnote{${escapeLatexText(output.metric.unstable.replace(/^./, (c) => c.toUpperCase()))}.}` : '')
        );
      case 'error':
        return this.errorBox(output, true);
      case 'xref': {
        const label = this.label(output.id, output.document);
        if (!output.numbered) return `\\hyperref[${label}]{${escapeLatexText(output.text)}}`;
        // Equations as amsmath refers to them, "(3)"; the catalogue's words around the number, as the
        // HTML writes them (`Table~\ref{…}`, `Equation~\eqref{…}`, `表~\ref{…}`, `第~\ref{…}~节`).
        const ref = output.target === 'equation' ? `\\eqref{${label}}` : `\\ref{${label}}`;
        if (output.bare) return ref;
        const slot = '\ue000';
        const words = documentMessages(this.data).t(output.chapter ? 'ref.chapter' : `ref.${output.target}`, { n: slot });
        return escapeLatexText(words).replace(slot, ref);
      }
      case 'citation':
        return this.citation(output);
      default:
        return '';
    }
  }

  private citation(output: Extract<ElementOutput, { kind: 'citation' }>): string {
    const keys = output.items.map((i) => i.key).join(',');
    const one = output.items.length === 1 ? output.items[0]! : undefined;
    const pre = one?.prefix ? `[${escapeLatexText(one.prefix)}]` : '';
    const post = one?.locator || one?.suffix ? `[${escapeLatexText([one.locator, one.suffix].filter(Boolean).join(' '))}]` : pre ? '[]' : '';
    const command = output.mode === 'narrative' ? 'textcite' : output.mode === 'suppress-author' ? 'autocite*' : 'autocite';
    return `\\${command}${pre}${post}{${keys}}`;
  }

  private bibliography(): string {
    return this.data.citations.length > 0 ? '\\printbibliography' : '';
  }

  private image(url: string, alt: string, width: string | undefined): string {
    const msg = documentMessages(this.data);
    const note = (why: MessageKey) => {
      const text = escapeLatexText(msg.t('latex.image', { alt: '\ue001', url: '\ue002', why: msg.t(why) }));
      return `\\fbox{\\parbox{0.9\\linewidth}{${text.replace('\ue001', `\\emph{${escapeLatexText(alt || url)}}`).replace('\ue002', `\\texttt{${escapeLatexText(url)}}`)}}}`;
    };
    if (/^[a-z]+:/i.test(url)) return note('latex.imageOnWeb');
    const converted = this.options.imageFiles?.get(url);
    const file = converted ?? url;
    if (!/\.(pdf|png|jpe?g)$/i.test(file)) return note('latex.imageFormat');
    const asset = this.data.assets.find((a) => a.target === url);
    if (!asset && !converted) return note('latex.imageMissing');
    if (latexPath(file) === undefined) return note('latex.imagePath');
    return `\\includegraphics[width=${width ?? '0.8\\linewidth'}]{${file}}`;
  }

  /** `![caption](path){#fig-x width=60%}`: a figure environment with caption and label. */
  private imageFigure(node: Paragraph): string {
    const image = node.children.find((c) => c.type === 'image');
    if (image?.type !== 'image') return '';
    const info = (node.data as { modelpressFigure?: { caption: string; width?: string } }).modelpressFigure;
    const id = labelOf(node)?.id;
    const body = this.image(image.url, image.alt ?? '', latexWidth(info?.width));
    if (numberOfNode(node) === undefined) return `\\begin{center}\n${body}\n\\end{center}`;
    const lines = ['\\begin{figure}[htbp]', '\\centering', body, latexCaption(info?.caption ?? '', escapeLatexText(info?.caption ?? ''))];
    if (id) lines.push(`\\label{${this.label(id)}}`);
    lines.push('\\end{figure}');
    return lines.join('\n');
  }

  /** A Markdown table with its `: caption {#tbl-x}`: a table float. */
  private captionedTable(node: { children: RootContent[]; data?: unknown }): string {
    const [caption, table] = node.children as [Paragraph, Table];
    const id = labelOf(node)?.id;
    const lines = ['\\begin{table}[htbp]', '\\centering', latexCaption(plainText(caption.children), this.inline(caption.children).trim())];
    if (id) lines.push(`\\label{${this.label(id)}}`);
    lines.push(this.tabular(table), '\\end{table}');
    return lines.join('\n');
  }

  // ---- directives

  private blockDirective(node: Nodes & { name: string; attributes?: Record<string, string | null | undefined> | null }): string {
    const output = outputOf(node);
    const number = numberOfNode(node);
    const id = node.attributes?.id ?? undefined;
    if (!output) return '';
    switch (output.kind) {
      case 'error': {
        // A failed numbered item still took its number in the HTML: step LaTeX's counter the same way.
        const chartLike = node.name === 'chart' || (node.name === 'complexity' && node.attributes?.show === 'chart');
        const tableLike = node.name === 'table' || (node.name === 'complexity' && !chartLike);
        const kind: Kind | undefined = tableLike ? 'table' : chartLike ? 'figure' : node.name === 'formula' && id ? 'equation' : undefined;
        const step = kind && number !== undefined ? `\\refstepcounter{${kind}}${id ? `\\label{${this.label(id)}}` : ''}%\n` : '';
        return step + this.errorBox(output, false);
      }
      case 'tables': {
        const parts = output.tables.map((t) => tableLatex(t.table, this.label.bind(this), documentMessages(this.data)));
        if (output.chartNote) parts.push(`{\\small\\emph{${escapeLatexText(documentMessages(this.data).t('latex.barChartNote'))}}\\par}`);
        return parts.join('\n');
      }
      case 'formula': {
        const { formula } = output;
        const display = output.display ?? formula.latex.display;
        const math =
          number !== undefined && formula.id ? `\\begin{equation}\\label{${this.label(formula.id)}}\n${display}\n\\end{equation}` : `\\[\n${display}\n\\]`;
        // The `with …` assignments as a paragraph under the formula: it wraps instead of running off the line.
        const where = output.where
          ? `\n{\\small\\noindent ${escapeLatexText(documentMessages(this.data).t('formula.with'))}${output.where.map((w) => `$${w}$`).join(', ')}.\\par}`
          : '';
        return math + where;
      }
      case 'chart':
        return this.chart(output.chart, output.caption);
      case 'definitions': {
        // One compact table as in the HTML: terms, then a paragraph column per setting (values wrap).
        const terms = [...new Set(output.lists.flatMap((rows) => rows.map(([t]) => t)))];
        const n = output.lists.length;
        const width = `${(0.7 / n).toFixed(3)}\\linewidth`;
        const head = n > 1 ? [` & ${output.lists.map((_, i) => `Setting ${i + 1}`).join(' & ')} \\\\`, '\\midrule'] : [];
        const rows = terms.map(
          (t) => `${escapeLatexText(t)} & ${output.lists.map((l) => escapeLatexText(l.find(([term]) => term === t)?.[1] ?? '---')).join(' & ')} \\\\`,
        );
        const tabular = [
          '\\begin{center}\\small\\sloppy',
          `\\begin{tabular}{@{}>{\\raggedright\\arraybackslash}p{0.25\\linewidth}${` >{\\raggedright\\arraybackslash}p{${width}}`.repeat(n)}@{}}`,
          '\\toprule',
          ...head,
          ...rows,
          '\\bottomrule',
          '\\end{tabular}',
          '\\end{center}',
        ].join('\n');
        return [...(output.intro ? [escapeLatexText(output.intro)] : []), tabular].join('\n\n');
      }
      default:
        return '';
    }
  }

  private chart(chart: CollectedChart, caption: string | undefined): string {
    const number = chart.number;
    const figureFile = number !== undefined ? this.options.figureFiles?.get(number) : undefined;
    const svgFile = number !== undefined ? this.options.svgFiles?.get(number) : undefined;
    const body = figureFile
      ? `\\includegraphics[width=0.85\\linewidth]{${figureFile}}`
      : `\\fbox{\\parbox{0.85\\linewidth}{\\centering ${this.chartNote(svgFile)}}}`;
    const lines = ['\\begin{figure}[htbp]', '\\centering', body, latexCaption(caption ?? '', escapeLatexText(caption ?? ''))];
    if (chart.id) lines.push(`\\label{${this.label(chart.id)}}`);
    lines.push('\\end{figure}');
    return lines.join('\n');
  }

  /** The note a chart's figure holds when there is no PDF of it (the slot of the file name set in \texttt). */
  private chartNote(svgFile: string | undefined): string {
    const msg = documentMessages(this.data);
    const slot = '\ue001';
    const text = escapeLatexText(msg.t('latex.chartNote', { saved: svgFile ? msg.t('latex.chartSaved', { file: slot }) : '' }));
    return svgFile ? text.replace(slot, `\\texttt{${escapeLatexText(svgFile)}}`) : text;
  }

  private errorBox(output: ErrorOutput, inline: boolean): string {
    const title = documentMessages(this.data).t('error.title');
    if (inline || output.inline)
      return `\\textbf{[${escapeLatexText(title)}${output.where ? ` ${escapeLatexText(output.where)}` : ''}: ${escapeLatexText(output.message)}]}`;
    return errorBoxLatex({ message: output.rule ? `${output.message} ${output.rule}` : output.message, file: output.where }, title);
  }

  // ---- Markdown tables

  private tabular(node: Table): string {
    const rows = node.children.map((r) => r.children.map((c) => this.inline(c.children)));
    const plain = node.children.map((r) =>
      r.children.map((c) =>
        c.children
          .map((p) => (p.type === 'text' ? p.value : p.type === 'inlineCode' ? p.value : '\u0000'))
          .join('')
          .trim(),
      ),
    );
    const width = Math.max(...rows.map((r) => r.length));
    const body = plain.slice(1);
    const numericColumn = (i: number) => body.length > 0 && body.every((r) => /^-?\d+(\.\d+)?$/.test(r[i] ?? '') || (r[i] ?? '') === '');
    const spec: string[] = [];
    for (let i = 0; i < width; i++) {
      if (i > 0 && numericColumn(i)) spec.push(`S[table-format=${siunitxFormat(body.map((r) => r[i] ?? ''))}]`);
      else spec.push({ left: 'l', right: 'r', center: 'c' }[node.align?.[i] ?? 'left'] ?? 'l');
    }
    const line = (cells: string[], header: boolean) =>
      `${Array.from({ length: width }, (_, i) => {
        const cell = cells[i] ?? '';
        const numeric = spec[i]!.startsWith('S');
        if (header && numeric) return `{${cell}}`;
        if (!header && numeric && cell === '') return '{---}';
        return cell;
      }).join(' & ')} \\\\`;
    const lines = ['\\mpfit{%', `\\begin{tabular}{${spec.join(' ')}}`, '\\toprule'];
    if (rows.length > 0) lines.push(line(rows[0]!, true), '\\midrule');
    for (const r of rows.slice(1)) lines.push(line(r, false));
    lines.push('\\bottomrule', '\\end{tabular}}');
    return lines.join('\n');
  }

  private markdownTable(node: Table): string {
    return `\\begin{center}\n${this.tabular(node)}\n\\end{center}`;
  }
}

/**
 * A collected table as LaTeX. Numbered tables (every `::table`) always get a `\caption`, empty if
 * none was given, so LaTeX counts them as the HTML does; unnumbered ones (`::layers`, `::ops`) get
 * their caption as plain text, so they take no number from LaTeX's counter either.
 */
export function tableLatex(table: TableData, label: (id: string) => string = latexLabel, messages: Messages = ENGLISH): string {
  let latex: string;
  if (table.number !== undefined) {
    latex = tableToLatex(table, messages);
    if (table.id) latex = latex.replace(`\\label{${latexLabel(table.id)}}`, `\\label{${label(table.id)}}`);
    if (!table.caption) latex = latex.replace('\\centering\n', '\\centering\n\\caption{}\n');
  } else {
    latex = tableToLatex({ ...table, caption: undefined }, messages);
    if (table.caption) latex = latex.replace('\\centering\n', `\\centering\n{\\small\\textbf{${escapeLatexText(table.caption)}}\\par\\smallskip}\n`);
  }
  return fittedTable(latex);
}

/** A `table` environment's tabular made wrappable and fitted to the line (`\\mpfit` / `\\mpfitnotes`). */
export function fittedTable(latex: string): string {
  return fitWidth(wrappableCells(latex));
}

/**
 * The cells `\mpfit` may wrap when it has to narrow a table (at natural size they print as written):
 * braced numeric headers `{Throughput (img/s)}` → `{\mphead{Throughput}{(img/s)}}` (name above unit);
 * other headers of several words split at the space nearest their middle; long text cells of the body
 * → `\mpcell{…}` (a ragged-right box 8em wide when narrowed; header lines wrap at 5.5em). Group headers (`\multicolumn`) and
 * numeric (braced) body cells are left alone.
 */
export function wrappableCells(latex: string): string {
  const top = latex.indexOf('\\toprule');
  const mid = latex.indexOf('\\midrule', top);
  if (top < 0 || mid < 0) return latex;
  const end = latex.indexOf('\\bottomrule', mid);
  const bottom = end < 0 ? latex.length : end;
  const head = latex
    .slice(top, mid)
    .replace(/\{([^{}]*?[^\s{}])\s(\([^{}]*)\}/g, '{\\mphead{$1}{$2}}')
    .split('\n')
    .map((line) => mapCells(line, headerCell))
    .join('\n');
  const body = latex
    .slice(mid, bottom)
    .split('\n')
    .map((line) => mapCells(line, bodyCell))
    .join('\n');
  return latex.slice(0, top) + head + body + latex.slice(bottom);
}

/** A table row `a & b & c \\`: each cell through `f`; other lines (rules) unchanged. */
function mapCells(line: string, f: (cell: string) => string): string {
  if (!line.endsWith(' \\\\') || line.startsWith('\\')) return line;
  return `${line.slice(0, -3).split(' & ').map(f).join(' & ')} \\\\`;
}

/** Positions of the spaces outside braces and math in a cell. */
function breakableSpaces(text: string): number[] {
  const spaces: number[] = [];
  let depth = 0;
  let math = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '$') math = !math;
    else if (c === ' ' && depth === 0 && !math) spaces.push(i);
  }
  return spaces;
}

function headerCell(cell: string): string {
  if (cell.includes('\\mphead') || cell.includes('\\multicolumn')) return cell;
  const braced = cell.startsWith('{') && cell.endsWith('}');
  const text = braced ? cell.slice(1, -1) : cell;
  const spaces = breakableSpaces(text);
  if (spaces.length === 0) return cell;
  const middle = text.length / 2;
  const at = spaces.reduce((best, i) => (Math.abs(i - middle) < Math.abs(best - middle) ? i : best));
  const stacked = `\\mphead{${text.slice(0, at)}}{${text.slice(at + 1)}}`;
  return braced ? `{${stacked}}` : stacked;
}

function bodyCell(cell: string): string {
  if (cell.startsWith('{') || cell.includes('\\multicolumn')) return cell;
  const visible = cell.replace(/\\[a-zA-Z]+/g, '').replace(/[{}$]/g, '');
  return visible.length > 24 && breakableSpaces(cell).length > 0 ? `\\mpcell{${cell}}` : cell;
}

/**
 * Wide tables (a sweep with a column group per input size) are fitted by `\mpfit`, defined at the
 * top of the fragment; tables that fit are left at their natural size.
 */
function fitWidth(latex: string): string {
  return latex.replace(TABULAR_AND_NOTES, (all: string, notes: string | undefined) => {
    const tabular = all.slice(0, all.indexOf('\\end{tabular}') + '\\end{tabular}'.length);
    return notes === undefined ? `\\mpfit{%\n${tabular}}` : `\\mpfitnotes{%\n${tabular}}{%\n${notes}}`;
  });
}

/** A tabular and the notes under it (render's `\par\smallskip {\footnotesize …\par}` before `\end{table}`). */
const TABULAR_AND_NOTES = /\\begin\{tabular\}[\s\S]*?\\end\{tabular\}(?:\n\\par\\smallskip\n\{\\footnotesize ([\s\S]*?)\\par\}(?=\n\\end\{table\}))?/g;

/**
 * `\mpfit{…}`: its content at natural size; when wider than the line, at \small with narrower column
 * gaps and headers set on two lines (`\mphead{Throughput}{(img/s)}`: name above unit), then the same
 * at \footnotesize (never smaller: no \resizebox); a table still too wide is turned a quarter
 * (landscape, graphicx's \rotatebox) inside its float.
 */
export const FIT_MACRO = [
  '\\providecommand{\\mphead}[2]{#1 #2}',
  '\\providecommand{\\mpcell}[1]{#1}',
  '\\providecommand{\\mplinew}{5.5em}',
  '\\providecommand{\\mpcellw}{8em}',
  '\\providecommand{\\mpstackwrap}[2]{\\parbox[b]{\\mplinew}{\\centering\\hspace{0pt}#1\\par\\hspace{0pt}#2}}',
  '\\providecommand{\\mpstack}[2]{\\setbox2=\\hbox{#1}\\setbox4=\\hbox{#2}\\ifdim\\wd2>\\mplinew\\mpstackwrap{#1}{#2}\\else\\ifdim\\wd4>\\mplinew\\mpstackwrap{#1}{#2}\\else\\begin{tabular}[b]{@{}c@{}}#1\\\\#2\\end{tabular}\\fi\\fi}',
  '\\providecommand{\\mpwrap}[1]{\\setbox2=\\hbox{#1}\\ifdim\\wd2>\\mpcellw\\parbox[t]{\\mpcellw}{\\raggedright\\hspace{0pt}#1}\\else#1\\fi}',
  '\\providecommand{\\mpfitbox}[1]{\\setbox0=\\hbox{#1}',
  '\\ifdim\\wd0>\\linewidth\\setbox0=\\hbox{\\let\\mphead\\mpstack\\let\\mpcell\\mpwrap\\small\\setlength{\\tabcolsep}{4pt}#1}\\fi',
  '\\ifdim\\wd0>\\linewidth\\setbox0=\\hbox{\\let\\mphead\\mpstack\\let\\mpcell\\mpwrap\\footnotesize\\setlength{\\tabcolsep}{3pt}#1}\\fi',
  '\\ifdim\\wd0>\\linewidth\\setbox0=\\hbox{\\let\\mphead\\mpstack\\let\\mpcell\\mpwrap\\def\\mplinew{4em}\\def\\mpcellw{5em}\\footnotesize\\setlength{\\tabcolsep}{2pt}#1}\\fi',
  '}',
  '\\providecommand{\\mpfit}[1]{\\mpfitbox{#1}\\leavevmode\\ifdim\\wd0>\\linewidth\\rotatebox{90}{\\box0}\\else\\box0\\fi}',
  '\\providecommand{\\mpnotes}[1]{\\par\\smallskip{\\footnotesize #1\\par}}',
  '\\providecommand{\\mpfitnotes}[2]{\\mpfitbox{#1}\\leavevmode\\ifdim\\wd0>\\linewidth\\rotatebox{90}{\\vbox{\\hsize=\\wd0\\linewidth=\\hsize\\box0\\mpnotes{#2}}}\\else\\box0\\mpnotes{#2}\\fi}',
].join('%\n');

import { plainText, titleHeading } from '../docmodel/title.js';

export { titleHeading };

/** The engine a document's LaTeX needs: xelatex (ctex) for a CJK language or CJK text, else pdflatex. */
export function latexEngine(lang: string | undefined, text: string): 'pdflatex' | 'xelatex' {
  return isCjkLang(lang) || hasCjk(text) ? 'xelatex' : 'pdflatex';
}

/** The LaTeX fragment of a document: `tree` is its Markdown tree after the pipeline ran. */
export function documentToLatex(tree: Root, data: DocumentData, options: LatexFragmentOptions = {}): string {
  const title = options.labelNamespace !== undefined ? undefined : titleHeading(tree, data.title);
  // The shallowest heading left becomes \section, whether the document starts at # or at ##.
  const depths = tree.children.filter((n) => n.type === 'heading' && n !== title?.node).map((n) => (n as { depth: number }).depth);
  const offset = depths.length > 0 ? 1 - Math.min(...depths) : 0;
  const writer = new FragmentWriter(data, options, offset, title?.node);
  writer.collectFootnotes(tree);
  const body = writer.blocks(tree.children);
  const header = [
    `% ${latexComment(data.title ?? title?.text ?? 'modelpress document')}: LaTeX fragment written by modelpress ${latexComment(data.tool)}.`,
    '% \\input{} it into a document that loads amsmath, amssymb, booktabs, siunitx, graphicx and hyperref',
    '% (see the .standalone.tex beside it). Numbers quoted in running text are in the .macros.tex.',
    '% Images are referred to relative to this folder: \\input from another folder after',
    '% \\graphicspath{{path/to/this/folder/}}; citations need biblatex with \\addbibresource{<doc>.bib}.',
    ...(latexEngine(data.lang, body) === 'xelatex'
      ? [
          '% CJK text: compile with xelatex and \\usepackage[UTF8]{ctex} (or xeCJK with a CJK font) in the preamble,',
          '% as the .standalone.tex beside it does; pdflatex cannot typeset it.',
        ]
      : []),
    FIT_MACRO,
  ];
  return `${header.join('\n')}\n\n${body.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
