/**
 * Issue 19, item 2: LaTeX injection. A document whose title, author, heading, caption, model label,
 * node names, math and image path try to `\input` a sentinel file is exported and compiled with
 * `pdflatex -no-shell-escape`; the log, the PDF text and the sentinel's access time show that the
 * sentinel was never read. (Before the one escaper, a newline in the title ended the `%` comment on
 * the first line of <doc>.tex and <doc>.macros.tex, and compiling read the file.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { escapeLatexText, latexComment, latexInputName, latexLabel, latexUrl, unsafeMath } from '../../src/render/latex-escape.js';
import { hasCommand } from '../helpers/system.js';

const HAVE_PDFLATEX = hasCommand('pdflatex');
if (!HAVE_PDFLATEX)
  console.warn('pdflatex not found: skipping the hostile-LaTeX compile test (apt-get install texlive-latex-base texlive-latex-recommended texlive-science)');

const MARKER = 'MODELPRESSSENTINELNINETEEN';
let dir: string;
let sentinel: string;
let out: string;
let sentinelAtime: number;

function hostileDocument(s: string): string {
  // YAML double quotes: \n is a newline, \\ a backslash.
  const y = s.replace(/\\/g, '\\\\');
  return `---
title: "Evil\\n\\\\input{${y}}\\n\\n% para"
author: "A\\r\\\\input{${y}}"
date: "% \\\\input{${y}}"
---
# Heading \\input{${s}} and ^^5cinput{${s}}

::model{#m src="evil.onnx" input="1x3x4x4" label="L\\input{${s}}%"}

::table{#tbl-x models="m" metrics="params macs" caption="Cap \\input{${s}} % ^^M"}

::layers{model=m}

::ops{model=m}

The model has :metric{model=m name=params} parameters.

$$
\\input{${s}}
$$

Inline $^^5cinput{${s}}$ and ![alt \\input{${s}}](x}\\input{${s}}{.png).
`;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-latex-'));
  sentinel = path.join(dir, 'sentinel.tex');
  fs.writeFileSync(sentinel, `${MARKER}\n`);
  const project = path.join(dir, 'project');
  fs.mkdirSync(path.join(project, 'content'), { recursive: true });
  // Node names and a scope that try the same: they reach the ::layers and ::ops tables.
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [1, 3, 4, 4]);
  const w = b.weight('w', [2, 3, 1, 1]);
  const c = b.op('Conv', [x, w], { kernel_shape: [1, 1] }, `/blk\\input{${sentinel}}/Conv`);
  b.output(b.op('Relu', [c], {}, `/act%\n\\input{${sentinel}}/Relu`));
  writeModel(b.build(), path.join(project, 'content', 'evil.onnx'));
  fs.writeFileSync(path.join(project, 'content', 'doc.md'), hostileDocument(sentinel));
  out = path.join(project, 'output');
  const now = Date.now();
  fs.utimesSync(sentinel, new Date(now - 3_600_000), new Date(now));
  sentinelAtime = fs.statSync(sentinel).atimeMs;
  await build({ cwd: project, inputs: [path.join(project, 'content')], out, to: ['html', 'tex'] });
}, 120_000);

afterAll(() => {
  if (!process.env.MP_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});

describe('item 2: every user string reaching LaTeX goes through one escaper', () => {
  it('no line of the .tex, .macros.tex or .standalone.tex runs an \\input of the sentinel', () => {
    for (const f of ['doc.tex', 'doc.macros.tex', 'doc.standalone.tex']) {
      const tex = fs.readFileSync(path.join(out, f), 'utf8');
      for (const line of tex.split('\n')) {
        if (line.startsWith('%')) continue; // a comment line: one line, whatever it says
        expect(line, `${f}: ${line}`).not.toMatch(/(?<!textbackslash\{\})\\input\{\//);
        expect(line).not.toContain('^^');
      }
    }
    // The title's newline did not break the first comment line of either file.
    expect(fs.readFileSync(path.join(out, 'doc.tex'), 'utf8').split('\n')[0]).toMatch(
      /^% Evil \\input\{.*sentinel\.tex\} +% para: LaTeX fragment written by modelpress/,
    );
    expect(fs.readFileSync(path.join(out, 'doc.macros.tex'), 'utf8').split('\n')[0]).toMatch(/^% Numbers of Evil \\input\{.*\} +% para for running text/);
  });

  it.skipIf(!HAVE_PDFLATEX)(
    'pdflatex -no-shell-escape compiles it without reading the sentinel',
    () => {
      const r = spawnSync('pdflatex', ['-no-shell-escape', '-interaction=nonstopmode', 'doc.standalone.tex'], { cwd: out, encoding: 'utf8', timeout: 120_000 });
      const log = fs.readFileSync(path.join(out, 'doc.standalone.log'), 'utf8');
      expect(log).not.toContain(MARKER);
      expect(log).not.toContain(`(${sentinel}`);
      expect(fs.statSync(sentinel).atimeMs).toBe(sentinelAtime);
      expect(
        r.status,
        log
          .split('\n')
          .filter((l) => l.startsWith('!'))
          .join('\n'),
      ).toBe(0);
      if (hasCommand('pdftotext')) {
        const text = execFileSync('pdftotext', [path.join(out, 'doc.standalone.pdf'), '-'], { encoding: 'utf8' });
        expect(text).not.toContain(MARKER);
        // The escaped strings are typeset as text: the title shows its backslash.
        expect(text).toContain('Evil \\input{');
        expect(text).toContain('formula left out of the LaTeX export: it uses \\input');
      }
    },
    120_000,
  );
});

describe('the escaper', () => {
  it('keeps a comment on one line whatever the text holds', () => {
    expect(latexComment('a\nb\r\nc\rd\u2028e\u000cf')).toBe('a b c d e f');
  });

  it('escapes text-mode specials and removes control characters', () => {
    // ^ is always \textasciicircum{}: no ^^ character codes can survive.
    expect(escapeLatexText('a^^5c\\input{x}%\r')).toBe('a\\textasciicircum{}\\textasciicircum{}5c\\textbackslash{}input\\{x\\}\\% ');
    expect(escapeLatexText('≈ 3×4')).toBe('$\\approx$ 3$\\times$4');
  });

  it('labels, URLs and \\input names hold nothing LaTeX could run', () => {
    expect(latexLabel('tbl-x}\\input{y')).toBe('tbl:xinputy');
    expect(latexUrl('http://x/a b}{\\input{c}^^')).toBe('http://x/a%20b%7D%7B/input%7Bc%7D%5E%5E');
    expect(latexInputName('survey.tex')).toBe('survey.tex');
    expect(() => latexInputName('a}\\input{b.tex')).toThrow(/cannot be written into \\input\{\} safely/);
  });

  it('math that reads files or spells characters is refused; ordinary math passes', () => {
    expect(unsafeMath('\\frac{a}{b} + x^2')).toBeUndefined();
    expect(unsafeMath('\\input{/etc/hostname}')).toBe('\\input');
    expect(unsafeMath('^^5cinput{x}')).toBe('^^');
    expect(unsafeMath('\\csname input\\endcsname')).toBe('\\csname');
    expect(unsafeMath('\\inputx')).toBeUndefined();
  });
});
