/**
 * Every performance script, one after another (`npm run bench`). Each prints its own ratios against
 * its goal; this only runs them in turn and says which one is talking.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// bench/example.ts is left out: a cold build of the whole example takes minutes (it runs in a copy of content/).
const SCRIPTS = [
  'reader-large.ts',
  'profile-large.ts',
  'zoo-generate.ts',
  'harness-overhead.ts',
  'rebuild.ts',
  'zoo-static.ts',
  'startup.ts',
  'analysis-nodes.ts',
];

let failed = 0;
for (const script of SCRIPTS) {
  console.log(`\n== bench/${script}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, script)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${script} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
