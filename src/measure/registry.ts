/**
 * The measurement hub: the models documents declare and their measurements. A declaration (`::model`) names a source —
 * an ONNX file beside the Markdown, or a zoo architecture built in code — and the input points to
 * measure at. Measurements are made on demand, once per (model, point), through the cache:
 *
 * - profile key: model content hash + inputs + convention + tool version;
 * - benchmark key: the same plus hardware fingerprint, ORT version, provider, threads, batch and protocol.
 *
 * `--frozen` reads only stored results (benchmarks from whatever hardware measured them: the stored
 * environment is disclosed) and reports a miss; `--refresh[=id]` recomputes and overwrites.
 * Failures are values, not exceptions: each one names what failed and what to do, and the directive
 * that asked turns it into a positioned diagnostic.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindInputs, InputBindingError } from '../analysis/bind.js';
import { profileModel } from '../analysis/profile.js';
import { type FamilySweep, type SweepRequest, sweepFamily } from '../analysis/complexity.js';
import type { ComplexityMetric } from '../analysis/complexity-metrics.js';
import type { ModelFamily } from '../types/family.js';
import type { Convention, Profile } from '../analysis/types.js';
import { differingParts, machineName, type ResultLookup, ResultsStore } from '../cache/results.js';
import { CacheStore, cacheKey, fromJsonSafe, sha256Hex, toJsonSafe } from '../cache/store.js';
import { FileHashes } from '../cache/file-hash.js';
import { toolVersion } from '../cache/tool-version.js';
import { ModelLoadError } from '../onnx/errors.js';
import type { Model } from '../onnx/model.js';
import { readModel } from '../onnx/reader.js';
import { writeModel } from '../onnx/writer.js';
import { describeEnvironment, NOT_INSTALLED, ONNXRUNTIME_MISSING } from '../runtime/environment.js';
import { prestartWorker, runBenchmark } from '../runtime/orchestrator.js';
import { effortPolicy } from '../runtime/effort.js';
import type { Environment } from '../runtime/types.js';
import { zooFileIn } from '../zoo/cache.js';
import type { ZooEntry } from '../zoo/registry.js';

import { benchInputs, profileInputs, zooSize } from './inputs.js';
import { leaseWeights, scratchFolder } from './scratch.js';
import type {
  DeclaredModel,
  Failure,
  InputPoint,
  MeasureSettings,
  MeasureStats,
  Outcome,
  PlanCollector,
  ProgressEvent,
  RegistryOptions,
  StoredBench,
} from './types.js';
import { attributeWording, failure, makeItOn, message, missAdvice, refreshNotices, sourceName } from './wording.js';
import { phrase, type Said } from '../i18n/index.js';

export type {
  DeclaredModel,
  Failure,
  InputPoint,
  MeasureSettings,
  MeasureStats,
  ModelSource,
  Outcome,
  PlanCollector,
  ProgressEvent,
  RegistryOptions,
  StoredBench,
} from './types.js';
export { refreshNotices } from './wording.js';
export { pointSamples } from './inputs.js';

const isProfile = (v: unknown): v is Profile =>
  !!v && typeof v === 'object' && (v as Profile).schema === 1 && typeof (v as Profile).totals?.params === 'number' && Array.isArray((v as Profile).nodes);
const isStoredBench = (v: unknown): v is StoredBench =>
  !!v && typeof v === 'object' && typeof (v as StoredBench).result?.status === 'string' && typeof (v as StoredBench).environment?.fingerprint === 'string';

export class ModelRegistry {
  private readonly models = new Map<string, DeclaredModel>();
  private readonly generated = new Map<string, DeclaredModel>();
  private readonly cache: CacheStore | undefined;
  private readonly results: ResultsStore | undefined;
  private readonly hashes: FileHashes;
  private readonly profiles = new Map<string, Promise<Outcome<Profile>>>();
  private readonly benches = new Map<string, Promise<Outcome<StoredBench>>>();
  private environment: Environment | undefined;
  readonly stats: MeasureStats = { profiled: 0, benchmarked: 0, profileHits: 0, benchHits: 0 };
  /** Model files and results-store files this registry read or wrote (a document's inputs, cache/document-stamp.ts). */
  readonly filesUsed = new Set<string>();

  constructor(private readonly options: RegistryOptions = {}) {
    this.cache = options.cacheDir ? new CacheStore(options.cacheDir) : undefined;
    this.results = options.resultsDir ? new ResultsStore(options.resultsDir, machineName(options.machine)) : undefined;
    this.hashes = new FileHashes(options.cacheDir ? path.join(options.cacheDir, 'file-hashes.json') : undefined);
  }

  /** This machine's short name (`--machine`, config `machine`, else the host name). */
  get machine(): string {
    return this.results?.machine ?? machineName(this.options.machine);
  }

  /** A --frozen build from a results store: stored results are served even when a model file is absent. */
  get servesWithoutModels(): boolean {
    return this.options.frozen === true && this.results !== undefined;
  }

  declare(model: DeclaredModel): void {
    this.models.set(model.id, model);
  }

  /**
   * A model the document does not declare but a directive measures (a point of a family's sweep): it
   * is measured through the same cache and store as declared ones, and is not listed by ids()/all().
   */
  declareGenerated(model: DeclaredModel): void {
    this.generated.set(model.id, model);
  }

  get(id: string): DeclaredModel | undefined {
    return this.models.get(id) ?? this.generated.get(id);
  }

  ids(): string[] {
    return [...this.models.keys()];
  }

  all(): DeclaredModel[] {
    return [...this.models.values()];
  }

  /** The seed zoo and family models are built with. */
  get zooSeed(): number {
    return this.options.zooSeed ?? 1;
  }

  /** Persist the file-hash memo (call once at the end of a build). */
  flush(): void {
    try {
      this.hashes.save();
    } catch {
      // A memo that cannot be written only costs a re-hash next time.
    }
  }

  hostEnvironment(): Environment {
    return (this.environment ??= describeEnvironment());
  }

  private refreshes(id: string): boolean {
    const r = this.options.refresh;
    return r === true || (Array.isArray(r) && r.includes(id));
  }

  /** Content identity of the model at a point: the file's sha256, or a hash of the zoo build recipe. */
  identity(model: DeclaredModel, point: InputPoint): Outcome<{ sha256: string; zooSize?: [number, number] }> {
    if (model.source.kind === 'file') {
      const file = model.source.path;
      this.filesUsed.add(file);
      if (!existsSync(file)) {
        return {
          ok: false,
          failure: failure('missing-model', phrase('diag.model.fileMissing', { written: model.source.written, file })),
        };
      }
      try {
        return { ok: true, value: { sha256: this.hashes.sha256(file) }, cached: false };
      } catch (err) {
        return { ok: false, failure: failure('model-load', phrase('diag.model.unreadable', { written: model.source.written, reason: message(err) })) };
      }
    }
    if (model.source.kind === 'family') {
      const vars = Object.entries(model.source.vars)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const recipe = `family:${model.source.family.name}:${vars}:seed=${this.options.zooSeed ?? 1}:modelpress=${toolVersion()}`;
      return { ok: true, value: { sha256: sha256Hex(recipe) }, cached: false };
    }
    const size = zooSize(model.source.entry, point);
    if (!size.ok) return size;
    const recipe = `zoo:${model.source.entry.name}:${size.value.join('x')}:seed=${this.options.zooSeed ?? 1}:modelpress=${toolVersion()}`;
    return { ok: true, value: { sha256: sha256Hex(recipe), zooSize: size.value }, cached: false };
  }

  /**
   * The ONNX model at a point (zoo models are built per input size). Not kept: a zoo build holds no
   * weight bytes and takes milliseconds, a file is read again from its (memoised) spans, so nothing
   * lives longer than the measurement that needed it.
   */
  private load(model: DeclaredModel, zooSize?: [number, number]): Model {
    if (model.source.kind === 'file') return readModel(model.source.path);
    if (model.source.kind === 'family') return model.source.family.build(model.source.vars, this.options.zooSeed ?? 1).model;
    // Text models have no size to set ([0, 0]); image models are built at the point's size.
    const [height, width] = zooSize && zooSize[0] > 0 ? zooSize : [undefined, undefined];
    return model.source.entry.build({ seed: this.options.zooSeed ?? 1, height, width });
  }

  /**
   * The counted part of a model family's sweep (`::complexity`): each point's MACs, FLOPs, depth … and
   * their fits, through the cache, keyed like a family model by its recipe and the tool version. A
   * warm build of the example spent 1.6 s re-building and re-profiling the Swin and attention sweeps
   * (issue 13). Latency is not part of it: the points are benchmarked through bench(), as models are.
   */
  sweep(family: ModelFamily, request: SweepRequest, metrics: readonly ComplexityMetric[]): FamilySweep {
    const parts = {
      kind: 'family-sweep',
      family: family.name,
      vary: request.vary,
      at: request.at ?? {},
      convention: request.convention ?? 'exact',
      metrics: [...metrics],
      seed: this.options.zooSeed ?? 1,
      modelpress: toolVersion(),
    };
    const key = cacheKey(parts);
    if (this.cache && this.options.refresh !== true) {
      const hit = this.cache.get('sweep', key, isCountedSweep);
      if (hit.status === 'hit') return { family, ...(fromJsonSafe(hit.value) as Omit<FamilySweep, 'family'>) };
    }
    const sweep = sweepFamily(family, request, metrics);
    const { family: _family, ...counted } = sweep;
    this.store('sweep', key, parts, toJsonSafe(counted));
    return sweep;
  }

  /** Static profile of a model at an input point. */
  profile(id: string, point: InputPoint, convention: Convention): Promise<Outcome<Profile>> {
    const model = this.get(id);
    if (!model) return Promise.resolve({ ok: false, failure: failure('analysis', phrase('diag.model.undeclared', { id })) });
    const memoKey = `${id}\u0000${point.text}\u0000${convention}`;
    let p = this.profiles.get(memoKey);
    if (!p) {
      p = this.computeProfile(model, point, convention);
      this.profiles.set(memoKey, p);
    }
    return p;
  }

  private async computeProfile(model: DeclaredModel, point: InputPoint, convention: Convention): Promise<Outcome<Profile>> {
    const ident = this.identity(model, point);
    const say = (state: ProgressEvent['state']) => this.options.onProgress?.({ phase: 'profile', model: model.id, input: point.text, state });
    if (this.results) {
      const stored = this.storedResult(
        model,
        ident,
        this.results.profileFile(this.modelName(model), point.text, convention),
        'profile',
        isProfile,
        {
          kind: 'profile',
          inputs: point.text,
          convention,
          tool: toolVersion(),
          ...(this.options.rules ? { rules: this.options.rules.key } : {}),
        },
        phrase('diag.profile.what', { id: model.id, input: point.text || phrase('diag.asDeclared') }),
      );
      if (stored) {
        if (stored.ok) {
          this.stats.profileHits++;
          say('cached');
        }
        return stored;
      }
    }
    if (!ident.ok) return ident;
    const parts = {
      kind: 'profile',
      model: ident.value.sha256,
      inputs: point.text,
      convention,
      tool: toolVersion(),
      ...(this.options.rules ? { rules: this.options.rules.key } : {}),
    };
    const key = cacheKey(parts);
    const cachedProfile = this.lookup(model, 'profile', key, isProfile);
    if (cachedProfile !== undefined) {
      this.stats.profileHits++;
      say('cached');
      return { ok: true, value: cachedProfile, cached: true };
    }
    if (this.options.frozen) {
      const miss = phrase('diag.frozen.noProfile', { id: model.id, input: point.text || phrase('diag.asDeclared'), key: key.slice(0, 12) });
      let never: Said | undefined;
      try {
        const m = this.load(model, ident.value.zooSize);
        bindInputs(m.graph, profileInputs(m, point));
      } catch (err) {
        if (err instanceof ModelLoadError) never = phrase('diag.never.load', { reason: err.reason });
        else if (err instanceof InputBindingError) never = phrase('diag.never.bind', { reason: attributeWording(err.message) });
      }
      return {
        ok: false,
        failure: failure('frozen-miss', never ? phrase('diag.frozen.neverProfile', { miss, never }) : phrase('diag.frozen.buildProfile', { miss })),
      };
    }
    say('start');
    let profile: Profile;
    try {
      const m = this.load(model, ident.value.zooSize);
      profile = profileModel(m, { inputs: profileInputs(m, point), convention, sha256: ident.value.sha256, rules: this.options.rules?.rules });
    } catch (err) {
      say('failed');
      return { ok: false, failure: this.classify(model, err) };
    }
    if (model.source.kind !== 'file') profile.model.path = sourceName(model.source);
    this.stats.profiled++;
    if (this.results) this.writeResult(this.results.profileFile(this.modelName(model), point.text, convention), 'profile', parts, profile);
    else this.store('profile', key, parts, profile);
    say('done');
    return { ok: true, value: profile, cached: false };
  }

  private classify(model: DeclaredModel, err: unknown): Failure {
    const where: Said =
      model.source.kind === 'file'
        ? `'${model.source.written}'`
        : model.source.kind === 'zoo'
          ? phrase('diag.where.zoo', { name: model.source.entry.name })
          : phrase('diag.where.family', { name: model.source.family.name });
    if (err instanceof ModelLoadError) return failure('model-load', phrase('diag.model.cannotLoad', { where, reason: err.reason }));
    if (err instanceof InputBindingError) {
      const unbound = / unknown(\.|;|$)| unknown\b/.test(err.message) && /dim \d/.test(err.message);
      return failure(unbound ? 'unbound-dim' : 'input-binding', phrase('diag.model.binding', { id: model.id, reason: attributeWording(err.message) }));
    }
    return failure('analysis', phrase('diag.model.cannotAnalyse', { id: model.id, where, reason: message(err) }));
  }

  /** A stored result, unless there is no cache or the model is being refreshed (a miss or corrupt entry: undefined). */
  private lookup<T>(model: DeclaredModel, kind: string, key: string, check: (value: unknown) => value is T): T | undefined {
    if (!this.cache || this.refreshes(model.id)) return undefined;
    const hit = this.cache.get(kind, key, check);
    return hit.status === 'hit' ? hit.value : undefined;
  }

  private store(kind: string, key: string, parts: Record<string, unknown>, value: unknown): void {
    try {
      this.cache?.put(kind, key, parts, value);
    } catch {
      // A full disk or read-only cache costs a re-measurement next time, never this build.
    }
  }

  /** The model's name in the results store: `zoo-<name>`, or the file's path from the project root. */
  private modelName(model: DeclaredModel): string {
    if (model.source.kind === 'zoo') return `zoo-${model.source.entry.name}`;
    if (model.source.kind === 'family')
      return `family-${model.source.family.name}-${Object.entries(model.source.vars)
        .map(([k, v]) => `${k}${v}`)
        .join('-')}`;
    const root = this.options.projectRoot;
    return root ? path.relative(root, model.source.path) : model.source.written;
  }

  private writeResult(file: string, kind: 'profile' | 'bench', parts: Record<string, unknown>, value: unknown, machine?: string): void {
    this.filesUsed.add(file);
    try {
      this.results?.write(file, kind, parts, value, machine);
    } catch {
      // A read-only store costs a re-measurement next time, never this build.
    }
  }

  /**
   * A result from the results store, or undefined to measure it. `rest` is every key part except the
   * model's hash; a stored result matches when its parts equal `rest` plus the model's hash. With
   * --frozen, a miss or a stale file is a failure naming the file; when the model file itself is absent
   * (a machine with no models) the stored result is served as long as everything else matches.
   */
  private storedResult<T>(
    model: DeclaredModel,
    ident: Outcome<{ sha256: string }>,
    file: string | string[],
    kind: 'profile' | 'bench',
    check: (v: unknown) => v is T,
    rest: Record<string, unknown>,
    what: Said,
    ignore: string[] = [],
    /** Why a build without --frozen could not make the result either (then the advice says so). */
    never?: () => Said | undefined,
    /** Read only from the store even without --frozen (another machine's result), with this rule and remedy. */
    only?: { ruleId: 'frozen-miss' | 'missing-result'; remedy: Said },
  ): Outcome<T> | undefined {
    const frozen = this.options.frozen === true || only !== undefined;
    if (!frozen && this.refreshes(model.id)) return undefined;
    const files = Array.isArray(file) ? file : [file];
    const modelAbsent = !ident.ok && ident.failure.ruleId === 'missing-model';
    if (!ident.ok && !(frozen && modelAbsent)) return undefined;
    const want: Record<string, unknown> = ident.ok ? { ...rest, model: ident.value.sha256 } : { ...rest };
    const skip = new Set([...ignore, ...(ident.ok ? [] : ['model'])]);
    let stale: { file: string; differ: string[] } | undefined;
    let corrupt: ResultLookup<T> | undefined;
    for (const f of files) {
      this.filesUsed.add(f);
      const found = this.results!.read(f, kind, check);
      if (found.status === 'corrupt') corrupt ??= found;
      if (found.status !== 'hit') continue;
      const differ = differingParts(found.entry.parts, want).filter((k) => !skip.has(k));
      if (differ.length === 0) {
        return { ok: true, value: found.entry.value, cached: true };
      }
      stale ??= { file: f, differ };
    }
    if (!frozen) return undefined;
    if (!ident.ok && !stale && !corrupt) return ident;
    const rel = (f: string) => path.relative(process.cwd(), f) || f;
    const head = only ? '' : '--frozen: ';
    const again = only?.remedy ?? phrase('diag.frozen.remeasure');
    const reason: Said = stale
      ? phrase('diag.stored.stale', {
          head,
          what,
          file: rel(stale.file),
          differ: stale.differ.join(', '),
          changed: stale.differ.includes('model') ? phrase('diag.stored.modelChanged') : '',
          again,
        })
      : corrupt && corrupt.status === 'corrupt'
        ? phrase('diag.stored.corrupt', { head, what, file: rel(corrupt.file), reason: corrupt.reason, again })
        : only
          ? phrase('diag.stored.none', { what, file: rel(files[0]!), remedy: only.remedy })
          : missAdvice(
              phrase('diag.frozen.none', { what, file: rel(files[0]!), root: rel(this.results!.root) }),
              never?.(),
              phrase(kind === 'bench' ? 'diag.frozen.buildBench' : 'diag.frozen.buildMeasure'),
            );
    return { ok: false, failure: failure(only?.ruleId ?? 'frozen-miss', reason) };
  }

  /**
   * Benchmark of a model at an input point (through the cache), on this machine or, with `machine`,
   * the result another machine stored (never measured here: a miss names the commands that make it).
   */
  bench(id: string, point: InputPoint, settings: MeasureSettings, flopsPerSample: number | undefined, machine?: string): Promise<Outcome<StoredBench>> {
    const model = this.get(id);
    if (!model) return Promise.resolve({ ok: false, failure: failure('analysis', phrase('diag.model.undeclared', { id })) });
    const target = machine === undefined ? this.machine : machineName(machine);
    const memoKey = `${id}\u0000${point.text}\u0000${model.batch}\u0000${target}\u0000${settings.threads ?? ''}\u0000${settings.provider ?? 'cpu'}`;
    let p = this.benches.get(memoKey);
    if (!p) {
      p = this.computeBench(model, point, settings, flopsPerSample, target);
      this.benches.set(memoKey, p);
    }
    return p;
  }

  private async computeBench(
    model: DeclaredModel,
    point: InputPoint,
    settings: MeasureSettings,
    flopsPerSample: number | undefined,
    target: string,
  ): Promise<Outcome<StoredBench>> {
    const ident = this.identity(model, point);
    const provider = settings.provider ?? 'cpu';
    const protocol = { ...settings.protocol, processes: settings.processes };
    const effort = effortPolicy(settings.protocol, settings.effort);
    // Everything but the machine (and the model's hash): the --frozen lookup key.
    const rest = {
      kind: 'bench',
      inputs: point.text,
      batch: model.batch,
      provider,
      requestedThreads: settings.threads ?? 'physical-cores',
      protocol,
      effort,
      floor: settings.floor,
      tool: toolVersion(),
    };
    const say = (state: ProgressEvent['state']) => this.options.onProgress?.({ phase: 'bench', model: model.id, input: point.text, state });
    const config = `${point.text || 'declared'}.batch${model.batch}.threads${settings.threads ?? 'auto'}.${provider}`;
    const what = phrase('diag.bench.what', { id: model.id, input: point.text || phrase('diag.asDeclared'), batch: model.batch });
    const onMachine = phrase('diag.bench.onMachine', { what, machine: target });
    const elsewhere = target !== this.machine;
    if (elsewhere && !this.results) return { ok: false, failure: failure('missing-result', phrase('diag.bench.noStore', { what: onMachine })) };

    if (this.results && (elsewhere || this.options.plan)) {
      // Another machine's result, or (planning) this one's: only ever read from the store.
      const file = this.results.benchFile(this.modelName(model), config, target);
      const stored = this.storedResult(model, ident, file, 'bench', isStoredBench, rest, onMachine, ['threads', 'hardware', 'onnxruntime'], undefined, {
        ruleId: this.options.frozen ? 'frozen-miss' : 'missing-result',
        remedy: makeItOn(target, provider),
      });
      if (stored?.ok) {
        this.stats.benchHits++;
        if (this.options.plan && !elsewhere) this.options.plan.stored++;
        say('cached');
        return { ...stored, value: { ...stored.value, machine: stored.value.machine ?? target } };
      }
      if (stored && (elsewhere || !ident.ok)) return stored;
      if (!ident.ok) return ident;
      if (elsewhere)
        return { ok: false, failure: failure('missing-result', phrase('diag.bench.notStored', { what: onMachine, remedy: makeItOn(target, provider) })) };
      // Planning, and the store lacks it: a work unit for the scheduler.
      const unit = this.planUnit(model, ident.value, point, settings, flopsPerSample, file, target);
      if (!unit.ok) return unit;
      this.options.plan!.units.push(unit.value);
      return { ok: false, failure: failure('planned', phrase('diag.bench.planned', { what, machine: target })) };
    }

    if (this.results && this.options.frozen) {
      // This machine's result first, then any other machine's (its environment is disclosed with it).
      const machines = this.results.benchMachines(this.modelName(model), config);
      // This machine's file counts as an input even while absent: once it appears, it is served first.
      this.filesUsed.add(this.results.benchFile(this.modelName(model), config));
      const files =
        machines.length > 0
          ? machines.map((m) => this.results!.benchFile(this.modelName(model), config, m))
          : [this.results.benchFile(this.modelName(model), config)];
      const never = ident.ok ? () => this.cannotBenchmark(model, ident.value, point, cacheKey({ ...rest, model: ident.value.sha256 })) : undefined;
      const stored = this.storedResult(model, ident, files, 'bench', isStoredBench, rest, what, ['threads', 'hardware', 'onnxruntime'], never);
      if (stored?.ok) {
        this.stats.benchHits++;
        say('cached');
        const m = machines[0];
        return m ? { ...stored, value: { ...stored.value, machine: stored.value.machine ?? m } } : stored;
      }
      if (stored) return stored;
    }
    if (!ident.ok) return ident;
    const portable = { ...rest, model: ident.value.sha256 };
    const portableKey = cacheKey(portable);

    if (this.options.frozen) {
      const target = this.cache?.getPointer('bench-latest', portableKey);
      const hit = target ? this.cache!.get('bench', target, isStoredBench) : undefined;
      if (hit?.status === 'hit') {
        this.stats.benchHits++;
        say('cached');
        return { ok: true, value: hit.value, cached: true };
      }
      const miss = phrase('diag.frozen.noBench', {
        id: model.id,
        input: point.text || phrase('diag.asDeclared'),
        batch: model.batch,
        key: portableKey.slice(0, 12),
      });
      // Advice only where it can help: a benchmark that failed when last measured, or inputs that do
      // not bind at this batch, will not be made by a build without --frozen either.
      const never = this.cannotBenchmark(model, ident.value, point, portableKey);
      return {
        ok: false,
        failure: failure('frozen-miss', missAdvice(miss, never, phrase('diag.frozen.buildBench'))),
      };
    }

    const env = this.hostEnvironment();
    if (env.onnxruntimeVersion === NOT_INSTALLED) {
      return { ok: false, failure: failure('benchmark-failed', phrase('diag.bench.cannot', { id: model.id, reason: ONNXRUNTIME_MISSING })) };
    }
    const parts = { ...portable, threads: settings.threads ?? env.physicalCores, hardware: env.fingerprint, onnxruntime: env.onnxruntimeVersion };
    const key = cacheKey(parts);
    const resultFile = this.results?.benchFile(this.modelName(model), config);
    let previous: StoredBench | undefined;
    if (this.results && resultFile) {
      this.filesUsed.add(resultFile);
      const found = this.results.read(resultFile, 'bench', isStoredBench);
      if (found.status === 'hit' && found.entry.key === key) {
        if (!this.refreshes(model.id)) {
          this.stats.benchHits++;
          say('cached');
          return { ok: true, value: found.entry.value, cached: true };
        }
        previous = found.entry.value;
      }
    } else {
      const cachedBench = this.lookup(model, 'bench', key, isStoredBench);
      if (cachedBench !== undefined) {
        this.stats.benchHits++;
        say('cached');
        return { ok: true, value: cachedBench, cached: true };
      }
    }

    say('start');
    // The first worker loads Node and onnxruntime on the other core while this process builds and
    // writes the model (nothing is measured until it has).
    prestartWorker();
    let stored: StoredBench;
    let zooDir: string | undefined;
    let scratch: { graph: string; release: () => void } | undefined;
    try {
      const m = this.load(model, ident.value.zooSize);
      let modelPath: string;
      if (model.source.kind === 'file') modelPath = model.source.path;
      else if (model.source.kind === 'zoo' && this.results) {
        // With a results store no zoo file is kept: the build's scratch folder (scratch.ts).
        scratch = this.scratchZooFile(model.source.entry, m, ident.value.zooSize);
        modelPath = scratch.graph;
      } else if (model.source.kind === 'zoo') modelPath = this.zooFile(model.source.entry, m, ident.value.zooSize);
      else {
        // A family point is small and written for this one benchmark.
        zooDir = mkdtempSync(path.join(os.tmpdir(), 'modelpress-zoo-'));
        writeModel(m, (modelPath = path.join(zooDir, `${this.modelName(model)}.onnx`)));
      }
      const report = await runBenchmark({
        modelPath,
        model: m,
        inputShapes: benchInputs(m, point, model.batch),
        batches: [model.batch],
        threads: settings.threads !== undefined ? [settings.threads] : undefined,
        providers: [provider],
        processes: settings.processes,
        protocol: settings.protocol,
        effort,
        floor: settings.floor,
        flopsPerSample,
        // A file's hash is already known (memo); a zoo build is hashed as the file benchmarked.
        modelSha256: model.source.kind === 'file' ? ident.value.sha256 : undefined,
      });
      const result = report.results[0]!;
      // The stored record names the model as the document does (a zoo build's temporary file, or an
      // absolute path, means nothing on the machine that reads a committed store).
      result.config = { ...result.config, modelPath: model.source.kind === 'file' ? this.modelName(model) : sourceName(model.source) };
      stored = { result, environment: report.environment, protocol, ...(this.results ? { machine: this.results.machine } : {}) };
    } catch (err) {
      say('failed');
      if (err instanceof ModelLoadError || err instanceof InputBindingError) return { ok: false, failure: this.classify(model, err) };
      return { ok: false, failure: failure('benchmark-failed', phrase('diag.bench.cannot', { id: model.id, reason: attributeWording(message(err)) })) };
    } finally {
      // Zoo models are rebuilt on demand: gigabytes of seeded weights are not worth keeping.
      if (zooDir) rmSync(zooDir, { recursive: true, force: true });
      scratch?.release();
    }
    if (stored.result.status !== 'ok') {
      say('failed');
      // Failed runs are not stored as results (the next build tries again); the failure is remembered
      // so that --frozen does not advise a rebuild that fails the same way.
      this.store('bench-failed', portableKey, portable, { reason: stored.result.reason });
      return { ok: false, failure: failure('benchmark-failed', phrase('diag.bench.failed', { id: model.id, reason: stored.result.reason })) };
    }
    this.stats.benchmarked++;
    if (this.results && resultFile) {
      this.writeResult(resultFile, 'bench', parts, stored, this.results.machine);
    } else {
      this.store('bench', key, parts, stored);
      this.store('bench-latest', portableKey, portable, key);
    }
    say('done');
    const notices = previous ? refreshNotices(model.id, point.text, previous, stored) : [];
    return { ok: true, value: stored, cached: false, notices };
  }

  /** The self-contained work unit that makes this benchmark on `machine` (modelpress plan). */
  private planUnit(
    model: DeclaredModel,
    ident: { sha256: string; zooSize?: [number, number] | undefined },
    point: InputPoint,
    settings: MeasureSettings,
    flopsPerSample: number | undefined,
    resultFile: string,
    machine: string,
  ): Outcome<PlanCollector['units'][number]> {
    if (model.source.kind === 'family') {
      return { ok: false, failure: failure('analysis', phrase('diag.bench.sweepPoint', { source: sourceName(model.source), machine })) };
    }
    const source = model.source;
    try {
      // The inputs must bind at this batch here, or the unit would fail on every worker.
      const m = this.load(model, ident.zooSize);
      bindInputs(m.graph, benchInputs(m, point, model.batch));
    } catch (err) {
      return { ok: false, failure: this.classify(model, err) };
    }
    const root = this.options.projectRoot ?? process.cwd();
    return {
      ok: true,
      cached: false,
      value: {
        machine,
        model: model.id,
        source:
          source.kind === 'file'
            ? { kind: 'file', path: path.relative(root, source.path).split(path.sep).join('/') }
            : { kind: 'zoo', name: source.entry.name, ...(this.options.zooSeed !== undefined ? { seed: this.options.zooSeed } : {}) },
        sha256: ident.sha256,
        input: point.text,
        shapes: Object.fromEntries(point.shapes),
        batch: model.batch,
        settings: {
          ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
          provider: settings.provider ?? 'cpu',
          processes: settings.processes,
          floor: settings.floor,
          extraProcesses: settings.effort?.extraProcesses ?? effortPolicy(settings.protocol, settings.effort).extraProcesses,
          protocol: { ...settings.protocol },
        },
        ...(flopsPerSample !== undefined && Number.isFinite(flopsPerSample) ? { flopsPerSample } : {}),
        result: path.relative(this.results!.root, resultFile).split(path.sep).join('/'),
      },
    };
  }

  /** Why a benchmark of the model at this point can never be made (undefined: a rebuild may make it). */
  private cannotBenchmark(
    model: DeclaredModel,
    ident: { sha256: string; zooSize?: [number, number] | undefined },
    point: InputPoint,
    portableKey: string,
  ): Said | undefined {
    const failed = this.cache?.get('bench-failed', portableKey, (v): v is { reason: string } => typeof (v as { reason?: unknown })?.reason === 'string');
    if (failed?.status === 'hit') return phrase('diag.never.failedBefore', { reason: failed.value.reason.split('\n')[0]!.trim() });
    try {
      const m = this.load(model, ident.zooSize);
      bindInputs(m.graph, benchInputs(m, point, model.batch));
    } catch (err) {
      if (err instanceof ModelLoadError) return phrase('diag.never.load', { reason: err.reason });
      if (err instanceof InputBindingError) return phrase('diag.never.bindAt', { batch: model.batch, reason: attributeWording(err.message) });
    }
    return undefined;
  }

  /**
   * Zoo models are written once per recipe for onnxruntime, which loads models by path, into the zoo
   * cache folder `modelpress zoo export` uses (one file per recipe, never two copies).
   */
  private zooFile(entry: ZooEntry, model: Model, zooSize: [number, number] | undefined): string {
    // `<cacheDir>/zoo`, the folder `modelpress zoo export` uses (zooCachePath): one copy of each zoo model on disk
    const dir = this.options.cacheDir ? path.join(this.options.cacheDir, 'zoo') : path.join(os.tmpdir(), 'modelpress-zoo');
    const file = zooFileIn(dir, this.zooRecipe(entry, zooSize));
    if (!existsSync(file)) writeModel(model, file);
    return file;
  }

  /**
   * A zoo model written for one benchmark in the build's scratch folder (scratch.ts): its graph, and
   * its weights in an external data file, which onnxruntime memory-maps instead of parsing them out
   * of the protobuf (VGG-16's session is created ~3× faster, with less memory), written over the
   * previous benchmark's in place and never flushed to disk. `release` deletes the graph and frees the
   * data file for the next benchmark.
   */
  private scratchZooFile(entry: ZooEntry, model: Model, zooSize: [number, number] | undefined): { graph: string; release: () => void } {
    const graph = zooFileIn(scratchFolder(), this.zooRecipe(entry, zooSize));
    const weights = leaseWeights();
    try {
      writeModel(model, graph, { externalData: { location: weights.location, overwrite: true }, durable: false });
    } catch (err) {
      weights.release();
      throw err;
    }
    return {
      graph,
      release: () => {
        rmSync(graph, { force: true });
        weights.release();
      },
    };
  }

  private zooRecipe(entry: ZooEntry, zooSize: [number, number] | undefined): { name: string; seed: number; height?: number; width?: number } {
    const [height, width] = zooSize && zooSize[0] > 0 ? zooSize : [undefined, undefined];
    return { name: entry.name, seed: this.options.zooSeed ?? 1, height, width };
  }
}

/** A stored sweep has its axes, points and fits (the family is attached again by name). */
function isCountedSweep(v: unknown): v is Omit<FamilySweep, 'family'> {
  const o = v as Partial<Record<keyof FamilySweep, unknown>> | null;
  return !!o && Array.isArray(o.varied) && Array.isArray(o.axes) && Array.isArray(o.points) && Array.isArray(o.fits) && typeof o.convention === 'string';
}
