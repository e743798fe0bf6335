/**
 * Value name → dense id, for a graph's values (src/analysis/topology.ts). An open-addressing table
 * over typed arrays rather than a Map: on a 100k-node graph the map of its ~300k names was the
 * largest single cost of indexing it (a Map of that size misses the cache on every operation and
 * regrows by copying), and here a name that is found is nearly always the very string stored (the
 * reader hands out one string per name), so a lookup is one hash of its characters, one slot and
 * one pointer comparison.
 *
 * The hash is seeded per table, so which names share a slot cannot be chosen by the file; and should
 * a file's names crowd one run of slots anyway (MAX_PROBES), the table hands its names to a Map and
 * goes on with that, so no file can make indexing quadratic.
 */
/** Slots a lookup steps through before the table gives up on its hash (far above what half-full linear probing takes). */
const MAX_PROBES = 64;
/** What find() says of a run of MAX_PROBES full slots (below every −1 − slot). */
const CROWDED = -0x80000000;

export class NameIds {
  /** Id → name, in the order the names were first met. */
  readonly names: string[] = [];
  /** Name → id once the slots were crowded (see MAX_PROBES); the slots are then unused. */
  private map: Map<string, number> | undefined;
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

  /** True once crowded slots moved the names to a Map (see MAX_PROBES). */
  get mapped(): boolean {
    return this.map !== undefined;
  }

  /** The id of `name`, or undefined when the table has not met it. */
  get(name: string): number | undefined {
    if (this.map !== undefined) return this.map.get(name);
    const found = this.find(name, this.hash(name));
    if (found >= 0) return found;
    return found === CROWDED ? this.crowded().get(name) : undefined;
  }

  /** The id of `name`, the next one when it is met for the first time. */
  idOf(name: string): number {
    if (this.map !== undefined) return this.inMap(name);
    const h = this.hash(name);
    const found = this.find(name, h);
    if (found >= 0) return found;
    if (found !== CROWDED) return this.add(name, h, -1 - found);
    this.crowded();
    return this.inMap(name);
  }

  /** The id of `name` (≥ 0); else −1 − the empty slot it would take, or CROWDED after MAX_PROBES full slots. */
  private find(name: string, h: number): number {
    let slot = h & this.mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]! - 1;
      if (id < 0) return -1 - slot;
      if (this.names[id] === name) return id;
    }
    return CROWDED;
  }

  /** The names so far in a Map, used from now on. */
  private crowded(): Map<string, number> {
    const map = new Map<string, number>();
    for (let id = 0; id < this.names.length; id++) map.set(this.names[id]!, id);
    this.map = map;
    this.slots = new Int32Array(0);
    this.hashes = new Int32Array(0);
    return map;
  }

  private inMap(name: string): number {
    let id = this.map!.get(name);
    if (id === undefined) {
      this.map!.set(name, (id = this.names.length));
      this.names.push(name);
    }
    return id;
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
  protected hash(name: string): number {
    let h = this.seed ^ name.length;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }
}
