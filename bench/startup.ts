/**
 * Start-up benchmark (issue 13): `modelpress --help` and `modelpress profile` of a small model against
 * `node -e 0` (goal: within 2×), then `modelpress profile` of every zoo model against onnx-tool when it
 * is installed (python3 -c "import onnx_tool"), and always against the floor any Python ONNX profiler
 * pays before counting anything: starting Python, `import onnx` and `onnx.load` of the same file
 * (onnx-tool's model_profile begins with exactly that). Every command runs in a fresh process; rounds
 * are interleaved so all commands see the same machine load; medians are printed.
 *
 * Decoders are profiled at one decode step (batch 1, one token after 127 cached ones: every input's
 * dims bound so for onnx-tool too); the 7B ones are skipped, their 13.5 GB of external data being
 * what onnx.load would read.
 *
 * onnx-tool is not a Debian package and has no wheel here; it runs from its source (MIT, pure Python:
 * numpy, onnx, tabulate) put on PYTHONPATH, e.g. a checkout of github.com/ThanatosShinji/onnx-tool
 * with `apt-get install python3-onnx python3-tabulate`:
 *
 *   PYTHONPATH=/opt/onnx-tool PYTHON=/usr/bin/python3 npx tsx bench/startup.ts
 *
 *   npm run build && npx tsx bench/startup.ts [rounds=5] [zoo rounds=min(rounds, 3)]     (MODELS=a,b: only these zoo models)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../src/onnx/builder.js';
import { writeModel } from '../src/onnx/writer.js';
import { readModel } from '../src/onnx/reader.js';
import { ensureZooModel } from '../src/zoo/cache.js';
import { zoo } from '../src/zoo/registry.js';
import { cliOf, median, python, pythonImports } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.join(here, '.work', 'startup');
const cli = cliOf(path.join(here, '..', 'dist'));
const rounds = Number(process.argv[2] ?? 5);
const zooRounds = Number(process.argv[3] ?? Math.min(rounds, 3));
mkdirSync(work, { recursive: true });

function timeMs(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

// A small model: two convolutions and a classifier.
const small = path.join(work, 'small.onnx');
{
  const b = new GraphBuilder({ seed: 1 });
  const x = b.input('input', 'float32', [1, 3, 32, 32]);
  const c1 = b.op('Relu', [b.op('Conv', [x, b.weight('c1.w', [16, 3, 3, 3])], { pads: [1, 1, 1, 1] })]);
  const c2 = b.op('Relu', [b.op('Conv', [c1, b.weight('c2.w', [32, 16, 3, 3])], { pads: [1, 1, 1, 1] })]);
  const y = b.op('Gemm', [b.op('Flatten', [b.op('GlobalAveragePool', [c2])]), b.weight('fc.w', [10, 32])], { transB: 1 });
  b.output(y, 'float32', [1, 10]);
  writeModel(b.build(), small);
}

const startup: Record<string, [string, string[]]> = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'modelpress --help': [process.execPath, [cli, '--help']],
  'modelpress profile small.onnx': [process.execPath, [cli, 'profile', small]],
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(startup).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, [cmd, args]] of Object.entries(startup)) times[k]!.push(timeMs(cmd, args));
console.log(
  `load: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (1/5/15 min), ${os.cpus().length} CPUs; ${rounds} interleaved rounds, medians`,
);
const base = median(times['node -e 0']!);
for (const k of Object.keys(startup)) {
  const m = median(times[k]!);
  console.log(`${k.padEnd(32)} ${m.toFixed(0).padStart(6)} ms  ${(m / base).toFixed(2)}× node -e 0${k === 'node -e 0' ? '' : ' (goal ≤ 2×)'}`);
}

// Every zoo model: modelpress profile vs onnx-tool (if installed) and vs the Python load floor.
const hasOnnx = pythonImports('onnx');
const hasOnnxTool = hasOnnx && pythonImports('onnx_tool');
if (!hasOnnx) {
  console.log(`\n${python} cannot import onnx: no Python comparison (install python3-onnx)`);
  process.exit(0);
}
console.log(`\nprofile of each zoo model (${zooRounds} interleaved rounds, medians); floor = ${python} -c "import onnx; onnx.load(file)"`);
if (!hasOnnxTool) console.log('onnx-tool is not installed (no pip index or wheel here): compared with the floor it cannot go below');
/** The slowest ratio to onnx-tool (models it profiles) and to the floor (every model), with the model. */
let slowestTool: { ratio: number; model: string } | undefined;
let slowestFloor: { ratio: number; model: string } | undefined;
/** Models onnx-tool could not profile: compared with the floor only. */
const toolFailed: string[] = [];
/** A decoder step as bench/llm-decode.ts takes it: one new token after 127 cached ones. */
const DECODE_DIMS: Record<string, number> = { batch: 1, sequence_length: 1, past_sequence_length: 127, total_sequence_length: 128 };
const NUMPY_DTYPES: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 10: 'float16' };

/** onnx-tool's dynamic_shapes for every graph input, dims bound as `--input` binds them (Python source). */
function pythonShapes(file: string, dims: (d: string | number) => number): string {
  const inputs = readModel(file).graph.inputs.map((i) => {
    const t = i.type;
    if (t?.kind !== 'tensor' || t.shape === undefined || NUMPY_DTYPES[t.elemType] === undefined)
      throw new Error(`${file}: input '${i.name}' is not a plain tensor`);
    const shape = t.shape.map((d) => dims(d ?? ''));
    return `${JSON.stringify(i.name)}: numpy.zeros((${shape.join(', ')}${shape.length === 1 ? ',' : ''}), dtype=numpy.${NUMPY_DTYPES[t.elemType]})`;
  });
  return `{${inputs.join(', ')}}`;
}

// MODELS=a,b,… limits the zoo part to those models.
const only = process.env.MODELS?.split(',');
for (const entry of zoo.filter((e) => only === undefined || only.includes(e.name))) {
  // The 7B decoders' 13.5 GB of (sparse) external data: onnx.load and onnx-tool read it whole into memory.
  if (entry.write) {
    console.log(`${entry.name.padEnd(26)} skipped: 13.5 GB of external data, which onnx.load reads whole (modelpress reads its dims only)`);
    continue;
  }
  const file = ensureZooModel({ name: entry.name, seed: 1 }, work).path;
  const decoder = entry.family === 'Llama';
  const shape = decoder
    ? 'batch=1,sequence_length=1,past_sequence_length=127'
    : entry.input.name === 'input'
      ? entry.input.shape.map((d) => (typeof d === 'number' ? d : 1)).join('x')
      : '1x128';
  const cmds: Record<string, [string, string[]]> = {
    modelpress: [process.execPath, [cli, 'profile', file, '--input', shape]],
    floor: [python, ['-c', `import onnx; onnx.load(${JSON.stringify(file)})`]],
  };
  if (hasOnnxTool) {
    const named = (d: string | number): number => (typeof d === 'number' ? d : (DECODE_DIMS[d] ?? 1));
    const inputs = decoder
      ? `, dynamic_shapes=${pythonShapes(file, named)}`
      : entry.input.name === 'input'
        ? `, dynamic_shapes={'input': numpy.zeros((${shape.replace(/x/g, ', ')}), dtype=numpy.float32)}`
        : `, dynamic_shapes={'input_ids': numpy.zeros((1, 128), dtype=numpy.int64)}`;
    // model_profile(file, dynamic_shapes=…) is the call of onnx-tool 0.9 and of 1.0 alike; it prints its per-node table, as profile prints its tree.
    const source = `import numpy, onnx_tool; onnx_tool.model_profile(${JSON.stringify(file)}${inputs})`;
    // An op onnx-tool has no shape rule for (com.microsoft's fused attention, MatMulNBits) fails it: said, and compared with the floor.
    const probe = spawnSync(python, ['-c', source], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (probe.status === 0) cmds['onnx-tool'] = [python, ['-c', source]];
    else {
      toolFailed.push(entry.name);
      console.log(`${entry.name.padEnd(26)} onnx-tool fails: ${(probe.stderr.trim().split('\n').at(-1) ?? '').slice(0, 120)}`);
    }
  }
  const t: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < zooRounds; i++) for (const [k, [cmd, args]] of Object.entries(cmds)) t[k]!.push(timeMs(cmd, args));
  const mp = median(t.modelpress!);
  const floor = median(t.floor!);
  const tool = t['onnx-tool'] ? median(t['onnx-tool']) : undefined;
  if (tool !== undefined && (slowestTool === undefined || mp / tool > slowestTool.ratio)) slowestTool = { ratio: mp / tool, model: entry.name };
  if (slowestFloor === undefined || mp / floor > slowestFloor.ratio) slowestFloor = { ratio: mp / floor, model: entry.name };
  console.log(
    `${entry.name.padEnd(26)} modelpress ${mp.toFixed(0).padStart(5)} ms  floor ${floor.toFixed(0).padStart(5)} ms  ${(mp / floor).toFixed(2)}× floor` +
      (tool !== undefined ? `  onnx-tool ${tool.toFixed(0).padStart(5)} ms  ${(mp / tool).toFixed(2)}× onnx-tool` : ''),
  );
}
// Kept apart: a model onnx-tool cannot profile has no onnx-tool time, and its floor ratio is not one to onnx-tool.
const shown = (r: { ratio: number; model: string } | undefined): string => (r === undefined ? 'none' : `${r.ratio.toFixed(2)}× (${r.model})`);
if (hasOnnxTool) console.log(`slowest ratio to onnx-tool, on the models it profiles: ${shown(slowestTool)} (goal < 1× on every model)`);
console.log(
  `slowest ratio to the floor (Python, import onnx, onnx.load alone) on every model: ${shown(slowestFloor)}${hasOnnxTool ? '' : ' (below 1×, faster than any Python profiler could be)'}`,
);
if (toolFailed.length > 0) console.log(`onnx-tool could not profile ${toolFailed.join(', ')}: those models have only the floor's ratio`);
