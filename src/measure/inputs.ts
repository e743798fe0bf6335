/** Input shapes at a point: for the analysis, for the runtime, and a zoo image model's size. */
import { bindInputs, feedInputs } from '../analysis/bind.js';
import type { Profile } from '../analysis/types.js';
import type { Dim, Model } from '../onnx/model.js';
import type { ZooEntry } from '../zoo/registry.js';
import type { InputPoint, Outcome } from './types.js';

/** Height and width of a zoo image model at a point; text models keep their architecture. */
export function zooSize(entry: ZooEntry, point: InputPoint): Outcome<[number, number]> {
  const declared = entry.input.shape;
  const given = point.shapes.get(entry.input.name) ?? point.shapes.get('');
  const other = [...point.shapes.keys()].filter((k) => k !== '' && k !== entry.input.name);
  // Text models: other names (a decoder's past_key_values.*, or dims such as past_sequence_length) go to the binder.
  if (entry.input.name !== 'input') return { ok: true, value: [0, 0], cached: false };
  if (other.length > 0) {
    return {
      ok: false,
      failure: {
        ruleId: 'input-binding',
        reason: `zoo '${entry.name}' has one input, '${entry.input.name}'; it has no input ${other.map((o) => `'${o}'`).join(', ')}`,
      },
    };
  }
  const h = declared[2] as number;
  const w = declared[3] as number;
  if (!given) return { ok: true, value: [h, w], cached: false };
  if (given.length !== 4 || given[1] !== declared[1]) {
    return {
      ok: false,
      failure: {
        ruleId: 'input-binding',
        reason: `zoo '${entry.name}' takes N×${String(declared[1])}×H×W images; input=${given.join('x')} does not fit (e.g. input=1x${String(declared[1])}x${h}x${w})`,
      },
    };
  }
  if (!entry.resizable && (given[2] !== h || given[3] !== w)) {
    return {
      ok: false,
      failure: {
        ruleId: 'input-binding',
        reason: `zoo '${entry.name}' is built for ${h}×${w} only (${entry.description}); use input=1x${String(declared[1])}x${h}x${w}`,
      },
    };
  }
  return { ok: true, value: [given[2]!, given[3]!], cached: false };
}

/** Graph inputs to feed, with their declared shapes. */
function declaredInputs(model: Model): { name: string; shape: Dim[] | undefined }[] {
  return feedInputs(model.graph).map((v) => ({ name: v.name, shape: v.type?.kind === 'tensor' ? v.type.shape : undefined }));
}

/**
 * Shapes for the analysis: the point's shapes, or — when none were given — the declared shapes with a
 * symbolic leading (batch) dim set to 1; other symbolic dims stay unbound and the binder names them.
 */
export function profileInputs(model: Model, point: InputPoint): Map<string, number[]> {
  const feeds = declaredInputs(model);
  if (point.shapes.size > 0) {
    const bare = point.shapes.get('');
    // A bare shape binds the only input, whatever its name.
    if (bare && feeds.length === 1) return new Map([[feeds[0]!.name, bare]]);
    return new Map(point.shapes);
  }
  // As declared: the binder sizes a symbolic leading (batch) dim with the default batch, as profile
  // and bench do, and records it (Profile.assumedBatch → the table's footnote).
  return new Map();
}

/** The runtime's input shapes: the point's shapes with the leading dim of batch-free inputs set to the batch. */
export function benchInputs(model: Model, point: InputPoint, batch: number): Map<string, number[]> {
  let shapes = profileInputs(model, point);
  const feeds = declaredInputs(model);
  if ([...shapes.keys()].some((n) => !feeds.some((f) => f.name === n))) {
    // dims bound by name (`past_sequence_length=127`): the binder gives every input its shape
    shapes = new Map(bindInputs(model.graph, shapes).inputs.map((b) => [b.name, b.shape]));
  }
  const out = new Map<string, number[]>();
  for (const d of declaredInputs(model)) {
    const given = shapes.get(d.name);
    if (!given) continue;
    const leadingFree = d.shape !== undefined && d.shape.length > 0 && typeof d.shape[0] !== 'number';
    out.set(d.name, leadingFree && given.length > 0 ? [batch, ...given.slice(1)] : [...given]);
  }
  return out;
}

/** Samples in the leading dim of the first input at a point (FLOPs per sample = FLOPs ÷ this). */
export function pointSamples(profile: Profile): number {
  const first = profile.inputs[0]?.shape[0];
  return typeof first === 'number' && first > 0 ? first : 1;
}
