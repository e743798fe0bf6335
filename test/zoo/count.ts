/**
 * The parameter count the tests compare with published numbers, written independently of the
 * analysis engine: the element count of every initializer or Constant tensor consumed by some node
 * as data, each counted once however many nodes use it (tied weights), except BatchNormalization's
 * running mean and variance (inputs 3 and 4: buffers), int64 and bool tensors (shapes, indices,
 * masks) and rank-0 literals, as COUNTING.md and src/analysis/params.ts define parameters.
 */
import { elementCount, type Model } from '../../src/onnx/model.js';

const floatTypes = new Set([1, 10, 11, 16]);
const INT64 = 7;
const BOOL = 9;

export function countParameters(model: Model): number {
  const buffers = new Set<string>();
  const used = new Set<string>();
  for (const node of model.graph.nodes) {
    node.inputs.forEach((name, i) => {
      if (node.opType === 'BatchNormalization' && (i === 3 || i === 4)) buffers.add(name);
      else if (name !== '') used.add(name);
    });
  }
  const tensors = [...model.graph.initializers];
  for (const n of model.graph.nodes) {
    const value = n.opType === 'Constant' ? n.attributes.find((a) => a.name === 'value') : undefined;
    if (value?.type === 'tensor') tensors.push({ ...value.value, name: n.outputs[0]! });
  }
  let total = 0;
  for (const t of tensors) {
    const counts = t.dataType !== INT64 && t.dataType !== BOOL && t.dims.length > 0;
    if (counts && used.has(t.name) && !buffers.has(t.name)) total += elementCount(t.dims);
  }
  return total;
}

/** Number of floating-point values the graph stores (every initializer and float Constant). */
export function storedFloatCount(model: Model): number {
  let total = 0;
  for (const t of model.graph.initializers) if (floatTypes.has(t.dataType)) total += elementCount(t.dims);
  for (const n of model.graph.nodes) {
    for (const a of n.attributes) if (a.type === 'tensor' && floatTypes.has(a.value.dataType)) total += elementCount(a.value.dims);
  }
  return total;
}
