/**
 * The LaTeX fragment (`<doc>.tex`, to `\input{}` into a thesis): the document's Markdown tree after
 * the pipeline ran (directives already resolved), written as LaTeX. Prose is escaped; math passes
 * through; tables come from the collected TableData through render's booktabs + siunitx writer;
 * formulas from the collected FormulaLatex; charts become figures (a PDF made from the SVG, or a
 * framed note when none could be made). Tables, figures and labelled equations get `\label`s named
 * after their ids (`tbl-cnn` → `tbl:cnn`), and `@tbl-cnn` becomes `Table~\ref{tbl:cnn}`, so the
 * numbers agree with the HTML's. Numbers are read from the collected data, never from the HTML.
 */
import path from 'node:path';
import type { Element, ElementContent, Properties } from 'hast';
import type { List, Nodes, Parents, PhrasingContent, Root, RootContent, Table } from 'mdast';
// Type augmentations: directive and math nodes in the mdast unions.
import type {} from 'mdast-util-directive';
import type {} from 'mdast-util-math';
import { errorBoxLatex, latexLabel, siunitxFormat, tableToLatex, type TableData } from '../render/index.js';
import { escapeLatexText, latexComment, latexPath, latexUrl, unsafeMath } from '../render/latex-escape.js';
import type { CollectedChart, CollectedFormula, CollectedTable, DocumentData } from '../document/state.js';

export interface LatexFragmentOptions {
  /**
   * File names of figures written next to the fragment, by figure number (a PDF made from each
   * chart's SVG). A chart without one gets a framed note naming its SVG file.
   */
  figureFiles?: ReadonlyMap<number, string> | undefined;
  /** File names of the charts' SVGs, by figure number (named in the note). */
  svgFiles?: ReadonlyMap<number, string> | undefined;
  /** Folder the fragment is written to: local images are referred to relative to it. */
  outDir?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Text

/** A formula that would read files or change how TeX reads (render/latex-escape.ts unsafeMath), left out visibly. */
function mathLeftOut(tex: string): string {
  return `\\textbf{[formula left out of the LaTeX export: it uses ${escapeLatexText(unsafeMath(tex) ?? '')}, which reads files or changes how LaTeX reads]}`;
}

/** Escape prose for LaTeX text mode (the one escaper, render/latex-escape.ts). */
export const escapeText = escapeLatexText;

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
// Reading what the pipeline left on the tree

interface DirectiveData {
  hName?: string;
  hProperties?: Properties;
  hChildren?: ElementContent[];
  modelpressNumber?: number;
}

function dataOf(node: Nodes): DirectiveData {
  return ((node as { data?: unknown }).data ?? {}) as DirectiveData;
}

function classes(props: Properties | undefined): string[] {
  const c = props?.className;
  if (Array.isArray(c)) return c.map(String);
  return typeof (c as unknown) === 'string' ? String(c).split(/\s+/) : [];
}

/** The rendered element a directive (or a marked text node) was replaced with. */
function rendered(node: Nodes): Element | undefined {
  const d = dataOf(node);
  if (!d.hName) return undefined;
  return { type: 'element', tagName: d.hName, properties: d.hProperties ?? {}, children: d.hChildren ?? [] };
}

function hastText(node: ElementContent | Element): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(hastText).join('');
  return '';
}

function findElement(node: Element, test: (e: Element) => boolean): Element | undefined {
  if (test(node)) return node;
  for (const c of node.children) {
    if (c.type !== 'element') continue;
    const found = findElement(c, test);
    if (found) return found;
  }
  return undefined;
}

function findAll(node: Element, test: (e: Element) => boolean, out: Element[] = []): Element[] {
  if (test(node)) out.push(node);
  for (const c of node.children) if (c.type === 'element') findAll(c, test, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The writer

type Kind = 'table' | 'figure' | 'equation';
const REF_WORD: Record<string, Kind> = { Table: 'table', Figure: 'figure', Equation: 'equation' };

class FragmentWriter {
  private readonly usedTables = new Set<CollectedTable>();
  private formulaIndex = 0;
  private readonly footnotes = new Map<string, RootContent[]>();

  constructor(
    private readonly data: DocumentData,
    private readonly options: LatexFragmentOptions,
    private readonly headingOffset: number,
    private readonly skipHeading: RootContent | undefined,
  ) {}

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
    switch (node.type) {
      case 'heading': {
        const level = node.depth + this.headingOffset;
        const command = ['section', 'subsection', 'subsubsection', 'paragraph', 'subparagraph'][Math.min(Math.max(level, 1), 5) - 1]!;
        return `\\${command}{${this.inline(node.children)}}`;
      }
      case 'paragraph':
        return this.inline(node.children);
      case 'blockquote':
        return `\\begin{quote}\n${this.blocks(node.children)}\n\\end{quote}`;
      case 'list':
        return this.list(node);
      case 'code':
        return `\\begin{verbatim}\n${node.value.replace(/\\end\{verbatim\}/g, '\\end {verbatim}')}\n\\end{verbatim}`;
      case 'math':
        return unsafeMath(node.value) ? mathLeftOut(node.value) : `\\[\n${node.value}\n\\]`;
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
    switch (node.type) {
      case 'text': {
        const box = rendered(node);
        // A text node with an element attached is an unknown cross-reference shown as an error.
        if (box) return this.hast(box, true);
        return escapeText(node.value);
      }
      case 'emphasis':
        return `\\emph{${this.inline(node.children)}}`;
      case 'strong':
        return `\\textbf{${this.inline(node.children)}}`;
      case 'delete':
        return this.inline(node.children);
      case 'inlineCode':
        return `\\texttt{${escapeText(node.value)}}`;
      case 'inlineMath':
        return unsafeMath(node.value) ? mathLeftOut(node.value) : `$${node.value}$`;
      case 'break':
        return '\\\\\n';
      case 'link':
        return this.link(node.url, node.children, node);
      case 'linkReference':
        return this.inline(node.children);
      case 'image':
        return this.image(node.url, node.alt ?? '');
      case 'imageReference':
        return `[${escapeText(node.alt ?? '')}]`;
      case 'footnoteReference': {
        const body = this.footnotes.get(node.identifier);
        return body ? `\\footnote{${this.blocks(body).replace(/\n\n/g, '\\par ')}}` : '';
      }
      case 'html':
        return '';
      case 'textDirective':
        return this.textDirective(node);
      default:
        return '';
    }
  }

  private link(url: string, children: PhrasingContent[], node: Nodes): string {
    const props = dataOf(node).hProperties;
    if (classes(props).includes('mp-ref') && url.startsWith('#')) {
      // `Table 2` in the HTML: the same word, and LaTeX's own number through \ref.
      const text = children.map((c) => (c.type === 'text' ? c.value : '')).join('');
      const word = text.split(/\s|\u00a0/)[0] ?? '';
      const label = latexLabel(url.slice(1));
      return REF_WORD[word] ? `${word}~\\ref{${label}}` : `\\ref{${label}}`;
    }
    const text = this.inline(children);
    if (url.startsWith('#')) return `\\hyperref[${latexLabel(url.slice(1))}]{${text}}`;
    return `\\href{${escapeUrl(url)}}{${text}}`;
  }

  private image(url: string, alt: string): string {
    const note = (why: string) => `\\fbox{\\parbox{0.9\\linewidth}{Image \\emph{${escapeText(alt || url)}} (\\texttt{${escapeText(url)}}) ${why}.}}`;
    if (/^[a-z]+:/i.test(url)) return note('is on the web; it is shown in the HTML');
    if (!/\.(pdf|png|jpe?g)$/i.test(url)) return note('is not in a format pdflatex can include (PDF, PNG, JPEG)');
    const source = this.data.source ? path.resolve(path.dirname(this.data.source), url) : url;
    const file = this.options.outDir ? path.relative(this.options.outDir, source).split(path.sep).join('/') : url;
    if (latexPath(file) === undefined) return note('has a path LaTeX cannot read safely (use letters, digits and . / - \\_ + only)');
    return `\\IfFileExists{${file}}{\\includegraphics[width=0.8\\linewidth]{${file}}}{${note('was not found next to the LaTeX file')}}`;
  }

  // ---- directives

  private textDirective(node: Nodes): string {
    const el = rendered(node);
    if (!el) return '';
    // `:metric` renders as <span class="mp-metric">11.69 M</span>: its text is the number as shown.
    return this.hast(el, true);
  }

  private blockDirective(node: Nodes & { name: string; attributes?: Record<string, string | null | undefined> | null }): string {
    const el = rendered(node);
    const number = dataOf(node).modelpressNumber;
    const id = node.attributes?.id ?? undefined;
    if (!el) return '';
    if (classes(el.properties).includes('mp-error')) {
      // A failed numbered item still took its number in the HTML: step LaTeX's counter the same way.
      const chartLike = node.name === 'chart' || (node.name === 'complexity' && node.attributes?.show === 'chart');
      const kind: Kind | undefined = node.name === 'table' || (node.name === 'complexity' && !chartLike) ? 'table' : chartLike ? 'figure' : node.name === 'formula' && id ? 'equation' : undefined;
      const step = kind && number !== undefined ? `\\refstepcounter{${kind}}${id ? `\\label{${latexLabel(id)}}` : ''}%\n` : '';
      return step + this.errorBox(el, false);
    }
    switch (node.name) {
      case 'table':
      case 'layers':
      case 'ops':
        return this.tableDirective(el, number);
      case 'formula':
        return this.formula(el, number);
      case 'chart':
        return this.chart(number, node.attributes?.caption ?? undefined);
      case 'complexity':
        return node.attributes?.show === 'chart' ? this.chart(number, node.attributes?.caption ?? undefined) : this.tableDirective(el, number);
      default:
        return this.hast(el, false);
    }
  }

  private tableDirective(el: Element, number: number | undefined): string {
    const parts: string[] = [];
    for (const figure of findAll(el, (e) => e.tagName === 'figure' && classes(e.properties).includes('mp-table'))) {
      const table = this.matchTable(figure, number);
      parts.push(table ? tableLatex(table.table) : this.hast(figure, false));
    }
    if (findElement(el, (e) => e.tagName === 'figure' && classes(e.properties).includes('mp-chart'))) {
      parts.push('{\\small\\emph{The bar chart of this breakdown is drawn in the HTML and PDF versions.}\\par}');
    }
    return parts.join('\n');
  }

  /** The collected table this rendered figure shows: by number, else by caption and row labels. */
  private matchTable(figure: Element, number: number | undefined): CollectedTable | undefined {
    const unused = this.data.tables.filter((t) => !this.usedTables.has(t));
    let found: CollectedTable | undefined;
    if (number !== undefined) found = unused.find((t) => t.table.number === number);
    if (!found) {
      const rows = findAll(figure, (e) => e.tagName === 'th' && e.properties?.scope === 'row').map((e) => hastText(e));
      found = unused.find((t) => t.table.number === undefined && sameRows(t.table, rows));
    }
    if (found) this.usedTables.add(found);
    return found;
  }

  private formula(el: Element, number: number | undefined): string {
    const template = el.properties?.dataTemplate;
    let formula: CollectedFormula | undefined = this.data.formulas[this.formulaIndex];
    // Formulas are collected in document order, failures excluded, as they are rendered.
    if (formula && (template === undefined || formula.latex.source === String(template))) this.formulaIndex++;
    else formula = undefined;
    const display = formula?.latex.display ?? findElement(el, (e) => classes(e.properties).includes('math-display'))?.children.map(hastText).join('');
    if (display === undefined) return '';
    if (number !== undefined && formula?.id) {
      return `\\begin{equation}\\label{${latexLabel(formula.id)}}\n${display}\n\\end{equation}`;
    }
    return `\\[\n${display}\n\\]`;
  }

  private chart(number: number | undefined, caption: string | undefined): string {
    const chart: CollectedChart | undefined = this.data.charts.find((c) => c.number === number);
    const figureFile = number !== undefined ? this.options.figureFiles?.get(number) : undefined;
    const svgFile = number !== undefined ? this.options.svgFiles?.get(number) : undefined;
    const body = figureFile
      ? `\\includegraphics[width=0.85\\linewidth]{${figureFile}}`
      : `\\fbox{\\parbox{0.85\\linewidth}{\\centering The chart is drawn in the HTML and PDF versions${svgFile ? ` and saved as \\texttt{${escapeText(svgFile)}}` : ''}; pdflatex cannot include SVG.}}`;
    const lines = ['\\begin{figure}[htbp]', '\\centering', body, `\\caption{${escapeText(caption ?? '')}}`];
    if (chart?.id) lines.push(`\\label{${latexLabel(chart.id)}}`);
    lines.push('\\end{figure}');
    return lines.join('\n');
  }

  private errorBox(el: Element, inline: boolean): string {
    const part = (cls: string) => {
      const e = findElement(el, (x) => classes(x.properties).includes(cls));
      return e ? hastText(e) : undefined;
    };
    const message = part('mp-error-message') ?? hastText(el);
    const where = part('mp-error-where');
    const rule = part('mp-error-rule');
    if (inline) return `\\textbf{[modelpress error${where ? ` ${escapeText(where)}` : ''}: ${escapeText(message)}]}`;
    return errorBoxLatex({ message: rule ? `${message} ${rule}` : message, file: where });
  }

  // ---- Markdown tables

  private markdownTable(node: Table): string {
    const rows = node.children.map((r) => r.children.map((c) => this.inline(c.children)));
    const plain = node.children.map((r) => r.children.map((c) => c.children.map((p) => (p.type === 'text' ? p.value : p.type === 'inlineCode' ? p.value : '\u0000')).join('').trim()));
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
    const lines = ['\\begin{center}', '\\mpfit{%', `\\begin{tabular}{${spec.join(' ')}}`, '\\toprule'];
    if (rows.length > 0) lines.push(line(rows[0]!, true), '\\midrule');
    for (const r of rows.slice(1)) lines.push(line(r, false));
    lines.push('\\bottomrule', '\\end{tabular}}', '\\end{center}');
    return lines.join('\n');
  }

  // ---- rendered HTML (environment section, error boxes, anything else)

  hast(node: ElementContent | Element, inline: boolean): string {
    if (node.type === 'text') return escapeText(node.value);
    if (node.type !== 'element') return '';
    const cls = classes(node.properties);
    if (cls.includes('mp-error')) return this.errorBox(node, inline || node.tagName === 'span');
    if (cls.includes('math-display') || cls.includes('math-inline')) {
      const tex = node.children.map(hastText).join('');
      if (unsafeMath(tex)) return mathLeftOut(tex);
      return cls.includes('math-display') ? `\\[\n${tex}\n\\]` : `$${tex}$`;
    }
    const inner = (asInline = inline) => node.children.map((c) => this.hast(c, asInline)).join('');
    switch (node.tagName) {
      case 'p':
        return `${inner(true)}\n\n`;
      case 'strong':
      case 'b':
        return `\\textbf{${inner(true)}}`;
      case 'em':
      case 'i':
        return `\\emph{${inner(true)}}`;
      case 'code':
        return `\\texttt{${inner(true)}}`;
      case 'br':
        return '\\\\\n';
      case 'dl': {
        const items: string[] = [];
        for (const c of node.children) {
          if (c.type !== 'element') continue;
          if (c.tagName === 'dt') items.push(`\\item[${this.hast(c, true).replace(/^\\item/, '')}] `);
          else if (c.tagName === 'dd' && items.length > 0) items[items.length - 1] += `${c.children.map((x) => this.hast(x, true)).join('')}\n`;
        }
        // \\sloppy: values such as `2x3x224x224` have no break points of their own.
        return `\\begin{description}\\sloppy\n${items.join('')}\\end{description}\n`;
      }
      case 'dt':
      case 'dd':
        return node.children.map((c) => this.hast(c, true)).join('');
      case 'ul':
      case 'ol': {
        const env = node.tagName === 'ol' ? 'enumerate' : 'itemize';
        const items = node.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'li').map((li) => `\\item ${li.children.map((c) => this.hast(c, true)).join('')}`);
        return `\\begin{${env}}\n${items.join('\n')}\n\\end{${env}}\n`;
      }
      case 'svg':
        return '';
      case 'table':
        return this.hastTable(node);
      default:
        return inner();
    }
  }

  /** A table that no collected data describes (should not happen): its text, in a plain tabular. */
  private hastTable(node: Element): string {
    const rows = findAll(node, (e) => e.tagName === 'tr').map((tr) =>
      tr.children.filter((c): c is Element => c.type === 'element' && (c.tagName === 'th' || c.tagName === 'td')).map((c) => escapeText(hastText(c))),
    );
    const width = Math.max(1, ...rows.map((r) => r.length));
    return [
      '\\begin{center}',
      `\\begin{tabular}{${'l'.repeat(width)}}`,
      '\\toprule',
      ...rows.map((r) => `${r.join(' & ')} \\\\`),
      '\\bottomrule',
      '\\end{tabular}',
      '\\end{center}',
    ].join('\n');
  }
}

function sameRows(table: TableData, labels: string[]): boolean {
  return table.rows.length === labels.length && table.rows.every((r, i) => r.label === labels[i]);
}

/**
 * A collected table as LaTeX. Numbered tables (every `::table`) always get a `\caption`, empty if
 * none was given, so LaTeX counts them as the HTML does; unnumbered ones (`::layers`, `::ops`) get
 * their caption as plain text, so they take no number from LaTeX's counter either.
 */
export function tableLatex(table: TableData): string {
  let latex: string;
  if (table.number !== undefined) {
    latex = tableToLatex(table);
    if (!table.caption) latex = latex.replace('\\centering\n', '\\centering\n\\caption{}\n');
  } else {
    latex = tableToLatex({ ...table, caption: undefined });
    if (table.caption) latex = latex.replace('\\centering\n', `\\centering\n{\\small\\textbf{${escapeText(table.caption)}}\\par\\smallskip}\n`);
  }
  return fitWidth(latex);
}

/**
 * Wide tables (a sweep with a column group per input size) are shrunk to the text width by
 * `\mpfit`, defined at the top of the fragment; tables that fit are left at their natural size.
 */
function fitWidth(latex: string): string {
  return latex.replace(/\\begin\{tabular\}[\s\S]*?\\end\{tabular\}/g, (tabular) => `\\mpfit{%\n${tabular}}`);
}

/** `\mpfit{…}`: its content at natural size, or scaled down to \linewidth when wider (graphicx). */
export const FIT_MACRO = '\\providecommand{\\mpfit}[1]{\\setbox0=\\hbox{#1}\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\box0}\\else\\box0\\fi}';

/**
 * The heading that is the document's title: a lone level-1 heading that comes first. The standalone
 * wrapper prints it with \maketitle, so the fragment leaves it out; the shallowest remaining level
 * becomes \section.
 */
export function titleHeading(tree: Root): { node: RootContent; text: string } | undefined {
  const headings = tree.children.filter((n) => n.type === 'heading');
  const h1 = headings.filter((h) => h.type === 'heading' && h.depth === 1);
  if (h1.length !== 1 || headings[0] !== h1[0]) return undefined;
  const text = (nodes: PhrasingContent[]): string =>
    nodes.map((n) => ('value' in n && typeof n.value === 'string' ? n.value : 'children' in n ? text(n.children as PhrasingContent[]) : '')).join('');
  return { node: h1[0]!, text: text((h1[0] as Parents & { children: PhrasingContent[] }).children) };
}

/** The LaTeX fragment of a document: `tree` is its Markdown tree after the pipeline ran. */
export function documentToLatex(tree: Root, data: DocumentData, options: LatexFragmentOptions = {}): string {
  const title = titleHeading(tree);
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
    FIT_MACRO,
  ];
  return `${header.join('\n')}\n\n${body.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
