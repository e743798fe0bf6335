/**
 * What every directive plugin shares: finding its directives, reading and validating attributes
 * (strings in, typed values out, every problem a positioned diagnostic with a remedy), and putting
 * rendered hast in the directive's place (remark-rehype turns `data.hName/hChildren` into elements).
 */
import type { Element, ElementContent } from 'hast';
import type { Node, Root } from 'mdast';
import type { ContainerDirective, LeafDirective, TextDirective } from 'mdast-util-directive';
import type { Point, Position } from 'unist';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import { english, joined, phrase, type Said, SaidError, saidOf } from '../i18n/index.js';
import { smartQuotes } from '../render/typography.js';
import { sourceSlice } from './source.js';
// remark-rehype's types declare `data.hName/hProperties/hChildren` on mdast nodes.
import type {} from 'remark-rehype';

export type DirectiveNode = ContainerDirective | LeafDirective | TextDirective;

export const SOURCE = 'modelpress';

/** Rule ids of the diagnostics (`modelpress:<rule>` in reports). */
export type RuleId =
  | 'unknown-directive'
  | 'unknown-attribute'
  | 'missing-attribute'
  | 'bad-attribute'
  | 'malformed-shape'
  | 'unknown-model'
  | 'duplicate-id'
  | 'missing-model'
  | 'model-load'
  | 'unbound-dim'
  | 'input-binding'
  | 'analysis'
  | 'frozen-miss'
  | 'missing-result'
  | 'planned'
  | 'benchmark-failed'
  | 'unstable-measurement'
  | 'busy-machine'
  | 'refresh-changed'
  | 'unknown-metric'
  | 'unknown-node'
  | 'unknown-reference'
  | 'katex-error'
  | 'template-error'
  | 'front-matter'
  | 'directive-failed'
  | 'broken-directive';

export function isDirective(node: Node): node is DirectiveNode {
  return node.type === 'containerDirective' || node.type === 'leafDirective' || node.type === 'textDirective';
}

/** Block directives named `name` (`::name{…}`), in document order. */
export function blockDirectives(tree: Root, name: string): DirectiveNode[] {
  const found: DirectiveNode[] = [];
  visit(tree, (node) => {
    if ((node.type === 'leafDirective' || node.type === 'containerDirective') && (node as DirectiveNode).name === name) found.push(node as DirectiveNode);
  });
  return found;
}

/** Text directives named `name` (`:name{…}` inside a sentence), in document order. */
export function textDirectives(tree: Root, name: string): DirectiveNode[] {
  const found: DirectiveNode[] = [];
  visit(tree, 'textDirective', (node) => {
    if (node.name === name) found.push(node);
  });
  return found;
}

/** The point after `text` starting at `point` (lines and columns counted through newlines). */
export function advance(point: Point, text: string): Point {
  let { line, column } = point;
  for (const ch of text) {
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column, offset: point.offset !== undefined ? point.offset + text.length : undefined };
}

/**
 * Where attribute `name` is written, found in the source text (so it works with plain
 * remark-directive); the directive's own place when the source is unavailable.
 */
export function attributePlace(node: DirectiveNode, name: string, file: VFile): Position | undefined {
  const pos = node.position;
  const text = sourceSlice(file, pos);
  if (!pos || text === undefined) return pos;
  const open = text.indexOf('{');
  if (open < 0) return pos;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = name === 'id' ? /#[^\s}#.]+|(?<=[\s{])id\s*=/ : new RegExp(`(?<=[\\s{])${escaped}(?=\\s*=|[\\s}])`);
  const m = re.exec(text.slice(open));
  if (!m) return pos;
  const start = advance(pos.start, text.slice(0, open + m.index));
  return { start, end: advance(start, m[0]) };
}

/** What each diagnostic says, in words any language can give (the message's reason is the English). */
const SAID = new WeakMap<VFileMessage, Said>();

/** A diagnostic: the terminal reads its English, an error box in the page its words in the document's language. */
export function diagnose(
  file: VFile,
  reason: Said,
  options: { place?: Point | Position | undefined; ruleId?: string | undefined; source?: string },
): VFileMessage {
  const m = file.message(english(reason), { source: SOURCE, ...options });
  if (typeof reason !== 'string') SAID.set(m, reason);
  return m;
}

/** What a diagnostic says (its English reason when it was reported as plain text). */
export function saidOfMessage(m: VFileMessage): Said {
  return SAID.get(m) ?? m.reason;
}

/** Report a diagnostic at a directive (or one of its attributes). */
export function report(file: VFile, node: DirectiveNode | Node, reason: Said, ruleId: RuleId, attribute?: string): void {
  const place = attribute !== undefined && isDirective(node) ? attributePlace(node, attribute, file) : node.position;
  diagnose(file, reason, { place, ruleId });
}

/** Put a rendered element in the directive's place. */
export function replaceWith(node: DirectiveNode, element: Element): void {
  node.data = {
    ...(node.data ?? {}),
    hName: element.tagName,
    hProperties: element.properties as Record<string, string | number | boolean | (string | number)[]>,
    hChildren: element.children as ElementContent[],
  };
  node.children = [];
}

/** Mark a directive as handled (rendered by the plugin), so the unknown-directive check leaves it alone. */
export function markHandled(node: DirectiveNode): void {
  node.data = { ...(node.data ?? {}), modelpressHandled: true } as DirectiveNode['data'];
}

export function isHandled(node: DirectiveNode): boolean {
  return !!(node.data as { modelpressHandled?: boolean } | undefined)?.modelpressHandled;
}

// ---------------------------------------------------------------------------------------------------
// Attributes

/** A value that fails its check: the reason says what is allowed. */
export class AttributeError extends SaidError {
  constructor(
    message: Said,
    readonly ruleId: RuleId = 'bad-attribute',
  ) {
    super(message);
    this.name = 'AttributeError';
  }
}

export interface AttributeSpec<T> {
  /** One line for the docs and the unknown-attribute remedy. */
  description: string;
  /** The same line in any document's language, where it differs from `description` (a required attribute's, for the box that asks for it). */
  said?: Said | undefined;
  required?: boolean;
  parse(value: string): T;
}

export type AttributeSpecs = Record<string, AttributeSpec<unknown>>;
export type Parsed<S extends AttributeSpecs> = { [K in keyof S]?: S[K] extends AttributeSpec<infer T> ? T : never };

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Words longer than this get no suggestion: edit distance costs length², and a name of 100,000
 * characters (hostile or pasted by mistake) resembles nothing anyway.
 */
export const MAX_SUGGEST_LENGTH = 64;

export function suggest(word: string, known: readonly string[]): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    if (k.length > MAX_SUGGEST_LENGTH || Math.abs(k.length - word.length) > Math.max(1, Math.ceil(word.length / 3))) continue;
    const dist = distance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.ceil(word.length / 3)) ? best : undefined;
}

/**
 * The `count` names of `known` nearest to `word`, for a list of suggestions when no single one is
 * close enough for did-you-mean: names that contain the word first (`conv1` → `/layer1/layer1.0/conv1/Conv`),
 * then the longest shared beginning, then the smallest edit distance (case-insensitive; ties in the
 * given order). Names are compared up to 200 characters.
 */
export function nearestNames(word: string, known: readonly string[], count: number): string[] {
  const w = word.slice(0, 200).toLowerCase();
  const prefix = (k: string) => {
    let n = 0;
    while (n < w.length && n < k.length && w[n] === k[n]) n++;
    return n;
  };
  return known
    .map((name, i) => {
      const k = name.slice(0, 200).toLowerCase();
      return { name, i, contains: k.includes(w) ? 0 : 1, prefix: prefix(k), d: distance(w, k) };
    })
    .sort((a, b) => a.contains - b.contains || b.prefix - a.prefix || a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((e) => e.name);
}

/** `did you mean 'x'? ` or ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  return english(suggestion(word, known));
}

/** `did you mean 'x'? ` or '', in the document's language when said. */
export function suggestion(word: string, known: readonly string[]): Said {
  const s = suggest(word, known);
  return s ? phrase('diag.didYouMean', { name: s }) : '';
}

/** `a, b, c`: names (ids, attributes, metrics) as written, in any language. */
export function names(list: readonly string[]): string {
  return list.join(', ');
}

/** Several reasons as one: `a; b` (in Chinese `a；b`). */
export function allOf(reasons: readonly Said[]): Said {
  return reasons.length === 1 ? reasons[0]! : joined(reasons);
}

/**
 * Read a directive's attributes against its specs. Unknown, missing and malformed attributes are
 * reported (each at its place); `ok` is false when any was, and the directive should then render an
 * error box instead of guessing.
 */
export function readAttributes<S extends AttributeSpecs>(node: DirectiveNode, file: VFile, specs: S): { ok: boolean; values: Parsed<S>; problems: Said[] } {
  const attrs = node.attributes ?? {};
  const values: Record<string, unknown> = {};
  const problems: Said[] = [];
  const problem = (reason: Said, ruleId: RuleId, attribute?: string): void => {
    problems.push(reason);
    report(file, node, reason, ruleId, attribute);
  };
  let ok = true;
  const known = Object.keys(specs);
  const marker = node.type === 'textDirective' ? ':' : '::';
  const directive = `${marker}${node.name}`;
  for (const [name, raw] of Object.entries(attrs)) {
    if (raw === null || raw === undefined) continue;
    const spec = specs[name];
    if (!spec) {
      ok = false;
      const allowed = known.length > 0 ? phrase('diag.takes', { directive, names: names(known) }) : phrase('diag.takesNone', { directive });
      problem(phrase('diag.unknownAttribute', { name, directive, suggestion: suggestion(name, known), allowed }), 'unknown-attribute', name);
      continue;
    }
    try {
      values[name] = spec.parse(raw);
    } catch (err) {
      ok = false;
      const ruleId = err instanceof AttributeError ? err.ruleId : 'bad-attribute';
      problem(phrase('diag.badValue', { directive, name, raw, reason: saidOf(err) }), ruleId, name);
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && (attrs[name] === undefined || attrs[name] === null)) {
      ok = false;
      problem(phrase('diag.needsAttribute', { directive, name, description: spec.said ?? spec.description }), 'missing-attribute');
    }
  }
  return { ok, values: values as Parsed<S>, problems };
}

/** What an attribute-error box says: every problem found, or that there were some. */
export function attributeProblems(problems: readonly Said[]): Said {
  return problems.length > 0 ? allOf(problems) : phrase('diag.attributeErrors');
}

// Parsers shared by several directives.

/** A caption or other prose given as an attribute: straight quotes become typographic, as in the text. */
/** A spec's description in English, and in words when it was given as a catalogue message. */
const described = (description: Said) => (typeof description === 'string' ? { description } : { description: english(description), said: description });

export const prose = (description: Said, required = false): AttributeSpec<string> => ({
  ...described(description),
  required,
  parse: (v) => {
    if (v.trim() === '') throw new AttributeError(phrase('diag.empty'));
    return smartQuotes(v);
  },
});

export const text = (description: Said, required = false): AttributeSpec<string> => ({
  ...described(description),
  required,
  parse: (v) => {
    if (v.trim() === '') throw new AttributeError(phrase('diag.empty'));
    return v;
  },
});

export const positiveInteger = (description: string): AttributeSpec<number> => ({
  description,
  parse: (v) => {
    if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) throw new AttributeError(phrase('diag.positiveInteger'));
    return Number(v);
  },
});

export const oneOf = <T extends string>(description: Said, choices: readonly T[], required = false): AttributeSpec<T> => ({
  ...described(description),
  required,
  parse: (v) => {
    if (!(choices as readonly string[]).includes(v))
      throw new AttributeError(phrase('diag.oneOf', { suggestion: suggestion(v, choices), choices: names(choices) }));
    return v as T;
  },
});

export const boolean = (description: string): AttributeSpec<boolean> => ({
  description,
  parse: (v) => {
    if (v === '' || v === 'true' || v === 'yes') return true;
    if (v === 'false' || v === 'no') return false;
    throw new AttributeError(phrase('diag.boolean'));
  },
});

/** A list of words separated by spaces or commas (`models="a b c"`). */
export const wordList = (description: Said, required = false): AttributeSpec<string[]> => ({
  ...described(description),
  required,
  parse: (v) => {
    const words = v.split(/[\s,]+/).filter((w) => w !== '');
    if (words.length === 0) throw new AttributeError(phrase('diag.emptyList'));
    return words;
  },
});
