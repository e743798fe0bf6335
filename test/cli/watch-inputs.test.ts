/** `modelpress watch` without arguments follows what the config builds: its content folders and book chapters. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configuredInputs } from '../../src/cli/watch.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-watch-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('watch inputs', () => {
  it('watches every configured content folder and book chapter', async () => {
    const config = path.join(dir, 'modelpress.config.json');
    writeFileSync(config, JSON.stringify({ content: ['paper', 'notes'], book: { title: 'T', chapters: ['chapters/a.md', 'chapters/b.md'] } }));
    expect(await configuredInputs(dir, config)).toEqual(['paper', 'notes', 'chapters/a.md', 'chapters/b.md'].map((p) => path.join(dir, p)));
  });

  it('watches content/ without a config', async () => {
    expect(await configuredInputs(dir, undefined)).toEqual([path.join(dir, 'content')]);
  });
});
