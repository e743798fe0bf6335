/** Input shapes for analysing the backend test models: the dims of their recorded inputs. */
import { feedInputs } from '../../src/analysis/bind.js';
import type { Model } from '../../src/onnx/model.js';
import { readTensorFile } from '../../src/onnx/reader.js';
import type { BackendCase } from './backend-data.js';

/** input_N.pb feeds the N-th input that is not an initializer. */
export function recordedInputShapes(c: BackendCase, model: Model): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  feedInputs(model.graph).forEach((input, i) => {
    const file = c.inputs[i];
    if (file) shapes[input.name] = [...readTensorFile(file).dims];
  });
  return shapes;
}
