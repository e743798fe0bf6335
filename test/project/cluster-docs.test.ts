/**
 * docs/cluster.md's Slurm array script and Kubernetes Indexed Job manifest, checked (kubectl and
 * sbatch are not here): the script's syntax with `bash -n`, then the script run as array task 7 with
 * a stand-in `modelpress` that records its arguments and environment; the manifest parsed as YAML and
 * checked against the fields of a batch/v1 Indexed Job (strict: a misspelt key is an error).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(path.join(repo, 'docs', 'cluster.md'), 'utf8');
const block = (lang: string): string => {
  const found = [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  expect(found, `one \`\`\`${lang} block in docs/cluster.md`).toHaveLength(1);
  return found[0]!;
};

let tmp: string | undefined;
afterAll(() => tmp && rmSync(tmp, { recursive: true, force: true }));

describe('docs/cluster.md', () => {
  it('has a Slurm array script that runs one unit per task', () => {
    const script = block('bash');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mp-slurm-'));
    const file = path.join(tmp, 'units.sh');
    writeFileSync(file, script);
    const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    // The directives sbatch reads: an array from 0, a log per task.
    const directives = Object.fromEntries([...script.matchAll(/^#SBATCH --([a-z-]+)(?:=(\S+))?/gm)].map((m) => [m[1], m[2] ?? true]));
    expect(directives).toMatchObject({ array: expect.stringMatching(/^0-\d+$/), exclusive: true, output: expect.stringContaining('%a') });
    // Run as Slurm would run task 7 from the submit folder, with a stand-in modelpress on the PATH.
    const bin = path.join(tmp, 'bin');
    const submit = path.join(tmp, 'project');
    mkdirSync(bin);
    mkdirSync(submit);
    const stand = path.join(bin, 'modelpress');
    writeFileSync(stand, '#!/bin/sh\nprintf "%s\\n" "$PWD" "$SLURM_ARRAY_TASK_ID" "$@" > "$RECORD"\n');
    chmodSync(stand, 0o755);
    const record = path.join(tmp, 'record.txt');
    const run = spawnSync('bash', [file], {
      cwd: tmp,
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, SLURM_SUBMIT_DIR: submit, SLURM_ARRAY_TASK_ID: '7', RECORD: record },
    });
    expect(run.status, run.stderr).toBe(0);
    // No --index: run-unit reads SLURM_ARRAY_TASK_ID (test/project/cluster.test.ts runs it for real).
    expect(readFileSync(record, 'utf8').split('\n').slice(0, -1)).toEqual([submit, '7', 'run-unit', '--plan', 'plan.json', '--results', 'cluster-results']);
  });

  it('has a Kubernetes Indexed Job manifest that runs one unit per pod', () => {
    const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/), z.number()]);
    // The batch/v1 Job fields the manifest uses (Kubernetes API reference, Job v1 batch and PodSpec v1 core).
    const container = z
      .object({
        name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
        image: z.string().min(1),
        workingDir: z.string().optional(),
        command: z.array(z.string()).min(1),
        args: z.array(z.string()).optional(),
        resources: z
          .object({ requests: z.record(quantity).optional(), limits: z.record(quantity).optional() })
          .strict()
          .optional(),
        volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string().startsWith('/') }).strict()).optional(),
      })
      .strict();
    const job = z
      .object({
        apiVersion: z.literal('batch/v1'),
        kind: z.literal('Job'),
        metadata: z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/) }).strict(),
        spec: z
          .object({
            completionMode: z.literal('Indexed'),
            completions: z.number().int().positive(),
            parallelism: z.number().int().positive(),
            backoffLimit: z.number().int().min(0).optional(),
            template: z
              .object({
                spec: z
                  .object({
                    // A Job's pods may not restart Always.
                    restartPolicy: z.enum(['Never', 'OnFailure']),
                    containers: z.array(container).length(1),
                    volumes: z.array(z.object({ name: z.string(), persistentVolumeClaim: z.object({ claimName: z.string() }).strict() }).strict()).optional(),
                  })
                  .strict(),
              })
              .strict(),
          })
          .strict(),
      })
      .strict();
    const manifest = job.parse(parse(block('yaml')));
    const pod = manifest.spec.template.spec;
    const c = pod.containers[0]!;
    // Every mount names a volume of the pod; requests equal limits (Guaranteed QoS) for cpu and memory.
    expect(c.volumeMounts!.map((m) => m.name).every((n) => pod.volumes!.some((v) => v.name === n))).toBe(true);
    expect([c.resources!.requests!.cpu, c.resources!.requests!.memory]).toEqual([c.resources!.limits!.cpu, c.resources!.limits!.memory]);
    // The unit comes from JOB_COMPLETION_INDEX: no --index in the command.
    expect(c.command).toEqual(['npx', 'modelpress', 'run-unit', '--plan', 'plan.json', '--results', 'cluster-results']);
    // The Slurm array and the Job are sized for the same plan (the page's example: 12 units).
    expect(`0-${manifest.spec.completions - 1}`).toBe(/#SBATCH --array=(\S+)/.exec(block('bash'))![1]);
  });
});
