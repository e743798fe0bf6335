/**
 * The message catalogue (src/i18n): every key English defines is in every other catalogue, each
 * translation keeps the English message's `{slots}`, the config schema declares every key as an
 * override, and the words reach the outputs in the document's language.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUES, catalogueFor, fill, hasCjk, isCjkLang, MESSAGE_KEYS, messagesFor } from '../../src/i18n/index.js';
import { en } from '../../src/i18n/en.js';
import { SCHEMA_FILE } from '../../scripts/config-schema.js';
import { projectConfigSchema } from '../../src/document/settings.js';
import { buildMetricTable, tableToHast, tableToLatex } from '../../src/render/table.js';
import { metricHeader } from '../../src/render/metrics.js';
import { renderFormula, splitWhereRow } from '../../src/render/formula.js';
import { DEFAULT_FORMAT } from '../../src/render/format.js';
import { toHtml } from 'hast-util-to-html';
import { standaloneDocument } from '../../src/export/standalone.js';

const slots = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the message catalogue', () => {
  it('has every key in every language, none empty, with the same {slots} as English', () => {
    expect(MESSAGE_KEYS.length).toBeGreaterThan(100);
    for (const [name, catalogue] of Object.entries(CATALOGUES)) {
      const keys = Object.keys(catalogue).sort();
      expect(keys, `${name}: keys`).toEqual([...MESSAGE_KEYS].sort());
      for (const key of MESSAGE_KEYS) {
        const message = (catalogue as Record<string, string>)[key]!;
        expect(message.trim().length, `${name}: ${key} is empty`).toBeGreaterThan(0);
        expect(slots(message), `${name}: ${key} slots`).toEqual(slots(en[key]));
      }
    }
  });

  it('translates: no zh-CN message is the English one unless it holds no English word', () => {
    // Words Chinese papers keep in Latin letters (MACs, FLOPs, CPU, Node.js, ONNX Runtime, units).
    const kept = /^(GPU|GPU \{n\}|MACs|FLOPs|MACs\/token|FLOPs\/token|CPU|Node\.js|ONNX Runtime|img|samples|\{label\} \(\{unit\}\)|Δ \{label\} \(%\))$/;
    for (const key of MESSAGE_KEYS) {
      const zh = CATALOGUES['zh-CN'][key];
      if (zh === en[key]) expect(zh, key).toMatch(kept);
      else if (/[a-z]{4,}/.test(en[key].replace(/\{\w+\}/g, '')) && !kept.test(zh)) expect(hasCjk(zh) || /^[^a-z]*$/.test(zh), key).toBe(true);
    }
  });

  it('reads BCP 47 tags: every Chinese tag gets zh-CN, others English; zh, ja, ko are CJK', () => {
    expect(['zh', 'zh-CN', 'zh-Hans', 'zh-Hans-CN', 'ZH-sg', 'zh-TW'].map(catalogueFor)).toEqual(Array(6).fill('zh-CN'));
    expect(['en', 'en-GB', 'de', 'ja'].map(catalogueFor)).toEqual(['en', 'en', 'en', 'en']);
    expect(['zh-CN', 'ja', 'ko-KR'].every(isCjkLang)).toBe(true);
    expect(isCjkLang('en')).toBe(false);
    expect(projectConfigSchema.safeParse({ lang: 'zh-CN' }).success).toBe(true);
    expect(projectConfigSchema.safeParse({ lang: 'zh CN"><script>' }).success).toBe(false);
  });

  it('takes overrides of any key from the config, declared in the schema (npm run schema)', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {
      properties: { messages: { properties: Record<string, unknown>; additionalProperties: boolean } };
    };
    expect(Object.keys(schema.properties.messages.properties).sort()).toEqual([...MESSAGE_KEYS].sort());
    expect(schema.properties.messages.additionalProperties).toBe(false);
    expect(projectConfigSchema.safeParse({ messages: { 'caption.table': 'Tab. {n}:' } }).success).toBe(true);
    expect(projectConfigSchema.safeParse({ messages: { 'caption.tabel': 'x' } }).success).toBe(false);
    const m = messagesFor('zh', { 'metric.params': '参数' });
    expect(m.t('metric.params')).toBe('参数');
    expect(m.t('metric.flops')).toBe('FLOPs');
    expect(fill('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('gives the seed\'s Chinese headers, "Params (M)" → "参数量 (M)", and leaves numbers locale-neutral', () => {
    const zh = messagesFor('zh-CN');
    expect(metricHeader('params', 'M', 'img', zh)).toBe('参数量 (M)');
    expect(metricHeader('throughput', '', 'img', zh)).toBe('吞吐量 (img/s)');
    expect(metricHeader('params', 'M')).toBe('Params (M)');
    // ResNet-18's 11,689,512 parameters (torchvision) print 11.69 in either language.
    const rows = [{ label: 'ResNet-18', points: [{ values: { params: 11_689_512, macs: 1_814_083_584 } }] }];
    const table = (messages = messagesFor('en')) =>
      buildMetricTable({ metrics: ['params', 'macs'], groups: [undefined], rows, format: DEFAULT_FORMAT, number: 2, messages });
    const html = toHtml(tableToHast(table(zh), zh));
    expect(html).toContain('表 2');
    expect(html).toContain('<th scope="col">模型</th>');
    expect(html).toContain('<td class="mp-num">11.69</td><td class="mp-num">1.81</td>');
    expect(toHtml(tableToHast(table()))).toContain('<td class="mp-num">11.69</td><td class="mp-num">1.81</td>');
    expect(tableToLatex(table(zh), zh)).toContain('{参数量 (M)}');
  });

  it("writes the formula annotations in the document's language and still sets them as prose", () => {
    // The seed's worked convolution: C_in 3, C_out 4, 3×3 kernel, 6×6 output, no bias → 7632.
    const use = {
      template: 'conv',
      symbolic: '(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out',
      substituted: '(2×3×3² − 1)×4×6²',
      vars: { N: 1, Cin: 3, Cout: 4, groups: 1, bias: 0, Kh: 3, Kw: 3, Hout: 6, Wout: 6 },
    };
    const zh = messagesFor('zh');
    const latex = renderFormula(use as never, 7632, { messages: zh });
    expect(latex.display).toContain('\\text{其中 }');
    expect(latex.display).toContain('\\text{无偏置}');
    const { where } = splitWhereRow(latex.display, zh);
    expect(where).toEqual([
      'C_{\\mathrm{in}} = 3',
      'C_{\\mathrm{out}} = 4',
      'K_h \\times K_w = 3 \\times 3',
      'H_{\\mathrm{out}} \\times W_{\\mathrm{out}} = 6 \\times 6',
      '\\text{无偏置}',
    ]);
    expect(renderFormula(use as never, 7632).display).toContain('\\text{no bias}');
  });

  it('chooses xelatex with ctex for CJK and reports what pdflatex would print as ?', () => {
    const base = { title: 'T', fragmentFile: 'x.tex', macrosFile: 'x.macros.tex' };
    const zh = standaloneDocument({ ...base, fragment: '模型', lang: 'zh' });
    expect(zh.engine).toBe('xelatex');
    expect(zh.tex).toContain('\\usepackage[UTF8,heading=false,scheme=chinese]{ctex}');
    expect(zh.tex).not.toContain('fontenc');
    expect(zh.problems).toEqual([]);
    // CJK text in a document that did not say lang: still xelatex, not question marks.
    expect(standaloneDocument({ ...base, fragment: 'see 模型' }).engine).toBe('xelatex');
    const en = standaloneDocument({ ...base, fragment: 'a check ✓' });
    expect(en.engine).toBe('pdflatex');
    expect(en.tex).toContain('\\DeclareUnicodeCharacter{2713}{?}');
    expect(en.problems).toHaveLength(1);
    expect(en.problems[0]).toContain('✓ (U+2713)');
  });
});

describe('format.locale', () => {
  it('groups and marks decimals as the locale does, only when asked; lang: alone changes no number', async () => {
    const { formatMetric, resolveFormat, parseFormatOptions } = await import('../../src/render/format.js');
    // 15,470.26 M params (a made-up 15,470,260,000-parameter count, scale M): Intl's marks per locale.
    const shown = (format?: Record<string, unknown>) => formatMetric('params', 15_470_260_000, 'M', resolveFormat(format as never)).text;
    expect(shown()).toBe('15,470.26');
    expect(shown({ locale: 'de' })).toBe('15.470,26');
    expect(shown({ locale: 'en-US' })).toBe('15,470.26');
    expect(shown({ locale: 'de', thousands: '' })).toBe('15470,26');
    // The plain form (CSV, siunitx, macros) never changes.
    expect(formatMetric('params', 15_470_260_000, 'M', resolveFormat({ locale: 'de' })).plain).toBe('15470.26');
    expect(() => parseFormatOptions({ locale: 'not a locale' })).toThrow(/format\.locale/);
    expect(messagesFor('zh').t('metric.params')).toBe('参数量');
  });
});
