// The `modelpress` API in process (src/index.ts): profile and bench return the data the CLI prints.
// The Gemm model of test/document/models.ts: x [1, 4] · W [4, 3] + b [3] → params 4·3 + 3 = 15,
// MACs 1·4·3 = 12, FLOPs 1·3·(2·4) = 24 (bias adds included).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bench, profile } from '../../src/index.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel } from '../document/models.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-api-'));
const model = path.join(dir, 'gemm.onnx');
writeModel(gemmModel(1), model);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('modelpress API', () => {
  it('profile counts the model, with the file hash on request', async () => {
    const p = await profile(model, { input: '1x4' });
    expect(p.totals).toMatchObject({ params: 15, macs: 12, flops: 24 });
    expect(p.model.sha256).toBeUndefined();
    expect((await profile(model, { input: '1x4', hash: true })).model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('bench measures it by the protocol, in a child process', async () => {
    const report = await bench(model, { input: '1x4', processes: 1, runs: 3, minTime: 0.01, floor: false, threads: [1] });
    expect(report.results).toHaveLength(1);
    const r = report.results[0]!;
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.latencyMedianMs).toBeGreaterThan(0);
  }, 120_000);
});
