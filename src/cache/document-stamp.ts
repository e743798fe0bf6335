/**
 * Skipping a document whose inputs are unchanged (issue 13: a warm rebuild writes nothing and
 * launches nothing). After a document is built, its stamp records what it was made from and what it
 * wrote, under `.modelpress/cache/documents/`; the next build renders it again only when something
 * differs:
 *
 * - **the project's files**: every file under the project folder (its size, mtime and inode), except
 *   the output folder, `.modelpress/`, the results store, `node_modules/` and hidden folders. That
 *   covers the document, the files it includes, the config, bibliographies, styles, templates,
 *   figures and model files inside the project; snapshotted before the document is read, so an edit
 *   made while it builds is seen next time;
 * - **the files it read or wrote elsewhere**: its results-store files, and model files and assets
 *   outside the project folder;
 * - **the tool**: its version and every file of its code and templates, and the installed packages;
 * - **the machine**: host name, CPUs, memory, Node.js, the browser the PDF would use, and the
 *   MODELPRESS_* and PUPPETEER_* variables;
 * - **the command**: formats, output folder, results store, `--frozen`, `--strict`, `--lenient`,
 *   `--machine` and `--provider`;
 * - **its outputs**: every file it wrote is still there as written.
 *
 * A document is never skipped after a build that left an error, or a warning that another build
 * could resolve without any input changing (no browser, a failed benchmark, a missing file); nor with
 * `--refresh`, nor in a book (its chapters number and cite each other). A stamp that cannot be read is
 * simply a rebuild. Stats are file metadata, not contents: a file rewritten with the same size inside
 * the same nanosecond-resolution mtime by hand is the one change it would miss.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VFile } from 'vfile';
import { statIdentity } from './file-hash.js';
import { hashParts } from './output-stamps.js';
import { sha256Hex, writeFileAtomic } from './store.js';
import { toolVersion } from './tool-version.js';

const SCHEMA = 1;

/** A walk that meets more files than this is not worth it: the document is built, not stamped. */
export const MAX_WALKED_FILES = 20_000;

/** Warnings that another build may resolve with no input changed: a document that has one is built again. */
const UNSETTLED_RULES = new Set([
  'no-browser',
  'no-cjk-font',
  'export',
  'missing-asset',
  'missing-model',
  'model-load',
  'benchmark-failed',
  'missing-result',
  'frozen-miss',
  'planned',
  'include',
]);

/** A diagnostic as the stamp keeps it, to be printed again when the document is skipped. */
export interface StampedMessage {
  reason: string;
  place?: unknown;
  ruleId?: string | undefined;
  source?: string | undefined;
  fatal?: boolean | null | undefined;
  file?: string | undefined;
  url?: string | undefined;
  note?: string | undefined;
}

export interface DocumentStamp {
  schema: number;
  /** Hash of every input (above). */
  inputs: string;
  /** Files outside the project walk that the build read or wrote (their stats are in `inputs`). */
  extraFiles: string[];
  /** Every output written, by absolute path, with its stat when written. */
  outputs: Record<string, string>;
  messages: StampedMessage[];
  /** What the report prints of the build that made the outputs. */
  report: { pdf?: string | undefined; latex: string[]; dataFile: string; html: string; dataHash: string };
}

/** size:mtime:inode of a file, or '-' when it is not there. */
function statOf(file: string): string {
  try {
    return statIdentity(statSync(file));
  } catch {
    return '-';
  }
}

/** Every file under `root` (sorted, with its stat), leaving out `skip` folders, hidden names and node_modules; undefined past the cap. */
function walk(root: string, skip: ReadonlySet<string>): string[] | undefined {
  const out: string[] = [];
  const visit = (dir: string): boolean => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return true;
    }
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = path.join(dir, name);
      if (skip.has(full)) continue;
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!visit(full)) return false;
      } else {
        out.push(`${path.relative(root, full)}\u0000${statIdentity(st)}`);
        if (out.length > MAX_WALKED_FILES) return false;
      }
    }
    return true;
  };
  return visit(root) ? out : undefined;
}

let toolParts: string[] | undefined;

/** The tool as installed: its version, the stats of its code and templates, and of the installed packages' lock. */
function toolIdentity(): string[] {
  if (toolParts) return toolParts;
  // This module is src/cache/, dist/cache/ or (bundled) dist/bin/: the package is two folders up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const pkg = path.dirname(path.dirname(here));
  const code = walk(path.dirname(here), new Set()) ?? [`unwalkable ${Date.now()}`];
  const templates = walk(path.join(pkg, 'templates'), new Set()) ?? [];
  toolParts = [toolVersion(), ...code, ...templates, statOf(path.join(pkg, 'package.json')), statOf(path.join(pkg, 'node_modules', '.package-lock.json'))];
  return toolParts;
}

/** What the machine contributes: a result measured or printed here depends on it. */
function machineIdentity(browser: string): string {
  const cpus = os.cpus();
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('MODELPRESS_') || k.startsWith('PUPPETEER_'))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({ host: os.hostname(), cpus: cpus.length, cpu: cpus[0]?.model, memory: os.totalmem(), node: process.version, browser, env });
}

export interface StampContext {
  root: string;
  /** Folders the walk leaves out: the output folder, `.modelpress/`, the results store. */
  excluded: string[];
  /** The command's options that shape the outputs, as one string. */
  command: string;
  /** The browser the PDF would be printed with ('' when none, or no PDF is asked for). */
  browser: string;
}

/** The project as a build found it before reading any document: the tool, machine and command, and every file's stat. */
export interface ProjectSnapshot {
  root: string;
  head: string;
  /** `<path from the root>\0<stat>`, sorted. */
  files: string[];
}

/** Snapshot the project (before any document is read); undefined when it has too many files to walk. */
export function snapshotProject(ctx: StampContext): ProjectSnapshot | undefined {
  const files = walk(ctx.root, new Set(ctx.excluded.map((d) => path.resolve(d))));
  if (!files) return undefined;
  return { root: ctx.root, head: hashParts([...toolIdentity(), machineIdentity(ctx.browser), ctx.command]), files };
}

/**
 * One document's share of the snapshot: everything but the other documents of the build (a document
 * never depends on another one's text: what one includes is not a document of its own).
 */
export function documentSnapshot(snapshot: ProjectSnapshot, otherDocuments: readonly string[]): string {
  const others = new Set(otherDocuments.map((d) => `${path.relative(snapshot.root, path.resolve(d))}\u0000`));
  const own = snapshot.files.filter((f) => !others.has(f.slice(0, f.indexOf('\u0000') + 1)));
  return hashParts([snapshot.head, ...own]);
}

function inputsHash(snapshot: string, extraFiles: readonly string[]): string {
  return hashParts([snapshot, ...extraFiles.flatMap((f) => [f, statOf(f)])]);
}

/** Whether this build's diagnostics let the stamp stand: no error, no warning another build could resolve. */
export function settled(file: VFile): boolean {
  return file.messages.every((m) => m.fatal !== true && !(m.ruleId && UNSETTLED_RULES.has(m.ruleId)));
}

export class DocumentStamps {
  constructor(private readonly cacheDir: string) {}

  private file(out: string, source: string): string {
    return path.join(this.cacheDir, 'documents', `${sha256Hex(`${path.resolve(out)}\u0000${path.resolve(source)}`).slice(0, 32)}.json`);
  }

  /** The stamp of `source`'s last build into `out`, when every input and output is as it recorded. */
  current(out: string, source: string, snapshot: string): DocumentStamp | undefined {
    let stamp: DocumentStamp;
    try {
      stamp = JSON.parse(readFileSync(this.file(out, source), 'utf8')) as DocumentStamp;
    } catch {
      return undefined;
    }
    if (!stamp || stamp.schema !== SCHEMA || !Array.isArray(stamp.extraFiles) || !stamp.outputs || !Array.isArray(stamp.messages) || !stamp.report)
      return undefined;
    if (stamp.inputs !== inputsHash(snapshot, stamp.extraFiles)) return undefined;
    for (const [f, st] of Object.entries(stamp.outputs)) if (statOf(f) !== st) return undefined;
    return stamp;
  }

  /** Remember this build of `source`; a stamp that cannot be written costs one more build, never this one. */
  record(
    out: string,
    source: string,
    snapshot: string,
    built: { extraFiles: string[]; outputs: string[]; file: VFile; report: DocumentStamp['report'] },
  ): void {
    const extraFiles = [...new Set(built.extraFiles.map((f) => path.resolve(f)))].sort();
    const stamp: DocumentStamp = {
      schema: SCHEMA,
      inputs: inputsHash(snapshot, extraFiles),
      extraFiles,
      outputs: Object.fromEntries([...new Set(built.outputs.map((f) => path.resolve(f)))].map((f) => [f, statOf(f)])),
      messages: built.file.messages.map((m) => ({
        reason: m.reason,
        place: m.place,
        ruleId: m.ruleId,
        source: m.source,
        fatal: m.fatal,
        file: m.file,
        url: m.url,
        note: m.note,
      })),
      report: built.report,
    };
    try {
      writeFileAtomic(this.file(out, source), `${JSON.stringify(stamp)}\n`);
    } catch {
      // no stamp: the document is built again next time
    }
  }

  /** Forget the stamp (a build that could not finish this document). */
  forget(out: string, source: string): void {
    try {
      writeFileAtomic(this.file(out, source), '{}\n');
    } catch {
      // nothing to forget
    }
  }
}

/** Put a stamp's messages back on a file, as the build that made the outputs reported them. */
export function replayMessages(file: VFile, messages: readonly StampedMessage[]): void {
  for (const s of messages) {
    const m = file.message(s.reason, { place: s.place as never, ruleId: s.ruleId, source: s.source });
    m.fatal = s.fatal ?? undefined;
    if (s.file !== undefined) m.file = s.file;
    if (s.url !== undefined) m.url = s.url;
    if (s.note !== undefined) m.note = s.note;
  }
}
