/** Tables: one model → HTML, LaTeX and CSV with hand-checked cells; a sweep with three column groups. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_FORMAT,
  buildMetricTable,
  hastToHtml,
  macroDefinitions,
  macroName,
  siunitxFormat,
  standaloneLatex,
  tableToCsv,
  tableToHast,
  tableToLatex,
} from '../../src/render/index.js';
import { escapeLatexText, latexLabel } from '../../src/render/latex-escape.js';
import { percentDifference } from '../../src/render/table.js';
import { hasCommand } from '../helpers/system.js';

// ResNet-18 / VGG-16 parameter counts are torchvision's; MACs are the ptflops numbers of the seed
// table (1.82 G, 15.5 G) given to full precision; latencies are example measurements.
const cnn = buildMetricTable({
  id: 'tbl-cnn',
  number: 2,
  caption: 'CNNs at 224×224 & batch 1',
  metrics: ['params', 'macs', 'latency', 'throughput'],
  groups: [undefined],
  sampleUnit: 'img',
  rows: [
    { label: 'ResNet-18', points: [{ values: { params: 11_689_512, macs: 1_819_066_368, latency: 12.3456, throughput: 81.0005 } }] },
    {
      label: 'VGG_16',
      points: [{ values: { params: 138_357_544, macs: 15_470_264_320, latency: null, throughput: null }, notes: { latency: 'benchmark failed: timeout' } }],
    },
  ],
  format: DEFAULT_FORMAT,
  footnotes: ['Convention: ptflops (MACs).', 'CPU: 2 threads, onnxruntime 1.30, median of ≥ 20 runs.'],
});

describe('a plain table', () => {
  test('model: headers and cells', () => {
    expect(cnn.groups).toHaveLength(1);
    expect(cnn.groups[0]!.columns.map((c) => c.header)).toEqual(['Params (M)', 'MACs (G)', 'Latency (ms)', 'Throughput (img/s)']);
    // 11,689,512 / 1e6 = 11.69; 1,819,066,368 / 1e9 = 1.82; 12.3456 → 12.3 (3 digits); 81.0005 → 81.0
    expect(cnn.rows[0]!.cells.map((c) => c.text)).toEqual(['11.69', '1.82', '12.3', '81.0']);
    // 138,357,544 → 138.36; 15,470,264,320 → 15.47; missing → —
    expect(cnn.rows[1]!.cells.map((c) => c.text)).toEqual(['138.36', '15.47', '—', '—']);
    expect(cnn.rows[1]!.cells[2]!.note).toBe('benchmark failed: timeout');
  });

  test('HTML', () => {
    expect(hastToHtml(tableToHast(cnn))).toBe(
      '<figure class="mp-table" id="tbl-cnn"><table>' +
        '<caption><span class="mp-caption-number">Table 2.</span> CNNs at 224×224 &#x26; batch 1</caption>' +
        '<thead><tr><th scope="col">Model</th><th scope="col" class="mp-num">Params (M)</th><th scope="col" class="mp-num">MACs (G)</th>' +
        '<th scope="col" class="mp-num">Latency (ms)</th><th scope="col" class="mp-num">Throughput (img/s)</th></tr></thead>' +
        '<tbody><tr><th scope="row">ResNet-18</th><td class="mp-num">11.69</td><td class="mp-num">1.82</td><td class="mp-num">12.3</td><td class="mp-num">81.0</td></tr>' +
        '<tr><th scope="row">VGG_16</th><td class="mp-num">138.36</td><td class="mp-num">15.47</td><td class="mp-num" title="benchmark failed: timeout">—</td><td class="mp-num">—</td></tr></tbody>' +
        '</table><div class="mp-table-notes"><p>Convention: ptflops (MACs).</p><p>CPU: 2 threads, onnxruntime 1.30, median of ≥ 20 runs.</p></div></figure>',
    );
  });

  test('LaTeX: booktabs, siunitx S columns sized from the data, braced headers, escaped text', () => {
    expect(tableToLatex(cnn)).toBe(
      [
        '\\begin{table}[htbp]',
        '\\centering',
        '\\caption{CNNs at 224$\\times$224 \\& batch 1}',
        '\\label{tbl:cnn}',
        // params: 3 integer digits (138), 2 decimals; MACs 2.2; latency 2.1; throughput 2.1
        '\\begin{tabular}{l S[table-format=3.2] S[table-format=2.2] S[table-format=2.1] S[table-format=2.1]}',
        '\\toprule',
        'Model & {Params (M)} & {MACs (G)} & {Latency (ms)} & {Throughput (img/s)} \\\\',
        '\\midrule',
        'ResNet-18 & 11.69 & 1.82 & 12.3 & 81.0 \\\\',
        'VGG\\_16 & 138.36 & 15.47 & {---} & {---} \\\\',
        '\\bottomrule',
        '\\end{tabular}',
        '\\par\\smallskip',
        '{\\footnotesize Convention: ptflops (MACs).\\par\nCPU: 2 threads, onnxruntime 1.30, median of $\\geq$ 20 runs.\\par}',
        '\\end{table}',
        '',
      ].join('\n'),
    );
  });

  test('CSV: exact values in base units (unscaled, unrounded), empty when missing, quoted when needed', () => {
    // The values given above, as given: 11,689,512 parameters, 1,819,066,368 MACs, 12.3456 ms, 81.0005 img/s.
    expect(tableToCsv(cnn)).toBe(
      'Model,Params,MACs,Latency (ms),Throughput (img/s)\nResNet-18,11689512,1819066368,12.3456,81.0005\nVGG_16,138357544,15470264320,,\n',
    );
    const quoted = { ...cnn, rows: [{ ...cnn.rows[0]!, label: 'Net "A", v2' }] };
    expect(tableToCsv(quoted).split('\n')[1]).toBe('"Net ""A"", v2",11689512,1819066368,12.3456,81.0005');
  });
});

// The seed's scattering-imaging comparison: one model at 200, 224 and 256, batch 2. FLOPs and
// inference times are the seed's SA-CNN numbers (8.2659e9 / 16.2256e9 / 21.2318e9 FLOPs;
// 19.0217 / 21.0189 / 27.4584 ms per batch); params are shared by the three sizes.
const sweep = buildMetricTable({
  id: 'tbl-unet',
  caption: 'Scattering models at batch 2',
  metrics: ['params', 'flops', 'latency'],
  sharedMetrics: ['params'],
  groups: ['200×200', '224×224', '256×256'],
  rows: [
    {
      label: 'SA-CNN',
      points: [
        { values: { params: 7_765_442, flops: 8.2659e9, latency: 19.0217 } },
        { values: { params: 7_765_442, flops: 16.2256e9, latency: 21.0189 } },
        { values: { params: 7_765_442, flops: 21.2318e9, latency: 27.4584 } },
      ],
    },
  ],
  format: DEFAULT_FORMAT,
});

describe('a sweep table', () => {
  test('one shared column, then one group per input size', () => {
    expect(sweep.groups.map((g) => g.label)).toEqual([undefined, '200×200', '224×224', '256×256']);
    expect(sweep.groups.map((g) => g.columns.map((c) => c.key))).toEqual([
      ['params'],
      ['flops@200×200', 'latency@200×200'],
      ['flops@224×224', 'latency@224×224'],
      ['flops@256×256', 'latency@256×256'],
    ]);
    // 7,765,442 → 7.77 M; 8.2659e9 → 8.27 G; 19.0217 → 19.0 ms; 16.2256 → 16.23; 21.0189 → 21.0; 21.2318 → 21.23; 27.4584 → 27.5
    expect(sweep.rows[0]!.cells.map((c) => c.text)).toEqual(['7.77', '8.27', '19.0', '16.23', '21.0', '21.23', '27.5']);
  });

  test('HTML has a two-row header: group labels spanning their columns', () => {
    const html = hastToHtml(tableToHast(sweep));
    expect(html).toContain(
      '<thead><tr><th scope="col" rowspan="2">Model</th><th scope="col" rowspan="2" class="mp-num">Params (M)</th>' +
        '<th scope="colgroup" colspan="2" class="mp-group">200×200</th><th scope="colgroup" colspan="2" class="mp-group">224×224</th>' +
        '<th scope="colgroup" colspan="2" class="mp-group">256×256</th></tr>' +
        '<tr><th scope="col" class="mp-num">FLOPs (G)</th><th scope="col" class="mp-num">Latency (ms)</th>' +
        '<th scope="col" class="mp-num">FLOPs (G)</th><th scope="col" class="mp-num">Latency (ms)</th>' +
        '<th scope="col" class="mp-num">FLOPs (G)</th><th scope="col" class="mp-num">Latency (ms)</th></tr></thead>',
    );
  });

  test('LaTeX: multicolumn group labels with cmidrules over columns 3-4, 5-6, 7-8', () => {
    const lines = tableToLatex(sweep).split('\n');
    expect(lines.slice(4, 10)).toEqual([
      '\\begin{tabular}{l S[table-format=1.2] S[table-format=1.2] S[table-format=2.1] S[table-format=2.2] S[table-format=2.1] S[table-format=2.2] S[table-format=2.1]}',
      '\\toprule',
      'Model & {Params (M)} & \\multicolumn{2}{c}{200$\\times$200} & \\multicolumn{2}{c}{224$\\times$224} & \\multicolumn{2}{c}{256$\\times$256} \\\\',
      '\\cmidrule(lr){3-4} \\cmidrule(lr){5-6} \\cmidrule(lr){7-8}',
      ' &  & {FLOPs (G)} & {Latency (ms)} & {FLOPs (G)} & {Latency (ms)} & {FLOPs (G)} & {Latency (ms)} \\\\',
      '\\midrule',
    ]);
    expect(lines[10]).toBe('SA-CNN & 7.77 & 8.27 & 19.0 & 16.23 & 21.0 & 21.23 & 27.5 \\\\');
  });

  test('CSV names the group of each column', () => {
    expect(tableToCsv(sweep)).toBe(
      'Model,Params,FLOPs [200×200],Latency (ms) [200×200],FLOPs [224×224],Latency (ms) [224×224],FLOPs [256×256],Latency (ms) [256×256]\n' +
        // the values above unscaled: 7,765,442 params, 8.2659e9 FLOPs, 19.0217 ms, …
        'SA-CNN,7765442,8265900000,19.0217,16225600000,21.0189,21231800000,27.4584\n',
    );
  });

  test('a row with too few value sets is refused', () => {
    expect(() =>
      buildMetricTable({ metrics: ['params'], groups: ['a', 'b'], rows: [{ label: 'X', points: [{ values: {} }] }], format: DEFAULT_FORMAT }),
    ).toThrow('row "X" has 1 value sets for 2 column groups');
  });
});

function hasPdflatex(): boolean {
  try {
    execFileSync('pdflatex', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAVE_LATEX_TOOLS = hasPdflatex() && hasCommand('pdftotext');
if (!HAVE_LATEX_TOOLS)
  console.warn(
    'pdflatex or pdftotext not found: skipping the table LaTeX compile test (apt-get install -y texlive-latex-base texlive-latex-recommended texlive-science lmodern poppler-utils)',
  );

// ResNet-18's ptflops MACs (1,822,939,136) against the seed's typed 1.82 G: Δ = +0.161% → +0.2.
const withDelta = buildMetricTable({
  metrics: ['macs'],
  groups: [undefined],
  rows: [{ label: 'resnet18', points: [{ values: { macs: 1_822_939_136 } }], published: { macs: 1.82e9 } }],
  format: DEFAULT_FORMAT,
});

describe('published values beside measured ones', () => {
  // The seed's ptflops table typed ResNet-18 as 11.69 M params and 1.82 GMac, ResNet-50 as 25.56 M and
  // 4.12; the measured values are our ptflops-convention counts (11,689,512 / 1,822,939,136 and
  // 25,557,032 / 4,127,394,816). Acc@1 is published only.
  const table = buildMetricTable({
    metrics: ['params', 'macs'],
    groups: [undefined],
    rows: [
      { label: 'resnet18', points: [{ values: { params: 11_689_512, macs: 1_822_939_136 } }], published: { params: 11.69e6, macs: 1.82e9 } },
      { label: 'resnet50', points: [{ values: { params: 25_557_032, macs: 4_127_394_816 } }], published: { params: 25.56e6, macs: 4.12e9 } },
      { label: 'ours', points: [{ values: { params: 1_000_000, macs: 2e9 } }] },
    ],
    extraColumns: [{ header: 'Acc@1, published', cells: ['70.142', '76.002', null] }],
    format: DEFAULT_FORMAT,
  });

  test('each compared metric gets published, measured and Δ columns in that order; the scale is shared', () => {
    expect(table.groups[0]!.columns.map((c) => c.header)).toEqual([
      'Params (M), published',
      'Params (M)',
      'Δ Params (%)',
      'MACs (G), published',
      'MACs (G)',
      'Δ MACs (%)',
      'Acc@1, published',
    ]);
  });

  test('Δ = (measured − published) ÷ published from the raw values, one decimal, signed', () => {
    // resnet18 params: (11,689,512 − 11,690,000) / 11,690,000 = −0.0042% → 0.0;
    // MACs: (1,822,939,136 − 1,820,000,000) / 1.82e9 = +0.161% → +0.2.
    expect(table.rows[0]!.cells.map((c) => c.text)).toEqual(['11.69', '11.69', '0.0', '1.82', '1.82', '+0.2', '70.142']);
    // resnet50 params: (25,557,032 − 25,560,000) / 25,560,000 = −0.0116% → 0.0;
    // MACs: (4,127,394,816 − 4.12e9) / 4.12e9 = +0.1795% → +0.2.
    expect(table.rows[1]!.cells.map((c) => c.text)).toEqual(['25.56', '25.56', '0.0', '4.12', '4.13', '+0.2', '76.002']);
    // Nothing published for our own model: the published and Δ cells are empty, with a reason.
    expect(table.rows[2]!.cells.map((c) => c.text)).toEqual(['—', '1.00', '—', '—', '2.00', '—', '—']);
    expect(table.rows[2]!.cells[2]!.note).toBe('no published value');
  });

  test('a sweep cannot carry published values', () => {
    expect(() =>
      buildMetricTable({
        metrics: ['macs'],
        groups: ['200×200', '224×224'],
        rows: [{ label: 'unet', points: [{ values: { macs: 1 } }, { values: { macs: 2 } }], published: { macs: 1 } }],
        format: DEFAULT_FORMAT,
      }),
    ).toThrow('published values can be compared in a table without input sizes (no sweep)');
  });

  test('LaTeX and CSV carry the new columns', () => {
    expect(tableToCsv(table).split('\n')[0]).toBe('Model,"Params, published",Params,Δ Params (%),"MACs, published",MACs,Δ MACs (%),"Acc@1, published"');
    // pdflatex's default fonts have no Δ glyph: it is written as math.
    expect(tableToLatex(table)).toContain('{$\\Delta$ MACs (\\%)}');
  });

  test('a Δ keeps its + in LaTeX (siunitx retain-explicit-plus) and in the plain string; large ones are grouped', () => {
    const latex = tableToLatex(table);
    // The Δ MACs column holds +0.2, +0.2 and —: a signed 1.1 format (the sign's room) that keeps the explicit plus.
    expect(latex).toContain('S[table-format=-1.1, retain-explicit-plus]');
    expect(latex).toContain('resnet18 & 11.69 & 11.69 & 0.0 & 1.82 & 1.82 & +0.2 & 70.142 \\\\');
    expect(table.rows[0]!.cells[5]!.plain).toBe('+0.2');
    // (4910 − 1) / 1 × 100 = +490,900% (the order of the example's speckle FLOPs against the published 0.0577 G).
    expect(percentDifference(4910, 1)).toMatchObject({ text: '+490,900.0', plain: '+490900.0' });
    // −3.46% → −3.5 with a minus sign in the text, a hyphen-minus in the plain string.
    expect(percentDifference(96.54, 100)).toMatchObject({ text: '−3.5', plain: '-3.5' });
  });
});

describe('LaTeX helpers', () => {
  test('escaping, labels, siunitx formats, macro names', () => {
    expect(escapeLatexText('50% of #1 & $2_x {a} ~ ^ \\')).toBe('50\\% of \\#1 \\& \\$2\\_x \\{a\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
    expect(latexLabel('tbl-cnn')).toBe('tbl:cnn');
    expect(siunitxFormat(['-1.5', '12.25', ''])).toBe('-2.2');
    expect(macroName('ResNet-18', 'params')).toBe('ResNetEighteenParams');
    expect(macroName('resnet152', 'latency_p90')).toBe('ResnetOneHundredFiftyTwoLatencyPNinety');
    expect(macroDefinitions([{ name: 'ResNetEighteenParams', value: '11.69' }])).toBe('\\newcommand{\\ResNetEighteenParams}{11.69}\n');
    expect(() =>
      macroDefinitions([
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ]),
    ).toThrow('LaTeX macro \\A is defined twice');
  });

  // pdflatex is part of the project's CI image (.ci/run installs the TeX packages); on a machine
  // without it this check cannot run.
  test.runIf(HAVE_LATEX_TOOLS)('pdflatex compiles the tables and the PDF text holds their numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-latex-'));
    writeFileSync(join(dir, 'doc.macros.tex'), macroDefinitions([{ name: 'ResNetEighteenParams', value: '11.69' }]));
    writeFileSync(
      join(dir, 'doc.tex'),
      `ResNet-18 has \\ResNetEighteenParams\\,M parameters (Table~\\ref{tbl:cnn}).\n\n${tableToLatex(cnn)}\n${tableToLatex(sweep)}\n${tableToLatex(withDelta)}`,
    );
    writeFileSync(
      join(dir, 'doc.standalone.tex'),
      standaloneLatex({ title: 'Survey & notes', author: 'A. Author', macrosFile: 'doc.macros.tex', fragmentFile: 'doc.tex' }),
    );
    for (let i = 0; i < 2; i++) execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'doc.standalone.tex'], { cwd: dir, stdio: 'pipe' });
    const text = execFileSync('pdftotext', ['-layout', 'doc.standalone.pdf', '-'], { cwd: dir }).toString();
    expect(text).toContain('ResNet-18 has 11.69 M parameters (Table 1)');
    expect(text).toMatch(/ResNet-18\s+11\.69\s+1\.82\s+12\.3\s+81\.0/);
    expect(text).toMatch(/VGG_16\s+138\.36\s+15\.47/);
    expect(text).toMatch(/SA-CNN\s+7\.77\s+8\.27\s+19\.0\s+16\.23\s+21\.0\s+21\.23\s+27\.5/);
    // The Δ column prints its + (issue 20: it used to read 0.2).
    expect(text).toMatch(/resnet18\s+1\.82\s+1\.82\s+\+0\.2/);
  });
});

describe('short captions for the list of tables (issue 20)', () => {
  test("the example's captions cut at their first ': ', ' (' or '; ', long ones at a comma", async () => {
    const { shortCaption } = await import('../../src/render/latex.js');
    expect(shortCaption('CNNs from the zoo: exact counts per image, latency per batch of 2 and throughput')).toBe('CNNs from the zoo');
    expect(shortCaption('Transformer base encoder at 128 tokens (counted per sequence; measured at batch 2)')).toBe('Transformer base encoder at 128 tokens');
    expect(shortCaption('Deep speckle correlation at 256×256, batch 2: measured beside the published numbers')).toBe(
      'Deep speckle correlation at 256×256, batch 2',
    );
    expect(
      shortCaption("Parameters and MACs of CNNs under the ptflops convention, counted from the zoo's ONNX graphs, beside the numbers published by ptflops"),
    ).toBe('Parameters and MACs of CNNs under the ptflops convention');
    // Short already: no short form (a 45-character caption keeps its commas).
    expect(shortCaption('UNet at 200×200, 224×224 and 256×256, batch 2')).toBeUndefined();
    expect(shortCaption('Cost and speed')).toBeUndefined();
  });

  test('a table float gets \\caption[short]{long}', () => {
    const t = buildMetricTable({
      caption: 'CNNs from the zoo: exact counts',
      metrics: ['params'],
      groups: [undefined],
      rows: [{ label: 'a', points: [{ values: { params: 1 } }] }],
      format: DEFAULT_FORMAT,
    });
    expect(tableToLatex(t)).toContain('\\caption[CNNs from the zoo]{CNNs from the zoo: exact counts}');
    // The same caption without a cut keeps the plain form (the table test above: \caption{CNNs at 224$\times$224 \& batch 1}).
  });
});
