/**
 * Which outputs belong to a document: survey.md and survey.zh.md share an output folder and survey.zh's
 * files start with `survey.`. Building survey.md removed survey.zh.html, .data.json and .tex as
 * "made from other data" (they record survey.zh's hash) and its CSV tables as left over, and the next
 * build of survey.zh.md wrote them all again: a warm rebuild of the example wrote 18 files (issue 13, bench/example.ts). The manifest of
 * an unchanged build is left as it is, not rewritten with a new time.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentFiles, staleOutputs, stampHtml, stampTex, writeManifest } from '../../src/export/coherence.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-coherence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe('staleOutputs', () => {
  it("leaves another document's files alone, and finds this document's files of other data", () => {
    const html = file('survey.html', stampHtml('<html><head></head><body>en</body></html>', 'aaaa'));
    const tex = file('survey.tex', stampTex('% survey\n', 'cccc'));
    writeManifest(dir, 'survey', 'aaaa', [html, tex]);
    const zhHtml = file('survey.zh.html', stampHtml('<html><head></head><body>zh</body></html>', 'bbbb'));
    file('survey.zh.tex', stampTex('% survey.zh\n', 'bbbb'));
    writeManifest(dir, 'survey.zh', 'bbbb', [zhHtml, path.join(dir, 'survey.zh.tex')]);

    // survey.tex records cccc, not survey's aaaa: it is stale; survey.zh.* record bbbb but are survey.zh's.
    expect(staleOutputs(dir, 'survey', 'aaaa', [html])).toEqual([tex]);
    expect(staleOutputs(dir, 'survey.zh', 'bbbb', [zhHtml, path.join(dir, 'survey.zh.tex')])).toEqual([]);
  });

  it("lists a document's own files, the CSV tables of survey.zh left out of survey's", () => {
    const names = ['survey.html', 'survey.tbl-cnn.csv', 'survey.outputs.json', 'survey.zh.outputs.json', 'survey.zh.tbl-cnn.csv', 'surveys.html', 'llm.html'];
    expect(documentFiles(names, 'survey')).toEqual(['survey.html', 'survey.tbl-cnn.csv', 'survey.outputs.json']);
    expect(documentFiles(names, 'survey.zh')).toEqual(['survey.zh.outputs.json', 'survey.zh.tbl-cnn.csv']);
  });

  it('a manifest of the same data and files is not rewritten', () => {
    const html = path.join(dir, 'survey.html');
    const manifest = path.join(dir, 'survey.outputs.json');
    const before = readFileSync(manifest, 'utf8');
    const mtime = statSync(manifest).mtimeMs;
    writeManifest(dir, 'survey', 'aaaa', [html, path.join(dir, 'survey.tex')]);
    expect(readFileSync(manifest, 'utf8')).toBe(before);
    expect(statSync(manifest).mtimeMs).toBe(mtime);
    // Other data: rewritten.
    writeManifest(dir, 'survey', 'dddd', [html]);
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toMatchObject({ dataHash: 'dddd', files: ['survey.html'] });
  });
});
