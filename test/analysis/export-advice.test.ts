/**
 * The README's PyTorch export call runs clean (issue 20: with `training=PRESERVE` alone PyTorch 1.13
 * warns "It is recommended that constant folding be turned off"). The call is read from the README's
 * python block and run on a small Conv–BatchNorm–ReLU model; it must raise no warning and keep the
 * BatchNorm node. Needs a Python with torch and onnx (CI has none: skipped with the reason).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.MODELPRESS_TORCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { timeout: 60_000 }).status === 0;
if (!hasTorch) console.warn(`no Python with torch and onnx at ${PYTHON} (set MODELPRESS_TORCH_PYTHON): skipping the README export-advice check`);

function readmeExportCall(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /```python\n(model\.eval\(\)\ntorch\.onnx\.export\([\s\S]*?\n\))\n```/.exec(readme);
  if (!block) throw new Error('README.md has no ```python block with model.eval() and torch.onnx.export(…)');
  return block[1]!;
}

describe('README export advice', () => {
  it.runIf(hasTorch)(
    'runs on PyTorch without a warning and keeps BatchNorm',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-export-advice-'));
      try {
        const script = [
          'import warnings, torch, onnx',
          'warnings.simplefilter("always")',
          'model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, bias=False), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1))',
          'with warnings.catch_warnings(record=True) as caught:',
          '    warnings.simplefilter("always")',
          ...readmeExportCall()
            .split('\n')
            .map((l) => `    ${l}`),
          'for w in caught: print("WARNING:", w.message)',
          'print("OPS:", sorted({n.op_type for n in onnx.load("model.onnx").graph.node}))',
        ].join('\n');
        const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).not.toContain('WARNING:');
        expect(run.stderr).not.toMatch(/constant folding|UserWarning/);
        expect(run.stdout).toMatch(/OPS: \[.*'BatchNormalization'.*\]/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
