// `modelpress preview` end to end in a child process, against 127.0.0.1 only: it builds every content
// folder of the config (two here, neither called content/), serves them, and after a change to a
// document in the second folder rebuilds and tells the open page (server-sent event) to reload.
// Plus the server alone, in process: pages get the reload script, nothing answers off loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS_PATH, startPreviewServer, withReload } from '../../src/cli/preview.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';
import { CLI_ARGS } from '../helpers/cli-child.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-preview-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGINT');
  fs.rmSync(dir, { recursive: true, force: true });
});

function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000, log = () => ''): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const value = probe();
      if (value !== undefined) {
        clearInterval(poll);
        resolve(value);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`no ${what} within ${timeoutMs} ms\n${log()}`));
      }
    }, 50);
  });
}

function get(url: string): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
      })
      .on('error', reject);
  });
}

describe('modelpress preview', () => {
  it('serves every configured content folder and reloads the page after a rebuild', async () => {
    for (const sub of ['docs/models', 'notes']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modelpress.config.json'), JSON.stringify({ content: ['docs', 'notes'] }));
    writeModel(gemmModel(1), path.join(dir, 'docs', 'models', 'gemm.onnx'));
    fs.writeFileSync(path.join(dir, 'docs', 'a.md'), '# A\n\n::model{#g src="models/gemm.onnx" input="1x4"}\n\nParams :metric{model=g name=params}.\n');
    const note = (text: string) => fs.writeFileSync(path.join(dir, 'notes', 'b.md'), `# B\n\n${text}\n`);
    note('First version.');

    const out = { text: '' };
    const err = { text: '' };
    child = spawn(process.execPath, [...CLI_ARGS, 'preview', '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    child.stdout!.on('data', (d: Buffer) => (out.text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err.text += d.toString()));
    const url = await until(
      'preview URL',
      () => /preview: .*?(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.text)?.[1],
      60_000,
      () => out.text + err.text,
    );

    // Both folders built; the index lists both pages.
    const index = await get(url);
    expect(index.status).toBe(200);
    expect(index.body).toContain('href="/a.html"');
    expect(index.body).toContain('href="/b.html"');
    const a = await get(`${url}a.html`);
    expect(a.body).toMatch(/data-metric="params"[^>]*>15\u00a0parameters</); // gemm: 4·3 + 3 = 15 parameters
    expect(a.body).toContain(EVENTS_PATH);
    expect((await get(`${url}assets/katex/katex.min.css`)).status).toBe(200);
    expect((await get(`${url}missing.html`)).status).toBe(404);

    // An open page's event stream gets a build event once the changed note is rebuilt.
    const events = { text: '' };
    const stream = http.get(`${url}${EVENTS_PATH.slice(1)}`, (res) => res.on('data', (d: Buffer) => (events.text += d.toString())));
    await until('event stream', () => (events.text.includes(': modelpress preview') ? true : undefined));
    note('Second version.');
    await until(
      'build event',
      () => (events.text.includes('event: build') ? true : undefined),
      60_000,
      () => err.text,
    );
    stream.destroy();
    expect((await get(`${url}b.html`)).body).toContain('Second version.');
    // The file on disk is what build wrote: the reload script lives only in the served copy.
    expect(fs.readFileSync(path.join(dir, 'output', 'b.html'), 'utf8')).not.toContain(EVENTS_PATH);
  }, 120_000);

  it('listens on loopback only and injects the reload script before </body>', async () => {
    expect(withReload('<html><body><p>x</p></body></html>')).toMatch(/<p>x<\/p><script>.*EventSource\('\/__modelpress\/events'\).*<\/script>\n<\/body>/);
    const server = await startPreviewServer(dir, 0, () => []);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const port = Number(new URL(server.url).port);
      const outside = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (outside) {
        const refused = await new Promise<boolean>((resolve) => {
          const s = net.connect({ host: outside, port }, () => (s.destroy(), resolve(false)));
          s.on('error', () => resolve(true));
          s.setTimeout(3000, () => (s.destroy(), resolve(true)));
        });
        expect(refused).toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});
