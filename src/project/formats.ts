/**
 * The output formats of a build and the error for a bad command line or project setup: a module of
 * its own, without the rendering stack, so the CLI can parse `--to` and report usage errors before
 * (or without) loading the pipeline.
 */
export const OUTPUT_FORMATS = ['html', 'pdf', 'tex'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A problem with the command line or the project setup (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
