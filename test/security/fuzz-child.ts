/**
 * Child process of the ONNX fuzzer (fuzz-lib.ts): runs cases [start, end) of a seeded run, each as
 * `modelpress profile` would (read, bind with symbols at 1, profile; with `runtime`, one onnxruntime
 * run for the shapes first). Prints `begin <i>` before a case and one JSON result line after it, so
 * the parent knows which case a native abort or a hang happened in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputBindingError } from '../../src/analysis/bind.js';
import { analyzeModel, profileModel } from '../../src/analysis/profile.js';
import { AnalysisError } from '../../src/analysis/types.js';
import { ModelLoadError } from '../../src/onnx/errors.js';
import { readModel } from '../../src/onnx/reader.js';
import { captureShapes, ShapeCaptureError } from '../../src/runtime/shape-capture.js';
import { onnxCase, type OnnxCaseResult, onnxSeeds } from './fuzz-lib.js';
import { leakedIn } from './sentinel.js';

const job = JSON.parse(process.argv[2]!) as { seed: number; start: number; end: number; runtime: boolean; dir: string };
const caseDir = path.join(job.dir, 'case');
fs.mkdirSync(caseDir, { recursive: true });
const file = path.join(caseDir, 'model.onnx');
const seeds = onnxSeeds();

/** The error classes a hostile file may end in: each names the file (or the node, with the file said by the CLI). */
function classify(err: unknown): { outcome: 'refused' | 'bug'; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ModelLoadError) return { outcome: err.path === file ? 'refused' : 'bug', message };
  if (err instanceof ShapeCaptureError) return { outcome: message.startsWith(file) ? 'refused' : 'bug', message };
  if (err instanceof AnalysisError || err instanceof InputBindingError) return { outcome: 'refused', message };
  const where = err instanceof Error ? (err.stack ?? '').split('\n').slice(0, 3).join(' | ') : '';
  return { outcome: 'bug', message: `${err instanceof Error ? err.name : 'throw'}: ${message} ${where}` };
}

/** Every symbolic dim at 1 (the CLI would ask for --input; the fuzzer wants the analysis to run). */
function inputs(model: ReturnType<typeof readModel>): Map<string, number[]> {
  const init = new Set(model.graph.initializers.map((t) => t.name));
  const out = new Map<string, number[]>();
  for (const i of model.graph.inputs) {
    if (init.has(i.name) || i.type?.kind !== 'tensor' || !i.type.shape) continue;
    out.set(
      i.name,
      i.type.shape.map((d) => (typeof d === 'number' ? d : 1)),
    );
  }
  return out;
}

async function runCase(index: number): Promise<OnnxCaseResult> {
  const bytes = onnxCase(seeds, job.seed, index);
  fs.writeFileSync(file, bytes);
  const t0 = performance.now();
  const result: OnnxCaseResult = { index, outcome: 'ok', ms: 0 };
  let text = '';
  let model: ReturnType<typeof readModel> | undefined;
  try {
    model = readModel(file);
    const profile = profileModel(model, { inputs: inputs(model) });
    text += JSON.stringify(profile);
    // A rule that throws something other than AnalysisError is a rule bug the engine contains (the
    // node is listed as uncounted): not a crash, but worth seeing.
    const ruleBug = profile.uncounted.find((u) => u.reason.includes('rule failed:'));
    if (ruleBug) result.ruleFailure = `${ruleBug.opType}: ${ruleBug.reason}`.slice(0, 200);
  } catch (err) {
    const c = classify(err);
    result.outcome = c.outcome;
    result.message = c.message.slice(0, 300);
    text += c.message;
  }
  if (job.runtime) {
    if (model === undefined || result.outcome !== 'ok') {
      result.runtime = 'skipped';
    } else {
      try {
        const { binding } = analyzeModel(model, { inputs: inputs(model) });
        const shapes = await captureShapes(model, binding.inputs);
        text += JSON.stringify([...shapes]);
        text += JSON.stringify(profileModel(model, { inputs: inputs(model), runtimeShapes: shapes }));
        result.runtime = 'ok';
      } catch (err) {
        const c = classify(err);
        result.runtime = c.outcome;
        result.runtimeMessage = c.message.slice(0, 300);
        text += c.message;
      }
    }
  }
  result.ms = Math.round(performance.now() - t0);
  if (leakedIn(text)) result.leaked = true;
  return result;
}

async function main(): Promise<void> {
  for (let i = job.start; i < job.end; i++) {
    process.stdout.write(`begin ${i}\n`);
    const r = await runCase(i);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`fuzz child failed outside a case: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
