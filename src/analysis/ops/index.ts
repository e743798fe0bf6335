/**
 * The op table: every family's rules, indexed by domain and op type. Adding an op = adding or editing
 * one family file (and its test); this file only gathers them.
 */
import type { OpRule } from '../types.js';
import { rules as activation } from './activation.js';
import { rules as attention } from './attention.js';
import { rules as controlFlow } from './control-flow.js';
import { rules as conv } from './conv.js';
import { rules as elementwise } from './elementwise.js';
import { rules as gemm } from './gemm.js';
import { rules as indexing } from './indexing.js';
import { rules as misc } from './misc.js';
import { rules as norm } from './norm.js';
import { rules as pool } from './pool.js';
import { rules as quantization } from './quantization.js';
import { rules as recurrent } from './recurrent.js';
import { rules as reduce } from './reduce.js';
import { rules as resize } from './resize.js';
import { rules as rotary } from './rotary.js';
import { rules as sequence } from './sequence.js';
import { rules as shapeOps } from './shape-ops.js';
import { rules as softmax } from './softmax.js';

export const ALL_RULES: readonly OpRule[] = [
  ...conv,
  ...gemm,
  ...attention,
  ...norm,
  ...pool,
  ...softmax,
  ...recurrent,
  ...elementwise,
  ...activation,
  ...reduce,
  ...resize,
  ...shapeOps,
  ...indexing,
  ...controlFlow,
  ...sequence,
  ...misc,
  ...quantization,
  ...rotary,
];

const normDomain = (d: string): string => (d === 'ai.onnx' ? '' : d);

/** Rules by domain, then op type: a lookup per node without building a key string. */
const TABLE = new Map<string, Map<string, OpRule>>();
for (const rule of ALL_RULES) {
  const domain = normDomain(rule.domain ?? '');
  let ops = TABLE.get(domain);
  if (!ops) TABLE.set(domain, (ops = new Map()));
  for (const op of rule.ops) {
    if (ops.has(op)) throw new Error(`two rules claim op ${domain}::${op}`);
    ops.set(op, rule);
  }
}

/** The rule for an op, or undefined when no family covers it. */
export function ruleFor(domain: string, opType: string): OpRule | undefined {
  return TABLE.get(normDomain(domain))?.get(opType);
}
