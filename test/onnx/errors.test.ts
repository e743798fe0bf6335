/**
 * Bad input never crashes the reader: each case ends in one ModelLoadError naming the file and
 * saying what is wrong, and no case hangs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { seededRandom } from '../../src/onnx/random.js';
import { ModelLoadError } from '../../src/onnx/errors.js';
import type { Tensor } from '../../src/onnx/model.js';
import { readModel, readModelBytes } from '../../src/onnx/reader.js';
import { tensorBytes } from '../../src/onnx/tensor-data.js';
import { serializeModel, writeModel } from '../../src/onnx/writer.js';
import { BACKEND_DATA } from '../helpers/backend-data.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-errors-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function small(irVersion?: number): Buffer {
  const b = new GraphBuilder(irVersion === undefined ? {} : { irVersion });
  const x = b.input('x', 'float32', [1, 4]);
  const w = b.weight('w', [4, 4]);
  b.output(b.op('MatMul', [x, w]));
  return serializeModel(b.build());
}

function loadError(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return err as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError, but the load succeeded');
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('ModelLoadError for bad input', () => {
  it('missing file', () => {
    const file = path.join(dir, 'nope.onnx');
    const err = loadError(() => readModel(file));
    expect(err.path).toBe(file);
    expect(err.message).toBe(`${file}: file not found; check the path (relative paths resolve against the current folder or the Markdown file)`);
  });

  it('a folder instead of a file', () => {
    expect(loadError(() => readModel(dir)).reason).toBe('is a folder, not an .onnx file');
  });

  it('empty file', () => {
    const file = write('empty.onnx', new Uint8Array(0));
    expect(loadError(() => readModel(file)).reason).toBe('the file is empty (0 bytes); re-export the model');
  });

  it('truncated file: every cut of a valid model fails cleanly', () => {
    const bytes = small();
    // Cut inside the graph (half way) and one byte before the end.
    for (const cut of [Math.floor(bytes.length / 2), bytes.length - 1]) {
      const file = write(`cut${cut}.onnx`, bytes.subarray(0, cut));
      const err = loadError(() => readModel(file));
      expect(err.reason).toMatch(/^the file is truncated: it ends inside a protobuf field \(at byte \d+ of \d+\); re-export or copy the model again$/);
    }
    // Every prefix either fails with ModelLoadError or (rarely, at a field boundary) lacks a graph.
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(() => readModelBytes(bytes.subarray(0, cut))).toThrow(ModelLoadError);
    }
  });

  it('random bytes', () => {
    const rand = seededRandom(42);
    for (let trial = 0; trial < 50; trial++) {
      const bytes = Uint8Array.from({ length: 64 + trial * 13 }, () => Math.floor(rand() * 256));
      const err = loadError(() => readModelBytes(bytes, `random${trial}.onnx`));
      expect(err.reason).toMatch(/^(not an ONNX model: |the file is truncated)/);
    }
  });

  it('a text file', () => {
    const file = write('notes.onnx', Buffer.from('# not a model\nhello world\n'));
    expect(loadError(() => readModel(file)).reason).toMatch(/^(not an ONNX model|the file is truncated)/);
  });

  it('a valid protobuf that is not a model (a serialized TensorProto)', () => {
    const pb = path.join(BACKEND_DATA, 'pytorch-converted', 'test_Conv2d', 'test_data_set_0', 'input_0.pb');
    const err = loadError(() => readModel(pb));
    expect(err.reason).toMatch(/^not an ONNX model: /);
  });

  it('an unknown IR version', () => {
    const file = write('ir99.onnx', small(99));
    expect(loadError(() => readModel(file)).reason).toBe(
      'unknown IR version 99 (this modelpress reads IR versions 1 to 12); re-export with an older opset or upgrade modelpress',
    );
  });
});

describe('external data stays inside the model folder', () => {
  function externalModel(location: string, offset = 0, length = 64): Buffer {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    const w: Tensor = { name: 'w', dataType: 1, dims: [4, 4], data: { kind: 'external', location, offset, length, entries: [] } };
    b.addInitializer(w);
    b.output(b.op('MatMul', [x, 'w']));
    return serializeModel(b.build());
  }

  it('refuses an absolute location, naming the tensor', () => {
    const file = write('abs.onnx', externalModel('/etc/passwd'));
    expect(loadError(() => readModel(file)).reason).toBe(
      "tensor 'w': external data location '/etc/passwd' is absolute; it must be relative to the model's folder",
    );
  });

  it('refuses a location that climbs out with ..', () => {
    const file = write('dotdot.onnx', externalModel('../secret.bin'));
    expect(loadError(() => readModel(file)).reason).toBe("tensor 'w': external data location '../secret.bin' leaves the model's folder");
  });

  it('refuses a symlink that leaves the folder', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'modelpress-outside-'));
    fs.writeFileSync(path.join(outside, 'weights.bin'), new Uint8Array(64));
    const inner = path.join(dir, 'linked');
    fs.mkdirSync(inner);
    fs.symlinkSync(path.join(outside, 'weights.bin'), path.join(inner, 'weights.bin'));
    fs.writeFileSync(path.join(inner, 'model.onnx'), externalModel('weights.bin'));
    expect(loadError(() => readModel(path.join(inner, 'model.onnx'))).reason).toBe(
      "tensor 'w': external data 'weights.bin' is a link that leaves the model's folder",
    );
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('loads without reading external bytes, and checks offset + length when bytes are asked for', () => {
    const inner = path.join(dir, 'short');
    fs.mkdirSync(inner);
    fs.writeFileSync(path.join(inner, 'w.bin'), new Uint8Array(32)); // 4×4 float32 needs 64 bytes
    fs.writeFileSync(path.join(inner, 'model.onnx'), externalModel('w.bin', 0, 64));
    const model = readModel(path.join(inner, 'model.onnx'));
    const w = model.graph.initializers[0]!;
    expect(w.data.kind).toBe('external');
    expect(loadError(() => tensorBytes(w, model)).reason).toBe("tensor 'w': external data 'w.bin' offset 0 + length 64 exceeds the file size 32");
  });

  it('a missing external file is only an error when its bytes are asked for', () => {
    const inner = path.join(dir, 'missing');
    fs.mkdirSync(inner);
    fs.writeFileSync(path.join(inner, 'model.onnx'), externalModel('absent.bin'));
    const model = readModel(path.join(inner, 'model.onnx'));
    expect(loadError(() => tensorBytes(model.graph.initializers[0]!, model)).reason).toBe("tensor 'w': external data file 'absent.bin' does not exist");
  });

  it('writeModel refuses an external location outside the folder', () => {
    const b = new GraphBuilder();
    b.output(b.op('Identity', [b.input('x', 'float32', [1])]));
    expect(() => writeModel(b.build(), path.join(dir, 'x.onnx'), { externalData: { location: '../w.bin' } })).toThrow(
      "external data location '../w.bin' must be a plain file name relative to the model",
    );
  });
});
