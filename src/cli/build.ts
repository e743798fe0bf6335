/**
 * `modelpress build [content…] [--out output] [--to html,pdf,tex] [--frozen] [--refresh[=id]] [--strict]`:
 * render Markdown documents to `output/<doc>.html` (+ `.data.json`, assets, PDF and LaTeX on request), printing
 * diagnostics like a compiler (`file.md:line:col  warning  message  rule`). Progress goes to stderr on
 * a terminal and stays quiet in CI. Exit codes: 0 ok, 1 document/model errors, 2 usage errors.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import pc from 'picocolors';
import type { BuildOptions, BuildResult } from '../project/build.js';
import { OUTPUT_FORMATS, type OutputFormat, UsageError } from '../project/formats.js';
import type { ProgressEvent } from '../measure/registry.js';
import type { DocumentData } from '../docmodel/types.js';

export interface BuildFlags {
  out?: string;
  to: string;
  frozen?: boolean;
  refresh?: boolean | string;
  strict?: boolean;
  lenient?: boolean;
  machine?: string;
  provider?: 'cpu' | 'cuda';
}

/** Parse `--to html,pdf,tex`. */
function parseFormats(text: string): OutputFormat[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--to needs at least one format: ${OUTPUT_FORMATS.join(', ')}`);
  for (const item of items) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(item)) {
      throw new UsageError(`--to ${item}: unknown output format; use ${OUTPUT_FORMATS.join(', ')}`);
    }
  }
  if (!items.includes('html') && items.includes('pdf')) items.unshift('html'); // the PDF is printed from the HTML
  return items as OutputFormat[];
}

/**
 * Progress: on a terminal, one status line rewritten in place (profiling and benchmarking); in CI or
 * a log file, a plain line per benchmark started, the long steps (seconds each), so a cold build of
 * minutes is never silent. Cached measurements print nothing.
 */
export function progressPrinter(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr): (e: ProgressEvent & { document: string }) => void {
  if (!stream.isTTY || process.env.CI) {
    return (e) => {
      if (e.state === 'start' && e.phase === 'bench') stream.write(`${e.document}: benchmarking ${e.model}${e.input ? ` (${e.input})` : ''}…\n`);
    };
  }
  return (e) => {
    if (e.state !== 'start') return;
    const what = e.phase === 'bench' ? 'benchmarking' : 'profiling';
    stream.write(`\r\x1b[K${pc.dim(`${e.document}: ${what} ${e.model}${e.input ? ` (${e.input})` : ''}…`)}`);
  };
}

function buildOptions(content: string[], flags: BuildFlags): BuildOptions {
  const refresh =
    flags.refresh === undefined
      ? undefined
      : flags.refresh === true
        ? true
        : String(flags.refresh)
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
  return {
    inputs: content,
    out: flags.out,
    to: parseFormats(flags.to),
    frozen: flags.frozen,
    refresh,
    strict: flags.strict,
    lenient: flags.lenient,
    machine: flags.machine,
    provider: flags.provider,
    onProgress: progressPrinter(),
  };
}

/** Run a build and print its report; the exit code, and what was built (for watch). */
export async function runBuild(content: string[], flags: BuildFlags): Promise<{ exitCode: number; result?: BuildResult }> {
  let result: BuildResult;
  // The pipeline (unified, KaTeX, the exporters, puppeteer) is loaded only when a build runs.
  const [{ build }, diagnostics] = await Promise.all([import('../project/build.js'), import('./diagnostics.js')]);
  try {
    if (flags.frozen && flags.refresh !== undefined) throw new UsageError('--frozen and --refresh contradict each other: --frozen measures nothing');
    result = await build(buildOptions(content, flags));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`modelpress build: ${err.message}\n`);
      return { exitCode: 2 };
    }
    throw err;
  }
  if (process.stderr.isTTY && !process.env.CI) process.stderr.write('\r\x1b[K');
  // A message inside an included file is printed under that file's name, at its own line.
  const { filesOfMessages } = await import('../document/source.js');
  const files = result.documents.flatMap((d) => filesOfMessages(d.file));
  const report = diagnostics.formatDiagnostics(files, { color: pc.isColorSupported && Boolean(process.stderr.isTTY) });
  if (report) process.stderr.write(`${report}\n`);
  const summary = diagnostics.summaryLine({
    ...diagnostics.countDiagnostics(files),
    incompleteTables: result.documents.reduce((n, d) => n + incompleteTables(d.data), 0),
  });
  if (summary) process.stderr.write(`${summary}\n`);
  for (const f of result.failures) process.stderr.write(`${pc.red('error')} ${f}\n`);
  const cwd = process.cwd();
  for (const d of result.documents) {
    const s = d.stats;
    process.stdout.write(
      `${path.relative(cwd, d.html)}  (${d.skipped ? 'unchanged: nothing it is made from changed since its last build' : `${s.profiled} profiled, ${s.benchmarked} benchmarked, ${s.profileHits + s.benchHits} from cache`})${d.pdf ? `  ${path.relative(cwd, d.pdf)}` : ''}` +
        `${d.latex.length ? `  LaTeX: ${d.latex.map((f) => path.relative(cwd, f)).join(', ')}` : ''}\n`,
    );
    if (d.alsoRebuilt.length > 0)
      process.stdout.write(
        `  also rewrote the ${d.alsoRebuilt.join(' and ')} output (it existed: every output is made from the same data, hash ${d.dataHash})\n`,
      );
    for (const f of d.removedStale)
      process.stderr.write(`${pc.yellow('warning')} removed ${path.relative(cwd, f)}: it was made from other data and could not be rewritten\n`);
  }
  const errors = files.some((f) => f.messages.some((m) => m.fatal === true));
  if (result.exitCode !== 0 && result.failures.length === 0) {
    if (errors && !flags.lenient) process.stderr.write('modelpress build: errors above (the pages show them in place); --lenient exits 0 with them\n');
    else if (flags.strict) process.stderr.write('modelpress build: --strict: diagnostics above count as errors\n');
  }
  return { exitCode: result.exitCode, result };
}

/** Tables of a document with a measured cell left empty (a model that could not be measured). */
function incompleteTables(data: DocumentData): number {
  return data.tables.filter((t) => {
    const columns = t.table.groups.flatMap((g) => g.columns);
    return t.table.rows.some((r) => r.cells.some((c, i) => c.value === null && columns[i]?.metric !== undefined && !columns[i]!.key.endsWith(':published')));
  }).length;
}

export function register(program: Command): void {
  program
    .command('build')
    .description(
      'render Markdown documents with model directives: output/<doc>.html (with assets/), <doc>.data.json (every number with its provenance) and a CSV per table, ' +
        'and with --to pdf the PDF, with --to tex the LaTeX (<doc>.tex to \\input, .macros.tex, .standalone.tex, .bib, figures)',
    )
    .argument('[content...]', 'Markdown files or folders (default: config "content", else content/)')
    .option('--out <dir>', 'output folder (default: config "out", else output/)')
    .option(
      '--to <formats>',
      `output formats, comma-separated: ${OUTPUT_FORMATS.join(', ')} (html: the page; pdf: printed from it by Chromium; tex: LaTeX for pdflatex)`,
      'html',
    )
    .option('--frozen', 'use only stored results; fail on a miss (rebuild without the benchmark hardware)')
    .addOption(new Option('--refresh [ids]', 're-measure everything, or only these model ids (comma-separated)'))
    .option('--strict', 'exit 1 when there is any diagnostic, warnings included')
    .option('--lenient', 'exit 0 even with errors (error boxes in the pages: tables that cannot be filled, missing model files)')
    .option('--machine <name>', 'this machine\'s short name in the results store (default: config "machine", else the host name)')
    .addOption(new Option('--provider <provider>', "this machine's execution provider (part of each benchmark's configuration)").choices(['cpu', 'cuda']))
    .action(async (content: string[], flags: BuildFlags) => {
      process.exitCode = (await runBuild(content, flags)).exitCode;
    });
}
