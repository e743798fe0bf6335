/**
 * `modelpress run-unit`: one work unit of a plan (docs/cluster.md), measured by the same registry a
 * build uses, so the result file it writes is the one a build would have written — same path, same
 * key parts — and `modelpress results merge` only has to copy it. The unit is chosen by `--index`,
 * else by the scheduler's index variable: Slurm's SLURM_ARRAY_TASK_ID, Kubernetes' JOB_COMPLETION_INDEX.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plan, WorkUnit } from '../cache/work-unit.js';
import type { InputPoint } from '../document/input-shapes.js';
import { type DeclaredModel, ModelRegistry } from '../measure/registry.js';
import { zoo } from '../zoo/registry.js';
import { UsageError } from './formats.js';

/** The scheduler variables that name a unit, in the order they are read. */
export const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;

/**
 * The indexes of the units to run: `--index N`; `--shard i/n` (every n-th unit from i); else the
 * scheduler's index variable. Throws UsageError with the remedy when none applies or one is out of range.
 */
export function selectUnits(count: number, flags: { index?: string | undefined; shard?: string | undefined }, env: NodeJS.ProcessEnv = process.env): number[] {
  const integer = (text: string, what: string): number => {
    if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} must be a whole number ≥ 0, got '${text}'`);
    return Number(text.trim());
  };
  const inRange = (i: number, what: string): number => {
    if (i >= count)
      throw new UsageError(
        `${what} is ${i}, but the plan has ${count} unit${count === 1 ? '' : 's'} (indexes 0–${Math.max(0, count - 1)}); size the array as 0-${Math.max(0, count - 1)}`,
      );
    return i;
  };
  if (flags.index !== undefined && flags.shard !== undefined) throw new UsageError('--index and --shard contradict each other: give one');
  if (flags.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flags.shard.trim());
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
      throw new UsageError(`--shard must be i/n with 0 ≤ i < n, e.g. --shard 0/4; got '${flags.shard}'`);
    const [i, n] = [Number(m[1]), Number(m[2])];
    return Array.from({ length: count }, (_, k) => k).filter((k) => k % n === i);
  }
  if (flags.index !== undefined) return [inRange(integer(flags.index, '--index'), '--index')];
  for (const name of INDEX_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') return [inRange(integer(value, name), name)];
  }
  throw new UsageError(
    `which unit? give --index N or --shard i/n, or run it as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)`,
  );
}

export type UnitOutcome = { ok: true; file: string; cached: boolean } | { ok: false; reason: string };

/** A unit in words, for messages: `unit 3 (model 'r18' at input 1x3x224x224, batch 2, machine h200)`. */
export function describeUnit(unit: WorkUnit): string {
  return `unit ${unit.index} (model '${unit.model}'${unit.input ? ` at input ${unit.input}` : ''}, batch ${unit.batch}, machine ${unit.machine})`;
}

/**
 * Measure one unit and write its result under `resultsDir` (atomically, as every result file). The
 * model must be the one the plan was made from: a file whose sha256 differs on this worker fails.
 */
export async function runUnit(plan: Plan, planFile: string, unit: WorkUnit, resultsDir: string): Promise<UnitOutcome> {
  const root = path.resolve(path.dirname(planFile), plan.root);
  let source: DeclaredModel['source'];
  if (unit.source.kind === 'file') {
    source = { kind: 'file', path: path.resolve(root, unit.source.path), written: unit.source.path };
  } else {
    const name = unit.source.name;
    const entry = zoo.find((z) => z.name === name);
    if (!entry)
      return {
        ok: false,
        reason: `zoo architecture '${name}' is not in this modelpress (${zoo.length} known); install the version that made the plan (${plan.tool})`,
      };
    source = { kind: 'zoo', entry };
  }
  const registry = new ModelRegistry({
    resultsDir,
    machine: unit.machine,
    projectRoot: root,
    zooSeed: unit.source.kind === 'zoo' ? unit.source.seed : undefined,
  });
  const point: InputPoint = { text: unit.input, label: '', shapes: new Map(Object.entries(unit.shapes)) };
  const model: DeclaredModel = {
    id: unit.model,
    label: unit.model,
    source,
    points: [point],
    inputGiven: unit.input !== '',
    batch: unit.batch,
    place: undefined,
  };
  registry.declare(model);
  const ident = registry.identity(model, point);
  if (!ident.ok) return { ok: false, reason: `${ident.failure.reason} (the plan's root is ${root}: run-unit reads the models from there)` };
  if (ident.value.sha256 !== unit.sha256) {
    const what = unit.source.kind === 'file' ? `model file ${unit.source.path} on this worker` : `zoo '${unit.source.name}' built by this modelpress`;
    return {
      ok: false,
      reason:
        `the ${what} has sha256 ${ident.value.sha256.slice(0, 12)}…, but the plan was made for ${unit.sha256.slice(0, 12)}…: ` +
        `it is not the model the document measures; give the workers the same files (and modelpress version) as the planning machine, or make the plan again`,
    };
  }
  const { settings } = unit;
  const outcome = await registry.bench(
    unit.model,
    point,
    {
      convention: 'exact',
      threads: settings.threads,
      provider: settings.provider,
      processes: settings.processes,
      floor: settings.floor,
      effort: { extraProcesses: settings.extraProcesses },
      protocol: settings.protocol,
    },
    unit.flopsPerSample,
  );
  if (!outcome.ok) return { ok: false, reason: outcome.failure.reason };
  const file = path.join(resultsDir, unit.result);
  if (!existsSync(file)) return { ok: false, reason: `measured, but the result was not written to ${file} (a read-only or full results folder?)` };
  return { ok: true, file, cached: outcome.cached };
}
