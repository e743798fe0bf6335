/**
 * `::formula{model=a node="/conv1/Conv"}`: the cost formula of one node, symbolic, then with that
 * node's numbers substituted, then the result. `::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6 bias=false}`:
 * a worked example from given numbers — a one-node graph is built and profiled, so the number comes
 * from the same op rule as every table (`(2×3×3²−1)×4×6² = 7632`, the seed's example).
 *
 * Worked examples: `op=Conv` takes cin, cout, k (or kh and kw), h and w (the OUTPUT size, as in the
 * seed's formula), groups, n (batch), bias; `op=Gemm` and `op=MatMul` take m, k, n (an [m×k]·[k×n]
 * product) and, for Gemm, bias.
 */
import type { Element } from 'hast';
import { h } from 'hastscript';
import type { VFile } from 'vfile';
import { profileModel } from '../analysis/profile.js';
import { CONVENTIONS, type Convention, type FormulaUse, type Profile } from '../analysis/types.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/model.js';
import { resolveFormat } from '../render/format.js';
import { renderFormula, splitWhereRow } from '../render/formula.js';
import { TemplateError } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import { phrase, type Said } from '../i18n/index.js';
import {
  boolean,
  suggestion,
  type DirectiveNode,
  nearestNames,
  oneOf,
  positiveInteger,
  readAttributes,
  replaceWith,
  report,
  text,
  attributeProblems,
} from './directive.js';
import { showError } from './error-box.js';
import { inputAttribute } from './model.js';
import { blockDirectivePlugin, type DocumentState, type Provenance, type StateOptions, stateMessages } from './state.js';
import { profileOne, provenance } from './uses.js';
import { numberOf } from './xref.js';

const WORKED_OPS = ['Conv', 'Gemm', 'MatMul'] as const;
type WorkedOp = (typeof WORKED_OPS)[number];

const formulaAttributes = {
  id: text('equation id, written #eq-name'),
  model: text('the model id (with node=)'),
  node: text('the node name in the ONNX graph, e.g. /conv1/Conv'),
  input: inputAttribute,
  convention: oneOf('counting convention', CONVENTIONS),
  op: oneOf('the op of a worked example', WORKED_OPS),
  cin: positiveInteger('input channels (Conv)'),
  cout: positiveInteger('output channels (Conv)'),
  k: positiveInteger('kernel size (Conv) or inner dimension (Gemm, MatMul)'),
  kh: positiveInteger('kernel height (Conv)'),
  kw: positiveInteger('kernel width (Conv)'),
  h: positiveInteger('output height (Conv)'),
  w: positiveInteger('output width (Conv)'),
  groups: positiveInteger('groups (Conv, default 1)'),
  m: positiveInteger('rows of the left matrix (Gemm, MatMul)'),
  n: positiveInteger('batch (Conv, default 1) or columns of the right matrix (Gemm, MatMul)'),
  bias: boolean('whether the op adds a bias (Conv, Gemm; default false)'),
};

type Values = ReturnType<typeof readAttributes<typeof formulaAttributes>>['values'];

/** Conventions whose formulas count MACs rather than FLOPs. */
const MAC_CONVENTIONS: readonly Convention[] = ['ptflops', 'fvcore', 'thop'];

export default function remarkModelpressFormulas(options: StateOptions = {}) {
  return blockDirectivePlugin('formula', options, renderFormulaDirective);
}

const NEEDS: Record<WorkedOp, string[]> = { Conv: ['cin', 'cout', 'h', 'w'], Gemm: ['m', 'k', 'n'], MatMul: ['m', 'k', 'n'] };
const ALLOWED: Record<WorkedOp, string[]> = {
  Conv: ['cin', 'cout', 'k', 'kh', 'kw', 'h', 'w', 'groups', 'n', 'bias'],
  Gemm: ['m', 'k', 'n', 'bias'],
  MatMul: ['m', 'k', 'n'],
};

/** A one-node graph for a worked example, or the reason it cannot be built. */
/**
 * Weight elements a worked example may make (16 Mi, 64 MiB of float32). The example is a real graph
 * with seeded weights, so `cin=100000 cout=100000 k=7` would allocate 490 billion; the formula's
 * numbers are the same at any size, so smaller numbers lose nothing.
 */
export const MAX_WORKED_WEIGHTS = 2 ** 24;

function tooLarge(op: WorkedOp, dims: number[], attribute: string): { error: Said; attribute: string } | undefined {
  const n = dims.reduce((a, b) => a * b, 1);
  if (dims.every((d) => Number.isSafeInteger(d)) && n <= MAX_WORKED_WEIGHTS) return undefined;
  return {
    error: phrase('diag.formula.tooLarge', { op, dims: dims.join('×'), count: n.toLocaleString('en-US'), limit: MAX_WORKED_WEIGHTS.toLocaleString('en-US') }),
    attribute,
  };
}

function workedExample(op: WorkedOp, v: Values): { model: Model } | { error: Said; attribute?: string } {
  const b = new GraphBuilder({ opset: 17, name: `worked_${op.toLowerCase()}`, producerName: 'modelpress formula' });
  if (op === 'Conv') {
    const kh = v.kh ?? v.k;
    const kw = v.kw ?? v.k;
    if (kh === undefined || kw === undefined) return { error: phrase('diag.formula.kernel'), attribute: 'op' };
    const groups = v.groups ?? 1;
    if (v.cin! % groups !== 0 || v.cout! % groups !== 0)
      return { error: phrase('diag.formula.groups', { groups, cin: v.cin!, cout: v.cout! }), attribute: 'groups' };
    const big = tooLarge(op, [v.cout!, v.cin! / groups, kh, kw], 'cin');
    if (big) return big;
    // h and w are the output size: a valid (unpadded) window over an input of h+kh−1 × w+kw−1.
    const x = b.input('X', 'float32', [v.n ?? 1, v.cin!, v.h! + kh - 1, v.w! + kw - 1]);
    const weight = b.weight('W', [v.cout!, v.cin! / groups, kh, kw]);
    const inputs = [x, weight];
    if (v.bias) inputs.push(b.weight('B', [v.cout!], 'zeros'));
    b.output(b.op('Conv', inputs, { kernel_shape: [kh, kw], group: groups }, '/Conv'), 'float32');
  } else {
    const big = tooLarge(op, [v.k!, v.n!], 'k');
    if (big) return big;
    const a = b.input('A', 'float32', [v.m!, v.k!]);
    const weight = b.weight('B', [v.k!, v.n!]);
    const inputs = [a, weight];
    if (op === 'Gemm' && v.bias) inputs.push(b.weight('C', [v.n!], 'zeros'));
    b.output(b.op(op, inputs, {}, `/${op}`), 'float32');
  }
  return { model: b.build() };
}

function resultOf(profileNode: { macs: number; flops: number }, convention: Convention): { value: number; quantity: string } {
  return MAC_CONVENTIONS.includes(convention) ? { value: profileNode.macs, quantity: 'MACs' } : { value: profileNode.flops, quantity: 'FLOPs' };
}

async function renderFormulaDirective(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  if (node.type === 'textDirective') {
    report(file, node, phrase('diag.block', { directive: '::formula' }), 'bad-attribute');
    return showError(node, file, phrase('diag.ownLine', { directive: '::formula' }), 'bad-attribute');
  }
  const { ok, values, problems } = readAttributes(node, file, formulaAttributes);
  if (!ok) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const convention = values.convention ?? state.settings.convention;
  let use: FormulaUse | undefined;
  let counted: { macs: number; flops: number } | undefined;
  let prov: Provenance | undefined;
  const given: Record<string, string> = {};

  if (values.op !== undefined) {
    if (values.model !== undefined || values.node !== undefined) {
      report(file, node, phrase('diag.formula.mixed'), 'bad-attribute', values.model !== undefined ? 'model' : 'node');
      return showError(node, file, phrase('diag.formula.mixedShort'), 'bad-attribute');
    }
    const op = values.op;
    const attrs = Object.keys(node.attributes ?? {}).filter((a) => !['id', 'op', 'convention'].includes(a));
    const stray = attrs.filter((a) => !ALLOWED[op].includes(a));
    const missing = NEEDS[op].filter((a) => (values as Record<string, unknown>)[a] === undefined);
    for (const a of stray) report(file, node, phrase('diag.formula.stray', { op, name: a, allowed: ALLOWED[op].join(', ') }), 'unknown-attribute', a);
    if (missing.length > 0)
      report(
        file,
        node,
        phrase('diag.formula.missing', { op, missing: missing.map((a) => `${a}=…`).join(' '), allowed: ALLOWED[op].join(', ') }),
        'missing-attribute',
        'op',
      );
    if (stray.length > 0 || missing.length > 0) return showError(node, file, phrase('diag.formula.incomplete', { op }), 'missing-attribute');
    const built = workedExample(op, values);
    if ('error' in built) {
      report(file, node, built.error, 'bad-attribute', built.attribute);
      return showError(node, file, built.error, 'bad-attribute');
    }
    let profile: Profile;
    try {
      profile = profileModel(built.model, { convention });
    } catch (err) {
      const reason = phrase('diag.formula.cannotCount', { op, reason: (err as Error).message });
      report(file, node, reason, 'analysis');
      return showError(node, file, reason, 'analysis');
    }
    const only = profile.nodes.find((n) => n.opType === op)!;
    use = only.formula;
    counted = only;
    for (const a of attrs) given[a] = node.attributes![a] ?? '';
  } else {
    if (values.model === undefined || values.node === undefined) {
      report(file, node, phrase('diag.formula.needs'), 'missing-attribute');
      return showError(node, file, phrase('diag.formula.needsShort'), 'missing-attribute');
    }
    const one = await profileOne(state, file, node, values.model, values.input, convention);
    if (!one) return;
    const { model, point, profile } = one;
    const found = profile.nodes.find((n) => n.name === values.node);
    if (!found) {
      // Suggestions are nodes whose formula shows arithmetic (an Identity's costs nothing), nearest first.
      const withFormula = profile.nodes.filter((n) => n.formula);
      const working = withFormula.filter((n) => n.flops > 0 || n.macs > 0);
      const names = (working.length ? working : withFormula).map((n) => n.name);
      const nearest = nearestNames(values.node, names, 5);
      const reason = phrase('diag.formula.noNode', {
        id: model.id,
        node: values.node,
        suggestion: suggestion(values.node, names),
        nearest: nearest.join(', '),
        of: names.length > 5 ? phrase('diag.formula.ofCount', { count: names.length }) : '',
      });
      report(file, node, reason, 'unknown-node', 'node');
      return showError(node, file, reason, 'unknown-node');
    }
    if (!found.formula) {
      const reason = phrase('diag.formula.noFormula', {
        node: found.name,
        op: found.opType,
        why: phrase(found.counted ? 'diag.formula.free' : 'diag.formula.noRule'),
      });
      report(file, node, reason, 'unknown-node', 'node');
      return showError(node, file, reason, 'unknown-node');
    }
    use = found.formula;
    counted = found;
    prov = provenance(state, model, point, profile);
  }

  if (!use || !counted) {
    const reason = phrase('diag.formula.noRuleFormula');
    report(file, node, reason, 'analysis');
    return showError(node, file, reason, 'analysis');
  }
  const { value, quantity } = resultOf(counted, convention);
  let latex;
  try {
    latex = renderFormula(use, value, {
      templateDirs: [state.baseDir],
      quantity,
      format: resolveFormat(state.settings.format),
      messages: stateMessages(state),
    });
  } catch (err) {
    const reason =
      err instanceof TemplateError
        ? phrase('diag.formula.template', { reason: err.message })
        : phrase('diag.formula.cannotRender', { reason: (err as Error).message });
    report(file, node, reason, 'template-error');
    return showError(node, file, reason, 'template-error');
  }
  const number = numberOf(node);
  // The `with C_in = 3, …` row is set as prose under the formula, so it wraps on a narrow page.
  const { math: display, where } = splitWhereRow(latex.display, stateMessages(state));
  const math: Element = h('div', { className: ['math', 'math-display'] }, display);
  // Position lets a KaTeX error in the template be reported at the directive.
  math.position = node.position;
  const children: Element[] = [math];
  if (number !== undefined) children.push(h('span', { className: ['mp-equation-number'] }, `(${number})`));
  const formula = h('div', { className: ['mp-formula'], id: values.id, dataTemplate: latex.source }, children);
  if (where) {
    const parts: (Element | string)[] = [stateMessages(state).t('formula.with')];
    where.forEach((w, i) => {
      if (i > 0) parts.push(', ');
      const m = h('span', { className: ['math', 'math-inline'] }, w);
      m.position = node.position;
      parts.push(m);
    });
    replaceWith(node, h('div', { className: ['mp-formula-block'] }, [formula, h('p', { className: ['mp-formula-where'] }, parts)]));
  } else replaceWith(node, formula);
  const collected = {
    id: values.id,
    number,
    model: values.model,
    node: values.node,
    op: values.op,
    given: values.op ? given : undefined,
    formula: use,
    latex,
    value,
    provenance: prov,
  };
  state.data.formulas.push(collected);
  setOutput(node, { kind: 'formula', formula: collected, display, where });
}
