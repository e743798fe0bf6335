/**
 * Child-process entry point: receives one request over IPC, does it with one session, replies, exits.
 * Keeping each configuration in its own process isolates crashes and ORT's per-session memory, and
 * gives each process its own allocator and thread-pool state (BENCHMARK.md §1–2).
 */
import { measureConfig, profileConfig } from './measure.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

function reply(message: WorkerReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stderr.write('modelpress bench worker: started without an IPC channel\n');
      process.exitCode = 1;
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    if (request.kind === 'measure') {
      const { run, samplesMs } = await measureConfig(request.config, request.protocol);
      return { kind: 'measured', run, samplesMs };
    }
    const { skipRuns } = await profileConfig(request.config, request);
    return { kind: 'profiled', skipRuns };
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

let replied = false;

/**
 * A worker outlives nothing: when its parent dies (kill -9 of a build) the IPC channel closes, and a
 * worker still measuring would otherwise run on for its whole phase. It exits at once on 'disconnect'
 * (unless it has replied and closed the channel itself), and a poll of the parent pid covers a
 * channel close the event loop has not yet seen.
 */
function exitWithParent(): void {
  const parent = process.ppid;
  process.on('disconnect', () => {
    if (!replied) process.exit(3);
  });
  const poll = setInterval(() => {
    if (process.ppid !== parent) process.exit(3);
  }, 200);
  poll.unref();
}

exitWithParent();

process.once('message', (request: WorkerRequest) => {
  void handle(request)
    .then(reply)
    .then(() => {
      replied = true;
      process.disconnect?.();
    });
});
