/** What the measurement hub says: remedies for misses, refresh notices, how built models are named. */
import type { ExecutionProvider } from '../runtime/types.js';
import { english, phrase, type Said } from '../i18n/index.js';
import type { Failure, ModelSource, StoredBench } from './types.js';

/** A failure from what it says: its English reason and its words. */
export function failure(ruleId: Failure['ruleId'], said: Said): Failure {
  return { ruleId, reason: english(said), said };
}

/** A --frozen miss: how to make the result, or why a build without --frozen would not make it either. */
export function missAdvice(miss: Said, never: Said | undefined, remedy: Said): Said {
  return never ? phrase('diag.frozen.never', { miss, never }) : [miss, phrase('list.semicolon'), remedy];
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/**
 * What a `--refresh` should say: the latency moved by more than the CIs allow (the two 95% CIs do not
 * overlap), old → new with both CIs. Same model, same settings: only the machine's state changed.
 */
export function refreshNotices(id: string, input: string, before: StoredBench, after: StoredBench): string[] {
  const a = before.result;
  const b = after.result;
  if (a.status !== 'ok' || b.status !== 'ok') return [];
  const ciA = a.latencyCi95Ms ?? a.pooled.medianCi95Ms;
  const ciB = b.latencyCi95Ms ?? b.pooled.medianCi95Ms;
  if (ciA[1] >= ciB[0] && ciB[1] >= ciA[0]) return [];
  return [
    `--refresh changed the latency of model '${id}'${input ? ` at input ${input}` : ''} beyond its confidence intervals: ` +
      `${ms(a.latencyMedianMs)} ms (95% CI ${ms(ciA[0])}–${ms(ciA[1])}) → ${ms(b.latencyMedianMs)} ms (95% CI ${ms(ciB[0])}–${ms(ciB[1])}); ` +
      `same model and settings, so the machine changed (load, clock, other processes): check that it is idle and refresh again`,
  ];
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Shapes as the analysis and the runtime take them, with CLI wording turned into attribute wording. */
export function attributeWording(text: string): string {
  return text.replace(/--input /g, 'input=').replace(/--batch /g, 'batch=');
}

/** The commands that make a machine's missing result (docs/cluster.md). */
export function makeItOn(machine: string, provider: ExecutionProvider): Said {
  const flags = `--machine ${machine}${provider === 'cpu' ? '' : ` --provider ${provider}`}`;
  return phrase('diag.result.makeItOn', { flags });
}

/** How a built model is named in stored results: `zoo:resnet18`, `family:self_attention(n=128,d=64)`. */
export function sourceName(source: Exclude<ModelSource, { kind: 'file' }>): string {
  if (source.kind === 'zoo') return `zoo:${source.entry.name}`;
  return `family:${source.family.name}(${Object.entries(source.vars)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')})`;
}
