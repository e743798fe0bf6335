/**
 * The ONNX backend test models vendored in test/fixtures/onnx-backend-data (Apache-2.0, from the ONNX project; see its README.md): where each model and its
 * recorded data are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BACKEND_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/onnx-backend-data');

export interface BackendCase {
  /** e.g. 'pytorch-converted/test_Conv2d' or 'light/light_resnet50' */
  id: string;
  model: string;
  /** Recorded inputs and expected outputs (test_data_set_0/input_N.pb, output_N.pb), in order. */
  inputs: string[];
  outputs: string[];
}

/** Every model with its recorded data files (light models have an expected output but no inputs). */
export function backendCases(): BackendCase[] {
  const cases: BackendCase[] = [];
  for (const group of ['pytorch-converted', 'pytorch-operator', 'simple']) {
    const dir = path.join(BACKEND_DATA, group);
    for (const name of fs.readdirSync(dir).sort()) {
      const model = path.join(dir, name, 'model.onnx');
      if (!fs.existsSync(model)) continue;
      const data = path.join(dir, name, 'test_data_set_0');
      const list = (prefix: string): string[] =>
        fs.existsSync(data)
          ? fs
              .readdirSync(data)
              .filter((f) => f.startsWith(prefix))
              .sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10))
              .map((f) => path.join(data, f))
          : [];
      cases.push({ id: `${group}/${name}`, model, inputs: list('input_'), outputs: list('output_') });
    }
  }
  const light = path.join(BACKEND_DATA, 'light');
  for (const f of fs.readdirSync(light).sort()) {
    if (!f.endsWith('.onnx')) continue;
    const base = f.slice(0, -5);
    const out = path.join(light, `${base}_output_0.pb`);
    cases.push({ id: `light/${base}`, model: path.join(light, f), inputs: [], outputs: fs.existsSync(out) ? [out] : [] });
  }
  return cases;
}
