/**
 * A node's attributes as plain JSON for the Profile (docs/profile-json.md "nodes"): numbers, strings
 * and lists as they are; a tensor as its dtype and dims, with its values when small (Constant nodes'
 * values, so the graph can be rebuilt from the JSON); a sub-graph by its name and node count.
 */
import { dtypeName } from '../onnx/dtypes.js';
import type { Attribute, Tensor } from '../onnx/model.js';
import { elementCount } from '../onnx/model.js';
import { tensorNumbers } from '../onnx/tensor-data.js';

/** A tensor: dtype, dims, and (small ones) its values; non-finite values as the strings 'Infinity', '-Infinity', 'NaN'. */
export type JsonTensor = { dtype: string; dims: number[]; values?: (number | string)[] | undefined };
export type JsonAttribute =
  | number
  | string
  | number[]
  | string[]
  | { tensor: JsonTensor }
  | { tensors: JsonTensor[] }
  | { graph: string; nodes: number }
  | { graphs: { graph: string; nodes: number }[] }
  | { ref: string }
  | { type: string };

/** Tensors up to this many elements keep their values in the JSON. */
const MAX_JSON_VALUES = 256;

const decoder = new TextDecoder();

function tensorJson(t: Tensor): JsonTensor {
  const out: JsonTensor = { dtype: dtypeName(t.dataType), dims: [...t.dims] };
  if (elementCount(t.dims) <= MAX_JSON_VALUES) {
    try {
      const v = tensorNumbers(t);
      if (v !== undefined) out.values = v.map((x) => (Number.isFinite(x) ? x : String(x)));
    } catch {
      // bytes that do not match the dims: dtype and dims are still right
    }
  }
  return out;
}

function attributeJson(a: Attribute): JsonAttribute {
  switch (a.type) {
    case 'float':
    case 'int':
      return a.value;
    case 'string':
      return decoder.decode(a.value);
    case 'floats':
    case 'ints':
      return [...a.value];
    case 'strings':
      return a.value.map((s) => decoder.decode(s));
    case 'tensor':
      return { tensor: tensorJson(a.value) };
    case 'tensors':
      return { tensors: a.value.map(tensorJson) };
    case 'sparse_tensor':
      return { tensor: { dtype: dtypeName(a.value.values.dataType), dims: [...a.value.dims] } };
    case 'sparse_tensors':
      return { tensors: a.value.map((s) => ({ dtype: dtypeName(s.values.dataType), dims: [...s.dims] })) };
    case 'graph':
      return { graph: a.value.name, nodes: a.value.nodes.length };
    case 'graphs':
      return { graphs: a.value.map((g) => ({ graph: g.name, nodes: g.nodes.length })) };
    case 'ref':
      return { ref: a.refAttrName };
    case 'type_proto':
    case 'type_protos':
      return { type: a.type };
  }
}

/** The attributes of a node without any: one shared (frozen) object, as most nodes of a large graph have none. */
const NO_ATTRIBUTES: Record<string, JsonAttribute> = Object.freeze({});

export function attributesJson(attrs: readonly Attribute[]): Record<string, JsonAttribute> {
  if (attrs.length === 0) return NO_ATTRIBUTES;
  const out: Record<string, JsonAttribute> = {};
  for (const a of attrs) out[a.name] = attributeJson(a);
  return out;
}
