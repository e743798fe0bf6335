/**
 * Front matter (YAML, via remark-frontmatter) sets the document's defaults over the project's:
 * title, author, batch, threads, warm-up, min time, convention, number format. A misspelt key or a
 * bad value is a diagnostic on its line; the rest of the front matter still applies.
 */
import type { Root, Yaml } from 'mdast';
import type { VFile } from 'vfile';
import { parseDocument } from 'yaml';
import { didYouMean, SOURCE } from './directive.js';
import { DEFAULT_SETTINGS, describeIssues, type DocumentSettings, frontMatterSchema, type FrontMatter } from './settings.js';
import { documentState, type StateOptions } from './state.js';

export interface FrontMatterOptions extends StateOptions {
  /** Project settings (defaults + modelpress.config.json) the front matter overrides. */
  settings?: DocumentSettings | undefined;
}

/** The place of `key:` inside the YAML block, else the block. */
function keyPlace(node: Yaml, key: string) {
  const pos = node.position;
  if (!pos || !key) return pos;
  const top = key.split('.')[0]!;
  const lines = node.value.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).test(l));
  if (i < 0) return pos;
  // Line 1 of the node is the opening `---`.
  const line = pos.start.line + 1 + i;
  const column = lines[i]!.search(/\S/) + 1;
  return { start: { line, column }, end: { line, column: column + top.length } };
}

export default function remarkModelpressFrontMatter(options: FrontMatterOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const base = options.settings ?? DEFAULT_SETTINGS;
    const yamlNode = tree.children.find((n): n is Yaml => n.type === 'yaml');
    let state = documentState(file, { ...options, settings: base });
    if (yamlNode) state.frontMatter = readGuarded(yamlNode, file, state.embedded);
    else if (state.embedded && hostFrontMatter(file)) state.frontMatter = validate(hostFrontMatter(file)!, file, true);
    state = documentState(file, { ...options, settings: base });
    const { settings } = state;
    state.data.title = settings.title;
    state.data.author = settings.author;
    state.data.date = settings.date;
    state.data.lang = settings.lang;
    if (Object.keys(settings.messages).length > 0) state.data.messages = settings.messages;
    else delete state.data.messages;
    state.data.convention = settings.convention;
  };
}

/**
 * Front matter the host already parsed and took out of the Markdown (Docusaurus passes it to remark
 * plugins as `file.data.frontMatter`): a plain object of at most a few levels, or undefined.
 */
function hostFrontMatter(file: VFile): Record<string, unknown> | undefined {
  const value = (file.data as { frontMatter?: unknown }).frontMatter;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return nestingDepth(value) > MAX_FRONT_MATTER_DEPTH ? undefined : (value as Record<string, unknown>);
}

/** Aliases expanded at most (a "billion laughs" alias bomb stops here); front matter needs none. */
const MAX_ALIAS_COUNT = 100;
/** Nesting of mappings and lists allowed in front matter (settings nest two levels). */
const MAX_FRONT_MATTER_DEPTH = 16;

/** Deepest nesting of a YAML value, iteratively (a crafted block may nest thousands deep). */
function nestingDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d + 1);
    if (max > MAX_FRONT_MATTER_DEPTH) return max;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * The boundary around front matter: any failure of the YAML library or of the checks (an undefined
 * alias, an alias bomb, a nesting beyond the limits) is one diagnostic at the block; the document
 * builds with the project's settings.
 */
function readGuarded(node: Yaml, file: VFile, embedded: boolean): FrontMatter {
  try {
    return read(node, file, embedded);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    file.message(`front matter cannot be read: ${why}; fix the YAML between the --- lines (the project's settings were used)`, {
      place: node.position,
      ruleId: 'front-matter',
      source: SOURCE,
    });
    return {};
  }
}

/**
 * The front matter's modelpress keys. `embedded` (inside a host site): top-level keys modelpress does
 * not know are the host's (`sidebar_position`, `slug`, `authors`) and pass silently; a bad value of a
 * modelpress key is still reported.
 */
function read(node: Yaml, file: VFile, embedded: boolean): FrontMatter {
  // Cheap pre-check before the YAML parser (recursive) sees a block of thousands of nested brackets.
  let open = 0;
  let deepest = 0;
  for (const ch of node.value) {
    if (ch === '[' || ch === '{') deepest = Math.max(deepest, ++open);
    else if ((ch === ']' || ch === '}') && open > 0) open--;
  }
  if (deepest > MAX_FRONT_MATTER_DEPTH) throw new Error(`it nests ${deepest} levels of brackets; front matter may nest at most ${MAX_FRONT_MATTER_DEPTH}`);
  // The same for block style: each line indented deeper than the one above opens a level.
  const indents: number[] = [];
  for (const line of node.value.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().replace(/^(- +)+/, '').length;
    while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
    indents.push(indent);
    if (indents.length > MAX_FRONT_MATTER_DEPTH)
      throw new Error(`it nests more than ${MAX_FRONT_MATTER_DEPTH} levels of indentation; front matter settings nest at most two`);
  }
  const doc = parseDocument(node.value, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = (node.position?.start.line ?? 0) + 1 + (err.linePos?.[0]?.line ?? 1) - 1;
    const column = err.linePos?.[0]?.col ?? 1;
    file.message(`front matter is not valid YAML: ${err.message.split('\n')[0]}; fix the YAML between the --- lines`, {
      place: node.position ? { line, column } : undefined,
      ruleId: 'front-matter',
      source: SOURCE,
    });
    return {};
  }
  const raw = (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>;
  if (nestingDepth(raw) > MAX_FRONT_MATTER_DEPTH)
    throw new Error(`it nests more than ${MAX_FRONT_MATTER_DEPTH} levels; front matter settings nest at most two`);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    file.message('front matter must be a YAML mapping (key: value lines)', { place: node.position, ruleId: 'front-matter', source: SOURCE });
    return {};
  }
  return validate(raw, file, embedded, node);
}

/** The modelpress keys of parsed front matter; each bad one reported at its line (when there is a YAML node). */
function validate(raw: Record<string, unknown>, file: VFile, embedded: boolean, node?: Yaml): FrontMatter {
  const parsed = frontMatterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // Keep every valid key; report each bad one at its line.
  const bad = new Set<string>();
  const known = Object.keys(frontMatterSchema.shape);
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        bad.add(issue.path.length > 0 ? String(issue.path[0]) : key);
        if (embedded && issue.path.length === 0) continue; // the host's key
        const where = issue.path.length > 0 ? `${issue.path.join('.')}.${key}` : key;
        file.message(
          `unknown front-matter setting '${where}'; ${issue.path.length === 0 ? didYouMean(key, known) : ''}known: ${issue.path.length === 0 ? known.join(', ') : 'see docs/formatting.md'}`,
          {
            place: node ? keyPlace(node, issue.path.length > 0 ? String(issue.path[0]) : key) : undefined,
            ruleId: 'front-matter',
            source: SOURCE,
          },
        );
      }
      continue;
    }
    const key = issue.path.map(String).join('.');
    bad.add(String(issue.path[0] ?? ''));
    const [described] = describeIssues({ issues: [issue] } as never);
    file.message(`front matter ${described?.message ?? key}`, { place: node ? keyPlace(node, key) : undefined, ruleId: 'front-matter', source: SOURCE });
  }
  const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k)));
  const retry = frontMatterSchema.safeParse(kept);
  return retry.success ? retry.data : {};
}
