/**
 * A document on a KV-cache decoder: the zoo's llama_tiny bound by dims (`past_sequence_length=0`
 * included), prefill and decode side by side as a zipped sweep, with the decoder metrics. Counts only
 * (no benchmark). Expected, by hand (test/zoo/llama.test.ts): MACs per token at prefill 128 /
 * decode over 127: 3,866,624 + 4·8·128·64 = 4,128,768 (4.13 M); KV cache 2·4·2·32·128·4 = 262,144 B
 * (0.26 MB) at both points; 7B parameters 6,738,415,616.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/project/build.js';

const DOC = `---
title: Decoders
format:
  scale: { macs_per_token: M, kv_cache_bytes: M }
---
::model{#tiny zoo=llama_tiny input="batch=1,sequence_length={128,1},past_sequence_length={0,127}" label="llama_tiny"}
::model{#l7 zoo=llama2_7b_int4 input="batch=1,sequence_length=1,past_sequence_length=0" label="7B int4"}

The int4 7B model holds :metric{model=l7 name=params scale=""} parameters in :metric{model=l7 name=params_bytes scale=G}.

::table{#tbl-phases models="tiny" metrics="macs_per_token kv_cache_bytes arithmetic_intensity" caption="Prefill and decode"}
`;

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mp-decoder-'));
  mkdirSync(path.join(root, 'content'), { recursive: true });
  writeFileSync(path.join(root, 'content', 'llm.md'), DOC);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a decoder document', () => {
  it('tabulates prefill and decode side by side with per-token and KV-cache metrics', async () => {
    const result = await build({ cwd: root });
    const doc = result.documents[0]!;
    expect(doc.file.messages.map((m) => m.reason)).toEqual([]);
    expect(result.exitCode).toBe(0);
    const html = readFileSync(path.join(root, 'output', 'llm.html'), 'utf8');
    expect(html).toContain(
      '<th scope="col" class="mp-num">MACs/token (M)</th><th scope="col" class="mp-num">KV cache (MB)</th><th scope="col" class="mp-num">Arithmetic intensity (FLOP/B)</th>',
    );
    expect(html).toMatch(
      /<th scope="row">llama_tiny<\/th><td class="mp-num">4\.13<\/td><td class="mp-num">0\.26<\/td><td class="mp-num">[\d.]+<\/td><td class="mp-num">4\.13<\/td><td class="mp-num">0\.26<\/td><td class="mp-num">0\.4\d<\/td>/,
    );
    expect(html).toContain('6,738,415,616');
    expect(html).toContain('3.98\u00a0GB');
    const data = JSON.parse(readFileSync(path.join(root, 'output', 'llm.data.json'), 'utf8'));
    const cells = data.tables[0].table.rows[0].cells.map((c: { value: number }) => c.value);
    expect(cells[0]).toBe(4_128_768);
    expect(cells[1]).toBe(262_144);
    expect(cells[3]).toBe(4_128_768);
    expect(cells[4]).toBe(262_144);
  });
});
