/**
 * Outputs never disagree. Every output of a document is made from one `DocumentData`, and records the
 * hash of that data:
 *
 * - `<doc>.html`: `<meta name="modelpress-data-hash" content="…">`;
 * - `<doc>.data.json`: a `dataHash` field;
 * - `<doc>.tex`, `.macros.tex`, `.standalone.tex`: a last line `% modelpress-data-hash: …`;
 * - every file, the PDF and CSVs included: `<doc>.outputs.json`, the manifest of the last build.
 *
 * A build rewrites every format that is asked for or already exists in the output folder (a
 * `--to html` build after a `--to html,pdf,tex` one rewrites the PDF and the LaTeX too); an output it
 * cannot rewrite (no Chromium for the PDF) is removed, with a message, rather than left stale.
 * `staleOutputs` finds any file that still records another hash.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex, writeFileAtomic } from '../cache/store.js';

const HASH_META = 'modelpress-data-hash';
const TEX_HASH_PREFIX = '% modelpress-data-hash: ';

/** The hash of a document's data (the canonical text of its data file, without the hash itself). */
export function dataHashOf(dataText: string): string {
  return sha256Hex(dataText).slice(0, 16);
}

/** The HTML with the data hash in its head (or at its start when it has no head). */
export function stampHtml(html: string, hash: string): string {
  const meta = `<meta name="${HASH_META}" content="${hash}">`;
  const withoutOld = html.replace(new RegExp(`<meta name="${HASH_META}" content="[0-9a-f]*">\\n?`), '');
  return /<head[^>]*>/i.test(withoutOld) ? withoutOld.replace(/<head[^>]*>/i, (m) => `${m}\n${meta}`) : `${meta}\n${withoutOld}`;
}

/** A LaTeX file with the data hash as its last line (the first stays the file's own header comment). */
export function stampTex(tex: string, hash: string): string {
  const body = tex.replace(new RegExp(`\\n?${TEX_HASH_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]*\\n?$`), '');
  return `${body.endsWith('\n') ? body : `${body}\n`}${TEX_HASH_PREFIX}${hash}\n`;
}

/** The data hash a text output records, or undefined when it records none. */
export function recordedHash(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const html = new RegExp(`<meta name="${HASH_META}" content="([0-9a-f]+)">`).exec(text.slice(0, 8192));
  if (html) return html[1];
  const tex = new RegExp(`(?:^|\\n)${TEX_HASH_PREFIX}([0-9a-f]+)\\n?$`).exec(text.slice(-200));
  if (tex) return tex[1];
  const json = /"dataHash": "([0-9a-f]+)"/.exec(text.slice(-400));
  return json?.[1];
}

export interface OutputManifest {
  tool: 'modelpress build';
  dataHash: string;
  /** Output file names (in the output folder) made from that data. */
  files: string[];
  builtAt: string;
}

function manifestFile(outDir: string, stem: string): string {
  return path.join(outDir, `${stem}.outputs.json`);
}

export function readManifest(outDir: string, stem: string): OutputManifest | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestFile(outDir, stem), 'utf8')) as Partial<OutputManifest>;
    return typeof m.dataHash === 'string' && Array.isArray(m.files) ? (m as OutputManifest) : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifest(outDir: string, stem: string, dataHash: string, files: string[]): void {
  const names = [...new Set(files.map((f) => path.relative(outDir, f)))].sort();
  // The same outputs from the same data: the manifest stays as it is (a rebuild that changes nothing writes nothing).
  const previous = readManifest(outDir, stem);
  if (previous?.dataHash === dataHash && previous.files.length === names.length && previous.files.every((f, i) => f === names[i])) return;
  const manifest: OutputManifest = { tool: 'modelpress build', dataHash, files: names, builtAt: new Date().toISOString() };
  writeFileAtomic(manifestFile(outDir, stem), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The formats that already have an output of this document in the folder (so a build rewrites them too). */
export function existingFormats(outDir: string, stem: string): ('pdf' | 'tex')[] {
  const found: ('pdf' | 'tex')[] = [];
  if (existsSync(path.join(outDir, `${stem}.pdf`))) found.push('pdf');
  if (existsSync(path.join(outDir, `${stem}.tex`)) || existsSync(path.join(outDir, `${stem}.macros.tex`))) found.push('tex');
  return found;
}

/**
 * The names of an output folder's listing that are this document's: they start with `<stem>.`, and not
 * with the stem of another document whose name extends this one's (survey.zh.md beside survey.md:
 * survey.zh.html and survey.zh.tbl-cnn.csv are not outputs of survey.md). Another document is known by
 * its manifest, `<other>.outputs.json`.
 */
export function documentFiles(names: readonly string[], stem: string): string[] {
  const others = names
    .filter((n) => n.endsWith('.outputs.json'))
    .map((n) => n.slice(0, -'.outputs.json'.length))
    .filter((other) => other !== stem && other.startsWith(`${stem}.`));
  return names.filter((n) => n.startsWith(`${stem}.`) && !others.some((other) => n.startsWith(`${other}.`)));
}

/**
 * Files of this document that record a data hash other than `hash` (text outputs), or that an earlier
 * manifest listed and this build did not make. `made` lists what this build wrote or kept.
 */
export function staleOutputs(outDir: string, stem: string, hash: string, made: readonly string[]): string[] {
  const keep = new Set(made.map((f) => path.resolve(f)));
  const stale = new Set<string>();
  const previous = readManifest(outDir, stem);
  for (const name of previous?.files ?? []) {
    const file = path.resolve(outDir, name);
    if (!keep.has(file) && existsSync(file)) stale.add(file);
  }
  let names: string[] = [];
  try {
    names = readdirSync(outDir);
  } catch {
    // no folder, nothing stale
  }
  for (const name of documentFiles(names, stem)) {
    if (name === `${stem}.outputs.json`) continue;
    const file = path.resolve(outDir, name);
    const recorded = /\.(html|tex|json)$/.test(name) ? recordedHash(file) : undefined;
    if (recorded !== undefined && recorded !== hash) stale.add(file);
  }
  return [...stale].sort();
}

/** Remove stale outputs; returns what was removed. */
export function removeOutputs(files: readonly string[]): string[] {
  for (const f of files) rmSync(f, { force: true });
  return [...files];
}
