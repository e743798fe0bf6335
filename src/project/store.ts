/** The project's results store folder: config `results`, else `modelpress-results/` at the project root. */
import path from 'node:path';
import { projectRoot } from '../cache/project.js';
import { DEFAULT_RESULTS_DIR } from '../cache/results.js';
import { readProjectConfig } from '../document/settings.js';

export function prepareStore(cwd: string = process.cwd()): string {
  const { root, configFile } = projectRoot(path.resolve(cwd));
  const config = configFile ? readProjectConfig(configFile) : undefined;
  return path.resolve(root, config?.results ?? DEFAULT_RESULTS_DIR);
}
