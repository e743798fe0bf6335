/**
 * The ONNX backend test models in ../shared/onnx-backend-data (Apache-2.0): where each model and its
 * recorded data are, and the shapes of its recorded inputs so static analysis can bind them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { feedInputs } from '../../src/analysis/bind.js';
import type { Model } from '../../src/onnx/model.js';
import { readModel, readTensorFile } from '../../src/onnx/reader.js';

export const BACKEND_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/onnx-backend-data');

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
              .sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
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

export interface BackendModel {
  /** e.g. 'pytorch-converted/test_AvgPool1d' or 'light/light_vgg19'. */
  id: string;
  file: string;
  /** Folder holding test_data_set_0, when there is one. */
  dataDir?: string | undefined;
}

export function backendModels(): BackendModel[] {
  return backendCases().map((c) => ({
    id: c.id,
    file: c.model,
    dataDir: c.id.startsWith('light/') ? undefined : path.join(path.dirname(c.model), 'test_data_set_0'),
  }));
}

/** Input shapes from the recorded inputs (input_N.pb feeds the N-th non-initializer input). */
export function recordedInputShapes(m: BackendModel, model: Model): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  if (!m.dataDir || !fs.existsSync(m.dataDir)) return shapes;
  feedInputs(model.graph).forEach((input, i) => {
    const file = path.join(m.dataDir!, `input_${i}.pb`);
    if (fs.existsSync(file)) shapes[input.name] = [...readTensorFile(file).dims];
  });
  return shapes;
}

export function loadBackendModel(m: BackendModel): Model {
  return readModel(m.file);
}
