import { describe, expect, it } from 'vitest';
import { NameIds } from '../../src/analysis/name-ids.js';

describe('NameIds', () => {
  it('hands out dense ids in first-met order and finds each name again after growing', () => {
    // Started for 4 names, filled with 10,000: the table doubles 11 times (16 → 32,768 slots).
    const t = new NameIds(4);
    const names = Array.from({ length: 10_000 }, (_, i) => `/blocks.${i % 97}/MatMul_output_${i}`);
    names.forEach((n, i) => expect(t.idOf(n)).toBe(i));
    expect(t.size).toBe(10_000);
    // Equal strings made apart (not the stored object) are the same name.
    for (let i = 0; i < names.length; i += 37) expect(t.idOf(`/blocks.${i % 97}/MatMul_output_${i}`)).toBe(i);
    expect(t.get('/blocks.0/MatMul_output_10000')).toBeUndefined();
    expect(t.names[1234]).toBe(names[1234]);
    expect(t.size).toBe(10_000);
  });

  it('tells apart names that differ only beyond ASCII and the empty name', () => {
    const t = new NameIds();
    expect(t.idOf('权重')).toBe(0);
    expect(t.idOf('权重_1')).toBe(1);
    expect(t.idOf('')).toBe(2);
    expect(t.get('权重')).toBe(0);
    expect(t.get('权')).toBeUndefined();
  });
});

describe('NameIds against crowded slots', () => {
  it('goes on with a Map when the names of a file share one run of slots, ids unchanged', () => {
    // Every name hashes alike (as a file built against a known hash would): the first 64 take the
    // probe run, the 65th moves the table to a Map, and lookups stay one step each from then on.
    class Colliding extends NameIds {
      protected override hash(): number {
        return 7;
      }
    }
    const t = new Colliding(4);
    const names = Array.from({ length: 5_000 }, (_, i) => `/n${i}`);
    names.slice(0, 64).forEach((n, i) => expect(t.idOf(n)).toBe(i));
    expect(t.mapped).toBe(false);
    names.forEach((n, i) => expect(t.idOf(n)).toBe(i));
    expect(t.mapped).toBe(true);
    for (let i = 0; i < names.length; i += 7) expect(t.get(names[i]!)).toBe(i);
    expect(t.idOf('/n42')).toBe(42);
    expect(t.get('/absent')).toBeUndefined();
    expect(t.idOf('/new')).toBe(5_000);
    expect(t.names[5_000]).toBe('/new');
  });
});
