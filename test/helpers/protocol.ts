import type { ProtocolOptions } from '../../src/runtime/types.js';

/** Short phases for tests of the benchmark machinery in real child processes (they check the machinery, not the machine). */
export const QUICK_PROTOCOL: ProtocolOptions = { warmupMinRuns: 3, warmupMinMs: 20, minRuns: 10, minTimeMs: 30, maxRuns: 2000, maxTimeMs: 5000 };
