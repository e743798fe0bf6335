/**
 * Where settings come from: defaults < modelpress.config.json < front matter < directive attributes,
 * each source validated with positioned messages; and the exit codes of `modelpress build`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { build, UsageError } from '../../src/project/build.js';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { projectSettings, readProjectConfig } from '../../src/document/settings.js';
import { writeTinyModels } from './models.js';
import { machineIndependent } from '../helpers/diagnostics.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mp-settings-'));
  writeTinyModels(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('layers config < front matter < directive', async () => {
    const config = path.join(dir, 'modelpress.config.json');
    writeFileSync(config, JSON.stringify({ batch: 4, threads: 1, convention: 'fvcore' }));
    const project = projectSettings(readProjectConfig(config));
    expect(project).toMatchObject({ batch: 4, threads: 1, convention: 'fvcore' });
    const md = '---\nbatch: 2\n---\n::model{#a src="models/gemm.onnx" input="1x4"}\n::model{#b src="models/gemm.onnx" input="1x4" batch=3}\n';
    const { file } = await renderMarkdown(md, path.join(dir, 'doc.md'), { settings: project });
    const state = file.data.modelpress!;
    expect(state.settings).toMatchObject({ batch: 2, threads: 1, convention: 'fvcore' });
    expect(state.registry.get('a')!.batch).toBe(2);
    expect(state.registry.get('b')!.batch).toBe(3);
    expect(machineIndependent(file.messages)).toEqual([]);
  });

  it('reports a bad front-matter value at its line and keeps the good ones', async () => {
    const md = '---\ntitle: Kept\nbatch: two\nminn_time: 1\n---\n# Body\n';
    const { file, html } = await renderMarkdown(md, path.join(dir, 'fm.md'));
    expect(file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`)).toEqual(['3:1 front-matter', '4:1 front-matter']);
    expect(file.messages[1]!.reason).toContain("unknown front-matter setting 'minn_time'; did you mean 'min_time'?");
    expect(html).toContain('<title>Kept</title>');
  });

  it('rejects a bad config file as a usage error naming the key', async () => {
    const project = path.join(dir, 'badcfg');
    mkdirSync(path.join(project, 'content'), { recursive: true });
    writeFileSync(path.join(project, 'content', 'x.md'), '# x\n');
    writeFileSync(path.join(project, 'modelpress.config.json'), JSON.stringify({ batchh: 2 }));
    await expect(build({ cwd: project })).rejects.toThrow(UsageError);
    await expect(build({ cwd: project })).rejects.toThrow("unknown setting 'batchh'");
  });
});

describe('modelpress build exit codes', () => {
  it('exits 2 on usage errors', async () => {
    expect(await main(['build', '--to', 'docx'])).toBe(2);
    expect(await main(['build', '--frozen', '--refresh'])).toBe(2);
    expect(await main(['build', path.join(dir, 'no-such-file.md')])).toBe(2);
    // main() reports through process.exitCode too; leave the test process's own code alone.
    process.exitCode = 0;
  });
});
