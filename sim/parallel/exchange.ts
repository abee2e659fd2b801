/**
 * The window barrier between workers. At the end of each window every worker (1) posts, to each
 * other worker that has messages from it, one packed buffer on a dedicated MessagePort,
 * (2) publishes a lower bound on the time of anything it can still cause (its earliest queued
 * event and its earliest outgoing message) and a flag per destination saying whether it posted,
 * and (3) waits until all workers have arrived. Then it takes its inbound buffers with
 * receiveMessageOnPort (synchronously: the thread stays blocked in the barrier, never in its event
 * loop) and reads the global lower bound, which every worker computes from the same numbers.
 *
 * Shared memory: an Int32Array [arrived, generation, abort, flags...] and a Float64Array of
 * bounds. Flags and bounds are double-buffered by window parity: a worker can be at most one
 * window ahead of another (it cannot pass the next barrier alone), so the slot it writes is never
 * the one a slower worker is still reading.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

const ARRIVED = 0;
const GENERATION = 1;
const ABORT = 2;
const FLAGS = 3;
const WAIT_SLICE_MS = 100; // wake up this often to notice an abort

export class ExchangeAbortedError extends Error {
  override name = 'ExchangeAbortedError';
}

/** What a worker gets to take part in the barrier (structured-cloneable but for the ports). */
export interface ExchangeInit {
  workers: number;
  worker: number;
  control: SharedArrayBuffer;
  bounds: SharedArrayBuffer;
  /** ports[w]: the channel to worker w (null for this worker itself). */
  ports: (MessagePort | null)[];
}

/** Shared memory for n workers. */
export function exchangeMemory(workers: number): { control: SharedArrayBuffer; bounds: SharedArrayBuffer } {
  return {
    control: new SharedArrayBuffer(4 * (FLAGS + 2 * workers * workers)),
    bounds: new SharedArrayBuffer(8 * 2 * workers),
  };
}

/** Ask every worker blocked in (or arriving at) a barrier to give up. */
export function abortExchange(control: SharedArrayBuffer): void {
  const ctl = new Int32Array(control);
  Atomics.store(ctl, ABORT, 1);
  Atomics.add(ctl, GENERATION, 1);
  Atomics.notify(ctl, GENERATION);
}

export interface BarrierResult {
  inbound: ArrayBuffer[];
  /** The earliest time anything can still happen anywhere (Infinity: nothing can). */
  globalBoundNs: number;
}

export class Exchange {
  readonly workers: number;
  readonly worker: number;
  private readonly ctl: Int32Array;
  private readonly bounds: Float64Array;
  private readonly ports: (MessagePort | null)[];
  private parity = 0;
  /** Barriers passed (windows run). */
  barriers = 0;
  /** Wall time spent waiting for other workers, ms. */
  waitMs = 0;

  constructor(init: ExchangeInit) {
    this.workers = init.workers;
    this.worker = init.worker;
    this.ctl = new Int32Array(init.control);
    this.bounds = new Float64Array(init.bounds);
    this.ports = init.ports;
  }

  barrier(outbound: (ArrayBuffer | null)[], boundNs: number): BarrierResult {
    const n = this.workers;
    const me = this.worker;
    const p = this.parity;
    const ctl = this.ctl;
    this.bounds[p * n + me] = boundNs;
    for (let w = 0; w < n; w++) {
      if (w === me) continue;
      const buf = outbound[w] ?? null;
      if (buf !== null) this.ports[w]!.postMessage(buf, [buf]);
      ctl[FLAGS + p * n * n + me * n + w] = buf === null ? 0 : 1;
    }
    const t0 = performance.now();
    const gen = Atomics.load(ctl, GENERATION);
    if (Atomics.load(ctl, ABORT) !== 0) throw new ExchangeAbortedError('another worker failed');
    if (Atomics.add(ctl, ARRIVED, 1) === n - 1) {
      Atomics.store(ctl, ARRIVED, 0);
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
    } else {
      while (Atomics.load(ctl, GENERATION) === gen) Atomics.wait(ctl, GENERATION, gen, WAIT_SLICE_MS);
    }
    if (Atomics.load(ctl, ABORT) !== 0) throw new ExchangeAbortedError('another worker failed');
    this.waitMs += performance.now() - t0;
    let globalBoundNs = Number.POSITIVE_INFINITY;
    for (let w = 0; w < n; w++) globalBoundNs = Math.min(globalBoundNs, this.bounds[p * n + w]!);
    const inbound: ArrayBuffer[] = [];
    for (let w = 0; w < n; w++) {
      if (w === me || ctl[FLAGS + p * n * n + w * n + me] === 0) continue;
      inbound.push(this.receive(w));
    }
    this.parity = p ^ 1;
    this.barriers++;
    return { inbound, globalBoundNs };
  }

  /** The buffer worker w posted before arriving (already queued on our port; poll to be safe). */
  private receive(w: number): ArrayBuffer {
    const port = this.ports[w]!;
    for (let spins = 0; ; spins++) {
      const got = receiveMessageOnPort(port);
      if (got !== undefined) return got.message as ArrayBuffer;
      if (spins > 10_000) throw new ExchangeAbortedError(`worker ${w} flagged a message that never came`);
      Atomics.wait(this.ctl, ABORT, 0, 1);
    }
  }
}
