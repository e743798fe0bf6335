/**
 * `modelpress profile <model.onnx>`: params, MACs, FLOPs, activation memory and depth of a model, as a
 * module tree with layer kinds, shapes and percentages (src/cli/profile-view.ts: table, CSV or Markdown)
 * or as the Profile JSON (docs/profile-json.md).
 * Exit codes: 0 ok, 1 model errors, 2 usage errors (including input shapes that do not bind).
 */
import { type Command, Option } from 'commander';
import { InputBindingError } from '../analysis/bind.js';
import { AnalysisError, type Convention, CONVENTIONS } from '../analysis/types.js';
import { ModelLoadError } from '../onnx/errors.js';
// The analysis and the reader are imported when the command runs, so `modelpress --help` and the
// other commands never load them.
// onnxruntime-node is loaded only when --shapes runtime needs it (a machine without it still profiles and builds --frozen).
type ShapeCapture = typeof import('../runtime/shape-capture.js');
import { loadRuleModules, RuleModuleError } from '../analysis/user-rules.js';
import { renderProfileView, type Units, type ViewFormat } from './profile-view.js';

interface ProfileFlags {
  input?: string[];
  convention: Convention;
  shapes: 'static' | 'runtime';
  depth: string;
  top?: string;
  json?: boolean;
  format: ViewFormat | 'json';
  units: Units;
  params?: boolean;
  dedupe?: boolean;
  rules?: string[];
}

class UsageError extends Error {}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} expects a whole number, got '${text}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('profile')
    .description('count params, MACs, FLOPs, activation memory and depth of an ONNX model')
    .argument('<model>', 'the .onnx file')
    .option('--input <shapes...>', 'input shapes: name=1x3x224x224[,name=…] or a bare 1x3x224x224 for a single-input model')
    .addOption(new Option('--convention <name>', 'counting convention').choices([...CONVENTIONS]).default('exact'))
    .addOption(
      new Option('--shapes <source>', 'where shapes come from: static inference or one onnxruntime run').choices(['static', 'runtime']).default('static'),
    )
    .option('--depth <n>', 'module tree levels to show', '3')
    .option('--top <k>', 'also list the k heaviest op types and nodes')
    .option('--json', 'print the Profile as JSON (docs/profile-json.md); the same as --format json')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json', 'markdown']).default('table'))
    .addOption(
      new Option('--units <system>', 'byte units: decimal SI (KB = 10³ B, MB, as documents print) or binary (KiB, MiB)')
        .choices(['si', 'binary'])
        .default('si'),
    )
    .option('--params', 'also list every parameter and buffer tensor with its shape and owner')
    .option('--rules <modules...>', 'ES modules exporting `rules` for custom operators (docs/custom-ops.md)')
    .option('--dedupe', 'hash parameter tensors and also report params with copies (or transposed copies) counted once')
    .action(async (modelPath: string, flags: ProfileFlags) => {
      process.exitCode = await runProfile(modelPath, flags);
    });
}

async function runProfile(modelPath: string, flags: ProfileFlags): Promise<number> {
  let capture: ShapeCapture | undefined;
  const [{ analyzeModel, profileModel }, { readModel }] = await Promise.all([import('../analysis/profile.js'), import('../onnx/reader.js')]);
  try {
    const depth = positiveInt(flags.depth, '--depth');
    const top = flags.top === undefined ? 0 : positiveInt(flags.top, '--top');
    const model = readModel(modelPath);
    // Only the JSON carries the file's sha256 (the terminal view does not show it), so only --json
    // reads every weight byte; the hash is remembered by (path, size, mtime) under
    // .modelpress/cache, so re-profiling an unchanged 500 MB model does not read them again.
    const format = flags.json ? 'json' : flags.format;
    const sha256 = format === 'json' ? (await import('../cache/file-hash.js')).projectSha256(modelPath) : undefined;
    let runtimeShapes: Map<string, number[]> | undefined;
    if (flags.shapes === 'runtime') {
      const { binding } = analyzeModel(model, { inputs: flags.input });
      capture = await import('../runtime/shape-capture.js');
      runtimeShapes = await capture.captureShapes(model, binding.inputs);
    }
    const rules = flags.rules ? await loadRuleModules(flags.rules) : undefined;
    const profile = profileModel(model, { inputs: flags.input, convention: flags.convention, dedupe: flags.dedupe, sha256, runtimeShapes, rules });
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify(profile, null, 2)}\n`
        : renderProfileView(profile, format, { depth, top, units: flags.units, params: flags.params ?? false }),
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputBindingError || err instanceof RuleModuleError) {
      process.stderr.write(`modelpress profile: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ModelLoadError || (capture !== undefined && err instanceof capture.ShapeCaptureError)) {
      process.stderr.write(`modelpress profile: ${err.message}\n`);
      return 1;
    }
    if (err instanceof AnalysisError) {
      // Analysis errors name the node; the file is said here.
      process.stderr.write(`modelpress profile: ${modelPath}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
