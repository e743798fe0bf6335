/**
 * Child-process entry point: receives one request over IPC, does it with one session, replies, exits
 * (a first process of a configuration then measures the binding floor, in a second session).
 * Keeping each configuration in its own process isolates crashes and ORT's per-session memory, and
 * gives each process its own allocator and thread-pool state (BENCHMARK.md §1–2).
 */
import { floorKey } from './floor.js';
import { measureConfig, measureFloor, profileConfig } from './measure.js';
import type { BenchConfig, ProcessRun, ProtocolOptions } from './types.js';
import type { FloorReply, WorkerReply, WorkerRequest } from './worker-protocol.js';

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

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The request's replies, in order: a measurement is sent before its floor is measured, so a floor
 * that fails (or a crash while measuring it) never costs the measurement.
 */
async function handle(request: WorkerRequest): Promise<void> {
  if (request.kind === 'profile') {
    try {
      const { skipRuns } = await profileConfig(request.config, request);
      return reply({ kind: 'profiled', skipRuns });
    } catch (err) {
      return reply({ kind: 'error', message: messageOf(err) });
    }
  }
  let measured;
  try {
    measured = await measureConfig(request.config, request.protocol);
  } catch (err) {
    return reply({ kind: 'error', message: messageOf(err) });
  }
  await reply({ kind: 'measured', ...measured });
  if (request.floor) await reply(await floorOf(request.config, measured.run.outputs, request.protocol, request.floor.known));
}

async function floorOf(config: BenchConfig, outputs: ProcessRun['outputs'], protocol: ProtocolOptions, known: string[]): Promise<FloorReply> {
  const key = floorKey(config, outputs, protocol);
  if (known.includes(key)) return { kind: 'floor', key, known: true };
  try {
    return { kind: 'floor', key, floor: await measureFloor(config, outputs, protocol) };
  } catch (err) {
    return { kind: 'floor', key, error: messageOf(err) };
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
  void handle(request).then(() => {
    replied = true;
    process.disconnect?.();
  });
});
