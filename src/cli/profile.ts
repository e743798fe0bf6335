/**
 * `modelpress profile <model.onnx>`: params, MACs, FLOPs, activation memory and depth of a model, as a
 * module tree with percentages (like fvcore's table) or as the Profile JSON (docs/profile-json.md).
 * Exit codes: 0 ok, 1 model errors, 2 usage errors (including input shapes that do not bind).
 */
import { Command, Option } from 'commander';
import { InputBindingError } from '../analysis/bind.js';
import { analyzeModel, profileModel } from '../analysis/profile.js';
import { AnalysisError, type Convention, CONVENTIONS, type ModuleTotals, type Profile } from '../analysis/types.js';
import { formatShape } from '../analysis/shapes.js';
import { ModelLoadError } from '../onnx/errors.js';
import { readModel } from '../onnx/reader.js';
import { projectFileHashes } from '../cache/file-hash.js';
import { captureShapes, ShapeCaptureError } from '../runtime/shape-capture.js';

interface ProfileFlags {
  input?: string[];
  convention: Convention;
  shapes: 'static' | 'runtime';
  depth: string;
  top?: string;
  json?: boolean;
  dedupe?: boolean;
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
    .addOption(new Option('--shapes <source>', 'where shapes come from: static inference or one onnxruntime run').choices(['static', 'runtime']).default('static'))
    .option('--depth <n>', 'module tree levels to show', '3')
    .option('--top <k>', 'also list the k heaviest op types and nodes')
    .option('--json', 'print the Profile as JSON (docs/profile-json.md)')
    .option('--dedupe', 'hash parameter tensors and also report params with copies (or transposed copies) counted once')
    .action(async (modelPath: string, flags: ProfileFlags) => {
      process.exitCode = await runProfile(modelPath, flags);
    });
}

async function runProfile(modelPath: string, flags: ProfileFlags): Promise<number> {
  try {
    const depth = positiveInt(flags.depth, '--depth');
    const top = flags.top === undefined ? 0 : positiveInt(flags.top, '--top');
    const model = readModel(modelPath);
    // Only the JSON carries the file's sha256 (the terminal view does not show it), so only --json
    // reads every weight byte; the hash is remembered by (path, size, mtime) under
    // .modelpress/cache, so re-profiling an unchanged 500 MB model does not read them again.
    const sha256 = flags.json ? fileSha256(modelPath) : undefined;
    let runtimeShapes: Map<string, number[]> | undefined;
    if (flags.shapes === 'runtime') {
      const { binding } = analyzeModel(model, { inputs: flags.input });
      runtimeShapes = await captureShapes(model, binding.inputs);
    }
    const profile = profileModel(model, { inputs: flags.input, convention: flags.convention, dedupe: flags.dedupe, sha256, runtimeShapes });
    process.stdout.write(flags.json ? `${JSON.stringify(profile, null, 2)}\n` : renderProfile(profile, { depth, top }));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputBindingError) {
      process.stderr.write(`modelpress profile: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ModelLoadError || err instanceof ShapeCaptureError) {
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

/** 11689512 → 11.69 M; keeps three significant figures above a thousand. */
export function formatCount(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, suffix] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${suffix}`;
  return String(n);
}

export function formatBytes(n: number): string {
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, suffix] of units) if (n >= scale) return `${(n / scale).toFixed(2)} ${suffix}`;
  return `${n} B`;
}

const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** The terminal view: header, module tree with percentages, totals, uncounted ops, optional top-k. */
export function renderProfile(p: Profile, options: { depth: number; top: number }): string {
  const lines: string[] = [];
  lines.push(`${p.model.path ?? 'model'}  (opset ${p.model.opset}, convention ${p.convention})`);
  lines.push(`inputs: ${p.inputs.map((i) => `${i.name} ${formatShape(i.shape)} ${i.dtype}`).join(', ') || '(none)'}`);
  lines.push('');
  const rows: string[][] = [['module', 'params', '%', 'MACs', '%', 'FLOPs', '%']];
  const t = p.totals;
  const walk = (m: ModuleTotals, indent: number): void => {
    rows.push([
      `${'  '.repeat(indent)}${m.depth === 0 ? '(model)' : m.name}`,
      formatCount(m.params), percent(m.params, t.params),
      formatCount(m.macs), percent(m.macs, t.macs),
      formatCount(m.flops), percent(m.flops, t.flops),
    ]);
    if (m.depth < options.depth) for (const c of m.children) walk(c, indent + 1);
  };
  walk(p.modules, 0);
  lines.push(...table(rows, [false, true, true, true, true, true, true]));
  lines.push('');
  const dtypes = Object.entries(t.paramsBytesByDtype).map(([d, b]) => `${formatBytes(b)} ${d}`).join(', ');
  lines.push(`params        ${t.params.toLocaleString('en-US')} (${formatBytes(t.paramsBytes)}${dtypes ? `: ${dtypes}` : ''})`);
  if (p.dedupe) lines.push(`params, copies counted once  ${p.dedupe.params.toLocaleString('en-US')} (${p.dedupe.duplicates.length} copies)`);
  lines.push(`MACs          ${t.macs.toLocaleString('en-US')}`);
  lines.push(`FLOPs         ${t.flops.toLocaleString('en-US')}`);
  lines.push(`activations   peak ${formatBytes(t.activationsPeakBytes)}, total ${formatBytes(t.activationsTotalBytes)}`);
  lines.push(`depth         ${t.depth} sequential ops`);
  if (p.uncounted.length > 0) {
    lines.push('');
    lines.push('not counted:');
    for (const u of p.uncounted) {
      lines.push(`  ${u.domain ? `${u.domain}.` : ''}${u.opType} ×${u.nodes} (outputs ${formatBytes(u.outputBytes)}): ${u.reason}`);
    }
  }
  if (options.top > 0) {
    lines.push('');
    const opRows = [['op type', 'nodes', 'MACs', '%', 'FLOPs', '%']];
    for (const o of p.byOpType.slice(0, options.top)) {
      opRows.push([o.opType, String(o.nodes), formatCount(o.macs), percent(o.macs, t.macs), formatCount(o.flops), percent(o.flops, t.flops)]);
    }
    lines.push(...table(opRows, [false, true, true, true, true, true]));
    lines.push('');
    const heaviest = [...p.nodes].sort((a, b) => b.flops - a.flops).slice(0, options.top);
    const nodeRows = [['node', 'op', 'output', 'MACs', 'FLOPs', '%']];
    for (const n of heaviest) {
      nodeRows.push([n.name || '(unnamed)', n.opType, formatShape(n.outputShapes[0]), formatCount(n.macs), formatCount(n.flops), percent(n.flops, t.flops)]);
    }
    lines.push(...table(nodeRows, [false, false, false, true, true, true]));
  }
  for (const note of p.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

function fileSha256(file: string): string {
  const hashes = projectFileHashes(process.cwd());
  const sha256 = hashes.sha256(file);
  hashes.save();
  return sha256;
}
