/** The one error a model load can end in: names the file and says, in words, what is wrong. */
export class ModelLoadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ModelLoadError';
  }
}
