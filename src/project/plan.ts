/**
 * `modelpress plan`: the benchmarks the documents need that the results store lacks for one machine,
 * as self-contained work units for a scheduler (docs/cluster.md). The documents are rendered as a
 * build renders them — models counted, profiles stored — but nothing is written to the output
 * folder and no benchmark runs: each missing one becomes a unit, once however many documents need it.
 */
import path from 'node:path';
import { VFile } from 'vfile';
import { cacheDirOf } from '../cache/project.js';
import { machineName } from '../cache/results.js';
import { toolVersion } from '../cache/tool-version.js';
import { type Plan, PLAN_SCHEMA, type WorkUnit } from '../cache/work-unit.js';
import type { PlanCollector } from '../measure/registry.js';
import { renderDocument } from '../document/pipeline.js';
import { type BuildOptions, prepareProject, readDocument } from './build.js';

export interface PlanOptions extends Pick<BuildOptions, 'cwd' | 'inputs' | 'results' | 'provider'> {
  /** The machine the units are for (required: a plan is for one machine). */
  machine: string;
}

export interface PlanResult {
  plan: Plan;
  /** The project root (the plan file stores it relative to its own folder). */
  root: string;
  /** Benchmarks the documents need that the store already holds for this machine. */
  stored: number;
  /** Each document's diagnostics, except the planned and other-machine ones (those are the plan). */
  files: VFile[];
  failures: string[];
}

export async function makePlan(options: PlanOptions): Promise<PlanResult> {
  const project = await prepareProject(options);
  const machine = machineName(options.machine);
  const units: WorkUnit[] = [];
  const byResult = new Map<string, WorkUnit>();
  const files: VFile[] = [];
  const failures: string[] = [];
  let stored = 0;
  for (const doc of project.documents) {
    const value = await readDocument(doc, failures);
    if (value === undefined) continue;
    const collector: PlanCollector = { units: [], stored: 0 };
    const file = new VFile({ value, path: path.relative(process.cwd(), doc) || doc, cwd: process.cwd() });
    try {
      await renderDocument(file, {
        settings: project.settings,
        registryOptions: {
          cacheDir: cacheDirOf(project.root),
          resultsDir: project.resultsDir,
          projectRoot: project.root,
          machine,
          rules: project.rules,
          plan: collector,
        },
        templateDirs: [project.root],
      });
    } catch (err) {
      failures.push(`${path.relative(project.root, doc)}:1:1: not planned: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    stored += collector.stored;
    file.messages = file.messages.filter((m) => m.ruleId !== 'planned' && m.ruleId !== 'missing-result');
    files.push(file);
    for (const u of collector.units) {
      if (byResult.has(u.result)) continue;
      const unit: WorkUnit = { index: units.length, document: path.relative(project.root, doc).split(path.sep).join('/'), ...u };
      byResult.set(u.result, unit);
      units.push(unit);
    }
  }
  return {
    plan: {
      schema: PLAN_SCHEMA,
      tool: `modelpress ${toolVersion()}`,
      machine,
      root: '.',
      results: path.relative(project.root, project.resultsDir).split(path.sep).join('/') || '.',
      createdAt: new Date().toISOString(),
      units,
    },
    root: project.root,
    stored,
    files,
    failures,
  };
}
