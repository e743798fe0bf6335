/**
 * Decoder facts of a profile: how many tokens one run processes (batch × sequence length of the
 * token-id input) and the bytes of the KV cache it returns (its `present*` outputs at the bound
 * lengths). The per-token and KV-cache metrics (src/render/metrics.ts) are built from these.
 */
import { byteSize, dtypeFromName } from '../onnx/dtypes.js';
import type { Profile } from './types.js';

const INTEGER_IDS = new Set(['int64', 'int32']);

export interface DecoderFacts {
  /** Tokens processed by one run: the element count of the token-id input. */
  tokens: number;
  /** Bytes of the cache the run hands on (every `present*` output); null when there is none. */
  kvCacheBytes: number | null;
}

/** The token-id input: `input_ids`, else the only rank-2 integer input. */
function tokenInput(p: Profile): Profile['inputs'][number] | undefined {
  const named = p.inputs.find((i) => i.name === 'input_ids');
  if (named) return named;
  const candidates = p.inputs.filter((i) => INTEGER_IDS.has(i.dtype) && i.shape.length === 2);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Facts of a token model, or undefined when the profile has no token-id input. */
export function decoderFacts(p: Profile): DecoderFacts | undefined {
  const ids = tokenInput(p);
  if (ids === undefined || !ids.shape.every((d) => typeof d === 'number')) return undefined;
  const tokens = (ids.shape as number[]).reduce((a, b) => a * b, 1);
  let kv: number | null = null;
  for (const o of p.outputs) {
    if (!/^present/.test(o.name)) continue;
    const code = dtypeFromName(o.dtype);
    if (o.shape === null || code === undefined || !o.shape.every((d) => typeof d === 'number')) return { tokens, kvCacheBytes: null };
    kv =
      (kv ?? 0) +
      byteSize(
        code,
        (o.shape as number[]).reduce((a, b) => a * b, 1),
      );
  }
  return { tokens, kvCacheBytes: kv };
}
