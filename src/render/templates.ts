/**
 * Finding and compiling handlebars templates. Users override a built-in template by placing a file
 * with the same relative path under their own templates folder (`<content>/templates/…`): the
 * folders are searched in order, first match wins, the built-in folder last.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { TemplateError } from './types.js';

/** The package's own `templates/` (from src/render or dist/render, two levels up). */
export const BUILTIN_TEMPLATES_DIR = resolve(fileURLToPath(new URL('../../templates/', import.meta.url)));

/**
 * User folders first, then the built-in one. A user folder may be a content folder (its
 * `templates/` subfolder is searched) or a templates folder itself, so both
 * `templateDirs: [contentDir]` and `templateDirs: [join(contentDir, 'templates')]` find
 * `<content>/templates/formulas/conv.tex.hbs`.
 */
export function templateSearchPath(userDirs: readonly string[] = []): string[] {
  const dirs: string[] = [];
  for (const d of userDirs) {
    for (const candidate of [join(d, 'templates'), d]) {
      if (candidate !== BUILTIN_TEMPLATES_DIR && !dirs.includes(candidate)) dirs.push(candidate);
    }
  }
  return [...dirs, BUILTIN_TEMPLATES_DIR];
}

/** The first existing file among `names` (relative paths) in the search path; dir-major order. */
export function findTemplate(names: readonly string[], userDirs: readonly string[] = []): string | undefined {
  for (const dir of templateSearchPath(userDirs)) {
    for (const name of names) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

export type CompiledTemplate = (context: unknown) => string;

const compiled = new Map<string, { mtimeMs: number; size: number; fn: CompiledTemplate }>();

/**
 * Compile a template file once (recompiled when the file changes, for watch mode). LaTeX templates
 * compile with `noEscape` (LaTeX must not be HTML-escaped); HTML templates escape `{{…}}` and take
 * ready HTML through `{{{…}}}`.
 */
export function compileTemplateFile(path: string, hbs: typeof Handlebars, options: { noEscape?: boolean } = { noEscape: true }): CompiledTemplate {
  const st = statSync(path);
  const noEscape = options.noEscape ?? true;
  const key = `${path}\u0000${hbsId(hbs)}\u0000${noEscape}`;
  const hit = compiled.get(key);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.fn;
  const source = readFileSync(path, 'utf8');
  let template: HandlebarsTemplateDelegate;
  try {
    template = hbs.compile(source, { noEscape });
    // Handlebars compiles lazily; force parsing now so syntax errors name this file.
    hbs.precompile(source);
  } catch (e) {
    throw new TemplateError((e as Error).message, path);
  }
  const fn: CompiledTemplate = (context) => {
    try {
      return template(context);
    } catch (e) {
      throw new TemplateError((e as Error).message, path);
    }
  };
  compiled.set(key, { mtimeMs: st.mtimeMs, size: st.size, fn });
  return fn;
}

// Each handlebars environment (its own helpers) gets its own cache entries.
const ids = new WeakMap<object, number>();
let nextId = 1;
function hbsId(hbs: object): number {
  let id = ids.get(hbs);
  if (id === undefined) {
    id = nextId++;
    ids.set(hbs, id);
  }
  return id;
}
