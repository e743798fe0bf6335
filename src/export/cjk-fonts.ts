/**
 * Which CJK fonts the PDF can use. Chromium finds fonts through fontconfig; the stylesheet lists the
 * TrueType CJK families first (assets/modelpress.css), because Chromium embeds TrueType glyphs as CID
 * TrueType but prints CFF-based fonts (Noto CJK's .ttc) as Type 3, which PDF checkers reject. When
 * none of the TrueType families is installed the build warns, naming the Debian package.
 */
import { spawnSync } from 'node:child_process';

/** The TrueType CJK families of the stylesheet's stack, in its order, with the package that has each. */
const TRUETYPE_CJK_FONTS: readonly { family: string; debian: string }[] = [
  { family: 'WenQuanYi Micro Hei', debian: 'fonts-wqy-microhei' },
  { family: 'Droid Sans Fallback', debian: 'fonts-droid-fallback' },
  { family: 'AR PL UMing CN', debian: 'fonts-arphic-uming' },
];

export interface CjkFontReport {
  /** TrueType CJK families of the stack that are installed (the first one is used). */
  trueType: string[];
  /** Every family fontconfig lists for Chinese. */
  any: string[];
}

/** fontconfig's Chinese fonts (`fc-list :lang=zh family`), or undefined where fc-list is not there. */
export function listCjkFonts(run: typeof spawnSync = spawnSync): CjkFontReport | undefined {
  const r = run('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const any = [
    ...new Set(
      r.stdout
        .split('\n')
        .flatMap((line) => line.split(','))
        .map((f) => f.trim())
        .filter((f) => f !== ''),
    ),
  ];
  const trueType = TRUETYPE_CJK_FONTS.map((f) => f.family).filter((f) => any.includes(f));
  return { trueType, any };
}

let memo: { report: CjkFontReport | undefined } | undefined;

/**
 * Why the PDF of a CJK document would be wrong on this machine, in words with the remedy, or
 * undefined when a TrueType CJK font is installed (or fontconfig cannot be asked: not Linux).
 */
export function cjkFontProblem(report: CjkFontReport | undefined = (memo ??= { report: listCjkFonts() }).report): string | undefined {
  if (!report || report.trueType.length > 0) return undefined;
  const install = `install one: apt-get install -y ${TRUETYPE_CJK_FONTS[0]!.debian} (Debian/Ubuntu; or ${TRUETYPE_CJK_FONTS.slice(1)
    .map((f) => f.debian)
    .join(', ')})`;
  if (report.any.length === 0) return `no CJK font is installed, so the PDF's Chinese, Japanese or Korean text would print as empty boxes; ${install}`;
  return `the only CJK fonts installed (${report.any.slice(0, 3).join(', ')}) are CFF-based, which Chromium embeds in the PDF as Type 3 fonts that PDF checkers (IEEE PDF eXpress, thesis offices) reject; for a TrueType CJK font (embedded as CID TrueType) ${install}`;
}
