import { describe, expect, it } from 'vitest';
import { moduleOfNode, parseTrace, traceNodeLabel } from '../../src/runtime/trace.js';
import { pooledNote } from '../../src/cli/bench.js';

// A trace written by hand in onnxruntime's format (names and fields as in a real 1.30 trace):
// three runs; the first is warm-up and skipped.
const events = [
  { cat: 'Session', name: 'model_loading_uri', ts: 0, dur: 300, args: {} },
  { cat: 'Session', name: 'model_run', ts: 1000, dur: 100, args: {} },
  { cat: 'Node', name: '/conv_kernel_time', ts: 1010, dur: 500, args: { op_name: 'Conv', provider: 'CPUExecutionProvider' } },
  { cat: 'Session', name: 'model_run', ts: 2000, dur: 100, args: {} },
  { cat: 'Node', name: '/conv_fence_before', ts: 2005, dur: 0, args: { op_name: 'Conv' } },
  { cat: 'Node', name: '/conv_kernel_time', ts: 2010, dur: 40, args: { op_name: 'Conv', provider: 'CPUExecutionProvider' } },
  { cat: 'Node', name: '/relu_kernel_time', ts: 2060, dur: 10, args: { op_name: 'Relu', provider: 'CPUExecutionProvider' } },
  { cat: 'Node', name: 'fused /fc/MatMul/MatMulAddFusion_kernel_time', ts: 2075, dur: 20, args: { op_name: 'FusedGemm', provider: 'CPUExecutionProvider' } },
  { cat: 'Session', name: 'model_run', ts: 3000, dur: 100, args: {} },
  { cat: 'Node', name: '/conv_kernel_time', ts: 3010, dur: 60, args: { op_name: 'Conv', provider: 'CPUExecutionProvider' } },
  { cat: 'Node', name: '/relu_kernel_time', ts: 3070, dur: 10, args: { op_name: 'Relu', provider: 'CPUExecutionProvider' } },
  { cat: 'Node', name: 'fused /fc/MatMul/MatMulAddFusion_kernel_time', ts: 3085, dur: 20, args: { op_name: 'FusedGemm', provider: 'CPUExecutionProvider' } },
];
const originalNodeNames = ['/conv', '/relu', '/fc/MatMul', '/fc/Add', '/fc'];

describe('parseTrace', () => {
  it('averages kernel time per kept run, by op type and by node, skipping the warm-up run', () => {
    const t = parseTrace(JSON.stringify(events), { skipRuns: 1, originalNodeNames });
    expect(t.runs).toBe(2);
    // per run: Conv (40 + 60)/2 = 50, Relu (10 + 10)/2 = 10, FusedGemm (20 + 20)/2 = 20 → 80 µs
    expect(t.kernelTimeUs).toBe(80);
    expect(t.byOpType).toEqual([
      { opType: 'Conv', timeUs: 50, share: 50 / 80, nodeCount: 1 },
      { opType: 'FusedGemm', timeUs: 20, share: 20 / 80, nodeCount: 1 },
      { opType: 'Relu', timeUs: 10, share: 10 / 80, nodeCount: 1 },
    ]);
    expect(t.byNode.map((n) => [n.traceName, n.originalName, n.nearestOriginalName, n.timeUs])).toEqual([
      ['/conv', '/conv', null, 50],
      // ORT's fusion is not an original node; the longest original prefix at a name boundary is /fc/MatMul (not /fc)
      ['fused /fc/MatMul/MatMulAddFusion', null, '/fc/MatMul', 20],
      ['/relu', '/relu', null, 10],
    ]);
    expect(t.byNode[0]!.provider).toBe('CPUExecutionProvider');
  });

  it('counts the warm-up run too when nothing is skipped: Conv (500 + 40 + 60)/3 = 200 µs', () => {
    const t = parseTrace(JSON.stringify(events), { skipRuns: 0, originalNodeNames });
    expect(t.runs).toBe(3);
    expect(t.byOpType.find((o) => o.opType === 'Conv')!.timeUs).toBe(200);
  });

  it('accepts the {traceEvents: [...]} form and names the file in errors', () => {
    expect(parseTrace(JSON.stringify({ traceEvents: events }), { skipRuns: 1, originalNodeNames }).kernelTimeUs).toBe(80);
    expect(() => parseTrace('{"a":1}', { skipRuns: 0, originalNodeNames, where: 'p.json' })).toThrow('p.json: not an onnxruntime trace');
    expect(() => parseTrace('[', { skipRuns: 0, originalNodeNames, where: 'p.json' })).toThrow('p.json: not valid JSON');
    expect(() => parseTrace(JSON.stringify(events), { skipRuns: 3, originalNodeNames, where: 'p.json' })).toThrow(
      'p.json: no runs left after skipping 3 warm-up runs',
    );
  });
});

describe('trace names as the model names them (issue 20)', () => {
  it("maps ORT's derived nodes back to the model's node and module", () => {
    expect(moduleOfNode('/layer1/layer1.0/conv1/Conv')).toBe('layer1.0.conv1');
    expect(moduleOfNode('/dec2/act/LeakyRelu')).toBe('dec2.act');
    expect(moduleOfNode('Conv_3')).toBe('');
    // The example: an NCHWc copy ORT made of the UNet decoder's LeakyRelu.
    const t = parseTrace(
      JSON.stringify([
        { cat: 'Session', name: 'model_run', ts: 0, dur: 100, args: {} },
        { cat: 'Node', name: '/dec2/act/LeakyRelu_output_0_nchwc_kernel_time', ts: 10, dur: 30, args: { op_name: 'ReorderOutput' } },
        { cat: 'Node', name: '/dec2/conv/Conv_kernel_time', ts: 50, dur: 20, args: { op_name: 'Conv' } },
        { cat: 'Node', name: 'Reorder_12_kernel_time', ts: 80, dur: 5, args: { op_name: 'ReorderInput' } },
      ]),
      { skipRuns: 0, originalNodeNames: ['/dec2/act/LeakyRelu', '/dec2/conv/Conv'] },
    );
    expect(t.byNode.map(traceNodeLabel)).toEqual([
      "/dec2/act/LeakyRelu (module dec2.act; ORT's NCHWc-layout version: /dec2/act/LeakyRelu_output_0_nchwc)",
      '/dec2/conv/Conv (module dec2.conv)',
      'Reorder_12 (made by ORT)',
    ]);
    expect(traceNodeLabel({ traceName: 'fused /fc/MatMul/MatMulAddFusion', originalName: null, nearestOriginalName: '/fc/MatMul' })).toBe(
      '/fc/MatMul (module fc; fused by ORT: fused /fc/MatMul/MatMulAddFusion)',
    );
  });
});

describe("bench's two medians (issue 20)", () => {
  it('explains a pooled median that differs from the headline latency', () => {
    // The numbers: headline 14.159 ms, pooled 10.496 ms: (14.159 − 10.496) / 14.159 = 25.9% below.
    const note = pooledNote(14.159, 10.496, [
      { medianMs: 14.159, runs: 30 },
      { medianMs: 9.8, runs: 60 },
      { medianMs: 15.2, runs: 28 },
    ]);
    expect(note).toHaveLength(1);
    expect(note[0]).toContain('the pooled median 10.496 ms is 25.9% below the latency 14.159 ms');
    expect(note[0]).toContain('median of the per-process medians (14.159 ms over 30 runs, 9.800 ms over 60 runs, 15.200 ms over 28 runs)');
    // Within 1%: nothing to explain.
    expect(pooledNote(10, 10.05, [])).toEqual([]);
  });
});
