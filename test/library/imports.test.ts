/**
 * The import graph of src/ follows the data flow one way (README "Where things are"): no two folders
 * import each other, type imports included, and no group of files imports itself round in a cycle.
 * Shared types live in a neutral place (src/types/, src/docmodel/types.ts) instead.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative import, export-from and import() of each file, as the files they name. */
function importGraph(): Map<string, Set<string>> {
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const targets = new Set<string>();
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2])!).replace(/\.js$/, '.ts');
      if (existsSync(target)) targets.add(path.relative(SRC, target));
    }
    graph.set(path.relative(SRC, file), targets);
  }
  return graph;
}

const folderOf = (file: string): string => (file.includes(path.sep) ? file.split(path.sep)[0]! : file);

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('has no two folders importing each other', () => {
    const why = new Map<string, string>();
    for (const [file, targets] of graph) {
      for (const target of targets) if (folderOf(file) !== folderOf(target)) why.set(`${folderOf(file)} -> ${folderOf(target)}`, `${file} -> ${target}`);
    }
    const both = [...why.keys()].filter((edge) => {
      const [a, b] = edge.split(' -> ');
      return a! < b! && why.has(`${b} -> ${a}`);
    });
    expect(both.map((edge) => `${why.get(edge)} and ${why.get(edge.split(' -> ').reverse().join(' -> '))}`)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    // Tarjan's strongly connected components; a component of more than one file is a cycle.
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) !== index.get(v)) return;
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    };
    for (const file of graph.keys()) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
