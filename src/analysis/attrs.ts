/**
 * Typed access to a node's attributes, with defaults and clear errors on type mismatches. One small
 * object per node with its methods on the prototype (a node has a handful of attributes, found by a
 * linear scan): the analysis makes a reader for every node, so it must cost next to nothing.
 */
import type { Attribute, Graph, Node, Tensor } from '../onnx/model.js';
import { AnalysisError, type AttrReader } from './types.js';

const decoder = new TextDecoder();

// The accepted types of each accessor, made once: rules read attributes of every node.
const INT = ['int'] as const;
const INTS = ['ints'] as const;
const FLOAT = ['float', 'int'] as const;
const FLOATS = ['floats'] as const;
const STRING = ['string'] as const;
const STRINGS = ['strings'] as const;
const TENSOR = ['tensor'] as const;
const GRAPH = ['graph'] as const;

class NodeAttrs implements AttrReader {
  constructor(private readonly node: Node) {}

  private find(name: string): Attribute | undefined {
    const list = this.node.attributes;
    // The last one wins, as a Map built from the list would have it.
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.name === name) return list[i];
    return undefined;
  }

  private get<T extends Attribute['type']>(name: string, types: readonly T[]): Extract<Attribute, { type: T }> | undefined {
    const a = this.find(name);
    if (a === undefined) return undefined;
    if (!types.includes(a.type as T)) {
      throw new AnalysisError(`attribute '${name}' has type ${a.type}, expected ${types.join(' or ')}`, this.node.name || this.node.opType);
    }
    return a as Extract<Attribute, { type: T }>;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  int(name: string, fallback: number): number {
    return this.get(name, INT)?.value ?? fallback;
  }

  intOpt(name: string): number | undefined {
    return this.get(name, INT)?.value;
  }

  ints(name: string, fallback: number[]): number[] {
    return this.get(name, INTS)?.value ?? fallback;
  }

  intsOpt(name: string): number[] | undefined {
    return this.get(name, INTS)?.value;
  }

  float(name: string, fallback: number): number {
    const a = this.get(name, FLOAT);
    return a === undefined ? fallback : a.value;
  }

  floats(name: string, fallback: number[]): number[] {
    return this.get(name, FLOATS)?.value ?? fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, STRING);
    return a === undefined ? fallback : decoder.decode(a.value);
  }

  strings(name: string, fallback: string[]): string[] {
    const a = this.get(name, STRINGS);
    return a === undefined ? fallback : a.value.map((s) => decoder.decode(s));
  }

  tensor(name: string): Tensor | undefined {
    return this.get(name, TENSOR)?.value;
  }

  graph(name: string): Graph | undefined {
    return this.get(name, GRAPH)?.value;
  }
}

export function attrReader(node: Node): AttrReader {
  return new NodeAttrs(node);
}
