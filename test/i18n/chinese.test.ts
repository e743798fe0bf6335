/**
 * A Chinese document end to end (issue 11): `lang: zh` → HTML with lang="zh" and the catalogue's
 * Chinese words, a PDF whose text holds the Chinese headings and the table's numbers and whose CJK
 * font is embedded as CID TrueType (never Type 3), and a XeLaTeX standalone that compiles to the same
 * headings. The models are the export fixture's tiny ones, whose numbers are counted by hand:
 * Tiny-Gemm x[1,4] · W[4,3] + b[3]: params 4·3 + 3 = 15, MACs 4·3 = 12, FLOPs 3·(2·4) = 24;
 * the seed's worked convolution (C_in 3, C_out 4, 3×3, 6×6, no bias): (2·3·3² − 1)·4·6² = 7632.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/project/build.js';
import { writeModel } from '../../src/onnx/writer.js';
import { gemmModel, QUICK_BENCH } from '../document/models.js';
import { chromiumPath } from '../helpers/system.js';

function has(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const CHINESE_MD = `---
title: 模型复杂度测量
lang: zh
${QUICK_BENCH}format:
  scale: { params: '', macs: '', flops: '' }
  precision: { params: 0, macs: 0, flops: 0 }
---

::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny-Gemm"}

## 时间复杂度 {#sec-time}

全连接层 Tiny-Gemm 有 :metric{model=gemm name=params}，每个样本做 :metric{model=gemm name=macs}（乘加，见@tbl-gemm）；卷积的计算量 $C_{\\mathrm{in}} K^2$ 随通道数线性增长。

::table{#tbl-gemm models="gemm" metrics="params macs flops latency throughput" caption="全连接层的参数量与计算量"}

## 卷积的浮点运算数

::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6 bias=false}

## 测量环境

::environment
`;

const HEADINGS = ['时间复杂度', '卷积的浮点运算数', '测量环境'];

describe('a Chinese document (lang: zh)', () => {
  let dir: string;
  let result: BuildResult;
  const out = () => path.join(dir, 'output');
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mp-zh-'));
    mkdirSync(path.join(dir, 'models'));
    writeModel(gemmModel(), path.join(dir, 'models', 'gemm.onnx'));
    writeFileSync(path.join(dir, 'zh.md'), CHINESE_MD);
    const to = chromiumPath() ? (['html', 'pdf', 'tex'] as const) : (['html', 'tex'] as const);
    result = await build({ cwd: dir, inputs: ['zh.md'], to: [...to] });
  }, 120_000);
  afterAll(() => {
    if (!process.env.MP_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  });

  it('writes HTML with lang="zh" and the catalogue\'s Chinese words, numbers unchanged', () => {
    expect(result.failures).toEqual([]);
    const html = readFileSync(path.join(out(), 'zh.html'), 'utf8');
    expect(html).toContain('<html lang="zh">');
    // Headers from the zh-CN catalogue; the numbers keep the locale-neutral format (15, 12, 24).
    expect(html).toMatch(/<th[^>]*>参数量<\/th>/);
    expect(html).toMatch(/<th[^>]*>推理时间 \(ms\)<\/th>/);
    expect(html).toContain('<th scope="col">模型</th>');
    expect(html).toContain('表 1');
    expect(html).toMatch(/<td class="mp-num">15<\/td><td class="mp-num">12<\/td><td class="mp-num">24<\/td>/);
    // The reference reads 表 1; the formula's annotation is Chinese; the note under the table too.
    expect(html).toMatch(/<a href="#tbl-gemm" class="mp-ref">表\u00a01<\/a>/);
    expect(html).toContain('其中 ');
    expect(html).toContain('无偏置');
    expect(html).toContain('MACs 为乘加次数');
    expect(html).toContain('<tr><th scope="row">批大小</th>');
    expect(html).not.toMatch(/\bTable 1\b|\bno bias\b|\bwith bias\b/);
  });

  it('writes a XeLaTeX standalone with ctex that compiles to the Chinese headings', () => {
    const standalone = readFileSync(path.join(out(), 'zh.standalone.tex'), 'utf8');
    const fragment = readFileSync(path.join(out(), 'zh.tex'), 'utf8');
    expect(standalone).toContain('{ctex}');
    expect(standalone).not.toContain('DeclareUnicodeCharacter');
    expect(fragment).toMatch(/^% CJK text: compile with xelatex/m);
    expect(fragment).toContain('\\section{时间复杂度}');
    expect(fragment).toContain('表~\\ref{tbl:gemm}');
    if (!has('xelatex') || !has('pdftotext')) {
      console.log(
        'skipped: compiling the XeLaTeX standalone needs xelatex and pdftotext (apt-get install -y texlive-xetex texlive-lang-chinese poppler-utils)',
      );
      return;
    }
    // Twice: the second run resolves \ref (表 1).
    for (let run = 0; run < 2; run++)
      execFileSync('xelatex', ['-interaction=nonstopmode', '-halt-on-error', '-no-shell-escape', 'zh.standalone.tex'], {
        cwd: out(),
        stdio: 'pipe',
        timeout: 120_000,
      });
    const text = execFileSync('pdftotext', ['-layout', 'zh.standalone.pdf', '-'], { cwd: out(), encoding: 'utf8' });
    for (const h of HEADINGS) expect(text).toContain(h);
    expect(text).toContain('全连接层的参数量与计算量');
    expect(text).toContain('7632');
    expect(text).toMatch(/表\s*1/);
    expect(text).not.toContain('?');
  }, 150_000);

  it('prints a PDF with the Chinese headings and numbers in a CID TrueType CJK font, no Type 3', () => {
    if (!chromiumPath() || !has('pdftotext') || !has('pdffonts')) {
      console.log('skipped: the PDF check needs Chromium and poppler-utils (apt-get install -y chromium poppler-utils fonts-wqy-microhei)');
      return;
    }
    const pdf = path.join(out(), 'zh.pdf');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    for (const h of HEADINGS) expect(text).toContain(h);
    expect(text).toContain('参数量');
    expect(text).toMatch(/Tiny-Gemm\s+15\s+12\s+24/);
    expect(text).toContain('7632');
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
    const rows = fonts
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '');
    const cjk = rows.filter((l) => /WenQuanYi|Droid|UMing|CJK/i.test(l));
    expect(cjk.length).toBeGreaterThan(0);
    for (const row of cjk) expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes/);
    expect(rows.filter((l) => /Type 3/.test(l))).toEqual([]);
  });
});
