/**
 * The small fixture document of the export tests and the helpers that build it: two tiny models
 * whose every number is counted by hand, one comparison table, a sweep, inline metrics, a worked
 * formula, a labelled node formula, a chart, a Markdown table with LaTeX specials, and the
 * environment. Benchmarks run with tiny times (one process, 3 runs), so a build takes seconds.
 *
 * `conv.onnx`: x [N, 1, H, W] → Conv 3×3, 1→2 channels, padding 1, no bias → Relu → GlobalAveragePool.
 *   params = 2·1·3·3 = 18. At H×W, N = 1 (COUNTING.md):
 *     Conv FLOPs = (2·1·3² − 1)·2·H·W = 34·H·W, MACs = 2·H·W·9 = 18·H·W;
 *     Relu 1 FLOP per element = 2·H·W; GlobalAveragePool (H·W − 1) adds + 1 divide per channel = 2·H·W;
 *     total MACs 18·H·W, FLOPs 38·H·W → 6×6: MACs 648, FLOPs 1368; 8×8: MACs 1152, FLOPs 2432.
 * `gemm.onnx`: x [N, 4] → Gemm with W [4, 3] and bias [3] → [N, 3].
 *   params = 4·3 + 3 = 15; N = 1: MACs = 1·4·3 = 12, FLOPs = 1·3·(2·4) = 24 (bias adds included).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { VFile } from 'vfile';
import { createProcessor } from '../../src/document/pipeline.js';
import { documentState, type DocumentData } from '../../src/document/state.js';
import { toolVersion } from '../../src/cache/tool-version.js';
import { convModel, gemmModel, QUICK_BENCH } from '../document/models.js';
import { writeModel } from '../../src/onnx/writer.js';
import { renderPage } from '../../src/render/page.js';

export const FIXTURE_MD = `---
title: Tiny models & their costs
author: A. Tester
${QUICK_BENCH}format:
  scale: { params: '', macs: '', flops: '' }
  precision: { params: 0, macs: 0, flops: 0 }
---
# Tiny models & their costs

::model{#gemm src="models/gemm.onnx" input="1x4" label="Tiny-Gemm"}
::model{#conv src="models/conv.onnx" input="1x1x{6,8}x{6,8}" label="Tiny Conv"}

## Special characters: 50% of cost_total & #1 in $\\{x\\}$ {braces}

The Gemm has :metric{model=gemm name=params} and :metric{model=gemm name=macs}; see @tbl-small
and @tbl-sweep, @eq-node and @fig-cost. A price of \\$5 ~ 100 ^ 2. *Emphasis*, **strong**, \`code_x\` and [a link](https://example.org/a_b#c).

- first item with $a^2 + b^2$
- second item

::table{#tbl-small models="gemm" metrics="params macs flops latency throughput" caption="Small_table: 100% measured"}

::table{#tbl-sweep models="conv" metrics="params macs flops" caption="Conv sweep"}

::formula{op=Conv cin=3 cout=4 k=3 h=6 w=6 bias=false}

::formula{#eq-node model=conv node="/features/conv/Conv" input="1x1x6x6"}

$$
y = W x + b
$$

::chart{#fig-cost kind=scatter x=params y=macs models="gemm conv" caption="Params against MACs"}

| Model | Params (M) | Note |
| --- | ---: | --- |
| seed_a | 11.69 | typed & published |
| seed_b | 138.36 | 100% |

::environment
`;

/** Write the fixture project (Markdown + models) into `dir`; returns the Markdown file. */
export function writeFixture(dir: string): string {
  mkdirSync(path.join(dir, 'models'), { recursive: true });
  writeModel(convModel(), path.join(dir, 'models', 'conv.onnx'));
  writeModel(gemmModel(), path.join(dir, 'models', 'gemm.onnx'));
  const md = path.join(dir, 'tiny.md');
  writeFileSync(md, FIXTURE_MD);
  return md;
}

/** Run the document pipeline on a file and keep what the exporters read: the tree and the data. */
export async function renderWithTree(file: string, markdown: string, cacheDir: string): Promise<{ tree: Root; data: DocumentData; html: string; file: VFile }> {
  const vfile = new VFile({ value: markdown, path: file });
  const processor = createProcessor({ registryOptions: { cacheDir } });
  const tree = processor.parse(vfile);
  const hast = await processor.run(tree, vfile);
  const body = processor.stringify(hast as never, vfile);
  const state = documentState(vfile, {}, toolVersion());
  state.data.tool = toolVersion();
  state.data.source = vfile.path;
  state.registry.flush();
  const html = renderPage({ title: state.settings.title ?? 'fixture', body, assetsHref: 'assets' });
  return { tree, data: state.data, html, file: vfile };
}
