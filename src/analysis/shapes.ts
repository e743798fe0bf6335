/** Shape arithmetic shared by the op families: broadcasting, axes, products, known-ness. */
import type { Dim } from '../onnx/model.js';
import { AnalysisError, type ValueFacts } from './types.js';

/** True when every dim is a number. */
export function isConcrete(shape: readonly Dim[] | undefined): shape is number[] {
  return shape?.every((d) => typeof d === 'number') === true;
}

/** Product of dims, or undefined if any is not a number. */
export function product(shape: readonly Dim[] | undefined): number | undefined {
  if (shape === undefined) return undefined;
  let n = 1;
  // Indexed: a for-of makes an iterator until the caller is optimized (a call per node of the graph).
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Element count of a value's tensor, or undefined when its shape is not fully known. */
export function numel(v: ValueFacts | undefined): number | undefined {
  return product(v?.shape);
}

/** Normalise a possibly negative axis against a rank; throws on out-of-range. */
export function normalizeAxis(axis: number, rank: number, where?: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new AnalysisError(`axis ${axis} is out of range for rank ${rank}`, where);
  return a;
}

/** Merge two dims that must be equal: numbers win over symbols; two different numbers is an error. */
export function unifyDim(a: Dim, b: Dim, where?: string): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== b) throw new AnalysisError(`dimension mismatch: ${a} vs ${b}`, where);
    return a;
  }
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return a ?? b;
}

/** Numpy-style multidirectional broadcasting of several shapes. */
export function broadcastShapes(shapes: (readonly Dim[] | undefined)[], where?: string): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes as Dim[][]) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) {
        dim = d;
      } else if (typeof dim === 'number' && typeof d === 'number') {
        if (dim !== d) {
          throw new AnalysisError(`shapes [${shapes.map((x) => x!.join('×')).join('], [')}] cannot be broadcast`, where);
        }
      } else if (typeof d === 'number') {
        dim = d; // a concrete dim is the best information (the symbol must equal it or be 1)
      } else if (dim !== d) {
        dim = typeof dim === 'number' ? dim : null;
      }
    }
    out.push(dim);
  }
  return out;
}

/** Output spatial size of a convolution/pooling window along one axis (explicit pads). */
export function windowOutput(input: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceil = false): number {
  const effective = (kernel - 1) * dilation + 1;
  const span = input + padBegin + padEnd - effective;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // ONNX (like PyTorch) drops a last ceil-mode window that would start inside the end padding.
  if (ceil && (out - 1) * stride >= input + padBegin) return out - 1;
  return out;
}

/** Format a shape for messages: `1×3×224×224`, symbols by name, unknown as `?`. */
export function formatShape(shape: readonly Dim[] | undefined | null): string {
  if (shape === undefined || shape === null) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}
