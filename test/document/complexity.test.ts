/**
 * `::complexity`: a sweep rendered as a table (claimed order, measured exponents, depth, derived path
 * length) and as a log–log chart, numbered as a table and a figure, collected for the exports, in
 * the LaTeX fragment; bad attributes are positioned diagnostics with a remedy.
 *
 * Expected numbers (exact MACs, by construction): self-attention 2·n²·d → exponents 2 in n and 1
 * in d; the RNN 2·n·d² → 1 and 2, depth = n (64 → 256 over n ∈ {64, 128, 256}).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/document/pipeline.js';
import { documentToLatex } from '../../src/export/latex.js';

const DOC = `# Complexity

::complexity{#tbl-layers families="self_attention recurrent" vary="n d" values="n=64,128,256 d=32,64" caption="Per-layer complexity"}

::complexity{#fig-layers families="self_attention recurrent" vary="n" values="n=64,128,256" show=chart caption="MACs against n"}

See @tbl-layers and @fig-layers.
`;

describe('::complexity', () => {
  it('renders the measured exponents beside the claims, and a chart', async () => {
    const { body, data, file, tree } = await renderMarkdown(DOC, path.resolve('doc.md'));
    expect(file.messages.map((m) => m.reason)).toEqual([]);
    const table = data.tables[0]!.table;
    expect(table.number).toBe(1);
    expect(table.rows.map((r) => r.label)).toEqual(['Self-attention', 'Recurrent']);
    const col = (key: string) => table.groups[0]!.columns.findIndex((c) => c.key === key);
    const attention = table.rows[0]!.cells;
    const rnn = table.rows[1]!.cells;
    expect(attention[col('claim')]!.text).toBe('O(n²·d)');
    expect(attention[col('macs@n')]!.text).toBe('2.00');
    expect(attention[col('macs@d')]!.text).toBe('1.00');
    expect(rnn[col('macs@n')]!.text).toBe('1.00');
    expect(rnn[col('macs@d')]!.text).toBe('2.00');
    expect(rnn[col('depth')]!.text).toBe('64 → 256');
    expect(rnn[col('seq-claim')]!.text).toBe('O(n)');
    expect(rnn[col('path')]!.text).toMatch(/^O\(n\) \(63 at n = 64, d = 32\)$/);
    expect(table.footnotes.join(' ')).toMatch(/derived from how each layer is built, not measured/);
    // The chart: figure 1, one line per family.
    expect(data.charts).toHaveLength(1);
    expect(data.charts[0]!.number).toBe(1);
    expect((data.charts[0]!.svg.match(/<polyline/g) ?? []).length).toBe(2);
    expect(body).toContain('Table 1');
    expect(body).toContain('Figure 1');
    const latex = documentToLatex(tree, data);
    // A two-word header, stackable when \\mpfit narrows the table (name above the bracket).
    expect(latex).toContain('\\mphead{Complexity}{(claimed)}');
    expect(latex).toMatch(/\\caption\{MACs against n\}/);
  });

  it('reports bad families, variables and values at their attribute, with the remedy', async () => {
    const md = [
      '::complexity{families="self_atention" vary="n"}',
      '',
      '::complexity{families="self_attention" vary="k"}',
      '',
      '::complexity{families="convolutional" vary="k" values="k=3,4"}',
      '',
      '::complexity{families="recurrent" vary="n" metrics="macs latencyy"}',
    ].join('\n');
    const { file, body } = await renderMarkdown(md, path.resolve('bad.md'));
    const reasons = file.messages.map((m) => `${m.line}:${m.column} ${m.reason}`);
    expect(reasons[0]).toMatch(/^1:14 unknown model family 'self_atention'; known: self_attention/);
    expect(reasons[1]).toMatch(/^3:40 self_attention has none of the variables k; its variables are n, d/);
    expect(reasons[2]).toMatch(/^5:48 convolutional: k must be an odd whole number.*change values= or at=/);
    expect(reasons[3]).toMatch(/^7:.*unknown metric 'latencyy'/);
    expect((body.match(/mp-error/g) ?? []).length).toBeGreaterThanOrEqual(4);
  });
});
