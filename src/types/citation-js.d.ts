/**
 * The part of citation-js's API that modelpress uses (0.7.x ships no type declarations; 0.8+ needs a newer
 * Node than 20.0). Formatting itself is citeproc's, through @citation-js/plugin-csl.
 */
declare module '@citation-js/core' {
  export const plugins: {
    input: { chain(data: unknown, options?: Record<string, unknown>): unknown };
    config: { get(name: string): unknown };
    output: { format(name: string, data: unknown, ...options: unknown[]): unknown };
  };
}
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-csl';
