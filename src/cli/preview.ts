/**
 * `modelpress preview [content…] [--port 4000] [--out output]`: the watch loop (src/cli/watch.ts:
 * rebuild on every change, through the cache) plus a local web server for the output folder that
 * reloads the open pages after each build.
 *
 * The server listens on 127.0.0.1 only. Files are served by sirv (no caching, so a reload shows the
 * new build); HTML pages get a small script that listens on `/__modelpress/events` (server-sent
 * events) and reloads when a build finishes. The files on disk stay exactly what `build` wrote.
 */
import type http from 'node:http';
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import type { BuildResult } from '../project/build.js';

export const EVENTS_PATH = '/__modelpress/events';

/** Reload on every `build` event; reconnects by itself if the server restarts. */
const RELOAD_SCRIPT = `<script>(() => { const s = new EventSource('${EVENTS_PATH}'); s.addEventListener('build', () => location.reload()); })();</script>`;

/** The page with the reload script before `</body>` (or at the end). */
export function withReload(html: string): string {
  const at = html.lastIndexOf('</body>');
  return at < 0 ? `${html}${RELOAD_SCRIPT}` : `${html.slice(0, at)}${RELOAD_SCRIPT}\n${html.slice(at)}`;
}

export interface PreviewServer {
  url: string;
  /** Tell every open page a build finished (they reload). */
  notify: () => void;
  close: () => Promise<void>;
}

/** Serve `out` on 127.0.0.1:`port` (0: any free port). `documents`: the built pages, for `/`. */
export async function startPreviewServer(out: string, port: number, documents: () => string[]): Promise<PreviewServer> {
  // Loaded here, not at start: every command's start-up would pay for node:http (issue 13).
  const [{ default: sirv }, { createServer }, { readFile }] = await Promise.all([import('sirv'), import('node:http'), import('node:fs/promises')]);
  const files = sirv(out, { dev: true, dotfiles: false });
  const clients = new Set<http.ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === EVENTS_PATH) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': modelpress preview\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/') {
      const pages = documents();
      if (pages.length === 1) {
        res.writeHead(302, { location: `/${encodeURI(pages[0]!)}` }).end();
        return;
      }
      const list = pages.map((p) => `<li><a href="/${encodeURI(p)}">${p.replace(/[<&]/g, '')}</a></li>`).join('');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          withReload(
            `<!doctype html><html><head><meta charset="utf-8"><title>modelpress preview</title></head><body><ul>${list || '<li>nothing built yet</li>'}</ul></body></html>`,
          ),
        );
      return;
    }
    if (url.pathname.endsWith('.html')) {
      const file = path.join(out, decodeURIComponent(url.pathname));
      if (file.startsWith(out + path.sep)) {
        readFile(file, 'utf8').then(
          (html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(withReload(html)),
          () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not built (yet)\n'),
        );
        return;
      }
    }
    files(req, res, () => void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    notify: () => {
      for (const c of clients) c.write(`event: build\ndata: ${Date.now()}\n\n`);
    },
    close: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port ${text}: not a port number (0-65535)`);
  return n;
}

export function register(program: Command): void {
  program
    .command('preview')
    .description('build, serve the output on 127.0.0.1 and reload the browser after each rebuild')
    .argument('[content...]', 'Markdown files or folders (default: config "content", else content/)')
    .option('--out <dir>', 'output folder (default: config "out", else output/)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '4000')
    .option('--strict', 'report diagnostics as errors')
    .action(async (content: string[], flags: { out?: string; port: string; strict?: boolean }) => {
      let port: number;
      try {
        port = portNumber(flags.port);
      } catch (err) {
        process.stderr.write(`modelpress preview: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const { watchBuilds, watchTargets } = await import('./watch.js');
      const { out } = await watchTargets(content, flags);
      let built: BuildResult | undefined;
      let server: PreviewServer;
      try {
        server = await startPreviewServer(out, port, () => (built?.documents ?? []).map((d) => path.relative(out, d.html)));
      } catch (err) {
        process.stderr.write(`modelpress preview: cannot listen on 127.0.0.1:${port} (${(err as Error).message}); pick another with --port\n`);
        process.exitCode = 1;
        return;
      }
      const loop = await watchBuilds(content, { out: flags.out, to: 'html', strict: flags.strict }, (_code, result) => {
        if (result) built = result;
        server.notify();
      });
      await loop.ready;
      process.stdout.write(`preview: ${pc.bold(server.url)} (rebuilds and reloads on change; Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => void Promise.all([loop.close(), server.close()]).then(() => resolve())));
    });
}
