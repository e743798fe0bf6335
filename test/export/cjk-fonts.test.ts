// The CJK font check before a Chinese PDF (src/export/cjk-fonts.ts): fontconfig's answer decides
// between no warning (a TrueType CJK font of the stylesheet's stack is there), a warning that the
// PDF would embed Type 3 fonts (only CFF-based Noto CJK), and one that it would print boxes (none).
import { describe, expect, it } from 'vitest';
import { cjkFontProblem, listCjkFonts } from '../../src/export/cjk-fonts.js';

const fcList = (stdout: string, status = 0) => (() => ({ status, stdout, stderr: '', pid: 1, output: [], signal: null })) as never;

describe('the CJK font check', () => {
  it('is quiet when a TrueType CJK font of the stack is installed', () => {
    const report = listCjkFonts(fcList('Noto Sans CJK SC,Noto Sans CJK\nWenQuanYi Micro Hei,文泉驛微米黑\n'));
    expect(report).toEqual({ trueType: ['WenQuanYi Micro Hei'], any: ['Noto Sans CJK SC', 'Noto Sans CJK', 'WenQuanYi Micro Hei', '文泉驛微米黑'] });
    expect(cjkFontProblem(report)).toBeUndefined();
  });

  it('warns that only CFF fonts (Noto CJK) would embed as Type 3, naming the Debian package', () => {
    const problem = cjkFontProblem(listCjkFonts(fcList('Noto Sans CJK SC\nNoto Serif CJK SC\n')));
    expect(problem).toContain('Type 3');
    expect(problem).toContain('apt-get install -y fonts-wqy-microhei');
  });

  it('warns of empty boxes when there is no CJK font at all', () => {
    const problem = cjkFontProblem(listCjkFonts(fcList('')));
    expect(problem).toContain('empty boxes');
    expect(problem).toContain('fonts-wqy-microhei');
  });

  it('says nothing where fontconfig cannot be asked (fc-list missing: not Linux)', () => {
    expect(listCjkFonts((() => ({ error: new Error('ENOENT'), status: null, stdout: '' })) as never)).toBeUndefined();
    expect(cjkFontProblem(undefined)).toBeUndefined();
  });
});
