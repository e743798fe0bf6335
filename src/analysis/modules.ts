/**
 * The module tree: PyTorch names nodes after the module path that made them, e.g.
 * `/layer1/layer1.0/conv1/Conv` is the Conv of module `layer1.0.conv1`. The scope of a node is its
 * name's path segments without the last one (the op's own segment); nodes without a path sit at the
 * root. Totals add up children in the order modules first appear in the graph.
 */
import type { ModuleTotals, NodeCost } from './types.js';

/**
 * Module levels kept from a node name. Real exporters nest a dozen; a crafted name of 20,000 levels
 * would otherwise make a tree (and a JSON, and every walk of it) 20,000 deep. Deeper levels fold into
 * one last segment that says how many there were.
 */
export const MAX_SCOPE_DEPTH = 64;

/**
 * Scopes by the node-name prefix before its last '/' (the nodes of one module share it): one array per
 * module instead of one per node. Bounded, so a long-running watch process does not grow with it.
 */
const scopeCache = new Map<string, string[]>();
const MAX_CACHED_SCOPES = 1 << 16;
/** The prefix and scope scopeOf handed out last. */
const last: { prefix: string; scope: string[] } = { prefix: '', scope: [] };

/**
 * Module path of a node name: `/layer1/layer1.0/conv1/Conv` → ['layer1', 'layer1.0', 'conv1']. Nodes
 * of one module get the same (frozen) array.
 */
export function scopeOf(nodeName: string): string[] {
  const cut = nodeName.lastIndexOf('/');
  if (cut < 0) return [];
  // A name ending in '/' keeps its last segment in the scope: not shared with its siblings.
  if (cut === nodeName.length - 1) return scopeFromName(nodeName);
  // Nodes of one module come one after another: the previous prefix is compared in place, without
  // cutting a string and hashing it for the cache.
  if (cut === last.prefix.length - 1 && nodeName.startsWith(last.prefix)) return last.scope;
  const prefix = nodeName.slice(0, cut + 1);
  let scope = scopeCache.get(prefix);
  if (!scope) {
    scope = Object.freeze(scopeFromName(nodeName)) as string[];
    if (scopeCache.size >= MAX_CACHED_SCOPES) scopeCache.clear();
    scopeCache.set(prefix, scope);
  }
  last.prefix = prefix;
  last.scope = scope;
  return scope;
}

/** The non-empty '/'-separated segments of a name but its last one, cut out in one scan (no split, filter and slice of lists). */
function scopeFromName(nodeName: string): string[] {
  const scope: string[] = [];
  let last = '';
  let start = 0;
  for (let i = 0; i <= nodeName.length; i++) {
    if (i < nodeName.length && nodeName.charCodeAt(i) !== 0x2f) continue;
    if (i > start) {
      if (last !== '') scope.push(last);
      last = nodeName.slice(start, i);
    }
    start = i + 1;
  }
  if (scope.length <= MAX_SCOPE_DEPTH) return scope;
  const kept = scope.slice(0, MAX_SCOPE_DEPTH - 1);
  kept.push(`…${scope.length - kept.length} more levels`);
  return kept;
}

/** Aggregate node costs into the module tree (root path '', name ''). */
export function moduleTree(nodes: readonly Pick<NodeCost, 'scope' | 'params' | 'macs' | 'flops'>[]): ModuleTotals {
  const root: ModuleTotals = { path: '', name: '', depth: 0, params: 0, macs: 0, flops: 0, nodes: 0, children: [] };
  const index = new Map<string, ModuleTotals>([['', root]]);
  let prevScope: readonly string[] | undefined;
  let chain: ModuleTotals[] = [root];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    // Consecutive nodes of one module (the common case) share its chain.
    if (prevScope !== n.scope) chain = moduleChain(n.scope);
    prevScope = n.scope;
    for (const m of chain) {
      m.params += n.params;
      m.macs += n.macs;
      m.flops += n.flops;
      m.nodes += 1;
    }
  }
  return root;

  function moduleChain(scope: readonly string[]): ModuleTotals[] {
    const chain: ModuleTotals[] = [root];
    let parent = root;
    scope.forEach((segment, i) => {
      const path = i === 0 ? segment : `${parent.path}/${segment}`;
      let m = index.get(path);
      if (!m) {
        m = { path, name: segment, depth: i + 1, params: 0, macs: 0, flops: 0, nodes: 0, children: [] };
        index.set(path, m);
        parent.children.push(m);
      }
      chain.push(m);
      parent = m;
    });
    return chain;
  }
}
