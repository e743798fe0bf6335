/**
 * The environment section's binding floor (issue 20): one unit for every floor, one entry per input
 * shape, not a list of internal model ids with mixed ms and µs.
 */
import { describe, expect, test } from 'vitest';
import { floorText } from '../../src/document/environment.js';

describe('binding floor text', () => {
  test('µs for all, 3 significant digits, a range per shared input shape', () => {
    // The example's floors as measured once: 0.251 ms (2×128), 6.4 and 6.6 µs (two 224×224 models),
    // 13.8 µs (299×299). In µs: 251, 6.40–6.60, 13.8 — never 0.251 ms beside 6.4 µs.
    const floors = [
      { model: 'tfm', input: '2x128', latencyMedianMs: 0.251 },
      { model: 'alexnet', input: '2x3x224x224', latencyMedianMs: 0.0064 },
      { model: 'r18', input: '2x3x224x224', latencyMedianMs: 0.0066 },
      { model: 'incv3', input: '2x3x299x299', latencyMedianMs: 0.0138 },
    ];
    expect(floorText(floors)).toEqual({ unit: 'µs', text: '2×128: 251; 2×3×224×224: 6.40–6.60; 2×3×299×299: 13.8' });
  });

  test('ms for all when one floor reaches 10 ms; equal values are not a range', () => {
    const floors = [
      { model: 'a', input: '1x4', latencyMedianMs: 12.34 },
      { model: 'b', input: '1x8', latencyMedianMs: 0.5 },
      { model: 'c', input: '1x8', latencyMedianMs: 0.5 },
    ];
    expect(floorText(floors)).toEqual({ unit: 'ms', text: '1×4: 12.3; 1×8: 0.500' });
  });
});
