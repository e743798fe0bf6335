/** Where a project is (the folder holding modelpress.config.json, else the working folder) and its cache. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CONFIG_FILE = 'modelpress.config.json';

/** The nearest modelpress.config.json at or above `dir`. */
export function findProjectConfig(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Where the project lives: the config file's folder, else cwd. */
export function projectRoot(cwd: string): { root: string; configFile: string | undefined } {
  const configFile = findProjectConfig(cwd);
  return { root: configFile ? path.dirname(configFile) : path.resolve(cwd), configFile };
}

export function cacheDirOf(root: string): string {
  return path.join(root, '.modelpress', 'cache');
}
