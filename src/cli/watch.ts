/**
 * `modelpress watch [content…]`: build, then rebuild whenever a document, a model file it declares,
 * a template or the config changes. Rebuilds go through the cache, so only what changed is measured.
 */
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { projectRoot } from '../cache/project.js';
import type { BuildResult } from '../document/build.js';
import { type BuildFlags, runBuild } from './build.js';

/** Files a build depends on: the documents and the model files they declare. */
function dependencies(result: BuildResult | undefined): string[] {
  const files = new Set<string>();
  for (const d of result?.documents ?? []) {
    files.add(d.source);
    for (const m of d.data.models) if (!m.source.startsWith('zoo:')) files.add(path.resolve(path.dirname(d.source), m.source));
  }
  return [...files];
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
      const { root } = projectRoot(process.cwd());
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
      const inputs = content.length > 0 ? content.map((c) => path.resolve(c)) : [path.join(root, 'content')];
      const watcher = chokidarWatch([...inputs, path.join(root, 'modelpress.config.json'), path.join(root, 'templates')], {
        ignoreInitial: true,
        ignored: (p: string) => p.includes(`${path.sep}.modelpress${path.sep}`) || p.includes(`${path.sep}output${path.sep}`),
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
