/**
 * How workers hear from each other: asynchronous conservative synchronization.
 *
 * Each worker publishes its progress P (in shared memory): it has run every event before P and
 * posted every message it created before P. Since a message created at time t lands at t + L or
 * later (L: the lookahead), nothing that worker v does from now on can land before P_v + L. So a
 * worker may run every event before min over the others of P_v + L, once it has taken in the
 * messages they posted. It then posts what it created, publishes its new P, and goes on; it blocks
 * only when it is L ahead of the slowest other worker. There is no rendezvous: a worker the OS
 * deschedules for a moment does not stop the others until they are L ahead of it (on a busy
 * machine that is most of what a lockstep barrier would cost).
 *
 * Messages go on a dedicated MessagePort per pair of workers, one packed buffer per step, and are
 * taken synchronously with receiveMessageOnPort (the thread never returns to its event loop during
 * a run). Order of operations, which is what makes it safe: a worker posts, then publishes P (a
 * sequentially consistent store); a reader loads P, then drains the port, so it holds every
 * message created before the P it read (MessagePort.postMessage queues on the receiving port
 * before it returns). Messages created later may come along: they land at P + L or later, past
 * anything the reader runs in this step.
 *
 * Shared memory: BigInt64Array progress[workers] (ns), Int32Array [epoch, abort]; the epoch
 * counts publications, so a blocked worker sleeps on it (Atomics.wait) until someone publishes.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

const EPOCH = 0;
const ABORT = 1;
const WAIT_SLICE_MS = 100; // wake up this often to notice an abort

export class ExchangeAbortedError extends Error {
  override name = 'ExchangeAbortedError';
}

/** What a worker gets to take part (structured-cloneable but for the ports). */
export interface ExchangeInit {
  workers: number;
  worker: number;
  control: SharedArrayBuffer;
  progress: SharedArrayBuffer;
  /** ports[w]: the channel to worker w (null for this worker itself). */
  ports: (MessagePort | null)[];
}

/** Shared memory for n workers. */
export function exchangeMemory(workers: number): { control: SharedArrayBuffer; progress: SharedArrayBuffer } {
  return { control: new SharedArrayBuffer(8), progress: new SharedArrayBuffer(8 * workers) };
}

/** Ask every worker to give up (one of them failed). */
export function abortExchange(control: SharedArrayBuffer): void {
  const ctl = new Int32Array(control);
  Atomics.store(ctl, ABORT, 1);
  Atomics.add(ctl, EPOCH, 1);
  Atomics.notify(ctl, EPOCH);
}

export class Exchange {
  readonly workers: number;
  readonly worker: number;
  private readonly ctl: Int32Array;
  private readonly progress: BigInt64Array;
  private readonly ports: (MessagePort | null)[];
  /** Steps published. */
  steps = 0;
  /** Wall time spent blocked waiting for another worker, ms. */
  waitMs = 0;

  constructor(init: ExchangeInit) {
    this.workers = init.workers;
    this.worker = init.worker;
    this.ctl = new Int32Array(init.control);
    this.progress = new BigInt64Array(init.progress);
    this.ports = init.ports;
  }

  /** Publications so far (pass to waitForPublication). */
  epoch(): number {
    return Atomics.load(this.ctl, EPOCH);
  }

  /** The least progress of the other workers, ns. */
  othersProgressNs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let w = 0; w < this.workers; w++) {
      if (w === this.worker) continue;
      const p = Number(Atomics.load(this.progress, w));
      if (p < min) min = p;
    }
    return min;
  }

  /** Everything the other workers have posted to us so far. Call after othersProgressNs(). */
  drain(): ArrayBuffer[] {
    const out: ArrayBuffer[] = [];
    for (let w = 0; w < this.workers; w++) {
      const port = this.ports[w];
      if (port === null || port === undefined) continue;
      for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
        out.push(got.message as ArrayBuffer);
      }
    }
    return out;
  }

  /** Post this step's messages (outbound[w]: for worker w, or null), then publish progressNs. */
  publish(outbound: (ArrayBuffer | null)[], progressNs: number): void {
    if (Atomics.load(this.ctl, ABORT) !== 0) throw new ExchangeAbortedError('another worker failed');
    for (let w = 0; w < this.workers; w++) {
      const buf = outbound[w] ?? null;
      if (buf !== null && w !== this.worker) this.ports[w]!.postMessage(buf, [buf]);
    }
    Atomics.store(this.progress, this.worker, BigInt(progressNs));
    Atomics.add(this.ctl, EPOCH, 1);
    Atomics.notify(this.ctl, EPOCH);
    this.steps++;
  }

  /** Block until some worker publishes after `seen` (an epoch() value). */
  waitForPublication(seen: number): void {
    const t0 = performance.now();
    while (Atomics.load(this.ctl, EPOCH) === seen) Atomics.wait(this.ctl, EPOCH, seen, WAIT_SLICE_MS);
    this.waitMs += performance.now() - t0;
    if (Atomics.load(this.ctl, ABORT) !== 0) throw new ExchangeAbortedError('another worker failed');
  }
}
