/**
 * Value name → dense id, for a graph's values (src/analysis/topology.ts). An open-addressing table
 * over typed arrays rather than a Map: on a 100k-node graph the map of its ~300k names was the
 * largest single cost of indexing it (a Map of that size misses the cache on every operation and
 * regrows by copying), and here a name that is found is nearly always the very string stored (the
 * reader hands out one string per name), so a lookup is one hash of its characters, one slot and
 * one pointer comparison.
 *
 * The hash is seeded per table, so which names share a slot cannot be chosen by the file.
 */
export class NameIds {
  /** Id → name, in the order the names were first met. */
  readonly names: string[] = [];
  private mask: number;
  /** id + 1 per slot, 0 for an empty slot. */
  private slots: Int32Array;
  /** Each id's hash: what a grown table places it by without hashing its name again. */
  private hashes: Int32Array;
  private readonly seed = (Math.random() * 0x100000000) | 0;

  /** For about `expected` names (the table grows past that). */
  constructor(expected = 0) {
    let size = 16;
    while (size < expected * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(Math.max(16, expected));
  }

  get size(): number {
    return this.names.length;
  }

  /** The id of `name`, or undefined when the table has not met it. */
  get(name: string): number | undefined {
    const h = this.hash(name);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]! - 1;
      if (id < 0) return undefined;
      if (this.names[id] === name) return id;
    }
  }

  /** The id of `name`, the next one when it is met for the first time. */
  idOf(name: string): number {
    const h = this.hash(name);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]! - 1;
      if (id < 0) return this.add(name, h, slot);
      if (this.names[id] === name) return id;
    }
  }

  private add(name: string, h: number, slot: number): number {
    const id = this.names.length;
    this.names.push(name);
    if (id === this.hashes.length) {
      const grown = new Int32Array(id * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    // At most half full: linear probing stays a step or two.
    if ((id + 1) * 2 > this.slots.length) this.grow();
    return id;
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.names.length; id++) {
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** FNV-1a over the UTF-16 code units, then a finalizing mix so that the low bits (the slot) depend on every unit. */
  private hash(name: string): number {
    let h = this.seed ^ name.length;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }
}
