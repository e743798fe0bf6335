/** The build's scratch folder for benchmarked zoo models (src/measure/scratch.ts): one shared data file at a time. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaseWeights, scratchFolder } from '../../src/measure/scratch.js';

describe('scratch weights', () => {
  it('lends the shared data file to one benchmark at a time; a second gets its own, deleted on release', () => {
    const dir = scratchFolder();
    expect(scratchFolder()).toBe(dir);
    const first = leaseWeights();
    expect(first.location).toBe('weights.bin');
    const second = leaseWeights();
    expect(second.location).not.toBe('weights.bin');
    writeFileSync(path.join(dir, second.location), 'x');
    second.release();
    expect(existsSync(path.join(dir, second.location))).toBe(false);
    first.release();
    const again = leaseWeights();
    expect(again.location).toBe('weights.bin');
    again.release();
  });
});
