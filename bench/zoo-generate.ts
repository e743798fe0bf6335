/**
 * Zoo generation time (issue 4: "ResNet-50 is generated in < 2 s"). Builds ResNet-50 in memory
 * (graph and 25.5 M seeded float32 weights) and serializes it, a few rounds in this process, and
 * prints the median and its ratio to the 2 s goal. Also prints the other large architectures for
 * reference. Prints numbers only; a timed unit test would be flaky on a shared machine.
 *
 *   npx tsx bench/zoo-generate.ts [--rounds 5]
 */
import { serializeModel } from '../src/onnx/writer.js';
import { zooEntry } from '../src/zoo/registry.js';

const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('zoo-generate: --rounds needs a positive integer\n');
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function time(name: string, n: number): { build: number; serialize: number } {
  const builds: number[] = [];
  const serials: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const model = zooEntry(name).build({ seed: i + 1 });
    const t1 = process.hrtime.bigint();
    serializeModel(model);
    const t2 = process.hrtime.bigint();
    builds.push(Number(t1 - t0) / 1e6);
    serials.push(Number(t2 - t1) / 1e6);
  }
  return { build: median(builds), serialize: median(serials) };
}

const goalMs = 2000;
const r50 = time('resnet50', rounds);
process.stdout.write(
  `resnet50: build ${r50.build.toFixed(0)} ms, serialize ${r50.serialize.toFixed(0)} ms (median of ${rounds})\n` +
    `  generation (build) / 2 s goal = ${(r50.build / goalMs).toFixed(2)}   build + serialize / 2 s = ${((r50.build + r50.serialize) / goalMs).toFixed(2)}\n`,
);
for (const name of ['vgg16', 'vit_b_16', 'gpt2']) {
  const t = time(name, 1);
  process.stdout.write(`${name}: build ${t.build.toFixed(0)} ms, serialize ${t.serialize.toFixed(0)} ms (1 round)\n`);
}
