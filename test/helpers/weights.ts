/**
 * Weights for reference graphs built in tests. `seeded` makes real values (the model can run in
 * onnxruntime); `placeholder` makes float32 initializers whose data is declared external and never
 * read, so a 138-million-parameter VGG-16 costs nothing to build and proves analysis reads no weights.
 */
import type { GraphBuilder } from '../../src/onnx/builder.js';
import { elementCount } from '../../src/onnx/model.js';

export type WeightMode = 'seeded' | 'placeholder';

export class Weights {
  private offset = 0;

  constructor(
    private readonly b: GraphBuilder,
    private readonly mode: WeightMode,
    private readonly location = 'weights.bin',
  ) {}

  /** A float32 weight; `init` applies to seeded mode ('kaiming' by default, 'ones'/'zeros' for norms). */
  add(name: string, dims: number[], init: 'kaiming' | 'ones' | 'zeros' = 'kaiming'): string {
    if (this.mode === 'seeded') return this.b.weight(name, dims, init);
    const length = elementCount(dims) * 4;
    const offset = this.offset;
    this.offset += length;
    return this.b.addInitializer({ name, dataType: 1, dims, data: { kind: 'external', location: this.location, offset, length, entries: [] } });
  }
}
