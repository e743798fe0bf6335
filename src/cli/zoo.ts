/**
 * `modelpress zoo list` and `modelpress zoo export <name> [-o file.onnx] [--seed N] [--size HxW]`:
 * the built-in reference architectures as ONNX files (no download, seeded weights).
 */
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { ZooEntry } from '../zoo/registry.js';
// The architectures and the writer are imported when a zoo command runs, not for `modelpress --help`.

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`seed must be a non-negative integer, got '${value}'`);
  return Number(value);
}

function parseSize(value: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError(`size must be HxW or N (e.g. 200x200), got '${value}'`);
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  if (h < 1 || w < 1) throw new InvalidArgumentError(`size must be positive, got '${value}'`);
  return [h, w];
}

const formatInt = (n: number): string => n.toLocaleString('en-US');

function listTable(zoo: readonly ZooEntry[]): string {
  const rows = zoo.map((e) => [e.name, e.input.shape.join('×'), formatInt(e.params), e.resizable ? 'yes' : 'no', e.description]);
  const head = ['name', 'input', 'params', 'resizable', 'description'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program.command('zoo').description('reference architectures built in code (seeded weights, no download)');
  cmd
    .command('list')
    .description('list the architectures with their input and parameter count')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { zoo } = await import('../zoo/registry.js');
      if (opts.json) {
        const data = zoo.map(({ build: _build, ...e }) => e);
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      } else {
        process.stdout.write(listTable(zoo));
      }
    });
  cmd
    .command('export <name>')
    .description('write an architecture as an ONNX file (cached by architecture, size, seed and tool version)')
    .option('-o, --output <file>', 'output file (default: <name>.onnx)')
    .option('--seed <n>', 'seed of the weights', parseSeed, 1)
    .option('--size <HxW>', 'input height×width of a resizable image model', parseSize)
    .action(async (name: string, opts: { output?: string; seed: number; size?: [number, number] }) => {
      const { ensureZooModel } = await import('../zoo/cache.js');
      const { zooEntry } = await import('../zoo/registry.js');
      const out = path.resolve(opts.output ?? `${name}.onnx`);
      const entry = zooEntry(name);
      if (entry.write) {
        // described by dims alone: written straight to the destination, with its sparse data file
        entry.write(out, { seed: opts.seed });
        process.stdout.write(`${out}: ${entry.name}, ${formatInt(entry.params)} parameters, weights as sparse external data beside it\n`);
        return;
      }
      const file = ensureZooModel({ name, seed: opts.seed, height: opts.size?.[0], width: opts.size?.[1] });
      const { copyFileAtomic } = await import('../cache/store.js');
      copyFileAtomic(file.path, out);
      process.stdout.write(`${out}: ${file.entry.name}, ${formatInt(file.entry.params)} parameters, seed ${opts.seed}${file.cached ? ' (from cache)' : ''}\n`);
    });
}
