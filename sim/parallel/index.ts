/**
 * sim/parallel: one simulation split across worker threads, with the same trace hash (and the same
 * results) for any number of workers, including one.
 *
 * It must never: let anything a worker does depend on which other nodes share its thread, on the
 * order in which workers finish a window, or on wall time; run a worker past the window the
 * lookahead allows; or hash an event in more than one worker.
 *
 * Design (what makes the hash partition-independent):
 * - Ownership. Node index i runs in worker (i - 1) mod N (round robin, so joins staggered by index
 *   spread evenly). Every worker adds every node, in the same order, so every node has the same
 *   index, address, name and random streams everywhere; only the owner builds its stack, and only
 *   the owner's copy ever schedules events for it.
 * - Keys. Events are ordered by (time ns, owner * 2^32 + owner's sequence number). The owner is the
 *   node that creates the event and the sequence number counts that node's own events, so a key
 *   never depends on how nodes are grouped. (sim/scheduler.ts)
 * - Messages. A node never touches another node's objects: segments, acknowledgements, SYN,
 *   SYN-ACK, refusals and resets are events the sender creates (its key) and the receiver handles
 *   on its own state, addressed by (host index, end key or connection id). When the receiver runs
 *   elsewhere the fabric hands the message to the exporter, and the receiving worker queues it
 *   under the same time and key. (sim/messages.ts, sim/pipe.ts, sim/dial.ts)
 * - Random draws. Latency, jitter and loss of a message are drawn from the sender's network stream
 *   (a host's own SimRng), in the sender's event order; a link's bandwidth queue is touched only by
 *   its sending host. No global stream or global per-link state exists. (sim/fabric.ts)
 * - Crashes. A crash cancels only the crashed node's own events (timers, dials); messages it had
 *   sent are on the wire and arrive. So a crash needs no coordination, and node code may crash
 *   nodes (a leave finishing) as freely as controller events do.
 * - Controller events (owner 0: scenario timeline, partitions, heals, fault rules, workload
 *   decisions) are replicated: each worker schedules and runs all of them, so replicated state
 *   (partitions, fault rules, the driver's bookkeeping of which nodes are up) is identical
 *   everywhere at every virtual time, and controller keys agree. Only worker 0 hashes and counts
 *   them. A controller event acting on one node (start its stack, issue a lookup from it) does so
 *   only where node.local is true. The coordinator checks at the end that every worker allocated
 *   the same number of controller events; a driver that schedules controller events from
 *   node-local code (say, in a lookup's continuation) fails that check instead of silently
 *   producing a different trace.
 * - Conservative synchronization. network.minLatencyMs > 0 is required (lognormal and normal delays
 *   have no positive minimum: draws below the floor are raised to it, in every worker count). It is
 *   the lookahead L: each worker publishes its progress P (events before P run, their messages
 *   posted) and runs its events before min(others' P) + L, after taking in their messages; no
 *   lockstep barrier, so a worker only waits when it is L ahead of the slowest. (windows.ts,
 *   exchange.ts)
 * - Trace hash. Each event is hashed alone and the hashes are summed (sim/trace-hash.ts); the
 *   coordinator adds the workers' sums. Event, delivery, timer and fault counts add up likewise.
 * - Microtasks. Each worker is its own thread with its own microtask queue and promise hooks; a
 *   window ends only when its microtasks are quiet, exactly as in one thread.
 * - One worker runs in-process through the same driver and the same loop (runWindows), without a
 *   exchange: windows are invisible to the simulation, so slicing differently changes nothing.
 *
 * What a driver must do (see windows.ts Part/DriverFactory): build a Simulation with the partition
 * it is given and the same options, nodes and controller events in every worker; build stacks and
 * schedule node-owned work only for node.local nodes; keep results in a form the caller can merge
 * deterministically (per node, or per controller event with the owner's copy winning).
 *
 * Workers run compiled JavaScript: driver modules and this package are loaded from dist/ (run
 * `npm run build` first; `npm test` does). A driver URL pointing at a .ts file in the source tree is
 * mapped to its dist/ twin.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { SimulationError } from '../errors.js';
import { TraceHash } from '../trace-hash.js';
import { abortExchange, exchangeMemory } from './exchange.js';
import { type DriverFactory, runWindows, type WindowStats } from './windows.js';
import type { WorkerDone, WorkerReport, WorkerStart } from './worker.js';

export { type DriverFactory, type Part, runWindows, type WindowStats } from './windows.js';

/**
 * Young generation of each worker thread, MB (V8's default is 16 MB of semi-space, 48 MB in all).
 * A simulated node's handshakes, messages and promise chains make short-lived objects by the
 * million, and many live just long enough to survive a small young generation's scavenge and be
 * copied into the old one; a larger one lets them die young. Measured at 2,000 nodes: -17% CPU.
 */
export const YOUNG_GENERATION_MB = 192;

export class ParallelRunError extends SimulationError {
  override name = 'ParallelRunError';
}

export interface ParallelProgress {
  /** Virtual time every worker has reached, ms. */
  virtualMs: number;
  /** Events run so far, all workers. */
  events: number;
  wallMs: number;
}

export interface ParallelRunOptions<I> {
  /** A module exporting a DriverFactory, and the export's name. */
  driver: { url: string | URL; exportName: string };
  /** Handed to the factory in every worker: plain data (structured clone). */
  input: I;
  /** Worker threads; 1 runs in this thread unless `thread` says otherwise. */
  workers: number;
  /**
   * Run a single worker in a worker thread as well (default false): the thread gets the larger
   * young generation (YOUNG_GENERATION_MB) that this thread's V8 was not started with.
   */
  thread?: boolean;
  onProgress?: (p: ParallelProgress) => void;
}

export interface ParallelRunResult<R> {
  traceHash: string;
  events: number;
  deliveries: number;
  timers: number;
  faults: number;
  virtualTimeMs: number;
  /** Each worker's collect(), by worker index. */
  parts: R[];
  /** Per worker: steps run, messages exchanged, wall time spent waiting for other workers. */
  windows: WindowStats[];
  /** Per worker: wall time the driver took to build its part, ms. */
  setupMs: number[];
  /** Per worker: CPU time of its thread, ms (in-process: the whole process's; null: unknown). */
  cpuMs: (number | null)[];
}

/** The dist/ JavaScript for a module of this repository (unchanged if it is JavaScript already). */
export function runnableUrl(url: string | URL): string {
  const u = typeof url === 'string' && !url.startsWith('file:') ? pathToFileURL(url) : new URL(url);
  const path = fileURLToPath(u);
  if (!path.endsWith('.ts')) return u.href;
  let root = dirname(path);
  while (!existsSync(join(root, 'package.json'))) {
    const up = dirname(root);
    if (up === root) throw new ParallelRunError(`no package.json above ${path}`);
    root = up;
  }
  const js = join(root, 'dist', relative(root, path).replace(/\.ts$/, '.js'));
  if (!existsSync(js)) throw new ParallelRunError(`${js} is missing: run \`npm run build\` first`);
  return pathToFileURL(js).href;
}

export async function runPartitioned<I, R>(opts: ParallelRunOptions<I>): Promise<ParallelRunResult<R>> {
  const { workers } = opts;
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new ParallelRunError(`workers: expected an integer >= 1, got ${workers}`);
  }
  return workers === 1 && opts.thread !== true ? runInProcess<I, R>(opts) : runThreads<I, R>(opts);
}

async function runInProcess<I, R>(opts: ParallelRunOptions<I>): Promise<ParallelRunResult<R>> {
  const url = opts.driver.url;
  const href = typeof url === 'string' && !url.startsWith('file:') ? pathToFileURL(url).href : String(url);
  const mod = (await import(href)) as Record<string, unknown>;
  const factory = mod[opts.driver.exportName] as DriverFactory<I, R> | undefined;
  if (typeof factory !== 'function') {
    throw new ParallelRunError(`${String(url)} does not export a function "${opts.driver.exportName}"`);
  }
  const setupStart = performance.now();
  const cpuStart = process.cpuUsage();
  const part = await factory(opts.input, { workers: 1, worker: 0 });
  const setupMs = performance.now() - setupStart;
  const wallStart = performance.now();
  const windows = await runWindows(part.sim, part.untilMs, null, (nowNs) =>
    opts.onProgress?.({
      virtualMs: nowNs / 1e6,
      events: part.sim.stats.events,
      wallMs: performance.now() - wallStart,
    }),
  );
  const s = part.sim.stats;
  return {
    traceHash: s.traceHash,
    events: s.events,
    deliveries: s.deliveries,
    timers: s.timers,
    faults: s.faults,
    virtualTimeMs: s.timeMs,
    parts: [await part.collect()],
    windows: [windows],
    setupMs: [setupMs],
    cpuMs: [cpuMs(process.cpuUsage(cpuStart))],
  };
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function runThreads<I, R>(opts: ParallelRunOptions<I>): Promise<ParallelRunResult<R>> {
  const n = opts.workers;
  const driverUrl = runnableUrl(opts.driver.url);
  // From dist/ the worker is our sibling; from the source tree (tests) it is the dist/ twin.
  const workerUrl = new URL(
    import.meta.url.endsWith('.js')
      ? new URL('./worker.js', import.meta.url)
      : runnableUrl(new URL('./worker.ts', import.meta.url)),
  );
  const memory = exchangeMemory(n);
  // ports[a][b]: worker a's end of the channel between a and b.
  const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => Array(n).fill(null));
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const ch = new MessageChannel();
      ports[a]![b] = ch.port1;
      ports[b]![a] = ch.port2;
    }
  }
  const wallStart = performance.now();
  const threads = Array.from(
    { length: n },
    () => new Worker(workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }),
  );
  return new Promise<ParallelRunResult<R>>((resolve, reject) => {
    const done: (WorkerDone | undefined)[] = Array(n).fill(undefined);
    const progress = Array.from({ length: n }, () => ({ virtualMs: 0, events: 0 }));
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      abortExchange(memory.control);
      for (const t of threads) void t.terminate();
      reject(err);
    };
    threads.forEach((t, w) => {
      t.on('message', (m: WorkerReport) => {
        if (m.type === 'progress') {
          progress[w] = { virtualMs: m.virtualMs, events: m.events };
          opts.onProgress?.({
            virtualMs: Math.min(...progress.map((p) => p.virtualMs)),
            events: progress.reduce((s, p) => s + p.events, 0),
            wallMs: performance.now() - wallStart,
          });
        } else if (m.type === 'error') {
          const err = new ParallelRunError(`worker ${m.worker}: ${m.name}: ${m.message}`);
          if (m.stack) err.stack = `${err.name}: ${err.message}\n(worker stack) ${m.stack}`;
          fail(err);
        } else {
          done[w] = m;
          if (done.every((d) => d !== undefined)) {
            settled = true;
            for (const th of threads) void th.terminate();
            try {
              resolve(merge<R>(done as WorkerDone[]));
            } catch (err) {
              reject(err);
            }
          }
        }
      });
      t.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
      t.on('exit', (code) => {
        if (!settled && done[w] === undefined)
          fail(new ParallelRunError(`worker ${w} exited (code ${code})`));
      });
      const mine = ports[w]!;
      const start: WorkerStart = {
        type: 'start',
        driverUrl,
        exportName: opts.driver.exportName,
        input: opts.input,
        partition: { workers: n, worker: w },
        exchange: { workers: n, worker: w, control: memory.control, progress: memory.progress, ports: mine },
      };
      t.postMessage(
        start,
        mine.filter((p): p is MessagePort => p !== null),
      );
    });
  });
}

function merge<R>(done: WorkerDone[]): ParallelRunResult<R> {
  const seqs = new Set(done.map((d) => d.controllerSeq));
  if (seqs.size !== 1) {
    throw new ParallelRunError(
      `workers scheduled different numbers of controller events (${done.map((d) => d.controllerSeq).join(', ')}): the driver schedules controller events from node-local code, so the run depends on the partitioning`,
    );
  }
  const hash = new TraceHash();
  for (const d of done) hash.addHash(TraceHash.fromHex(d.traceHash));
  const sum = (f: (d: WorkerDone) => number) => done.reduce((s, d) => s + f(d), 0);
  return {
    traceHash: hash.hex(),
    events: sum((d) => d.events),
    deliveries: sum((d) => d.deliveries),
    timers: sum((d) => d.timers),
    faults: sum((d) => d.faults),
    virtualTimeMs: Math.max(...done.map((d) => d.timeMs)),
    parts: done.map((d) => d.part as R),
    windows: done.map((d) => d.windows),
    setupMs: done.map((d) => d.setupMs),
    cpuMs: done.map((d) => d.cpuMs),
  };
}
