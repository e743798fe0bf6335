/**
 * The binding's per-call floor (BENCHMARK.md: "measure that floor … so overhead is visible"): a model
 * that computes nothing but takes and returns tensors of the measured model's shapes. Its median
 * latency is what one `await session.run()` costs before any kernel work. It is measured in the
 * configuration's first process, once the model's own session is released (measure.ts).
 */
import { GraphBuilder } from '../onnx/builder.js';
import type { DtypeName } from '../onnx/dtypes.js';
import type { Model } from '../onnx/model.js';
import type { BenchConfig, InputSpec, ProcessRun, ProtocolOptions } from './types.js';

export const FLOOR_METHOD =
  'Identity model with the same inputs (names, dtypes, shapes) and outputs (dtypes, shapes): each output is an Identity ' +
  "of an input of the same dtype and shape when there is one, else of a zero constant of its shape; measured in the configuration's " +
  "first process after the model's session is released, with the same protocol and session settings";

/**
 * What a floor measurement depends on: the floor model (inputs, outputs), the session settings and
 * the protocol. Two configurations with the same key measure the identical model the identical way.
 */
export function floorKey(config: BenchConfig, outputs: ProcessRun['outputs'], protocol: ProtocolOptions): string {
  const { label: _label, modelPath: _path, ...settings } = config;
  return JSON.stringify({ settings, outputs: outputs.map((o) => ({ name: o.name, dtype: o.dtype, shape: o.shape })), protocol });
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export function buildFloorModel(inputs: readonly InputSpec[], outputs: ProcessRun['outputs']): Model {
  if (outputs.length === 0) throw new Error('the model produced no outputs to mirror');
  const b = new GraphBuilder({ opset: 17, name: 'binding_floor', producerName: 'modelpress bench (binding floor)' });
  for (const input of inputs) b.input(input.name, input.dtype as DtypeName, input.shape);
  const unused = [...inputs];
  const taken = new Set([...inputs.map((i) => i.name), ...outputs.map((o) => o.name)]);
  const unique = (prefix: string): string => {
    let name = prefix;
    for (let k = 1; taken.has(name); k++) name = `${prefix}_${k}`;
    taken.add(name);
    return name;
  };
  for (const output of outputs) {
    if (output.dtype === 'string') throw new Error(`output '${output.name}' is a string tensor: no floor model for string outputs`);
    const match = unused.findIndex((i) => i.dtype === output.dtype && sameShape(i.shape, output.shape));
    let source: string;
    if (match >= 0) {
      source = unused[match]!.name;
      unused.splice(match, 1);
    } else {
      source = b.initializer(unique('floor_zeros'), output.dtype as DtypeName, output.shape, 'zeros');
    }
    b.node('Identity', [source], {}, { name: unique('floor_identity'), outputs: [output.name] });
    b.output(output.name, output.dtype as DtypeName, output.shape);
  }
  return b.build();
}
