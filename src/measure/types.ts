/**
 * The measurement hub's vocabulary, shared by the directives that ask for measurements, the project
 * build and the cluster commands: where a model comes from, what a measurement settles on, and the
 * failures that the asking directive turns into a positioned diagnostic.
 */
import type { Said } from '../i18n/index.js';
import type { Position } from 'unist';
import type { Convention, OpRule } from '../analysis/types.js';
import type { WorkUnit } from '../cache/work-unit.js';
import type { BenchResult, EffortPolicy, Environment, ExecutionProvider, ProtocolOptions } from '../runtime/types.js';
import type { ModelFamily, Vars } from '../types/family.js';
import type { ZooEntry } from '../zoo/registry.js';

/** One point of a model's inputs, as `input=` gives it. */
export interface InputPoint {
  /** Canonical text, e.g. `1x3x224x224` or `input_ids=1x128,mask=1x128`. */
  text: string;
  /** Shapes by input name; '' for a bare shape (the model's only input). */
  shapes: Map<string, number[]>;
  /** Column-group label of a sweep, as render describes inputs: `224×224` for images, else the shape without its batch dim. */
  label: string;
}

/**
 * Where a model comes from: a file, a zoo architecture, or one point of a model family's sweep
 * (`::complexity … metrics=latency`: the graph built in code at those sizes, benchmarked like any model).
 */
export type ModelSource =
  | { kind: 'file'; path: string; written: string }
  | { kind: 'zoo'; entry: ZooEntry }
  | { kind: 'family'; family: ModelFamily; vars: Vars };

export interface DeclaredModel {
  id: string;
  /** Shown in tables and charts (`label=`, else the id). */
  label: string;
  source: ModelSource;
  /** Input points (one unless the input sweeps); a point with no shapes means "as the model declares". */
  points: InputPoint[];
  /** True when `input=` was given (a sweep is only possible then). */
  inputGiven: boolean;
  /** Samples per benchmark run. */
  batch: number;
  /** Where the declaration is, for diagnostics about the model itself. */
  place: Position | undefined;
}

/** What went wrong with a measurement, in words, with the rule id of its diagnostic. */
export interface Failure {
  ruleId: 'missing-model' | 'model-load' | 'unbound-dim' | 'input-binding' | 'analysis' | 'frozen-miss' | 'missing-result' | 'planned' | 'benchmark-failed';
  /** In English (the terminal, `plan`, stored records). */
  reason: string;
  /** The same in words any document language can give (an error box in the page). */
  said?: Said | undefined;
}

/** `notices`: things the directive that uses the value should say (e.g. a refresh that moved a number beyond its CIs). */
export type Outcome<T> = { ok: true; value: T; cached: boolean; notices?: string[] } | { ok: false; failure: Failure };

/** A benchmark with the environment it ran in (stored together: --frozen may serve another machine's). */
export interface StoredBench {
  result: BenchResult;
  environment: Environment;
  protocol: ProtocolOptions & { processes: number };
  /** The machine's short name in the results store (absent in results stored before machines were named). */
  machine?: string | undefined;
}

export interface MeasureSettings {
  convention: Convention;
  /** Extra effort on unstable results (runtime/effort.ts); defaults from the protocol. */
  effort?: Partial<EffortPolicy> | undefined;
  threads: number | undefined;
  protocol: ProtocolOptions;
  processes: number;
  floor: boolean;
  /** Execution provider (default cpu): part of the configuration key. */
  provider?: ExecutionProvider | undefined;
}

/** `modelpress plan`: benchmarks this machine's store lacks become work units instead of being measured. */
export interface PlanCollector {
  units: Omit<WorkUnit, 'index' | 'document'>[];
  /** Benchmarks of the plan's machine the store already holds. */
  stored: number;
}

export interface RegistryOptions {
  /** The cache; undefined keeps results in memory for this build only. */
  cacheDir?: string | undefined;
  /**
   * The committable results store (src/cache/results.ts). When given, profiles and benchmarks are
   * stored there (one small JSON file each) instead of in the cache, and zoo models written for
   * onnxruntime are temporary (rebuilt on demand).
   */
  resultsDir?: string | undefined;
  /** This machine's short name in the results store (default: the host name). */
  machine?: string | undefined;
  /** The project root: file models are named by their path relative to it in the results store. */
  projectRoot?: string | undefined;
  frozen?: boolean | undefined;
  /** true: recompute everything; a list: recompute these model ids. */
  refresh?: boolean | readonly string[] | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  /** Seed of zoo weights (they change nothing counted; fixed so zoo builds are reproducible). */
  zooSeed?: number | undefined;
  /** User rules for custom operators (config `rules`) and the sha256 of their modules (part of the cache key). */
  rules?: { rules: readonly OpRule[]; key: string } | undefined;
  /** Plan instead of measuring (`modelpress plan`): see PlanCollector. */
  plan?: PlanCollector | undefined;
}

export interface ProgressEvent {
  phase: 'profile' | 'bench';
  model: string;
  input: string;
  state: 'start' | 'done' | 'cached' | 'failed';
}

/** How many results were computed vs served from the cache in this build. */
export interface MeasureStats {
  profiled: number;
  benchmarked: number;
  profileHits: number;
  benchHits: number;
}
