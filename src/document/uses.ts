/**
 * How a directive uses a declared model: resolve `model=` (with "did you mean"), choose the input
 * point, fetch the profile and benchmark, and turn failures into diagnostics. A failure of the model
 * itself (missing file, load error, unbound dim, failed benchmark) is reported once, at its `::model`
 * declaration; every place that needed it shows an error box saying why.
 */
import type { VFile } from 'vfile';
import type { Convention, Profile } from '../analysis/types.js';
import { toolVersion } from '../cache/tool-version.js';
import { metricValue } from '../render/metrics.js';
import type { MetricName, MetricValues } from '../render/types.js';
import { allOf, type DirectiveNode, names, report, suggestion } from './directive.js';
import { ENGLISH, type Messages, phrase, type Said, say } from '../i18n/index.js';
import { showError } from './error-box.js';
import type { InputPoint } from './input-shapes.js';
import { type DeclaredModel, type Failure, pointSamples, type StoredBench } from '../measure/registry.js';
import { type DocumentState, type Provenance, stateMessages } from './state.js';
import { UNSTABLE_RELATIVE_IQR } from '../runtime/stats.js';
import { machineSettings } from './settings.js';

/** Metrics that need a benchmark. */
export const MEASURED: readonly MetricName[] = ['latency', 'latency_p90', 'throughput', 'throughput_wall', 'achieved_flops'];

export function needsBenchmark(metrics: readonly MetricName[]): boolean {
  return metrics.some((m) => MEASURED.includes(m));
}

/** The declared model named by `model=`, or a diagnostic at that attribute. */
export function resolveModel(
  state: DocumentState,
  file: VFile,
  node: DirectiveNode,
  id: string,
  attribute = 'model',
  problems?: Said[],
): DeclaredModel | undefined {
  const model = state.registry.get(id);
  if (model) return model;
  const ids = state.registry.ids();
  const reason = phrase('diag.unknownModel', {
    id,
    suggestion: suggestion(id, ids),
    known: ids.length > 0 ? phrase('diag.declaredModels', { ids: names(ids) }) : phrase('diag.declareFirst', { id }),
  });
  report(file, node, reason, 'unknown-model', attribute);
  problems?.push(reason);
  return undefined;
}

/**
 * The one point a single-number directive (metric, formula, layers, ops) reads: `input=` when given
 * (one of the model's points, or any concrete shape), else the model's only point.
 */
function singlePoint(file: VFile, node: DirectiveNode, model: DeclaredModel, chosen: InputPoint[] | undefined): InputPoint | undefined {
  if (chosen) {
    if (chosen.length !== 1) {
      report(file, node, phrase('diag.input.oneSize', { count: chosen.length }), 'malformed-shape', 'input');
      return undefined;
    }
    return chosen[0]!;
  }
  if (model.points.length === 1) return model.points[0]!;
  report(
    file,
    node,
    phrase('diag.input.chooseOne', {
      id: model.id,
      count: model.points.length,
      labels: names(model.points.map((p) => p.label)),
      example: model.points[0]!.text,
    }),
    'bad-attribute',
  );
  return undefined;
}

/** Report a model's failure once, at its declaration (the attribute that can fix it). */
export function reportModelFailure(state: DocumentState, file: VFile, model: DeclaredModel, failure: Failure): void {
  const seen = state.reported;
  const key = `${model.id}\u0000${failure.reason}`;
  if (seen.has(key)) return;
  seen.add(key);
  const list = state.modelFailures.get(model.id) ?? [];
  list.push(failure);
  state.modelFailures.set(model.id, list);
  const attribute =
    failure.ruleId === 'missing-model' || failure.ruleId === 'model-load'
      ? model.source.kind === 'file'
        ? 'src'
        : model.source.kind === 'zoo'
          ? 'zoo'
          : 'families'
      : failure.ruleId === 'unbound-dim' || failure.ruleId === 'input-binding'
        ? model.inputGiven
          ? 'input'
          : undefined
        : undefined;
  const node = { type: 'leafDirective', name: 'model', attributes: {}, children: [], position: model.place } as DirectiveNode;
  report(file, node, failureSaid(failure), failure.ruleId, attribute);
}

export async function profileAt(
  state: DocumentState,
  file: VFile,
  model: DeclaredModel,
  point: InputPoint,
  convention?: Convention,
): Promise<{ profile?: Profile; failure?: Failure }> {
  const outcome = await state.registry.profile(model.id, point, convention ?? state.settings.convention);
  if (outcome.ok) return { profile: outcome.value };
  reportModelFailure(state, file, model, outcome.failure);
  return { failure: outcome.failure };
}

/**
 * The benchmark of a model at a point. With `node` (the directive that prints it), an unstable result,
 * a busy machine and a refresh that moved the number beyond its CIs are warnings at that directive.
 */
export async function benchAt(
  state: DocumentState,
  file: VFile,
  model: DeclaredModel,
  point: InputPoint,
  profile: Profile | undefined,
  node?: DirectiveNode,
  /** Another machine's stored result (`machines=`, `machine=`); default this machine's. */
  machine?: string,
): Promise<{ bench?: StoredBench; failure?: Failure }> {
  const s = state.settings;
  const flopsPerSample = profile ? profile.totals.flops / pointSamples(profile) : undefined;
  const own = machineSettings(s, machine ?? state.registry.machine);
  const outcome = await state.registry.bench(
    model.id,
    point,
    {
      convention: s.convention,
      threads: own.threads,
      provider: own.provider,
      processes: s.processes,
      effort: { extraProcesses: s.extraProcesses },
      floor: s.floor,
      protocol: {
        warmupMinRuns: s.warmupRuns,
        warmupMinMs: s.warmupSeconds * 1000,
        minRuns: s.runs,
        minTimeMs: s.minTimeSeconds * 1000,
        maxRuns: 10_000,
        maxTimeMs: Math.max(s.maxTimeSeconds, s.minTimeSeconds, s.warmupSeconds) * 1000,
      },
    },
    flopsPerSample,
    machine,
  );
  if (outcome.ok) {
    recordEnvironment(state, model, outcome.value);
    if (node) warnAboutBench(state, file, node, model, point, outcome.value, outcome.notices ?? []);
    return { bench: outcome.value };
  }
  if (
    outcome.failure.ruleId === 'missing-result' ||
    outcome.failure.ruleId === 'planned' ||
    (machine !== undefined && outcome.failure.ruleId === 'frozen-miss')
  ) {
    // Another machine's result (or one `modelpress plan` listed) is missing at the directive that
    // asked for it, not at the model: the model itself is fine.
    const key = `${outcome.failure.ruleId}\u0000${outcome.failure.reason}\u0000${node?.position?.start.offset ?? ''}`;
    if (node && !state.reported.has(key)) {
      state.reported.add(key);
      report(
        file,
        node,
        failureSaid(outcome.failure),
        outcome.failure.ruleId,
        machine !== undefined ? (node.attributes?.machines !== undefined ? 'machines' : 'machine') : undefined,
      );
    }
    return { failure: outcome.failure };
  }
  reportModelFailure(state, file, model, outcome.failure);
  return { failure: outcome.failure };
}

/** Whether a stored result is unstable (older results without the effort record: the pooled verdict). */
export function isUnstable(stored: StoredBench): boolean {
  const r = stored.result;
  return r.status === 'ok' && (r.stability ? r.stability.unstable : r.pooled.unstable);
}

/** The headline latency CI (older results: the pooled median's CI). */
export function latencyCi(stored: StoredBench): [number, number] | null {
  const r = stored.result;
  if (r.status !== 'ok') return null;
  return r.latencyCi95Ms ?? r.pooled.medianCi95Ms;
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** Why a result is unstable, in words, with the effort spent. */
export function unstableReason(stored: StoredBench, msg: Messages = ENGLISH): string {
  const r = stored.result;
  if (r.status !== 'ok') return '';
  const iqr = (v: number) => msg.t('unstable.iqr', { value: (v * 100).toFixed(1) });
  if (!r.stability) return iqr(r.pooled.relativeIqr);
  const s = r.stability;
  // The verdict's reasons, said again from its numbers (the stored words are English).
  const reasons = [
    ...(s.relativeIqr > UNSTABLE_RELATIVE_IQR ? [iqr(s.relativeIqr)] : []),
    ...(s.processSpread > UNSTABLE_RELATIVE_IQR ? [msg.t('unstable.spread', { value: (s.processSpread * 100).toFixed(1) })] : []),
  ];
  const effort =
    s.extraProcesses > 0
      ? msg.t('unstable.afterExtra', {
          count: s.extraProcesses,
          processWord: msg.t(s.extraProcesses === 1 ? 'unstable.extraProcess' : 'unstable.extraProcesses'),
        })
      : msg.t('unstable.noExtra');
  return msg.t('unstable.reason', {
    reasons: reasons.length > 0 ? reasons.join(msg.t('list.comma')) : s.reasons.join(', '),
    effort,
    stop: msg.t(`stop.${s.stoppedBecause}`),
  });
}

/** Warnings about a benchmark at the directive that prints it; each said once per directive. */
function warnAboutBench(
  state: DocumentState,
  file: VFile,
  node: DirectiveNode,
  model: DeclaredModel,
  point: InputPoint,
  stored: StoredBench,
  notices: string[],
): void {
  const once = (key: string, reason: string, ruleId: 'unstable-measurement' | 'busy-machine' | 'refresh-changed') => {
    const k = `${ruleId}\u0000${key}\u0000${node.position?.start.offset ?? ''}`;
    if (state.reported.has(k)) return;
    state.reported.add(k);
    report(file, node, reason, ruleId);
  };
  const at = point.text ? ` at input ${point.text}` : '';
  if (isUnstable(stored)) {
    const ci = latencyCi(stored)!;
    const r = stored.result as Extract<StoredBench['result'], { status: 'ok' }>;
    once(
      `${model.id}\u0000${point.text}`,
      `the latency of model '${model.id}'${at} is an unstable measurement (${unstableReason(stored)}): ${ms(r.latencyMedianMs)} ms, 95% CI ${ms(ci[0])}–${ms(ci[1])} ms; it is printed with a † and its CI; re-measure on an idle machine with --refresh=${model.id}`,
      'unstable-measurement',
    );
  }
  const load = stored.environment.load;
  // Once per document: every benchmark of a build shares the machine's state.
  if (load?.busy && !state.reported.has('busy-machine')) {
    state.reported.add('busy-machine');
    report(
      file,
      node,
      `model '${model.id}'${at} (and maybe others) was benchmarked on a busy machine: ${load.reason}; numbers may be slower and noisier than on an idle one (re-measure with --refresh when it is idle)`,
      'busy-machine',
    );
  }
  for (const n of notices) once(`${model.id}\u0000${point.text}\u0000${n}`, n, 'refresh-changed');
}

/** Uncertainty marks of the measured metrics of a result (CI in base units; unstable flag and reason). */
export function benchMarks(metrics: readonly MetricName[], stored: StoredBench | undefined, msg: Messages = ENGLISH): MetricValues['marks'] {
  if (stored?.result.status !== 'ok') return undefined;
  const r = stored.result;
  const unstable = isUnstable(stored);
  const reason = unstable ? unstableReason(stored, msg) : undefined;
  const [lo, hi] = latencyCi(stored)!;
  const rate = (perBatch: number): [number, number] | null => (lo > 0 && hi > 0 ? [perBatch / (hi / 1000), perBatch / (lo / 1000)] : null);
  const marks: NonNullable<MetricValues['marks']> = {};
  for (const m of metrics) {
    if (!MEASURED.includes(m)) continue;
    const ci95 =
      m === 'latency'
        ? ([lo, hi] as [number, number])
        : m === 'throughput'
          ? rate(r.config.batch)
          : m === 'achieved_flops' && r.achieved
            ? rate(r.achieved.flopsPerSample * r.config.batch)
            : null;
    marks[m] = { unstable, reason, ci95 };
  }
  return marks;
}

/** The method line of a benchmark, in words. */
export function benchMethod(stored: StoredBench, msg: Messages = ENGLISH): string {
  const p = stored.protocol;
  return msg.t('env.methodValue', {
    processes: p.processes,
    processWord: msg.t(p.processes === 1 ? 'note.process' : 'note.processes'),
    warmupRuns: p.warmupMinRuns,
    warmupS: p.warmupMinMs / 1000,
    runs: p.minRuns,
    timeS: p.minTimeMs / 1000,
  });
}

function recordEnvironment(state: DocumentState, model: DeclaredModel, stored: StoredBench): void {
  const r = stored.result;
  const envs = state.data.environments;
  const method = benchMethod(stored, stateMessages(state));
  const same = envs.find(
    (e) =>
      e.machine === stored.machine &&
      e.environment.fingerprint === stored.environment.fingerprint &&
      e.threads === r.config.intraOpNumThreads &&
      e.batch === r.config.batch &&
      e.provider === r.config.provider &&
      e.method === method,
  );
  const entry = same ?? {
    ...(stored.machine ? { machine: stored.machine } : {}),
    environment: stored.environment,
    threads: r.config.intraOpNumThreads,
    batch: r.config.batch,
    provider: r.config.provider,
    method,
    models: [],
    floors: [],
  };
  if (!same) envs.push(entry);
  if (!entry.models.includes(model.id)) entry.models.push(model.id);
  if (r.status === 'ok' && r.floor) {
    const input = r.config.inputs.map((i) => i.shape.join('x')).join(',');
    // A model measured once but used by several directives (a table and a chart) is listed once.
    if (!entry.floors.some((f) => f.model === model.id && f.input === input)) {
      entry.floors.push({ model: model.id, input, latencyMedianMs: r.floor.latencyMedianMs });
    }
  }
}

export function provenance(state: DocumentState, model: DeclaredModel, point: InputPoint, profile: Profile | undefined, stored?: StoredBench): Provenance {
  const out: Provenance = {
    model: model.id,
    sha256: profile?.model.sha256,
    source:
      model.source.kind === 'zoo'
        ? `zoo:${model.source.entry.name}`
        : model.source.kind === 'family'
          ? `family:${model.source.family.name}`
          : model.source.written,
    input: point.text || (profile ? profile.inputs.map((i) => `${i.name}=${i.shape.join('x')}`).join(',') : ''),
    convention: profile?.convention ?? state.settings.convention,
    tool: `modelpress ${toolVersion()}`,
  };
  if (stored && stored.result.status === 'ok') {
    const c = stored.result.config;
    out.benchmark = {
      ...(stored.machine ? { machine: stored.machine } : {}),
      hardware: stored.environment.fingerprint,
      cpuModel: stored.environment.cpuModel,
      onnxruntime: stored.environment.onnxruntimeVersion,
      provider: c.provider,
      threads: c.intraOpNumThreads,
      batch: c.batch,
      method: benchMethod(stored),
    };
  }
  return out;
}

/** Values of the metrics for one model at one point, with a note for each missing value. */
export function metricValues(
  metrics: readonly MetricName[],
  profile: Profile | undefined,
  stored: StoredBench | undefined,
  failures: Failure[],
  msg: Messages = ENGLISH,
): MetricValues {
  const values: MetricValues['values'] = {};
  const notes: NonNullable<MetricValues['notes']> = {};
  const bench = stored?.result;
  for (const m of metrics) {
    values[m] = metricValue(m, { profile, bench });
    if (values[m] === null) {
      const why = failures.length > 0 ? say(msg, allOf(failures.map(failureSaid))) : '';
      notes[m] = why || msg.t(MEASURED.includes(m) ? 'table.notMeasured' : 'table.notAvailable');
    }
  }
  return { values, notes, marks: benchMarks(metrics, stored, msg) };
}

/** A short one-line explanation for an error box at a use site. */
export function failureText(model: DeclaredModel, failure: Failure): Said {
  return phrase('diag.notMeasured', { id: model.id, reason: failureSaid(failure) });
}

/** What a failure says (its English reason when it has no words of its own). */
export function failureSaid(failure: Failure): Said {
  return failure.said ?? failure.reason;
}

/**
 * The one model and input size a breakdown directive (layers, ops) reads, profiled. When it cannot be
 * had, the directive's place shows why and the result is undefined.
 */
export async function profileOne(
  state: DocumentState,
  file: VFile,
  node: DirectiveNode,
  id: string,
  input: InputPoint[] | undefined,
  convention?: Convention,
): Promise<{ model: DeclaredModel; point: InputPoint; profile: Profile } | undefined> {
  const unknown: Said[] = [];
  const model = resolveModel(state, file, node, id, 'model', unknown);
  if (!model) return void showError(node, file, allOf(unknown), 'unknown-model');
  const point = singlePoint(file, node, model, input);
  if (!point) return void showError(node, file, phrase('diag.input.chooseOf', { id: model.id }), 'bad-attribute');
  const p = await profileAt(state, file, model, point, convention);
  if (!p.profile) return void showError(node, file, failureText(model, p.failure!), p.failure!.ruleId);
  return { model, point, profile: p.profile };
}
