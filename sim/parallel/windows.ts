/**
 * The loop every worker runs (and a single-worker run, in-process): conservative windows.
 *
 * With lookahead L (the network's minimum one-way delay between distinct hosts), a message created
 * at time t arrives at t + L or later. A worker whose peers have all progressed past P (run their
 * events before P, posted their messages) can run its own events before P + L: nothing the others
 * still do lands earlier. Each step takes in what the others posted, runs to that horizon, posts
 * what it created and publishes its progress (exchange.ts).
 *
 * Why the result does not depend on the number of workers: each worker runs its own events in
 * (time, key) order, and the key (owner, owner's sequence number) is allocated by the node that
 * creates the event, whichever worker that runs on; imported messages enter the queue before their
 * time under the key they were created with. Every event therefore happens with the same inputs
 * at the same (time, key) as in one thread, and the trace hash, a sum over events, adds up to the
 * same value. Window boundaries are invisible to the simulated code: a run() stops only once the
 * microtask queue is quiet, and nothing but this loop runs between windows.
 */
import { SimulationError } from '../errors.js';
import { acquirePromiseHooks, releasePromiseHooks } from '../microtasks.js';
import type { PartitionOptions, Simulation } from '../simulation.js';
import type { Exchange } from './exchange.js';
import { importWire } from './wire.js';

/** One worker's share of a partitioned simulation, built by a driver (see DriverFactory). */
export interface Part<R> {
  /** Built with `partition` from the factory's argument; every node added, stacks only on local ones. */
  readonly sim: Simulation;
  /** Run to this virtual time (ms). Must be the same in every worker. */
  readonly untilMs: number;
  /** This worker's share of the results, after the run (structured-cloneable). */
  collect(): R | Promise<R>;
}

/**
 * Builds one worker's part from a structured-cloneable input. Called once per worker with the same
 * input; it must add the same nodes and schedule the same controller events in every worker (see
 * index.ts for the rules).
 */
export type DriverFactory<I, R> = (input: I, partition: PartitionOptions) => Part<R> | Promise<Part<R>>;

export interface WindowStats {
  /** Steps: runs between hearing from the other workers. */
  windows: number;
  messagesOut: number;
  messagesIn: number;
  /** Wall time blocked waiting for another worker, ms (0 with one worker). */
  waitMs: number;
  /** Wall time of the whole loop, ms: running events, exchanging messages and waiting. */
  runMs: number;
}

/**
 * Run sim to untilMs in conservative windows, swapping messages through exchange (null: the only
 * worker, which needs no windows). onWindow is called after each window with the virtual time.
 */
export async function runWindows(
  sim: Simulation,
  untilMs: number,
  exchange: Exchange | null,
  onWindow?: (nowNs: number) => void,
): Promise<WindowStats> {
  // Hold the promise hooks for the whole run: each run() would otherwise switch them on and off
  // again, tens of thousands of times with short windows.
  acquirePromiseHooks();
  try {
    return await windows(sim, untilMs, exchange, onWindow);
  } finally {
    releasePromiseHooks();
  }
}

async function windows(
  sim: Simulation,
  untilMs: number,
  exchange: Exchange | null,
  onWindow?: (nowNs: number) => void,
): Promise<WindowStats> {
  const port = sim.parallelPort();
  const untilNs = Math.round(untilMs * 1e6);
  const stats: WindowStats = { windows: 0, messagesOut: 0, messagesIn: 0, waitMs: 0, runMs: 0 };
  const wallStart = performance.now();
  if (exchange === null) {
    // One worker: no other can send anything, so the window is the whole run; still sliced
    // (windows are invisible to the simulation) so that progress can be reported.
    const sliceNs = Math.max(1, Math.ceil(untilNs / 100));
    for (let t = 0; t < untilNs; ) {
      t = Math.min(untilNs, t + sliceNs);
      await sim.run({ untilNs: t });
      stats.windows++;
      onWindow?.(t);
    }
    if (untilNs === 0) await sim.run({ untilNs: 0 });
    stats.runMs = performance.now() - wallStart;
    return stats;
  }
  const lookaheadNs = port.lookaheadNs;
  // Publish progress at least every half lookahead. The others may run to our progress + L, so
  // the sooner we publish, the sooner they go on: with steps of up to 2L (all that the rule allows)
  // each of two workers spent half of a 2,000-node run waiting; with L/2 a fifth as much, and the
  // run took 40% less wall time (measured on the 2-vCPU machine at load 1.5).
  const stepNs = Math.max(1, Math.floor(lookaheadNs / 2));
  const outbox = port.outbox;
  if (outbox === null)
    throw new SimulationError('runWindows with an exchange needs a partitioned simulation');
  // Events at exactly untilNs belong to the run, as in Simulation.run({ untilMs }).
  const endNs = untilNs + 1;
  let progressNs = 0;
  while (progressNs < endNs) {
    const seen = exchange.epoch();
    const horizonNs = Math.min(exchange.othersProgressNs() + lookaheadNs, endNs, progressNs + stepNs);
    for (const buf of exchange.drain()) stats.messagesIn += importWire(buf, port);
    if (horizonNs <= progressNs) {
      exchange.waitForPublication(seen);
      continue;
    }
    await sim.run({ untilNs: horizonNs - 1 });
    stats.windows++;
    stats.messagesOut += outbox.sent;
    outbox.sent = 0;
    progressNs = horizonNs;
    exchange.publish(outbox.take(), progressNs);
    onWindow?.(progressNs - 1);
  }
  await sim.run({ untilNs }); // nothing left before untilNs: only sets the clock, as one thread would
  stats.waitMs = exchange.waitMs;
  stats.runMs = performance.now() - wallStart;
  return stats;
}
