/**
 * Fixture tests: each test/fixtures/document/<case>.md is rendered next to the tiny models of
 * ./models.ts; <case>.json lists HTML fragments that must appear (`contains`) or must not (`absent`)
 * and the exact diagnostics as `line:column ruleId` (`parts/x.md:line:column ruleId` inside an included file). The numbers in the fragments are derived by hand
 * in each JSON's `why` and in models.ts.
 */
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { writeTinyModels } from './models.js';
import { machineIndependent } from '../helpers/diagnostics.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'document');
const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.md'))
  .map((f) => f.slice(0, -3))
  .sort();

interface Expectation {
  contains: string[];
  absent?: string[];
  messages: string[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-fixtures-'));
  writeTinyModels(dir);
  // Side files a case reads: images, bibliographies (all copied first, so did-you-mean sees them).
  for (const f of readdirSync(FIXTURES)) if (/\.(svg|bib)$/.test(f)) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  // Files that ::include reads.
  cpSync(path.join(FIXTURES, 'parts'), path.join(dir, 'parts'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('document fixtures', () => {
  it('has a fixture for every directive and every diagnostic', () => {
    for (const name of ['table', 'sweep', 'layers', 'ops', 'formula-worked', 'formula-node', 'metric', 'chart', 'environment']) expect(cases).toContain(name);
    for (const rule of [
      'unknown-directive',
      'unknown-attribute',
      'malformed-shape',
      'missing-model',
      'model-load',
      'unbound-dim',
      'unknown-metric',
      'unknown-reference',
      'katex',
    ]) {
      expect(cases).toContain(`diag-${rule}`);
    }
  });

  for (const name of cases) {
    it(name, async () => {
      const expected = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Expectation;
      const file = path.join(dir, `${name}.md`);
      copyFileSync(path.join(FIXTURES, `${name}.md`), file);
      // A case may bring a published-numbers CSV (`published=`) of the same name.
      if (existsSync(path.join(FIXTURES, `${name}.csv`))) copyFileSync(path.join(FIXTURES, `${name}.csv`), path.join(dir, `${name}.csv`));
      const markdown = readFileSync(file, 'utf8');
      const { body, file: vfile } = await renderMarkdown(markdown, file);
      for (const fragment of expected.contains) expect(body).toContain(fragment);
      for (const fragment of expected.absent ?? []) expect(body).not.toContain(fragment);
      // A message inside included text names its own file (relative to the fixture folder).
      const where = (m: { file?: string | undefined }) => (m.file && m.file !== vfile.path ? `${path.relative(dir, path.resolve(m.file))}:` : '');
      const messages = machineIndependent(vfile.messages).map((m) => `${where(m)}${m.line}:${m.column} ${m.ruleId}`);
      expect(messages).toEqual(expected.messages);
      for (const m of vfile.messages) expect(m.source).toBe('modelpress');
    });
  }
});
