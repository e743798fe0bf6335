/** The project's results store folder: config `results`, else `modelpress-results/` at the project root. */
import path from 'node:path';
import { projectRoot } from '../cache/project.js';
import { DEFAULT_RESULTS_DIR } from '../cache/results.js';
import { ConfigError, readProjectConfig } from '../document/settings.js';
import { UsageError } from './formats.js';

export function projectResultsDir(cwd: string = process.cwd()): string {
  const { root, configFile } = projectRoot(path.resolve(cwd));
  try {
    const config = configFile ? readProjectConfig(configFile) : undefined;
    return path.resolve(root, config?.results ?? DEFAULT_RESULTS_DIR);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
