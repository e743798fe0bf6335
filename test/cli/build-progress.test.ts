/**
 * Build progress: a terminal gets one status line rewritten in place; CI and log files get a plain
 * line per benchmark started (the steps that take seconds), and nothing for profiles or cached results.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { progressPrinter } from '../../src/cli/build.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; write: (s: string) => boolean; text: () => string } {
  let text = '';
  return { isTTY, write: (s: string) => ((text += s), true), text: () => text };
}

const events = [
  { document: 'survey.md', phase: 'profile', model: 'vgg16', input: '', state: 'start' },
  { document: 'survey.md', phase: 'bench', model: 'vgg16', input: '', state: 'start' },
  { document: 'survey.md', phase: 'bench', model: 'vgg16', input: '', state: 'done' },
  { document: 'survey.md', phase: 'bench', model: 'unet', input: '2x1x200x200', state: 'start' },
  { document: 'survey.zh.md', phase: 'bench', model: 'unet', input: '2x1x200x200', state: 'cached' },
] as const;

const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});

describe('progressPrinter', () => {
  it('prints a plain line per benchmark started when stderr is not a terminal', () => {
    const stream = fakeStream(false);
    const print = progressPrinter(stream);
    for (const e of events) print({ ...e });
    expect(stream.text()).toBe('survey.md: benchmarking vgg16…\nsurvey.md: benchmarking unet (2x1x200x200)…\n');
  });

  it('rewrites one status line on a terminal (outside CI)', () => {
    delete process.env.CI;
    const stream = fakeStream(true);
    const print = progressPrinter(stream);
    print({ ...events[0] });
    print({ ...events[1] });
    expect(stream.text()).not.toContain('\n');
    expect(stream.text().split('\r\x1b[K')).toHaveLength(3);
  });
});
