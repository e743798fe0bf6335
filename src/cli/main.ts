#!/usr/bin/env node
/**
 * The `modelpress` command. Each subcommand lives in its own file and exports `register(program)`.
 * Exit codes: 0 ok, 1 document/model errors, 2 usage errors.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };

type Register = (program: Command) => void;

/** Each subcommand by its name: the module that declares it (one file each), loaded when it is used. */
const SUBCOMMANDS: Readonly<Record<string, () => Promise<{ register: Register }>>> = {
  bench: () => import('./bench.js'),
  build: () => import('./build.js'),
  clean: () => import('./clean.js'),
  complexity: () => import('./complexity.js'),
  watch: () => import('./watch.js'),
  preview: () => import('./preview.js'),
  profile: () => import('./profile.js'),
  plan: () => import('./plan.js'),
  'run-unit': () => import('./run-unit.js'),
  results: () => import('./results.js'),
  zoo: () => import('./zoo.js'),
};

/**
 * The program with the subcommand `argv` names, or with all of them (for `--help`, `help`, a mistyped
 * name that commander should match, or none). Loading and declaring all eleven, with their options,
 * took 5–15 ms of every start (issue 13); a command's own `--help` and errors are the same either way.
 */
async function createProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name('modelpress')
    .description('Markdown manuscripts whose model-complexity numbers are measured from ONNX models, not typed.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = argv[0] !== undefined && Object.hasOwn(SUBCOMMANDS, argv[0]) ? SUBCOMMANDS[argv[0]] : undefined;
  // Loaded together, declared in this order (the order --help lists them in).
  const modules = await Promise.all((named ? [named] : Object.values(SUBCOMMANDS)).map((load) => load()));
  for (const m of modules) m.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await createProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors with 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`modelpress: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** True when this file is the program being run (directly, or through the npm bin link). */
function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

function flushThenExit(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    // Exit only once stdout and stderr are flushed: a pipe takes 64 KiB at a time, and exiting
    // earlier would cut `profile --json` output short.
    (code) => flushThenExit(code),
    (err: unknown) => {
      process.stderr.write(`modelpress: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
