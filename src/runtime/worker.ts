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

process.once('message', (request: WorkerRequest) => {
  void handle(request)
    .then(reply)
    .then(() => process.disconnect?.());
});
