/**
 * Seeded fuzzing shared by the suite's bounded fuzz test and bench/fuzz.ts (issue 19).
 *
 * ONNX: tiny seed models (plain ones, and the hostile ones of hostile-models.ts, including external
 * data that points at a sentinel file outside the model's folder) are serialized and mutated byte-wise
 * (flips, varints made huge or negative, insertions, deletions, truncations, duplicated and spliced
 * regions). Each case runs in a child process (`fuzz-child.ts`) with a small heap, so a native abort
 * or heap exhaustion is a detected failure, not a dead test runner.
 *
 * Markdown: documents assembled from directive snippets, front matter and prose, then mutated
 * (quotes and braces dropped, numbers made huge, names made long, YAML aliases and nestings added).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { seededRandom } from '../../src/onnx/random.js';
import type { Model } from '../../src/onnx/model.js';
import { readModelBytes } from '../../src/onnx/reader.js';
import { serializeModel } from '../../src/onnx/writer.js';
import * as H from './hostile-models.js';
import { TSX } from '../helpers/cli-child.js';

export type Rand = () => number;

export const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!;

// ------------------------------------------------------------------------------------------- ONNX

function convNet(): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', ['batch', 3, 8, 8]);
  const w = b.weight('conv.weight', [4, 3, 3, 3]);
  const c = b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/conv/Conv');
  const r = b.op('Relu', [c], {}, '/act/Relu');
  const p = b.op('AveragePool', [r], { kernel_shape: [2, 2], strides: [2, 2] }, '/pool/AveragePool');
  const f = b.op('Flatten', [p], {}, '/Flatten');
  const fc = b.weight('fc.weight', [64, 10]);
  b.output(b.op('MatMul', [f, fc], {}, '/fc/MatMul'));
  return b.build();
}

function shapeNet(): Model {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', 'float32', [2, 3, 4]);
  const s = b.op('Shape', [x]);
  const g = b.op('Gather', [s, b.int64s('idx', [0, 2])], { axis: 0 });
  const c = b.op('ConstantOfShape', [g], { value: H.valueTensor() });
  const shape = b.int64s('target', [4, -1]);
  const r = b.op('Reshape', [x, shape]);
  const t = b.op('Tile', [c, b.int64s('reps', [2, 1])]);
  const e = b.op('Expand', [r, b.int64s('to', [2, 4, 6])]);
  const sp = b.op('Slice', [e, b.int64s('st', [0]), b.int64s('en', [1]), b.int64s('ax', [1])]);
  b.output(t);
  b.output(sp);
  return b.build();
}

function gemmNet(): Model {
  const b = new GraphBuilder({ opset: 13 });
  const a = b.input('a', 'float32', ['n', 4]);
  const w = b.weight('w', [5, 4]);
  const y = b.op('Gemm', [a, w, b.weight('bias', [5], 'zeros')], { transB: 1 }, '/fc/Gemm');
  const sm = b.op('Softmax', [y], { axis: 1 });
  const [top] = b.node('TopK', [sm, b.int64s('k', [2])], { axis: 1 }, { outputs: 2 });
  b.output(top!);
  return b.build();
}

/** The seed corpus: serialized models the mutations start from. */
export function onnxSeeds(): Buffer[] {
  const models: Model[] = [
    convNet(),
    shapeNet(),
    gemmNet(),
    H.externalInFunction('../sentinel.bin'),
    H.externalInFunction('sentinel.bin'),
    H.externalHidden('if-branch', '../sentinel.bin'),
    H.externalHidden('sparse-initializer', '../sentinel.bin'),
    H.externalHidden('tensors-attr', '../sentinel.bin'),
    H.externalHidden('function-default', '../sentinel.bin'),
    H.hugeShapeOperand('Reshape', 3),
    H.hugeShapeOperand('ConstantOfShape', 2),
    H.hugePadsPool(1),
    H.nestedIf(3),
    H.deepScopeName(5),
    H.functionBomb(3),
    H.declaredInput([2, 3]),
    H.leakViaShape('sentinel.bin'),
  ];
  return [...models.map((m) => serializeModel(m)), H.nestedIfBytes(4), H.nestedSequenceBytes(4)];
}

/** A varint of `value` (two's complement for negatives), for overwriting a field's value. */
function varint(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const INTERESTING = [0n, 1n, -1n, 127n, 128n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), 10n ** 12n, 4096n, 65536n];

/** One mutated copy of `seed` (1 to 4 mutations). */
export function mutateOnnx(seed: Buffer, rand: Rand, other?: Buffer): Buffer {
  let b = [...seed];
  const rounds = 1 + int(rand, 4);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    const at = int(rand, b.length);
    switch (int(rand, 8)) {
      case 0: // flip bits
        b[at] = b[at]! ^ (1 << int(rand, 8));
        break;
      case 1: // random byte
        b[at] = int(rand, 256);
        break;
      case 2: {
        // replace a varint-looking run with an interesting value
        let end = at;
        while (end < b.length && (b[end]! & 0x80) !== 0 && end - at < 9) end++;
        b.splice(at, end - at + 1, ...varint(pick(rand, INTERESTING)));
        break;
      }
      case 3: // insert random bytes
        b.splice(at, 0, ...Array.from({ length: 1 + int(rand, 8) }, () => int(rand, 256)));
        break;
      case 4: // delete a run
        b.splice(at, 1 + int(rand, 16));
        break;
      case 5: // truncate
        b = b.slice(0, at);
        break;
      case 6: {
        // duplicate a region
        const len = 1 + int(rand, 64);
        b.splice(int(rand, b.length), 0, ...b.slice(at, at + len));
        break;
      }
      case 7: {
        // splice in part of another seed
        const src = other ?? seed;
        const from = int(rand, src.length);
        b.splice(at, int(rand, 32), ...src.subarray(from, from + 1 + int(rand, 96)));
        break;
      }
    }
  }
  return Buffer.from(b);
}

const OPS = [
  'Reshape',
  'Tile',
  'Expand',
  'ConstantOfShape',
  'Slice',
  'Pad',
  'Resize',
  'AveragePool',
  'MaxPool',
  'LpPool',
  'Conv',
  'ConvTranspose',
  'Gather',
  'GatherElements',
  'GatherND',
  'ScatterND',
  'Split',
  'SplitToSequence',
  'Range',
  'TopK',
  'Concat',
  'Einsum',
  'NonZero',
  'OneHot',
  'Unsqueeze',
  'Squeeze',
  'Transpose',
  'CumSum',
  'Compress',
  'ReduceSum',
  'ReduceMean',
  'MatMul',
  'Gemm',
  'Softmax',
  'LSTM',
  'GRU',
  'RNN',
  'Flatten',
  'Shape',
  'Size',
  'Cast',
  'Where',
  'Add',
  'Mul',
  'Identity',
  'Dropout',
  'EyeLike',
  'Trilu',
  'DepthToSpace',
  'SpaceToDepth',
  'BatchNormalization',
  'LayerNormalization',
  'InstanceNormalization',
  'GroupNormalization',
  'Upsample',
  'RoiAlign',
  'MaxUnpool',
  'SequenceConstruct',
  'SequenceAt',
  'ConcatFromSequence',
  'Loop',
  'If',
  'Scan',
  'Col2Im',
  'DFT',
  'STFT',
  'Mod',
  'ArgMax',
  'QLinearConv',
];

const num = (rand: Rand): number => Number(pick(rand, INTERESTING)) * (rand() < 0.2 ? -1 : 1);

/**
 * A structural mutation: the file stays a valid protobuf and ONNX, but what it declares is hostile
 * (huge or negative dims and attributes, shape operands of absurd length, ops swapped or rewired), so
 * the analysis, not the reader, meets it.
 */
export function mutateStructure(m: Model, rand: Rand): Model {
  const g = m.graph;
  const values = [...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => n.outputs)];
  const rounds = 1 + int(rand, 3);
  for (let r = 0; r < rounds; r++) {
    const node = g.nodes.length > 0 ? pick(rand, g.nodes) : undefined;
    switch (int(rand, 8)) {
      case 0: {
        // an attribute's numbers made extreme
        const a = node?.attributes.find((x) => x.type === 'int' || x.type === 'ints');
        if (a?.type === 'int') a.value = num(rand);
        else if (a?.type === 'ints') a.value = a.value.map((v) => (rand() < 0.5 ? num(rand) : v));
        else
          node?.attributes.push({
            name: pick(rand, ['axis', 'pads', 'kernel_shape', 'strides', 'group', 'k', 'perm', 'dilations']),
            type: 'ints',
            value: [num(rand), num(rand)],
          });
        break;
      }
      case 1:
        if (node) node.opType = pick(rand, OPS);
        break;
      case 2:
        if (node && values.length > 0)
          node.inputs = node.inputs.map((i) => (rand() < 0.5 ? pick(rand, values) : i)).concat(rand() < 0.3 ? [pick(rand, values)] : []);
        break;
      case 3: {
        // a graph input's dims
        const i = g.inputs.length > 0 ? pick(rand, g.inputs) : undefined;
        if (i?.type?.kind === 'tensor' && i.type.shape) i.type.shape = i.type.shape.map((d) => (rand() < 0.5 ? num(rand) : d));
        else if (i?.type?.kind === 'tensor') i.type.elemType = int(rand, 26);
        break;
      }
      case 4: {
        // an initializer's dims or type, its bytes unchanged
        const t = g.initializers.length > 0 ? pick(rand, g.initializers) : undefined;
        if (t && rand() < 0.7) t.dims = rand() < 0.5 ? [num(rand)] : t.dims.map((d) => (rand() < 0.5 ? num(rand) : d));
        else if (t) t.dataType = int(rand, 26);
        break;
      }
      case 5: {
        // a new node reading existing values
        if (values.length === 0) break;
        const out = `fz${r}_${int(rand, 1e6)}`;
        g.nodes.push({
          name: `/fuzz/${out}`,
          opType: pick(rand, OPS),
          domain: '',
          inputs: Array.from({ length: 1 + int(rand, 3) }, () => pick(rand, values)),
          outputs: [out],
          attributes: [],
        });
        g.outputs.push({ name: out });
        break;
      }
      case 6: {
        // a shape operand of a declared absurd length
        const name = `fzs_${int(rand, 1e6)}`;
        g.inputs.push({ name, type: { kind: 'tensor', elemType: 7, shape: [num(rand)] } });
        if (node) node.inputs[1 + int(rand, 2)] = name;
        break;
      }
      case 7:
        if (node && g.nodes.length > 1) g.nodes.splice(g.nodes.indexOf(node), 1);
        break;
    }
  }
  return m;
}

/** Case `index` of a run seeded with `seed`: deterministic, so a failure is replayed from its numbers. */
export function onnxCase(seeds: Buffer[], seed: number, index: number): Buffer {
  const rand = seededRandom(seed * 1_000_003 + index);
  const base = seeds[index % seeds.length]!;
  // Every 17th case is an unmutated seed: the hostile models themselves stay in every run.
  if (index % 17 === 0) return base;
  // Half the cases mutate the structure (valid files declaring hostile things), half the bytes.
  if (index % 2 === 1) {
    try {
      return serializeModel(mutateStructure(readModelBytes(base), rand));
    } catch {
      // A seed the reader refuses, or a mutation the writer cannot encode: mutate its bytes instead.
    }
  }
  return mutateOnnx(base, rand, pick(rand, seeds));
}

/** What one ONNX case ended in, as the child reports it. */
export interface OnnxCaseResult {
  index: number;
  /** ok: profiled; refused: a clear error naming the file or node; bug: anything else. */
  outcome: 'ok' | 'refused' | 'bug';
  message?: string;
  runtime?: 'ok' | 'refused' | 'bug' | 'skipped';
  runtimeMessage?: string;
  ms: number;
  /** The case's output (profile JSON, runtime shapes, messages) contained the sentinel's bytes. */
  leaked?: boolean;
  /** An op rule threw something other than AnalysisError (contained: the node is uncounted). */
  ruleFailure?: string;
}

export interface OnnxRunSummary {
  cases: number;
  ok: number;
  refused: number;
  runtimeOk: number;
  runtimeRefused: number;
  runtimeRuns: number;
  bugs: OnnxCaseResult[];
  /** Children that died (native abort, heap limit) or hung, with the case they were in. */
  crashes: { index: number; reason: string }[];
  leaks: number[];
  /** Distinct rule failures (op: reason) with a count. */
  ruleFailures: Record<string, number>;
  /** Whether the sentinel file's access time moved (a read of it), checked after the run. */
  sentinelRead: boolean;
  slowest: { index: number; ms: number };
  wallMs: number;
}

export interface OnnxRunOptions {
  seed: number;
  cases: number;
  runtime: boolean;
  /** A folder the run owns: the sentinel lives here, the cases in a sub-folder. */
  dir: string;
  /** Cases per child process (default 250). */
  batch?: number;
  /** Heap limit of a child in MB (default 768). */
  heapMb?: number;
  /** A child that reports nothing for this long is killed as hung (default 60 s). */
  stallMs?: number;
  onProgress?: (done: number) => void;
}

function childCommand(): { command: string; args: string[] } {
  const script = fileURLToPath(new URL('./fuzz-child.ts', import.meta.url));
  return { command: process.execPath, args: ['--import', TSX, script] };
}

/** Run cases [start, end) in one child; resolves with its results and, if it died, where. */
function runChild(o: OnnxRunOptions, start: number, end: number, results: OnnxCaseResult[], crashes: OnnxRunSummary['crashes']): Promise<number> {
  const { command, args } = childCommand();
  return new Promise((resolve) => {
    const child = spawn(
      command,
      [`--max-old-space-size=${o.heapMb ?? 768}`, ...args, JSON.stringify({ seed: o.seed, start, end, runtime: o.runtime, dir: o.dir })],
      {
        cwd: o.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let current = start;
    let buffered = '';
    let stderr = '';
    let stalled = false;
    let timer = setTimeout(() => kill(), o.stallMs ?? 60_000);
    const kill = (): void => {
      stalled = true;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('begin ')) {
          current = Number(line.slice(6));
          clearTimeout(timer);
          timer = setTimeout(() => kill(), o.stallMs ?? 60_000);
        } else if (line.startsWith('{')) {
          const r = JSON.parse(line) as OnnxCaseResult;
          results.push(r);
          current = r.index + 1;
          o.onProgress?.(results.length);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && current >= end) return resolve(end);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      crashes.push({
        index: current,
        reason: stalled
          ? 'no progress within the stall limit (hang)'
          : `child ${signal ? `killed by ${signal}` : `exited with ${code}`}${tail ? `: ${tail}` : ''}`,
      });
      resolve(current + 1);
    });
  });
}

/** Run `cases` ONNX cases in child processes, `batch` at a time, and summarise. */
export async function runOnnxFuzz(o: OnnxRunOptions): Promise<OnnxRunSummary> {
  const t0 = Date.now();
  const results: OnnxCaseResult[] = [];
  const crashes: OnnxRunSummary['crashes'] = [];
  const batch = o.batch ?? 250;
  const { prepareSentinel, sentinelWasRead } = await import('./sentinel.js');
  const sentinel = prepareSentinel(o.dir);
  let next = 0;
  while (next < o.cases) {
    const end = Math.min(o.cases, next + batch);
    next = await runChild(o, next, end, results, crashes);
  }
  const slowest = results.reduce((m, r) => (r.ms > m.ms ? { index: r.index, ms: r.ms } : m), { index: -1, ms: 0 });
  return {
    cases: results.length + crashes.length,
    ok: results.filter((r) => r.outcome === 'ok').length,
    refused: results.filter((r) => r.outcome === 'refused').length,
    runtimeRuns: results.filter((r) => r.runtime !== undefined && r.runtime !== 'skipped').length,
    runtimeOk: results.filter((r) => r.runtime === 'ok').length,
    runtimeRefused: results.filter((r) => r.runtime === 'refused').length,
    bugs: results.filter((r) => r.outcome === 'bug' || r.runtime === 'bug'),
    crashes,
    leaks: results.filter((r) => r.leaked).map((r) => r.index),
    ruleFailures: results.reduce<Record<string, number>>((acc, r) => {
      if (r.ruleFailure) acc[r.ruleFailure] = (acc[r.ruleFailure] ?? 0) + 1;
      return acc;
    }, {}),
    sentinelRead: sentinelWasRead(sentinel),
    slowest,
    wallMs: Date.now() - t0,
  };
}

// --------------------------------------------------------------------------------------- Markdown

const METRICS = ['params', 'macs', 'flops', 'activations', 'depth', 'paramsbytes', 'nosuch', 'Params', 'mac'];
const NAMES = ['m', 'tiny', 'nosuch', 'M', 'm2'];

function snippet(rand: Rand): string {
  const name = pick(rand, NAMES);
  const metric = pick(rand, METRICS);
  const big = String(pick(rand, [1, 3, 7, 64, 1000, 100000, 2 ** 31, 2 ** 53, 1e21]));
  switch (int(rand, 14)) {
    case 0:
      return `::model{#${name} src="tiny.onnx" input="1x3"}`;
    case 1:
      return `::model{#${name} src="${pick(rand, ['missing.onnx', '../elsewhere.onnx', 'tiny.onnx', 'bad.onnx', 'sub/../tiny.onnx'])}"}`;
    case 2:
      return `::table{models="${name} m" metrics="${metric} macs" caption="Table ${big}"}`;
    case 3:
      return `The model has :metric{model=${name} name=${metric}} parameters.`;
    case 4:
      return `::formula{op=${pick(rand, ['Conv', 'Gemm', 'MatMul', 'Nope'])} cin=${big} cout=${big} k=${pick(rand, ['3', '7', big])} h=${big} w=${big}}`;
    case 5:
      return `::formula{op=Gemm m=${big} k=${big} n=${big}}`;
    case 6:
      return `::layers{model=${name} depth=${pick(rand, ['1', '2', big, '-1', 'x'])}}`;
    case 7:
      return `::ops{model=${name} top=${pick(rand, ['3', big, '0'])}}`;
    case 8:
      return `::chart{models="${name}" x=${metric} y=${pick(rand, ['macs', 'params', metric])}}`;
    case 9:
      return `See @tbl-${name} and @fig-${'x'.repeat(int(rand, 3) * 50)}.`;
    case 10:
      return `:metric{model=m name=${'q'.repeat(pick(rand, [10, 1000, 20000]))}}`;
    case 11:
      return `$$\n${pick(rand, ['x^2', '\\input{/etc/hostname}', '^^5cinput{x}', '\\frac{a}{b}', '\\csname input\\endcsname{x}'])}\n$$`;
    case 12:
      return `# Heading ${pick(rand, ['%', '\\', '{', '}', '#', '$', '^^M', '\n'])} text`;
    default:
      return `Plain text with ${pick(rand, ['*emphasis*', '`code`', '[link](http://x)', '16:9', 'a:b{c}', ':::'])}.`;
  }
}

function frontMatter(rand: Rand): string {
  switch (int(rand, 7)) {
    case 0:
      return '';
    case 1:
      return `---\ntitle: ${pick(rand, ['Plain', '"Evil\\n\\\\input{/etc/hostname}"', 'a % b', '{x'])}\n---\n`;
    case 2:
      return '---\na: &a [x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d]\n---\n';
    case 3:
      return `---\ntitle: *undefined_alias\n---\n`;
    case 4:
      return `---\nnest: ${'['.repeat(int(rand, 2) ? 1000 : 20)}${']'.repeat(int(rand, 2) ? 1000 : 20)}\n---\n`;
    case 5:
      return `---\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} v\n---\n`;
    default:
      return `---\nbatch: ${pick(rand, ['1', '-1', '1e309', 'x'])}\nconvention: ${pick(rand, ['exact', 'thop', 'nope'])}\n---\n`;
  }
}

/** Drop or add a quote, brace or bracket somewhere: the "broken directive" shapes. */
function breakText(text: string, rand: Rand): string {
  const at = int(rand, text.length + 1);
  switch (int(rand, 4)) {
    case 0: {
      const i = text.indexOf('"', at);
      return i < 0 ? text : text.slice(0, i) + text.slice(i + 1);
    }
    case 1: {
      const i = text.indexOf('}', at);
      return i < 0 ? text : text.slice(0, i) + text.slice(i + 1);
    }
    case 2:
      return text.slice(0, at) + pick(rand, ['{', '"', "'", '}', '::', '\n\n', '\u0000', '\r']) + text.slice(at);
    default:
      return text;
  }
}

/** Document `index` of a run seeded with `seed`. */
export function markdownCase(seed: number, index: number): string {
  const rand = seededRandom(seed * 7_919 + index);
  const parts = [frontMatter(rand), '::model{#m src="tiny.onnx" input="1x3"}\n'];
  const n = 2 + int(rand, 6);
  for (let i = 0; i < n; i++) parts.push(snippet(rand), '');
  let doc = parts.join('\n');
  const breaks = int(rand, 3);
  for (let i = 0; i < breaks; i++) doc = breakText(doc, rand);
  return doc;
}
