/**
 * `modelpress watch [content…]`: build, then rebuild whenever a document, a model file it declares,
 * a template or the config changes. Rebuilds go through the cache, so only what changed is measured.
 * Watched: the content named on the command line, else every `content` entry and `book` chapter of
 * the config, else `content/` (relative to the project folder, as `build` resolves them); the output
 * folder and the results store are not. `preview` uses the same loop. chokidar and the config schema
 * are loaded when the command runs, not for `modelpress --help`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { CONFIG_FILE, projectRoot } from '../cache/project.js';
import type { ProjectConfig } from '../document/settings.js';
import type { BuildResult } from '../project/build.js';
import { type BuildFlags, runBuild } from './build.js';

/** Files a build depends on: the documents, the model files they declare and their assets. */
function dependencies(result: BuildResult | undefined): string[] {
  const files = new Set<string>();
  for (const d of result?.documents ?? []) {
    files.add(d.source);
    for (const m of d.data.models) if (!m.source.startsWith('zoo:')) files.add(path.resolve(path.dirname(d.source), m.source));
    for (const a of d.data.assets) files.add(a.source);
  }
  return [...files];
}

/** What a watch loop watches and where the build writes. */
export async function watchTargets(
  content: string[],
  flags: { out?: string | undefined },
  cwd = process.cwd(),
): Promise<{ root: string; inputs: string[]; out: string }> {
  const { root, configFile } = projectRoot(cwd);
  return resolveTargets(content, flags, root, configFile);
}

async function resolveTargets(
  content: string[],
  flags: { out?: string | undefined },
  root: string,
  configFile: string | undefined,
): Promise<{ root: string; inputs: string[]; out: string }> {
  let config: ProjectConfig | undefined;
  try {
    config = configFile ? (await import('../document/settings.js')).readProjectConfig(configFile) : undefined;
  } catch {
    config = undefined; // the build reports the broken config; the loop still watches the file
  }
  const configured = [...(config?.content ?? []), ...(config?.book?.chapters ?? [])];
  const named = content.length > 0 ? content : configured.length > 0 ? configured : ['content'];
  return { root, inputs: named.map((c) => path.resolve(root, c)), out: path.resolve(root, flags.out ?? config?.out ?? 'output') };
}

export interface WatchLoop {
  /** Resolves after the first build. */
  ready: Promise<void>;
  close: () => Promise<void>;
}

/** Build now and after every change; `onBuilt` runs after each build (preview reloads the browser). */
export async function watchBuilds(
  content: string[],
  buildFlags: BuildFlags,
  onBuilt: (exitCode: number, result: BuildResult | undefined) => void = () => {},
): Promise<WatchLoop> {
  const { watch: chokidarWatch } = await import('chokidar');
  const { root, inputs, out } = await watchTargets(content, buildFlags);
  let running = false;
  let again = false;
  const rebuild = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      const { exitCode, result } = await runBuild(content, buildFlags);
      process.stderr.write(
        pc.dim(`[${new Date().toLocaleTimeString()}] build ${exitCode === 0 ? 'done' : `exited ${exitCode}`}; watching for changes (Ctrl-C to stop)\n`),
      );
      watcher.add(dependencies(result));
      onBuilt(exitCode, result);
    } while (again);
    running = false;
  };
  const watcher = chokidarWatch([...inputs, path.join(root, CONFIG_FILE), path.join(root, 'templates')], {
    ignoreInitial: true,
    ignored: (p: string) =>
      p.includes(`${path.sep}.modelpress${path.sep}`) || p.includes(`${path.sep}modelpress-results${path.sep}`) || p === out || p.startsWith(out + path.sep),
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), 150);
  });
  return {
    ready: rebuild(),
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('build, then rebuild on every change of a document, model, template or config')
    .argument('[content...]', 'Markdown files or folders (default: config "content", else content/)')
    .option('--out <dir>', 'output folder')
    .option('--strict', 'report diagnostics as errors')
    .action(async (content: string[], flags: { out?: string; strict?: boolean }) => {
      const loop = await watchBuilds(content, { out: flags.out, to: 'html', strict: flags.strict });
      await loop.ready;
      // Keep running until interrupted.
      await new Promise<void>((resolve) => process.once('SIGINT', () => void loop.close().then(resolve)));
    });
}

/** What a build without arguments reads: the config's content folders and book chapters, else content/. */
export async function configuredInputs(root: string, configFile: string | undefined): Promise<string[]> {
  return (await resolveTargets([], {}, root, configFile)).inputs;
}
