/**
 * Filling a message's `{name}` slots, and the English words of code that must stay light (the
 * benchmark worker and its effort and load verdicts load neither zod nor the other catalogues).
 */
import { en, type MessageKey } from './en.js';

/** Fill `{name}` slots of a message with `vars`; an unknown slot stays as written. */
export function fill(message: string, vars: Readonly<Record<string, string | number>> = {}): string {
  return message.replace(/\{(\w+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all));
}

/** An English message with its slots filled (no user overrides: what results and the terminal keep). */
export function inEnglish(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  return fill(en[key], vars);
}
