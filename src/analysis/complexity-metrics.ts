/** What a complexity sweep can measure (its own module so the CLI can list them without loading the sweeps). */
export const COMPLEXITY_METRICS = ['macs', 'flops', 'depth', 'attention_macs', 'params', 'latency'] as const;
export type ComplexityMetric = (typeof COMPLEXITY_METRICS)[number];
