/**
 * The Chinese example (content/survey.zh.md) as `npm start` writes it into output/ beside the English
 * one: the seed's sections in Chinese, the same tables as survey.md, every number the same as the
 * English document's — the two read one results store, so the Chinese build measures nothing — and a
 * PDF whose CJK font is embedded as CID TrueType, never Type 3. Skips, saying so, when not built.
 * Numbers: torchvision's ResNet-18 has 11,689,512 parameters (11.69 M); the seed's worked example
 * (2×3×3²−1)×4×6² = 7632.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentDataFile } from '../../src/export/data-json.js';
import { hasCommand } from '../helpers/system.js';

const OUT = path.resolve('output');
const FILES = ['survey.zh.html', 'survey.zh.data.json', 'survey.data.json', 'survey.zh.standalone.tex'];
const BUILT = FILES.every((f) => existsSync(path.join(OUT, f)));
if (!BUILT)
  console.warn(
    `the Chinese example survey is not built (missing in output/: ${FILES.filter((f) => !existsSync(path.join(OUT, f))).join(', ')}); run \`npm start\` first — skipping its checks`,
  );
const HAVE_PDF = existsSync(path.join(OUT, 'survey.zh.pdf')) && hasCommand('pdftotext') && hasCommand('pdffonts');
if (BUILT && !HAVE_PDF)
  console.warn(
    'output/survey.zh.pdf or poppler-utils missing: skipping the Chinese PDF checks (apt-get install -y chromium poppler-utils fonts-wqy-microhei, then npm start)',
  );
const read = (name: string) => readFileSync(path.join(OUT, name), 'utf8');
const HEADINGS = [
  '模型复杂度',
  '时间复杂度',
  '卷积的 FLOPs',
  '空间复杂度',
  '深度学习模型调研',
  'flops-counter.pytorch 的表格',
  '散射成像领域的模型对比',
  '测量环境',
];

describe.skipIf(!BUILT)('the Chinese example survey (output/survey.zh.*)', () => {
  it("is the seed in Chinese: lang, headings, the catalogue's words", () => {
    const html = read('survey.zh.html');
    expect(html).toContain('<html lang="zh-CN">');
    for (const h of HEADINGS) expect(html).toContain(h);
    expect(html).toContain('参数量 (M)');
    expect(html).toContain('其中 ');
    expect(html).not.toMatch(/>Table \d+\.</);
  });

  it("has the English survey's tables, with the same numbers from the same measurements", () => {
    const zh = JSON.parse(read('survey.zh.data.json')) as DocumentDataFile;
    const en = JSON.parse(read('survey.data.json')) as DocumentDataFile;
    const tables = (d: DocumentDataFile) => d.references.filter((r) => r.kind === 'table').map((r) => r.id);
    expect(tables(zh)).toEqual(tables(en));
    const key = (n: DocumentDataFile['numbers'][number]) => `${n.where}|${n.row}|${n.metric}|${n.group ?? ''}|${n.quoted ?? ''}`;
    const enNumbers = new Map(en.numbers.filter((n) => n.place === 'table').map((n) => [key(n), n]));
    const measured = zh.numbers.filter((n) => n.place === 'table' && n.metric !== undefined && n.quoted === undefined);
    expect(measured.length).toBeGreaterThan(100);
    for (const n of measured) {
      const twin = enNumbers.get(key(n));
      expect(twin, key(n)).toBeDefined();
      // Latency and throughput too: one stored benchmark per model and configuration, read by both.
      expect(n.value, key(n)).toBe(twin!.value);
      expect(n.text, key(n)).toBe(twin!.text);
      expect(n.provenance?.sha256, key(n)).toBe(twin!.provenance?.sha256);
    }
    const resnet18 = zh.numbers.find((n) => n.where === 'tbl-ptflops' && n.row === 'ResNet-18' && n.metric === 'params' && n.quoted === undefined);
    expect(resnet18).toMatchObject({ value: 11_689_512, text: '11.69' });
  });

  it('writes a XeLaTeX standalone with ctex', () => {
    expect(read('survey.zh.standalone.tex')).toContain('{ctex}');
    expect(read('survey.zh.standalone.tex')).not.toContain('DeclareUnicodeCharacter');
  });

  it.skipIf(!HAVE_PDF)('prints a PDF with the Chinese headings and numbers, CJK in CID TrueType, no Type 3', () => {
    const pdf = path.join(OUT, 'survey.zh.pdf');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    for (const h of HEADINGS) expect(text).toContain(h);
    expect(text).toContain('7632');
    expect(text).toMatch(/ResNet-18\s+224×224\s+11\.69/);
    expect(text).not.toContain('?');
    const rows = execFileSync('pdffonts', [pdf], { encoding: 'utf8' })
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '');
    expect(rows.filter((l) => /WenQuanYi|Droid|UMing/.test(l)).every((l) => /CID TrueType\s+Identity-H\s+yes/.test(l))).toBe(true);
    expect(rows.some((l) => /WenQuanYi|Droid|UMing/.test(l))).toBe(true);
    expect(rows.filter((l) => /Type 3/.test(l))).toEqual([]);
  });
});
