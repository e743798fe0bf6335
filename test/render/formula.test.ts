/** Formulas: the seed's worked example, every template through KaTeX, user overrides, bad LaTeX. */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import katex from 'katex';
import { describe, expect, test } from 'vitest';
import { makeCostContext, makeNodeContext } from '../../src/analysis/context.js';
import { ruleFor } from '../../src/analysis/ops/index.js';
import { CONVENTIONS, type FormulaUse, type ValueFacts } from '../../src/analysis/types.js';
import { GraphBuilder, type AttrValue } from '../../src/onnx/builder.js';
import type { Dim } from '../../src/onnx/model.js';
import { BUILTIN_TEMPLATES_DIR, TemplateError, formulaToLatex, latexNumber, plainMathToLatex, renderFormula, renderMath } from '../../src/render/index.js';

/** The seed: C_in=3, C_out=4, K=3×3, 6×6 output, no bias: (2×3×3²−1)×4×6² = 53×144 = 7632. */
const seedConv: FormulaUse = {
  template: 'conv',
  vars: { N: 1, Cin: 3, Cout: 4, groups: 1, bias: 0, Kh: 3, Kw: 3, Hout: 6, Hin: 6, Wout: 6, Win: 6 },
  symbolic: '(2·C_in·K_h·K_w − 1)·C_out·H_out·W_out',
  substituted: '(2×3×3²−1)×4×6²',
};

/** Strict KaTeX: throws on any error or warning-level problem. */
function katexStrict(latex: string): string {
  return katex.renderToString(latex, { displayMode: true, throwOnError: true, strict: 'error' });
}

/** Cost one node with the analysis' own rule (as the document layer does for a model node). */
function costNode(opType: string, inputs: Dim[][], attrs: Record<string, AttrValue> = {}, weights: number[] = [], opset = 17) {
  const b = new GraphBuilder();
  b.node(
    opType,
    inputs.map((_, i) => `in${i}`),
    attrs,
    { name: `/${opType}`, outputs: 1 },
  );
  const node = b.graph().nodes[0]!;
  const rule = ruleFor('', opType)!;
  const facts: ValueFacts[] = inputs.map((shape) => ({ dtype: 1, shape }));
  const ctx = makeNodeContext(node, facts, opset);
  const outputs = rule.infer(ctx);
  const cctx = makeCostContext(ctx, outputs, { weightInputs: new Set(weights) });
  return (convention: (typeof CONVENTIONS)[number]) => rule.cost(cctx, convention);
}

describe('the seed conv worked example', () => {
  test('symbolic, substituted and result', () => {
    const f = renderFormula(seedConv, 7632);
    expect(f.source).toBe('conv.tex.hbs');
    expect(f.equation).toBe('(2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632');
    expect(f.symbolic).toBe('(2 \\cdot C_{\\mathrm{in}} \\cdot K_h \\cdot K_w - 1) \\cdot C_{\\mathrm{out}} \\cdot H_{\\mathrm{out}} \\cdot W_{\\mathrm{out}}');
    expect(f.display).toBe(
      [
        '\\begin{aligned}',
        '\\mathrm{FLOPs}_{\\text{conv}} &= (2 \\cdot C_{\\mathrm{in}} \\cdot K_h \\cdot K_w - 1) \\cdot C_{\\mathrm{out}} \\cdot H_{\\mathrm{out}} \\cdot W_{\\mathrm{out}} \\\\',
        '&= (2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632 \\\\',
        '&\\text{with } C_{\\mathrm{in}} = 3,\\ C_{\\mathrm{out}} = 4,\\ K_h \\times K_w = 3 \\times 3,\\ H_{\\mathrm{out}} \\times W_{\\mathrm{out}} = 6 \\times 6,\\ \\text{no bias}',
        '\\end{aligned}',
      ].join('\n'),
    );
    const html = renderMath(f.display);
    expect(html.ok).toBe(true);
    expect(katexStrict(f.display)).toContain('7632');
  });

  test('the same line from the analysis conv rule, as a node formula', () => {
    // 1×3×6×6 input, 4×3×3×3 weights, pads 1 keep 6×6: the rule computes 7632 and the text itself.
    const cost = costNode(
      'Conv',
      [
        [1, 3, 6, 6],
        [4, 3, 3, 3],
      ],
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      [1],
    )('exact')!;
    expect(cost.flops).toBe(7632);
    const f = renderFormula(cost.formula!, cost.flops);
    expect(f.equation).toBe('(2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632');
    expect(f.display).toContain('\\text{no bias}');
  });

  test('with bias: 2×3×3²×4×6² = 7776', () => {
    const cost = costNode('Conv', [[1, 3, 6, 6], [4, 3, 3, 3], [4]], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, [1, 2])('exact')!;
    expect(renderFormula(cost.formula!, cost.flops).equation).toBe('2 \\times 3 \\times 3^2 \\times 4 \\times 6^2 = 7776');
  });

  test('LaTeX export wraps the display in \\[ \\]', () => {
    expect(formulaToLatex(renderFormula(seedConv, 7632))).toMatch(/^\\\[\n\\begin\{aligned\}[\s\S]*\\end\{aligned\}\n\\\]\n$/);
  });
});

describe('results and conversions', () => {
  test('large results are grouped with {,} and approximated', () => {
    expect(latexNumber(7632)).toBe('7632');
    expect(latexNumber(1_814_083_584)).toBe('1{,}814{,}083{,}584');
    // ResNet stem conv: 64·112²·3·49 = 118,013,952 MACs (torchvision ResNet-18 conv1); as a result line
    const f = renderFormula({ template: 'matmul', vars: { b: 1, M: 1, K: 2, N: 3 }, symbolic: 'M·K·N', substituted: '1×2×3' }, 118_013_952);
    expect(f.equation).toBe('1 \\times 2 \\times 3 = 118{,}013{,}952 \\approx 1.18 \\times 10^{8}');
  });

  test('plain text math → LaTeX', () => {
    expect(plainMathToLatex('B·(2·C − 1) + B·S·(1 + ⌈log₂C⌉)')).toBe('B \\cdot (2 \\cdot C - 1) + B \\cdot S \\cdot (1 + \\lceil\\log_2 C\\rceil)');
    expect(plainMathToLatex('Σ_i FLOPs_body(i)')).toBe('\\sum_i \\mathrm{FLOPs}_{\\mathrm{body}}(i)');
    expect(plainMathToLatex('numel(A)·B[-1]')).toBe('\\mathrm{numel}(A) \\cdot B[-1]');
    expect(plainMathToLatex('max(FLOPs_then, FLOPs_else)')).toBe('\\max(\\mathrm{FLOPs}_{\\mathrm{then}}, \\mathrm{FLOPs}_{\\mathrm{else}})');
    expect(plainMathToLatex('Σ in-bounds taps')).toBe('\\sum \\text{in-bounds taps}');
    expect(plainMathToLatex('0.5·x·(1 + erf(x/√2))')).toBe('0.5 \\cdot x \\cdot (1 + \\mathrm{erf}(x/\\sqrt{2}))');
    expect(plainMathToLatex('2×(8/8)×3²×8×5²')).toBe('2 \\times (8/8) \\times 3^2 \\times 8 \\times 5^2');
  });

  test('a formula that is only its result shows one line', () => {
    const f = renderFormula({ template: 'shape-only', vars: {}, symbolic: '0', substituted: '0' }, 0);
    expect(f.source).toBe('generic.tex.hbs');
    expect(f.display).toBe('\\mathrm{FLOPs} = 0');
  });

  test('a side note after ";" becomes its own line (attention: FLOPs; MACs = …)', () => {
    const f = renderFormula(
      {
        template: 'attention',
        vars: { B: 1, H: 2, Sq: 4, Skv: 4, d: 8, dv: 8 },
        symbolic: 'H·Sq·Skv·(2·d − 1); MACs = H·Sq·Skv·(d + d_v)',
        substituted: '2×4×4×(2×8−1); MACs = 2×4×4×(8+8)',
      },
      480, // 2·4·4·15 = 480
    );
    expect(f.equation).toBe('2 \\times 4 \\times 4 \\times (2 \\times 8 - 1) = 480');
    expect(f.display).toContain('\\mathrm{MACs} = H \\cdot \\mathrm{Sq} \\cdot \\mathrm{Skv} \\cdot (d + d_v) = 2 \\times 4 \\times 4 \\times (8 + 8)');
    expect(() => katexStrict(f.display)).not.toThrow();
  });
});

describe('every template renders under KaTeX', () => {
  // One representative use per built-in template, with the vars its op family defines.
  const samples: Record<string, { use: FormulaUse; result: number }> = {
    conv: { use: seedConv, result: 7632 },
    'conv-transpose': {
      use: {
        template: 'conv-transpose',
        vars: { N: 1, Cin: 4, Cout: 2, groups: 1, bias: 1, Kh: 3, Kw: 3, Hin: 5, Win: 5, Hout: 10, Wout: 10 },
        symbolic: '2·C_in·H_in·W_in·C_out·K_h·K_w + C_out·H_out·W_out',
        substituted: '2×4×5²×2×3² + 2×10²',
      },
      result: 3800,
    }, // 3600 + 200
    gemm: {
      use: {
        template: 'gemm',
        vars: { b: 1, M: 1, K: 512, N: 1000, bias: 1, alphaScaled: 0, betaScaled: 0 },
        symbolic: '2·K·M·N',
        substituted: '2×512×1×1000',
      },
      result: 1_024_000,
    },
    matmul: {
      use: { template: 'matmul', vars: { b: 12, M: 197, K: 64, N: 197 }, symbolic: 'b·(2·K − 1)·M·N', substituted: '12×(2×64−1)×197×197' },
      result: 59_142_156,
    }, // 12·127·38809
    attention: {
      use: { template: 'attention', vars: { B: 1, H: 1, Sq: 2, Skv: 2, d: 2, dv: 2 }, symbolic: 'H·Sq·Skv·(2·d − 1)', substituted: '1×2×2×(2×2−1)' },
      result: 12,
    },
    elementwise: { use: { template: 'elementwise', vars: { N: 802_816, c: 1 }, symbolic: 'N', substituted: '64×112²' }, result: 802_816 },
    softmax: { use: { template: 'softmax', vars: { rows: 12, n: 197 }, symbolic: 'rows·(5·n − 2)', substituted: '12×(5×197−2)' }, result: 11_796 }, // 12·983
    batchnorm: { use: { template: 'batchnorm', vars: { n: 802_816 }, symbolic: '2·n', substituted: '2×802816' }, result: 1_605_632 },
    layernorm: {
      use: { template: 'layernorm', vars: { groups: 197, n: 768, affine: 2, extra: 0 }, symbolic: 'groups·(7·n + 2)', substituted: '197×(7×768+2)' },
      result: 1_059_466,
    }, // 197·5378
    maxpool: {
      use: { template: 'maxpool', vars: { N: 1, C: 64, outputs: 200_704, inputs: 802_816, K: 9 }, symbolic: 'C·∏out·(K − 1)', substituted: '64×56²×(9−1)' },
      result: 1_605_632,
    },
    avgpool: {
      use: {
        template: 'avgpool',
        vars: { N: 1, C: 1, outputs: 4, inputs: 16, K: 4, taps: 16 },
        symbolic: 'Σ in-bounds taps (taps − 1 adds + 1 divide per window)',
        substituted: '16',
      },
      result: 16,
    },
    reduce: { use: { template: 'reduce', vars: { M: 2048, n: 49 }, symbolic: 'M·n', substituted: '2048×49' }, result: 100_352 },
    resize: { use: { template: 'resize', vars: { N: 802_816, d: 2, c: 9 }, symbolic: '3·(2^d − 1)·N', substituted: '9×802816' }, result: 7_225_344 },
    // issue 18: quantization, rotary and grouped-query attention (counts as in test/analysis/ops/*.test.ts)
    'matmul-nbits': {
      use: {
        template: 'matmul-nbits',
        vars: { M: 5, K: 64, N: 32, bits: 4, blockSize: 32, bias: 0 },
        symbolic: '(2·K − 1)·M·N + 2·K·N',
        substituted: '(2×64−1)×5×32 + 2×64×32',
      },
      result: 24_416,
    }, // 20320 + 4096
    quantize: { use: { template: 'quantize', vars: { N: 6, c: 2, zeroPoint: 1 }, symbolic: '2·N', substituted: '2×2×3' }, result: 12 },
    dequantize: { use: { template: 'dequantize', vars: { N: 20, c: 2, zeroPoint: 1 }, symbolic: '2·N', substituted: '2×4×5' }, result: 40 },
    'gather-block-quantized': {
      use: { template: 'gather-block-quantized', vars: { N: 48, c: 2, zeroPoint: 1 }, symbolic: '2·N', substituted: '2×3×16' },
      result: 96,
    },
    'dynamic-quantize': {
      use: { template: 'dynamic-quantize', vars: { N: 12 }, symbolic: '2·(N − 1) + 6 + 2·N', substituted: '2×(12−1) + 6 + 2×12' },
      result: 52,
    },
    rotary: { use: { template: 'rotary', vars: { N: 96, head: 8, rotaryDim: 8, heads: 4, rotated: 96 }, symbolic: '3·N', substituted: '3×96' }, result: 288 },
    'group-query-attention': {
      use: {
        template: 'group-query-attention',
        vars: { B: 1, H: 4, Sq: 3, Skv: 8, d: 8, dv: 8 },
        symbolic: 'B·H·Sq·Skv·(2·d − 1)',
        substituted: '1×4×3×8×(2×8−1)',
      },
      result: 1440,
    },
    generic: {
      use: { template: 'generic', vars: { B: 2, C: 3, S: 4 }, symbolic: 'B·(2·C − 1) + B·S·(1 + ⌈log₂C⌉)', substituted: '2×(2×3−1) + 2×4×(1+2)' },
      result: 34,
    },
  };

  test('a sample exists for each template file', () => {
    const files = readdirSync(join(BUILTIN_TEMPLATES_DIR, 'formulas')).map((f) => f.replace(/\.tex\.hbs$/, ''));
    expect(Object.keys(samples).sort()).toEqual(files.sort());
  });

  test.each(Object.entries(samples))('%s', (id, { use, result }) => {
    const f = renderFormula(use, result);
    expect(f.source).toBe(`${id}.tex.hbs`);
    expect(() => katexStrict(f.display)).not.toThrow();
  });

  test('formulas of real rules under every convention render', () => {
    const nodes: [string, Dim[][], Record<string, AttrValue>, number[]][] = [
      ['Conv', [[1, 3, 6, 6], [4, 3, 3, 3], [4]], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, [1, 2]],
      [
        'Conv',
        [
          [2, 8, 9, 9],
          [8, 1, 3, 3],
        ],
        { group: 8, strides: [2, 2] },
        [1],
      ],
      ['ConvTranspose', [[1, 4, 5, 5], [4, 2, 3, 3], [2]], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, [1, 2]],
      ['Gemm', [[1, 512], [1000, 512], [1000]], { transB: 1 }, [1, 2]],
      [
        'MatMul',
        [
          [12, 197, 64],
          [12, 64, 197],
        ],
        {},
        [],
      ],
      ['Softmax', [[1, 12, 197, 197]], { axis: -1 }, []],
      ['Relu', [[1, 64, 112, 112]], {}, []],
      [
        'Add',
        [
          [1, 64, 56, 56],
          [1, 64, 56, 56],
        ],
        {},
        [],
      ],
      ['MaxPool', [[1, 64, 112, 112]], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, []],
      ['AveragePool', [[1, 1, 4, 4]], { kernel_shape: [2, 2], strides: [2, 2] }, []],
      ['GlobalAveragePool', [[1, 2048, 7, 7]], {}, []],
      ['BatchNormalization', [[1, 64, 112, 112], [64], [64], [64], [64]], {}, [1, 2]],
      ['LayerNormalization', [[1, 197, 768], [768], [768]], { axis: -1 }, [1, 2]],
      ['ReduceMean', [[1, 2048, 7, 7]], { axes: [2, 3] }, []],
    ];
    let rendered = 0;
    for (const [op, shapes, attrs, weights] of nodes) {
      const cost = costNode(op, shapes, attrs, weights);
      for (const convention of CONVENTIONS) {
        const entry = cost(convention);
        if (!entry?.formula) continue;
        const f = renderFormula(entry.formula, entry.flops);
        expect(() => katexStrict(f.display), `${op} ${convention}: ${f.display}`).not.toThrow();
        rendered++;
      }
    }
    // 14 nodes × 6 conventions, less the ones a convention does not count (null): at least one per node
    expect(rendered).toBeGreaterThanOrEqual(14 * 3);
  });
});

describe('templates from the user', () => {
  test('a template with the same name in the content folder wins; others fall back', () => {
    // <content>/templates/formulas/conv.tex.hbs, found from the content folder itself
    const content = mkdtempSync(join(tmpdir(), 'mp-content-'));
    const user = join(content, 'templates');
    mkdirSync(join(user, 'formulas'), { recursive: true });
    writeFileSync(join(user, 'formulas', 'conv.tex.hbs'), 'F_{\\text{mine}} = {{symbolic}} = {{equation}}\n');
    expect(renderFormula(seedConv, 7632, { templateDirs: [content] }).display).toMatch(/^F_\{\\text\{mine\}\}/);
    const mine = renderFormula(seedConv, 7632, { templateDirs: [user] });
    expect(mine.source).toBe('conv.tex.hbs');
    expect(mine.display).toBe(
      'F_{\\text{mine}} = (2 \\cdot C_{\\mathrm{in}} \\cdot K_h \\cdot K_w - 1) \\cdot C_{\\mathrm{out}} \\cdot H_{\\mathrm{out}} \\cdot W_{\\mathrm{out}} = (2 \\times 3 \\times 3^2 - 1) \\times 4 \\times 6^2 = 7632',
    );
    // a preset id (conv:ptflops) finds the user's conv template too
    expect(renderFormula({ ...seedConv, template: 'conv:ptflops' }, 3888, { templateDirs: [user] }).display).toMatch(/^F_\{\\text\{mine\}\}/);
    // a family the user did not override still uses the built-in template
    expect(
      renderFormula({ template: 'softmax', vars: { rows: 1, n: 3 }, symbolic: 'rows·(5·n − 2)', substituted: '1×(5×3−2)' }, 13, { templateDirs: [user] })
        .display,
    ).toContain('\\mathrm{FLOPs}_{\\text{softmax}}');
    // a convention-specific file is preferred to the family file in the same folder
    writeFileSync(join(user, 'formulas', 'conv.ptflops.tex.hbs'), 'P = {{result}}');
    expect(renderFormula({ ...seedConv, template: 'conv:ptflops' }, 3888, { templateDirs: [user] }).display).toBe('P = 3888');
  });

  test('a broken template is an error naming the file', () => {
    const user = mkdtempSync(join(tmpdir(), 'mp-tpl-'));
    mkdirSync(join(user, 'formulas'));
    const file = join(user, 'formulas', 'gemm.tex.hbs');
    writeFileSync(file, '{{#if vars.M}} unclosed');
    expect(() => renderFormula({ template: 'gemm', vars: { M: 1 }, symbolic: 'M', substituted: '1' }, 1, { templateDirs: [user] })).toThrow(TemplateError);
    expect(() => renderFormula({ template: 'gemm', vars: { M: 1 }, symbolic: 'M', substituted: '1' }, 1, { templateDirs: [user] })).toThrow(file);
  });
});

describe('bad LaTeX', () => {
  test('renderMath returns the message and the position, never throws', () => {
    expect(renderMath('x^')).toEqual({ ok: false, error: { message: "Expected group after '^'", position: 1, latex: 'x^' } });
    const r = renderMath('\\foo{1}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ message: 'Undefined control sequence: \\foo', position: 0, latex: '\\foo{1}' });
    const ok = renderMath('a^2', { displayMode: false });
    expect(ok.ok && ok.html.startsWith('<span class="katex">')).toBe(true);
  });
});
