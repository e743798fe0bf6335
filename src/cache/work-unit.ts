/**
 * Work units for a scheduler (docs/cluster.md): `modelpress plan` lists every benchmark a document
 * needs that the results store lacks for one machine, each unit self-contained (the model by its
 * path from the project root or its zoo name, its sha256, the input shapes and every setting), so
 * `modelpress run-unit` on a Slurm array task or a Kubernetes indexed pod measures exactly one and
 * writes one result file. This module is the plan file's type and its reader; it does no measuring.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const PLAN_SCHEMA = 1;

const positiveInt = z.number().int().positive();

export const workUnitSchema = z
  .object({
    /** Position in the plan (what `--index`, SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX select). */
    index: z.number().int().min(0),
    /** The machine whose result this unit makes (the plan's `--machine`). */
    machine: z.string().min(1),
    /** The model's id in the document that needs it, and the document (for messages). */
    model: z.string(),
    document: z.string(),
    source: z.union([
      z.object({ kind: z.literal('file'), path: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('zoo'), name: z.string().min(1), seed: z.number().int().optional() }).strict(),
    ]),
    /** sha256 of the model file (a zoo model: of its build recipe); a worker holding another file refuses the unit. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The input point as written in the document (`1x3x224x224`, or '' for the declared shapes)… */
    input: z.string(),
    /** …and its shapes by input name ('' for a bare shape that binds the only input). */
    shapes: z.record(z.array(z.number().int().min(0))),
    batch: positiveInt,
    settings: z
      .object({
        threads: positiveInt.optional(),
        provider: z.enum(['cpu', 'cuda']),
        processes: positiveInt,
        floor: z.boolean(),
        extraProcesses: z.number().int().min(0),
        protocol: z
          .object({
            warmupMinRuns: z.number().min(0),
            warmupMinMs: z.number().min(0),
            minRuns: z.number().min(1),
            minTimeMs: z.number().min(0),
            maxRuns: z.number().min(1),
            maxTimeMs: z.number().positive(),
          })
          .strict(),
      })
      .strict(),
    /** FLOPs of one sample, for achieved FLOP/s (counted when the plan was made). */
    flopsPerSample: z.number().min(0).optional(),
    /** Where the result goes, relative to a results folder: `bench/<machine>/<model>/<config>.json`. */
    result: z.string().min(1),
  })
  .strict();

export type WorkUnit = z.infer<typeof workUnitSchema>;

export const planSchema = z
  .object({
    schema: z.literal(PLAN_SCHEMA),
    tool: z.string(),
    machine: z.string().min(1),
    /** The project root, relative to the plan file's folder (model paths are relative to it). */
    root: z.string(),
    /** The results store the plan was checked against, relative to the root. */
    results: z.string(),
    createdAt: z.string(),
    units: z.array(workUnitSchema),
  })
  .strict();

export type Plan = z.infer<typeof planSchema>;

/** A plan file that cannot be used, with the reason in words. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export function readPlan(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlanError(
      code === 'ENOENT'
        ? `${file}: no such plan; make one with modelpress plan --out ${file}`
        : `${file}: not a readable JSON plan (${(err as Error).message})`,
    );
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new PlanError(
      `${file}: not a modelpress plan of schema ${PLAN_SCHEMA}: ${first.path.join('.') || '(top level)'}: ${first.message}; make it again with modelpress plan`,
    );
  }
  parsed.data.units.forEach((u, i) => {
    if (u.index !== i) throw new PlanError(`${file}: unit ${i} says it is unit ${u.index}; make the plan again with modelpress plan`);
  });
  return parsed.data;
}
