/**
 * `modelpress watch [content…]`: build, then rebuild whenever a document, a model file it declares,
 * a template or the config changes. Rebuilds go through the cache, so only what changed is measured.
 */
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { projectRoot } from '../cache/project.js';
import type { ProjectConfig } from '../document/settings.js';
import type { BuildResult } from '../project/build.js';
import { type BuildFlags, runBuild } from './build.js';

/** Files a build depends on: the documents and the model files they declare. */
function dependencies(result: BuildResult | undefined): string[] {
  const files = new Set<string>();
  for (const d of result?.documents ?? []) {
    files.add(d.source);
    for (const m of d.data.models) if (!m.source.startsWith('zoo:')) files.add(path.resolve(path.dirname(d.source), m.source));
    for (const a of d.data.assets) files.add(a.source);
  }
  return [...files];
}

/** What a build without arguments reads: the config's content folders and book chapters, else content/. */
export async function configuredInputs(root: string, configFile: string | undefined): Promise<string[]> {
  let config: ProjectConfig | undefined;
  try {
    // The config schema (zod) is loaded when the command runs, not for `modelpress --help`.
    config = configFile ? (await import('../document/settings.js')).readProjectConfig(configFile) : undefined;
  } catch {
    config = undefined; // the build reports a bad config
  }
  const inputs = [...(config?.content ?? []), ...(config?.book?.chapters ?? [])];
  return (inputs.length > 0 ? inputs : ['content']).map((p) => path.resolve(root, p));
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('build, then rebuild on every change of a document, model, template or config')
    .argument('[content...]', 'Markdown files or folders (default: config "content", else content/)')
    .option('--out <dir>', 'output folder')
    .option('--strict', 'report diagnostics as errors')
    .action(async (content: string[], flags: { out?: string; strict?: boolean }) => {
      const { watch: chokidarWatch } = await import('chokidar');
      const buildFlags: BuildFlags = { out: flags.out, to: 'html', strict: flags.strict };
      const { root, configFile } = projectRoot(process.cwd());
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
          process.stderr.write(pc.dim(`[${new Date().toLocaleTimeString()}] build ${exitCode === 0 ? 'done' : `exited ${exitCode}`}; watching for changes (Ctrl-C to stop)\n`));
          watcher.add(dependencies(result));
        } while (again);
        running = false;
      };
      const inputs = content.length > 0 ? content.map((c) => path.resolve(c)) : await configuredInputs(root, configFile);
      const watcher = chokidarWatch([...inputs, path.join(root, 'modelpress.config.json'), path.join(root, 'templates')], {
        ignoreInitial: true,
        ignored: (p: string) => p.includes(`${path.sep}.modelpress${path.sep}`) || p.includes(`${path.sep}output${path.sep}`) || p.includes(`${path.sep}modelpress-results${path.sep}`),
      });
      let timer: NodeJS.Timeout | undefined;
      watcher.on('all', () => {
        clearTimeout(timer);
        timer = setTimeout(() => void rebuild(), 150);
      });
      await rebuild();
      // Keep running until interrupted.
      await new Promise<void>((resolve) => process.once('SIGINT', () => void watcher.close().then(resolve)));
    });
}
