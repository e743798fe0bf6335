/**
 * One array for equal shapes, and one list for equal lists of them. A large model has few distinct
 * shapes (every block of a transformer makes the same ones), yet each value's facts and each node's
 * row in the Profile held shape arrays of their own, kept to the end of the profile: on a 100k-node
 * graph a few hundred thousand small arrays that each garbage collection copied. Sharing is sound
 * because the analysis never edits a shape in place (rules copy one to change it, and declared shapes
 * of the model were shared with the facts before). The arrays are not frozen: V8 iterates a frozen
 * array (for-of, map) several times slower, and every shape would pay for it.
 */
import type { Dim } from '../onnx/model.js';
import type { ValueFacts } from './types.js';

/** Slots of the shape table: a direct-mapped cache (a colliding shape replaces the one there), so it never grows. */
const SHAPE_SLOTS = 1024;

/** Shapes by their dims: the same array for equal dims met in the same slot. */
export class ShapeTable {
  private readonly slots: (Dim[] | undefined)[] = new Array<Dim[] | undefined>(SHAPE_SLOTS).fill(undefined);

  /** An array with the dims of `shape`: a shared one when an equal shape is held, else a copy of exactly its length. */
  intern(shape: readonly Dim[]): Dim[] {
    const slot = hashDims(shape) & (SHAPE_SLOTS - 1);
    const held = this.slots[slot];
    if (held !== undefined && sameDims(held, shape)) return held;
    const copy = packedCopy(shape);
    this.slots[slot] = copy;
    return copy;
  }
}

/**
 * A copy of exactly its length, made as a literal: a shape of whole numbers is then always the same
 * kind of array (packed small integers), whichever rule built it (by push, spread, `new Array(n)` or
 * `map`), so the code that reads shapes after inference sees one kind instead of being recompiled for
 * each new one it meets. The reader's head() lists are made the same way but apart on purpose: one
 * allocation site per kind of list, so V8's feedback for shapes is not mixed with that for names.
 */
function packedCopy(shape: readonly Dim[]): Dim[] {
  switch (shape.length) {
    case 0:
      return [];
    case 1:
      return [shape[0]!];
    case 2:
      return [shape[0]!, shape[1]!];
    case 3:
      return [shape[0]!, shape[1]!, shape[2]!];
    case 4:
      return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
    case 5:
      return [shape[0]!, shape[1]!, shape[2]!, shape[3]!, shape[4]!];
    case 6:
      return [shape[0]!, shape[1]!, shape[2]!, shape[3]!, shape[4]!, shape[5]!];
    default:
      return shape.slice();
  }
}

function shapeAt(values: { getById(id: number): ValueFacts | undefined }, id: number): Dim[] | null {
  return id < 0 ? null : (values.getById(id)?.shape ?? null);
}

function hashDims(shape: readonly Dim[]): number {
  let h = shape.length;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    // Numbers by their low 32 bits (dims are whole numbers), names by their length, unknown dims alike.
    const v = typeof d === 'number' ? d | 0 : typeof d === 'string' ? d.length + 0x9e37 : 0x7f4a;
    h = Math.imul(h ^ v, 0x01000193);
  }
  return (h ^ (h >>> 15)) >>> 0;
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Lists of one or two shapes shared by identity of their entries; more entries than this get a list of their own. */
const MAX_SHARED_LISTS = 4096;

const NO_SHAPES = Object.freeze([]) as unknown as (Dim[] | null)[];

/**
 * A node's input or output shapes as the Profile lists them (null: rank unknown or omitted): one list
 * for the nodes whose one or two values have the very same shape arrays (the ShapeTable's). The
 * Profile is read, never edited.
 */
export class ShapeLists {
  private readonly ones = new Map<Dim[] | null, (Dim[] | null)[]>();
  private readonly twos = new Map<Dim[] | null, Map<Dim[] | null, (Dim[] | null)[]>>();
  private size = 0;

  of(facts: readonly (ValueFacts | undefined)[]): (Dim[] | null)[] {
    if (facts.length === 0) return NO_SHAPES;
    if (facts.length === 1) return this.one(facts[0]?.shape ?? null);
    if (facts.length === 2) return this.two(facts[0]?.shape ?? null, facts[1]?.shape ?? null);
    const out: (Dim[] | null)[] = new Array(facts.length);
    for (let i = 0; i < facts.length; i++) out[i] = facts[i]?.shape ?? null;
    return out;
  }

  /**
   * of() for the values ids[start] … ids[end − 1] (−1: omitted) as `values` holds them: read through
   * the graph's index, without a list of their facts made first.
   */
  ofIds(values: { getById(id: number): ValueFacts | undefined }, ids: Int32Array, start: number, end: number): (Dim[] | null)[] {
    const n = end - start;
    if (n === 0) return NO_SHAPES;
    const first = shapeAt(values, ids[start]!);
    if (n === 1) return this.one(first);
    if (n === 2) return this.two(first, shapeAt(values, ids[start + 1]!));
    const out: (Dim[] | null)[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = shapeAt(values, ids[start + i]!);
    return out;
  }

  private one(a: Dim[] | null): (Dim[] | null)[] {
    let list = this.ones.get(a);
    if (list === undefined) {
      list = [a];
      if (this.size < MAX_SHARED_LISTS) {
        this.ones.set(a, list);
        this.size++;
      }
    }
    return list;
  }

  private two(a: Dim[] | null, b: Dim[] | null): (Dim[] | null)[] {
    let byB = this.twos.get(a);
    let list = byB?.get(b);
    if (list === undefined) {
      list = [a, b];
      if (this.size < MAX_SHARED_LISTS) {
        if (byB === undefined) this.twos.set(a, (byB = new Map()));
        byB.set(b, list);
        this.size++;
      }
    }
    return list;
  }
}
