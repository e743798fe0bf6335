/**
 * Every word modelpress generates into a Chinese page is Chinese (issue 11): a `lang: zh` fixture with
 * a measured table, a benchmark, a measured-complexity sweep, a chart, the environment section and
 * several broken directives. The generated parts of its HTML (error boxes, notes under tables, the
 * environment section, chart descriptions and tooltips) hold the zh-CN catalogue's words and none of
 * the English catalogue's phrases; the same document in English keeps the English words. Words that
 * are made from measurements (the method line, the unstable and busy-machine reasons) are checked on
 * hand-made results, whose English is the wording the runtime has always stored.
 *
 * The model is the document tests' Tiny-Gemm (test/document/models.ts): x[N,4] · W[4,3] + b[3].
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';
import { writeModel } from '../../src/onnx/writer.js';
import { CATALOGUES, ENGLISH, type MessageKey, MESSAGE_KEYS, messagesFor } from '../../src/i18n/index.js';
import { en } from '../../src/i18n/en.js';
import { benchMethod, unstableReason } from '../../src/document/uses.js';
import { busyReasons, judgeLoad } from '../../src/runtime/load.js';
import type { StoredBench } from '../../src/measure/registry.js';
import type { LoadSample } from '../../src/runtime/types.js';
import { gemmModel, QUICK_BENCH } from '../document/models.js';

const BODY = `
::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny-Gemm"}

## 测量结果 {#sec-results}

全连接层见@tbl-gemm，未定义的引用@tbl-nowhere。

::table{#tbl-gemm models="gemm" metrics="params macs flops latency throughput" caption="全连接层"}

::table{models="gemm gemn" caption="拼错的模型"}

推理时间为 :metric{model=gemm name=latency}，指标拼错 :metric{model=gemm name=flopz}。

::chart{#fig-scatter kind=scatter x=macs y=params models="gemm" caption="散点图"}

::chart{kind=bar caption="缺少模型的条形图"}

::formula{op=Conv cin=3}

::table{models="gemm" colour=red}

::ops{caption="缺少模型"}

::complexity{#tbl-cx families="self_attention recurrent" vary="n" values="n=16,32" at="d=8" metrics="macs depth" caption="复杂度"}

::environment
`;

const front = (lang: string) => `---
title: 生成的文字
lang: ${lang}
${QUICK_BENCH}format:
  scale: { params: '', macs: '', flops: '' }
  precision: { params: 0, macs: 0, flops: 0 }
---
`;

const decode = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const plain = (s: string) =>
  decode(s.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/** The words modelpress generated into the page: error boxes, table notes, the environment, chart texts, tooltips. */
function generatedParts(html: string): string[] {
  const all = (re: RegExp) => [...html.matchAll(re)].map((m) => plain(m[1]!));
  return [
    ...all(/<span class="mp-error-message">([\s\S]*?)<\/span>/g),
    ...all(/<div class="mp-table-notes">([\s\S]*?)<\/div>/g),
    ...all(/<section class="mp-environment">([\s\S]*?)<\/section>/g),
    ...all(/<desc>([\s\S]*?)<\/desc>/g),
    ...all(/<g class="mp-point"><title>([\s\S]*?)<\/title>/g),
    ...all(/\btitle="([^"]*)"/g),
  ];
}

/**
 * The English catalogue's phrases that a translated message no longer has: the literal text between
 * its `{slots}`, where it holds at least two English words (one of four letters or more), so that
 * names a Chinese page keeps (MACs, FLOPs, ONNX Runtime, units) are not counted.
 */
function englishPhrases(): { key: MessageKey; phrase: string }[] {
  const out: { key: MessageKey; phrase: string }[] = [];
  for (const key of MESSAGE_KEYS) {
    if (CATALOGUES['zh-CN'][key] === en[key]) continue;
    for (const part of en[key].split(/\{\w+\}/)) {
      const p = part.trim().replace(/^[\s,;:.()]+|[\s,;:.()]+$/g, '');
      // Words as written between spaces: a product name such as onnxruntime-node is one.
      const words = p.split(/\s+/).filter((w) => /[A-Za-z]{2,}/.test(w));
      if (words.length >= 2 && words.some((w) => /[A-Za-z]{4,}/.test(w))) out.push({ key, phrase: p });
    }
  }
  return out;
}

describe('the words of a Chinese page (lang: zh)', () => {
  let dir: string;
  const html: Record<string, string> = {};
  const tex: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mp-zh-words-'));
    mkdirSync(path.join(dir, 'models'));
    writeModel(gemmModel(), path.join(dir, 'models', 'gemm.onnx'));
    writeFileSync(path.join(dir, 'zh.md'), front('zh') + BODY);
    writeFileSync(path.join(dir, 'en.md'), front('en') + BODY);
    await build({ cwd: dir, inputs: ['zh.md', 'en.md'], to: ['html', 'tex'], lenient: true });
    for (const name of ['zh', 'en']) {
      html[name] = readFileSync(path.join(dir, 'output', `${name}.html`), 'utf8');
      tex[name] = readFileSync(path.join(dir, 'output', `${name}.tex`), 'utf8');
    }
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows the broken directives' diagnostics in Chinese, at their places, with their rules", () => {
    const boxes = [...html.zh!.matchAll(/<span class="mp-error-message">([\s\S]*?)<\/span>/g)].map((m) => plain(m[1]!));
    // One box per broken directive: the reference, the misspelt model, the metric, the bar chart, the
    // formula, the unknown attribute, the missing one.
    expect(boxes).toHaveLength(7);
    expect(boxes).toContain("未知的交叉引用 '@tbl-nowhere'；本文档中的标签：sec-results, tbl-gemm, fig-scatter, tbl-cx");
    expect(boxes).toContain("未知模型 'gemn'；是否应为 'gemm'？已声明的模型：gemm");
    expect(boxes.some((b) => b.startsWith(":metric name=\"flopz\"：未知指标 'flopz'；是否应为 'flops'？可用的指标：params,"))).toBe(true);
    expect(boxes).toContain('条形图需要 model=…，例如 ::chart{kind=bar model=a y=flops}');
    expect(boxes).toContain('op=Conv 需要 cout=… h=… w=…（可用：cin, cout, k, kh, kw, h, w, groups, n, bias）');
    expect(boxes.some((b) => b.startsWith("::table 没有属性 'colour'；::table 可用的属性："))).toBe(true);
    expect(boxes).toContain('::ops 需要 model=…（模型 id）');
    expect(html.zh).toContain('<strong class="mp-error-title">modelpress 错误</strong>');
    expect(html.zh).toContain('[modelpress:unknown-reference]');
    // The same document in English says it as the terminal does.
    expect(html.en).toContain("unknown cross-reference '@tbl-nowhere'; labels in this document: sec-results, tbl-gemm, fig-scatter, tbl-cx");
    expect(html.en).toContain("unknown model 'gemn'; did you mean 'gemm'? declared models: gemm");
    expect(html.en).toContain('::ops needs model=… (the model id)');
    // The LaTeX export's boxes say the same as the page's.
    expect(tex.zh).toContain("\\textbf{modelpress 错误} \\texttt{zh.md:25:9}: 未知模型 'gemn'；是否应为 'gemm'？已声明的模型：gemm [modelpress:unknown-model]");
    expect(tex.en).toContain(
      "\\textbf{modelpress error} \\texttt{en.md:25:9}: unknown model 'gemn'; did you mean 'gemm'? declared models: gemm [modelpress:unknown-model]",
    );
  });

  it('writes the measured parts in Chinese: method, notes, complexity families, chart texts', () => {
    const zh = html.zh!;
    // The method line of the benchmark (processes 1, warm-up 1 run and 0.01 s, timed 3 runs and 0.02 s).
    expect(zh).toContain('1 个进程的中位数（每个进程一个会话）；预热 ≥ 1 次运行且 ≥ 0.01 s；计时 ≥ 3 次运行且 ≥ 0.02 s');
    expect(zh).toMatch(/<th scope="row">机器负载<\/th><td>(足够空闲|繁忙)/);
    // The complexity table: the families' Chinese names, descriptions and the depth notes.
    expect(zh).toContain('<th scope="row">自注意力</th>');
    expect(zh).toContain('<th scope="row">循环</th>');
    expect(zh).toContain('自注意力：n 个宽度为 d 的位置上的 softmax(x·xᵀ/√d)·x；n ∈ {16, 32}, d = 8。');
    expect(zh).toContain('循环：输入与隐藏宽度均为 d、共 n 步的 RNN（tanh）；n ∈ {16, 32}, d = 8。');
    expect(zh).toContain('自注意力：一层之内每个位置都关注所有其他位置');
    // The scatter chart's description and a point's tooltip.
    expect(zh).toContain('<desc>参数量与MACs的关系，每个模型一个点</desc>');
    expect(zh).toContain('<title>Tiny-Gemm：MACs 12.00，参数量 15.00</title>');
    // The inline metric's tooltip.
    // (an unstable one adds its reason: the page says that in Chinese too, checked below).
    expect(zh).toMatch(/title="Tiny-Gemm，推理时间：[\d.]+（models\/gemm\.onnx，输入 1x4，exact 约定，[^"]*批大小 2）/);
    expect(html.en).toContain('<th scope="row">Self-attention</th>');
    expect(html.en).toContain('median of 1 process (one session each); warm-up ≥ 1 runs and ≥ 0.01 s; timed ≥ 3 runs and ≥ 0.02 s');
  });

  it("leaves none of the English catalogue's phrases in the generated parts of the Chinese page", () => {
    const parts = generatedParts(html.zh!).join('\n');
    expect(parts.length).toBeGreaterThan(1000);
    const phrases = englishPhrases();
    expect(phrases.length).toBeGreaterThan(150);
    const left = phrases.filter((p) => parts.includes(p.phrase));
    expect(left).toEqual([]);
    // The English page does have them: the check can see them where they are.
    const enParts = generatedParts(html.en!).join('\n');
    expect(phrases.filter((p) => enParts.includes(p.phrase)).length).toBeGreaterThan(20);
    // Nor three English words in a row that the catalogue does not know (a string left in the code);
    // a busy machine's reason names the other processes by their command lines, which stay as they are.
    const ours = parts.replace(/CPU（[^）]*）/g, 'CPU');
    const runs = [...ours.matchAll(/\b[a-z]{2,}(?: [a-z]{2,}){2,}\b/g)].map((m) => m[0]);
    expect(runs).toEqual([]);
  });
});

describe('measured words in either language', () => {
  const zh = messagesFor('zh');
  // A hand-made result: 3 processes, one extra spent, IQR/median 14.2% and medians 11.5% apart.
  const stored = {
    result: {
      status: 'ok',
      pooled: { relativeIqr: 0.142 },
      stability: {
        unstable: true,
        reasons: ['IQR/median 14.2% > 10%', 'process medians spread 11.5% > 10%'],
        relativeIqr: 0.142,
        processSpread: 0.115,
        extraProcesses: 1,
        discarded: [],
        stoppedBecause: 'extra-processes-exhausted',
      },
    },
    protocol: { processes: 3, warmupMinRuns: 5, warmupMinMs: 500, minRuns: 20, minTimeMs: 2000 },
  } as unknown as StoredBench;

  it('says the method line and the unstable reason from the numbers', () => {
    expect(benchMethod(stored)).toBe(
      'median of 3 processes (one session each); warm-up ≥ 5 runs and ≥ 0.5 s; timed ≥ 20 runs and ≥ 2 s; latency = median ms per batch, throughput = batch ÷ median latency',
    );
    expect(benchMethod(stored, zh)).toBe(
      '3 个进程的中位数（每个进程一个会话）；预热 ≥ 5 次运行且 ≥ 0.5 s；计时 ≥ 20 次运行且 ≥ 2 s；推理时间 = 每批耗时（ms）的中位数，吞吐量 = 批大小 ÷ 推理时间中位数',
    );
    // The English is the stored reasons with the effort, as before.
    expect(unstableReason(stored)).toBe(
      'IQR/median 14.2% > 10%, process medians spread 11.5% > 10%; after 1 extra process, stopped: extra-processes-exhausted',
    );
    expect(unstableReason(stored, zh)).toBe('IQR/中位数 14.2% > 10%，各进程中位数相差 11.5% > 10%；追加 1 个进程后，停止原因：追加进程已用尽');
  });

  it('says why the machine was busy, in English as the runtime stores it and in Chinese', () => {
    const idle: LoadSample = { loadAverage: [0.2, 0.1, 0.1], otherCpuShare: 0.02, topProcesses: [], intervalMs: 300 };
    const busyEnd: LoadSample = {
      ...idle,
      otherCpuShare: 0.85,
      topProcesses: [
        { pid: 9, command: 'node', cpuShare: 0.85 },
        { pid: 10, command: 'gcc', cpuShare: 0.3 },
      ],
    };
    const noProc: LoadSample = { ...idle, otherCpuShare: null, loadAverage: [3.1, 2, 1] };
    expect(judgeLoad(idle, busyEnd, 4).reason).toBe('other processes used 85% of the CPU after it (node 85%, gcc 30%)');
    expect(busyReasons(idle, busyEnd, 4, zh.t)).toEqual(['其他进程在测量后占用了 85% 的 CPU（node 85%，gcc 30%）']);
    expect(judgeLoad(noProc, null, 1).reason).toBe('load average 3.10 on 1 logical core before the benchmark');
    expect(busyReasons(noProc, null, 4, zh.t)).toEqual(['基准测试前 4 个逻辑核心上的平均负载为 3.10']);
    expect(busyReasons(idle, idle, 4, ENGLISH.t)).toEqual([]);
  });
});
