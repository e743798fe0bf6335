/** The build's scratch folder for benchmarked zoo models (src/measure/scratch.ts): one shared data file at a time. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leaseWeights, removeOrphans, removeScratchFolder, scratchFolder } from '../../src/measure/scratch.js';

// A test worker ends without the 'exit' event that removes the folder in a build.
afterAll(removeScratchFolder);

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
    removeScratchFolder();
    expect(existsSync(dir)).toBe(false);
  });

  it("removes the folders of processes that are gone (a build stopped by Ctrl-C), not a live one's", () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-orphans-'));
    try {
      // A pid that has just ended (its process ran and exited), and one that is alive (this test's parent).
      const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
      mkdirSync(path.join(tmp, `modelpress-scratch-${gone}-abc123`));
      writeFileSync(path.join(tmp, `modelpress-scratch-${gone}-abc123`, 'weights.bin'), 'x');
      mkdirSync(path.join(tmp, `modelpress-scratch-${process.ppid}-def456`));
      mkdirSync(path.join(tmp, 'modelpress-zoo-123456'));
      removeOrphans(tmp);
      expect(existsSync(path.join(tmp, `modelpress-scratch-${gone}-abc123`))).toBe(false);
      expect(existsSync(path.join(tmp, `modelpress-scratch-${process.ppid}-def456`))).toBe(true);
      expect(existsSync(path.join(tmp, 'modelpress-zoo-123456'))).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
