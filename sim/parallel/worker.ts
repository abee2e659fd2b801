/**
 * Entry point of one worker thread of a partitioned simulation (compiled to dist/: workers run
 * JavaScript). It imports the driver module it is told to, builds its part, runs the windows and
 * posts its share of the results. Progress goes to the coordinator at most every PROGRESS_EVERY_MS
 * of wall time; postMessage from a blocked thread is fine, the coordinator's loop is free.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { PartitionOptions } from '../simulation.js';
import { Exchange, type ExchangeInit } from './exchange.js';
import { type DriverFactory, runWindows, type WindowStats } from './windows.js';

const PROGRESS_EVERY_MS = 250;
const USER_HZ = 100; // clock ticks per second in /proc stat files (fixed on Linux)

/** CPU time this thread has used, ms (user + system; Linux only, else null). 10 ms resolution. */
function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

export interface WorkerStart {
  type: 'start';
  driverUrl: string;
  exportName: string;
  input: unknown;
  partition: PartitionOptions;
  exchange: ExchangeInit;
}

export interface WorkerDone {
  type: 'done';
  worker: number;
  traceHash: string;
  events: number;
  deliveries: number;
  timers: number;
  faults: number;
  timeMs: number;
  controllerSeq: number;
  windows: WindowStats;
  /** Wall time the driver took to build this worker's part, ms. */
  setupMs: number;
  /** CPU time of this thread, setup included, ms (null where the OS does not say). */
  cpuMs: number | null;
  part: unknown;
}

export interface WorkerProgress {
  type: 'progress';
  worker: number;
  virtualMs: number;
  events: number;
}

export interface WorkerFailed {
  type: 'error';
  worker: number;
  name: string;
  message: string;
  stack: string | undefined;
}

export type WorkerReport = WorkerDone | WorkerProgress | WorkerFailed;

async function main(start: WorkerStart): Promise<WorkerDone> {
  const mod = (await import(start.driverUrl)) as Record<string, unknown>;
  const factory = mod[start.exportName] as DriverFactory<unknown, unknown> | undefined;
  if (typeof factory !== 'function') {
    throw new TypeError(`${start.driverUrl} does not export a function "${start.exportName}"`);
  }
  const setupStart = performance.now();
  const part = await factory(start.input, start.partition);
  const setupMs = performance.now() - setupStart;
  // One worker alone needs no exchange: it runs the whole time line as runInProcess does.
  const exchange = start.partition.workers > 1 ? new Exchange(start.exchange) : null;
  const me = start.partition.worker;
  let lastReport = performance.now();
  const windows = await runWindows(part.sim, part.untilMs, exchange, (nowNs) => {
    const t = performance.now();
    if (t - lastReport < PROGRESS_EVERY_MS) return;
    lastReport = t;
    const progress: WorkerProgress = {
      type: 'progress',
      worker: me,
      virtualMs: nowNs / 1e6,
      events: part.sim.stats.events,
    };
    parentPort!.postMessage(progress);
  });
  const stats = part.sim.stats;
  return {
    type: 'done',
    worker: me,
    traceHash: stats.traceHash,
    events: stats.events,
    deliveries: stats.deliveries,
    timers: stats.timers,
    faults: stats.faults,
    timeMs: stats.timeMs,
    controllerSeq: part.sim.parallelPort().controllerSeq(),
    windows,
    setupMs,
    cpuMs: threadCpuMs(),
    part: await part.collect(),
  };
}

parentPort!.once('message', (start: WorkerStart) => {
  main(start).then(
    (done) => parentPort!.postMessage(done),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const failed: WorkerFailed = {
        type: 'error',
        worker: start.partition.worker,
        name: e.name,
        message: e.message,
        stack: e.stack,
      };
      parentPort!.postMessage(failed);
    },
  );
});
