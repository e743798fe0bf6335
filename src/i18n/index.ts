/**
 * The message catalogue: every word modelpress generates into a document (captions, references,
 * column headers, notes under tables, formula annotations, the environment section, error boxes)
 * comes from here, in the document's language (`lang:`, BCP 47), with the user's overrides
 * (`messages:` in modelpress.config.json or front matter) over it. Numbers are not touched: their
 * format stays locale-neutral (docs/formatting.md).
 */
import { z } from 'zod';
import { en, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';
import { fill } from './fill.js';

export { fill } from './fill.js';

export type { MessageKey } from './en.js';

/** The catalogues by their tag. English defines the keys; each other one has every key. */
export const CATALOGUES = { en, 'zh-CN': zhCN } as const satisfies Record<string, Record<MessageKey, string>>;
export type CatalogueName = keyof typeof CATALOGUES;
export const MESSAGE_KEYS = Object.keys(en) as MessageKey[];

/** A BCP 47 tag as modelpress accepts it: `en`, `zh`, `zh-CN`, `zh-Hans-CN`, `pt-BR`. */
export const LANG_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * The catalogue of a language tag: every Chinese tag reads the Simplified Chinese one (the only
 * Chinese catalogue so far; Traditional-script documents get Simplified words, override them with
 * `messages:`), any other language English.
 */
export function catalogueFor(lang: string | undefined): CatalogueName {
  const primary = (lang ?? 'en').split('-')[0]!.toLowerCase();
  return primary === 'zh' ? 'zh-CN' : 'en';
}

/** Chinese, Japanese and Korean: languages whose text needs CJK fonts (HTML, PDF) and xelatex. */
export function isCjkLang(lang: string | undefined): boolean {
  return ['zh', 'ja', 'ko'].includes((lang ?? '').split('-')[0]!.toLowerCase());
}

/** Han ideographs, kana, Hangul and CJK/full-width punctuation. */
const CJK_CHAR = /[\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u;

/** True when the text holds a CJK character. */
export function hasCjk(text: string): boolean {
  return CJK_CHAR.test(text);
}

export type MessageOverrides = Partial<Record<MessageKey, string>>;

/** The `messages:` setting: any key of the catalogue, a string with the same `{name}` slots. */
export const messageOverridesSchema = z
  .object(
    Object.fromEntries(
      MESSAGE_KEYS.map((k) => [
        k,
        z
          .string()
          .describe(`Default (en): ${JSON.stringify(en[k])}`)
          .optional(),
      ]),
    ) as Record<MessageKey, z.ZodOptional<z.ZodString>>,
  )
  .strict();

export interface Messages {
  /** The document's language tag, as written (`zh`, `zh-CN`, `en`). */
  lang: string;
  catalogue: CatalogueName;
  /** The message with its `{name}` slots filled; an unknown slot stays as written. */
  t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string;
}

const cache = new Map<string, Messages>();

/** The messages of a document: its language's catalogue with the overrides over it. */
export function messagesFor(lang: string | undefined = 'en', overrides: MessageOverrides = {}): Messages {
  const key = `${lang}\u0000${JSON.stringify(overrides)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const catalogue = catalogueFor(lang);
  const table: Record<MessageKey, string> = { ...CATALOGUES[catalogue], ...(overrides as Record<MessageKey, string>) };
  const messages: Messages = { lang, catalogue, t: (k, vars) => fill(table[k] ?? en[k], vars) };
  cache.set(key, messages);
  return messages;
}

/** English with no overrides: what renderers use when no document language is given. */
export const ENGLISH: Messages = messagesFor('en');

/**
 * Something said in a document's language, decided where it is said: a catalogue key with its slot
 * values (each itself said), a plain string or number said as written (a name, a path, a number, an
 * engine's own words), or parts said one after another. Diagnostics carry one, so the terminal prints
 * English and the error box in the page speaks the document's language.
 */
export type Said = string | number | Phrase | readonly Said[];
export interface Phrase {
  readonly key: MessageKey;
  readonly vars?: Readonly<Record<string, Said>> | undefined;
}

/** A catalogue message to be said later, with its slot values. */
export function phrase(key: MessageKey, vars?: Readonly<Record<string, Said>>): Phrase {
  return vars ? { key, vars } : { key };
}

/** The words of `said` in `messages`' language. */
export function say(messages: Messages, said: Said): string {
  if (typeof said === 'string') return said;
  if (typeof said === 'number') return String(said);
  if (Array.isArray(said)) return (said as readonly Said[]).map((s) => say(messages, s)).join('');
  const p = said as Phrase;
  if (!p.vars) return messages.t(p.key);
  return messages.t(p.key, Object.fromEntries(Object.entries(p.vars).map(([k, v]) => [k, say(messages, v)])));
}

/** What the terminal prints: English, no overrides. */
export function english(said: Said): string {
  return say(ENGLISH, said);
}

/** `parts` with the language's separator between them (`; ` / `；` by default). */
export function joined(parts: readonly Said[], separator: MessageKey = 'list.semicolon'): Said[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [phrase(separator), p]));
}

/** An error whose message can be said in any language (its `message` is the English). */
export class SaidError extends Error {
  constructor(readonly said: Said) {
    super(english(said));
  }
}

/** What an error says: its Said when it has one, else its own (untranslatable) message. */
export function saidOf(err: unknown): Said {
  if (err instanceof SaidError) return err.said;
  return err instanceof Error ? err.message : String(err);
}
