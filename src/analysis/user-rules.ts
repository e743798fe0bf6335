/**
 * User rules for custom operators (docs/custom-ops.md), like fvcore's `set_op_handle`: a small ES
 * module exports `rules`, each naming its domain and op types, a shape rule and a cost per counting
 * convention. They take precedence over the built-in op table for the ops they name.
 *
 *   export const rules = [{
 *     domain: 'com.example', ops: ['FusedGelu'],
 *     infer: (ctx) => [{ dtype: ctx.inputs[0].dtype, shape: ctx.inputs[0].shape }],
 *     cost: { exact: (ctx) => ({ macs: 0, flops: 8 * n(ctx) }), fvcore: () => null },
 *   }];
 *
 * `cost` is the OpRule contract — a function (ctx, convention) — or an object with one function per
 * convention; a convention it leaves out uses its `exact` entry.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { detachedContext } from './context.js';
import { AnalysisError, type CostContext, type CostEntry, type Convention, CONVENTIONS, type NodeContext, type OpRule, type ValueFacts } from './types.js';

/** A rule module that cannot be used: names the file and the rule. */
export class RuleModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleModuleError';
  }
}

type CostFn = (ctx: CostContext, convention: Convention) => CostEntry | null;

const isIndexList = (x: unknown): boolean => Array.isArray(x) && x.every((i) => Number.isSafeInteger(i) && i >= 0);

/** Check one exported rule and give it the OpRule shape. */
export function toOpRule(raw: unknown, where: string): OpRule {
  const fail = (what: string): never => {
    throw new RuleModuleError(`${where}: ${what}; see docs/custom-ops.md`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('a rule must be an object with ops, infer and cost');
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.ops) || r.ops.length === 0 || !r.ops.every((o) => typeof o === 'string' && o !== ''))
    fail('`ops` must be a non-empty list of op type names');
  if (r.domain !== undefined && typeof r.domain !== 'string') fail('`domain` must be a string (e.g. "com.example")');
  if (typeof r.infer !== 'function') fail('`infer(ctx)` must be a function returning the output facts [{ dtype, shape }]');
  let userCost: CostFn;
  if (typeof r.cost === 'function') {
    userCost = r.cost as CostFn;
  } else if (typeof r.cost === 'object' && r.cost !== null) {
    const table = r.cost as Record<string, unknown>;
    for (const k of Object.keys(table)) {
      if (!(CONVENTIONS as readonly string[]).includes(k)) fail(`cost.${k} is not a convention (use ${CONVENTIONS.join(', ')})`);
      if (typeof table[k] !== 'function') fail(`cost.${k} must be a function (ctx) => ({ macs, flops }) or null`);
    }
    if (typeof table.exact !== 'function') fail('cost.exact is required (conventions left out use it)');
    userCost = (ctx, convention) => ((table[convention] ?? table.exact) as (ctx: CostContext) => CostEntry | null)(ctx);
  } else {
    return fail('`cost` must be a function (ctx, convention) or an object with a function per convention');
  }
  // The engine's contexts keep their methods on the prototype; a user's rule may take them apart.
  const cost: CostFn = (ctx, convention) => userCost(detachedContext(ctx), convention);
  for (const k of ['weightInputs', 'nonParamInputs'] as const) {
    if (r[k] !== undefined && !isIndexList(r[k])) fail(`\`${k}\` must be a list of input indices`);
  }
  if (r.weightParams !== undefined && typeof r.weightParams !== 'function')
    fail('`weightParams(ctx, input)` must be a function returning the parameters a weight input stands for');
  return {
    ops: r.ops as string[],
    domain: (r.domain as string | undefined) ?? '',
    infer: (ctx: NodeContext): ValueFacts[] => {
      const out = (r.infer as (ctx: NodeContext) => unknown)(detachedContext(ctx));
      if (!Array.isArray(out) || !out.every((f) => typeof f === 'object' && f !== null)) {
        throw new AnalysisError(
          `the rule of ${where} returned ${JSON.stringify(out) ?? String(out)} from infer(); it must return a list of output facts [{ dtype, shape }]`,
        );
      }
      return out as ValueFacts[];
    },
    cost,
    ...(r.weightInputs !== undefined ? { weightInputs: r.weightInputs as number[] } : {}),
    ...(r.nonParamInputs !== undefined ? { nonParamInputs: r.nonParamInputs as number[] } : {}),
    ...(r.weightParams !== undefined
      ? { weightParams: (ctx: NodeContext, i: number) => (r.weightParams as NonNullable<OpRule['weightParams']>)(detachedContext(ctx), i) }
      : {}),
  };
}

/** Import rule modules (paths relative to `cwd`) and check their exports. */
export async function loadRuleModules(files: readonly string[], cwd = process.cwd()): Promise<OpRule[]> {
  const out: OpRule[] = [];
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (err) {
      throw new RuleModuleError(`${file}: cannot load the rule module: ${err instanceof Error ? err.message : String(err)}`);
    }
    const list = mod.rules ?? (mod.default as Record<string, unknown> | undefined)?.rules;
    if (!Array.isArray(list)) throw new RuleModuleError(`${file}: the module must export \`rules\`, a list of op rules; see docs/custom-ops.md`);
    list.forEach((raw, i) => out.push(toOpRule(raw, `${file}: rules[${i}]`)));
  }
  return out;
}

const normDomain = (d: string): string => (d === 'ai.onnx' ? '' : d);

/** Index user rules by domain and op type (a later rule for the same op replaces an earlier one). */
export function userRuleTable(rules: readonly OpRule[]): Map<string, OpRule> {
  const table = new Map<string, OpRule>();
  for (const r of rules) for (const op of r.ops) table.set(`${normDomain(r.domain ?? '')}::${op}`, r);
  return table;
}

export const userRuleKey = (domain: string, opType: string): string => `${normDomain(domain)}::${opType}`;
