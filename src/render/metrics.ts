/**
 * The metric registry: every metric name of PRODUCT.md with its header words, kind and default scale,
 * and where its value comes from in a Profile or a benchmark result. Headers are built here only, so
 * HTML, LaTeX, CSV and charts say `Params (M)` the same way.
 */
import { decoderFacts } from '../analysis/decoder.js';
import type { Profile } from '../analysis/types.js';
import type { BenchResult } from '../runtime/types.js';
import { ENGLISH, type Messages } from '../i18n/index.js';
import { METRIC_NAMES, UnknownMetricError } from './types.js';
import type { MetricName, MetricSpec, ScalePrefix } from './types.js';

export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  params: {
    name: 'params',
    label: 'Params',
    kind: 'count',
    origin: 'counted',
    defaultScale: 'M',
    description: 'number of parameters (elements of weight tensors)',
  },
  params_bytes: {
    name: 'params_bytes',
    label: 'Params size',
    kind: 'bytes',
    origin: 'counted',
    defaultScale: 'M',
    description: 'bytes of the parameters, each at its own dtype (the seed\'s "data bits")',
  },
  macs: {
    name: 'macs',
    label: 'MACs',
    kind: 'count',
    origin: 'counted',
    defaultScale: 'G',
    description: 'multiply-accumulates under the counting convention',
  },
  flops: {
    name: 'flops',
    label: 'FLOPs',
    kind: 'count',
    origin: 'counted',
    defaultScale: 'G',
    description: 'floating-point operations under the counting convention',
  },
  activations_peak: {
    name: 'activations_peak',
    label: 'Peak activations',
    kind: 'bytes',
    origin: 'counted',
    defaultScale: 'M',
    description: 'largest sum of live activation bytes along the execution order',
  },
  activations_total: {
    name: 'activations_total',
    label: 'Total activations',
    kind: 'bytes',
    origin: 'counted',
    defaultScale: 'M',
    description: 'sum of the bytes of every node output',
  },
  depth: {
    name: 'depth',
    label: 'Depth',
    kind: 'integer',
    origin: 'counted',
    defaultScale: '',
    description: 'minimum number of sequential operations (longest path of computing ops)',
  },
  latency: {
    name: 'latency',
    label: 'Latency',
    kind: 'time',
    origin: 'measured',
    defaultScale: 'ms',
    description: 'median time of one batch',
  },
  latency_p90: {
    name: 'latency_p90',
    label: 'Latency p90',
    kind: 'time',
    origin: 'measured',
    defaultScale: 'ms',
    description: '90th percentile of the time of one batch',
  },
  throughput: {
    name: 'throughput',
    label: 'Throughput',
    kind: 'rate',
    origin: 'measured',
    defaultScale: '',
    description: 'samples (images for image models) per second: batch ÷ median latency, so it always agrees with the latency',
  },
  throughput_wall: {
    name: 'throughput_wall',
    label: 'Throughput, wall',
    kind: 'rate',
    origin: 'measured',
    defaultScale: '',
    description: 'samples per second by wall time: batch × runs ÷ wall time of the timed loop (includes the gaps between runs), median over processes',
  },
  achieved_flops: {
    name: 'achieved_flops',
    label: 'Achieved',
    kind: 'rate',
    origin: 'measured',
    defaultScale: 'G',
    description: 'FLOPs of a batch divided by its median latency',
  },
  input: {
    name: 'input',
    label: 'Input',
    kind: 'text',
    origin: 'described',
    defaultScale: '',
    description: 'input resolution H×W for image inputs, else the input shape without the batch dimension',
  },
  macs_per_token: {
    name: 'macs_per_token',
    label: 'MACs/token',
    kind: 'count',
    origin: 'counted',
    defaultScale: 'G',
    description: 'MACs divided by the tokens of the run (batch × sequence_length of input_ids)',
  },
  flops_per_token: {
    name: 'flops_per_token',
    label: 'FLOPs/token',
    kind: 'count',
    origin: 'counted',
    defaultScale: 'G',
    description: 'FLOPs divided by the tokens of the run',
  },
  kv_cache_bytes: {
    name: 'kv_cache_bytes',
    label: 'KV cache',
    kind: 'bytes',
    origin: 'counted',
    defaultScale: 'M',
    description: 'bytes of the KV cache after the run (its present.* outputs at past + new tokens)',
  },
  arithmetic_intensity: {
    name: 'arithmetic_intensity',
    label: 'Arithmetic intensity',
    kind: 'ratio',
    origin: 'counted',
    defaultScale: '',
    description: 'FLOPs per byte that must be moved at least: every weight once plus the KV cache read and extended',
  },
};

export function isMetricName(name: string): name is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(name);
}

/** The spec of a metric; an unknown name throws UnknownMetricError listing the known ones. */
export function metricSpec(name: string): MetricSpec {
  if (!isMetricName(name)) throw new UnknownMetricError(name, METRIC_NAMES);
  return METRICS[name];
}

/** Check a list of names (e.g. from `metrics="params macs"`), throwing on the first unknown one. */
export function parseMetricList(text: string): MetricName[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => metricSpec(s).name);
}

/** Scales each kind accepts (`format.scale` is checked against these). */
export const SCALES_BY_KIND: Readonly<Record<MetricSpec['kind'], readonly ScalePrefix[]>> = {
  count: ['', 'K', 'M', 'G', 'T'],
  bytes: ['', 'K', 'M', 'G', 'T'],
  time: ['us', 'ms', 's'],
  rate: ['', 'K', 'M', 'G', 'T'],
  integer: [''],
  text: [''],
  ratio: [''],
};

/** Factor that divides a base-unit value to express it in the scale (ms is the base unit of time). */
export function scaleFactor(scale: ScalePrefix): number {
  switch (scale) {
    case '':
      return 1;
    case 'K':
      return 1e3;
    case 'M':
      return 1e6;
    case 'G':
      return 1e9;
    case 'T':
      return 1e12;
    case 'us':
      return 1e-3;
    case 'ms':
      return 1;
    case 's':
      return 1e3;
  }
}

export type SampleUnit = 'img' | 'samples';

/** The unit part of a header, e.g. `M`, `MB`, `ms`, `img/s`, `GFLOP/s`; '' when there is none. */
export function unitText(metric: MetricName, scale: ScalePrefix, sampleUnitName: SampleUnit = 'samples', messages: Messages = ENGLISH): string {
  const spec = METRICS[metric];
  const sampleUnit = messages.t(sampleUnitName === 'img' ? 'unit.img' : 'unit.samples');
  switch (spec.kind) {
    case 'count':
      return scale;
    case 'bytes':
      return `${scale}B`;
    case 'time':
      return scale === 'us' ? 'µs' : scale;
    case 'rate':
      if (metric === 'achieved_flops') return `${scale}FLOP/s`;
      return scale === '' ? `${sampleUnit}/s` : `${scale} ${sampleUnit}/s`;
    case 'integer':
    case 'text':
      return '';
    case 'ratio':
      return 'FLOP/B';
  }
}

/** A metric's name in the document's language (`Params`, `参数量`). */
export function metricLabel(metric: MetricName, messages: Messages = ENGLISH): string {
  return messages.t(`metric.${metric}`);
}

/** The column header, e.g. `Params (M)`, `Latency (ms)`, `Throughput (img/s)`, `Depth`; `参数量 (M)` in Chinese. */
export function metricHeader(metric: MetricName, scale: ScalePrefix, sampleUnit: SampleUnit = 'samples', messages: Messages = ENGLISH): string {
  const unit = unitText(metric, scale, sampleUnit, messages);
  const label = metricLabel(metric, messages);
  return unit === '' ? label : messages.t('header.unit', { label, unit });
}

/** Where a metric's value comes from: the static profile, the benchmark, or both. */
export interface MetricSource {
  profile?: Profile | undefined;
  bench?: BenchResult | undefined;
}

/**
 * The value of a metric in base units (count, bytes, ms per batch, per second) or the input text;
 * null when the source that holds it is absent (e.g. no benchmark) or the benchmark failed.
 */
export function metricValue(metric: MetricName, source: MetricSource): number | string | null {
  const t = source.profile?.totals;
  const ok = source.bench?.status === 'ok' ? source.bench : undefined;
  switch (metric) {
    case 'params':
      return t ? t.params : null;
    case 'params_bytes':
      return t ? t.paramsBytes : null;
    case 'macs':
      return t ? t.macs : null;
    case 'flops':
      return t ? t.flops : null;
    case 'activations_peak':
      return t ? t.activationsPeakBytes : null;
    case 'activations_total':
      return t ? t.activationsTotalBytes : null;
    case 'depth':
      return t ? t.depth : null;
    case 'latency':
      return ok ? ok.latencyMedianMs : null;
    case 'latency_p90':
      return ok ? ok.pooled.p90Ms : null;
    case 'throughput':
      // Derived here, not read from the record, so it is batch ÷ median latency for every stored result.
      return ok && ok.latencyMedianMs > 0 ? ok.config.batch / (ok.latencyMedianMs / 1000) : null;
    case 'throughput_wall':
      return ok && typeof ok.throughputWallPerSecond === 'number' ? ok.throughputWallPerSecond : null;
    case 'achieved_flops':
      return ok?.achieved ? ok.achieved.flopsPerSecond : null;
    case 'macs_per_token':
    case 'flops_per_token': {
      const dec = source.profile ? decoderFacts(source.profile) : undefined;
      if (!t || !dec || dec.tokens === 0) return null;
      return (metric === 'macs_per_token' ? t.macs : t.flops) / dec.tokens;
    }
    case 'kv_cache_bytes':
      return source.profile ? (decoderFacts(source.profile)?.kvCacheBytes ?? null) : null;
    case 'arithmetic_intensity': {
      if (!t) return null;
      const moved = t.paramsBytes + (decoderFacts(source.profile!)?.kvCacheBytes ?? 0);
      return moved > 0 ? t.flops / moved : null;
    }
    case 'input': {
      const shapes = source.profile
        ? source.profile.inputs.map((i) => ({ name: i.name, shape: i.shape }))
        : source.bench
          ? source.bench.config.inputs.map((i) => ({ name: i.name, shape: i.shape }))
          : undefined;
      return shapes ? describeInputs(shapes) : null;
    }
  }
}

/**
 * `224×224` for one NCHW image input (the seed's "Input Resolution"), else each input's shape
 * without its batch dimension, `name=…` when there are several.
 */
export function describeInputs(inputs: { name: string; shape: readonly (number | string | null)[] }[]): string {
  const text = (shape: readonly (number | string | null)[]) =>
    shape.length === 4 ? shape.slice(2).map(dimText).join('×') : shape.length === 1 ? dimText(shape[0]!) : shape.slice(1).map(dimText).join('×') || 'scalar';
  if (inputs.length === 1) return text(inputs[0]!.shape);
  return inputs.map((i) => `${i.name}=${text(i.shape)}`).join(', ');
}

function dimText(d: number | string | null): string {
  return d === null ? '?' : String(d);
}

/** True when every input set is a single 4-D tensor (an image batch): throughput is then `img/s`. */
export function isImageInput(inputs: { shape: readonly unknown[] }[]): boolean {
  return inputs.length === 1 && inputs[0]!.shape.length === 4;
}
