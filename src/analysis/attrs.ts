/** Typed access to a node's attributes, with defaults and clear errors on type mismatches. */
import type { Attribute, Graph, Node, Tensor } from '../onnx/model.js';
import { AnalysisError, type AttrReader } from './types.js';

const decoder = new TextDecoder();

export function attrReader(node: Node): AttrReader {
  const byName = new Map<string, Attribute>(node.attributes.map((a) => [a.name, a]));
  const get = <T extends Attribute['type']>(name: string, types: T[]): Extract<Attribute, { type: T }> | undefined => {
    const a = byName.get(name);
    if (a === undefined) return undefined;
    if (!types.includes(a.type as T)) {
      throw new AnalysisError(`attribute '${name}' has type ${a.type}, expected ${types.join(' or ')}`, node.name || node.opType);
    }
    return a as Extract<Attribute, { type: T }>;
  };
  return {
    has: (name) => byName.has(name),
    int: (name, fallback) => get(name, ['int'])?.value ?? fallback,
    intOpt: (name) => get(name, ['int'])?.value,
    ints: (name, fallback) => get(name, ['ints'])?.value ?? fallback,
    intsOpt: (name) => get(name, ['ints'])?.value,
    float: (name, fallback) => {
      const a = get(name, ['float', 'int']);
      return a === undefined ? fallback : a.value;
    },
    floats: (name, fallback) => get(name, ['floats'])?.value ?? fallback,
    string: (name, fallback) => {
      const a = get(name, ['string']);
      return a === undefined ? fallback : decoder.decode(a.value);
    },
    strings: (name, fallback) => {
      const a = get(name, ['strings']);
      return a === undefined ? fallback : a.value.map((s) => decoder.decode(s));
    },
    tensor: (name): Tensor | undefined => get(name, ['tensor'])?.value,
    graph: (name): Graph | undefined => get(name, ['graph'])?.value,
  };
}
