/**
 * Two Muxes wired back to back for tests: each send() appends to a queue that the test pumps, so
 * the interleaving of the two directions is under the test's control. send() returns false once a
 * queue holds `limit` messages (the channel is "backed up") and the sender gets drained() when the
 * queue falls below it again, as the session does with its connection.
 */

import type { ConnectionHandler, NetError } from '../runtime.js';
import { Mux, type MuxInit, type MuxStream } from './mux.js';

export interface PairOptions {
  a?: MuxInit;
  b?: MuxInit;
  /** Messages a queue holds before send() returns false (default: unlimited). */
  limit?: number;
  /**
   * Deliver each message as the session does a large one: borrowed (Mux.receive's flag), and
   * overwritten as soon as receive() returns, as the session's reused decryption array is.
   */
  borrowed?: boolean;
}

class Lane {
  readonly queue: Uint8Array[] = [];
  blocked = false;
  delivered = 0;
  sizes: number[] = [];
  constructor(readonly limit: number) {}
}

export class MuxPair {
  readonly a: Mux;
  readonly b: Mux;
  /** Messages from a to b, and from b to a. */
  readonly ab: Lane;
  readonly ba: Lane;
  /** Errors thrown by receive(), by receiving side. */
  readonly errors: { side: 'a' | 'b'; err: unknown }[] = [];
  private readonly borrowed: boolean;

  constructor(opts: PairOptions = {}) {
    this.borrowed = opts.borrowed === true;
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    this.ab = new Lane(limit);
    this.ba = new Lane(limit);
    this.a = new Mux({ send: (m) => this.enqueue(this.ab, m) }, { initiator: true, ...opts.a });
    this.b = new Mux({ send: (m) => this.enqueue(this.ba, m) }, { initiator: false, ...opts.b });
  }

  private enqueue(lane: Lane, message: Uint8Array): boolean {
    lane.queue.push(message);
    lane.sizes.push(message.length);
    if (lane.queue.length < lane.limit) return true;
    lane.blocked = true;
    return false;
  }

  /** Deliver one message on a lane; false if it was empty. */
  step(lane: Lane): boolean {
    const message = lane.queue.shift();
    if (message === undefined) return false;
    const [to, from, side] =
      lane === this.ab ? [this.b, this.a, 'b' as const] : [this.a, this.b, 'a' as const];
    lane.delivered++;
    try {
      to.receive(message, this.borrowed);
    } catch (err) {
      this.errors.push({ side, err });
    }
    if (this.borrowed) message.fill(0xee);
    if (lane.blocked && lane.queue.length < lane.limit) {
      lane.blocked = false;
      from.drained();
    }
    return true;
  }

  /**
   * Alternate the lanes one message at a time, letting microtasks run between steps, until both
   * are empty and stay empty, or `until` holds. Bounded by maxSteps so a livelock fails loudly.
   */
  async pump(until?: () => boolean, maxSteps = 1_000_000): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      if (until?.()) return;
      await tick();
      if (until?.()) return;
      const moved = this.step(this.ab) || false;
      const movedBack = this.step(this.ba);
      if (!moved && !movedBack) {
        await tick();
        if (this.ab.queue.length === 0 && this.ba.queue.length === 0) {
          if (until === undefined || until()) return;
          throw new Error('pump: both lanes idle and the condition does not hold');
        }
      }
    }
    throw new Error(`pump: no quiescence after ${maxSteps} steps`);
  }
}

/**
 * Let pending promise jobs run, and the ones they queue. Every deferral in the mux is one promise
 * job, and chains here are a handful deep, so a few hundred rounds reach quiet with a wide margin
 * (no real timers: this file lives under stack/, where the purity rule applies to helpers too).
 */
export async function tick(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** A handler that records a stream's events (data is concatenated). */
export class StreamRecorder implements ConnectionHandler {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  ends = 0;
  drains = 0;
  closes = 0;
  closeErr: NetError | undefined;
  readonly events: string[] = [];
  afterClose = 0;
  onDataHook: ((chunk: Uint8Array) => void) | undefined;

  constructor(readonly stream?: MuxStream) {
    stream?.setHandler(this);
  }

  onData(chunk: Uint8Array): void {
    this.record('data');
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.onDataHook?.(chunk);
  }
  onDrain(): void {
    this.drains++;
    this.record('drain');
  }
  onEnd(): void {
    this.ends++;
    this.record('end');
  }
  onClose(err?: NetError): void {
    this.closes++;
    this.closeErr = err;
    this.record('close');
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
  received(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.chunks));
  }
  private record(kind: string): void {
    if (this.closes > 0 && !(kind === 'close' && this.closes === 1)) this.afterClose++;
    if (kind === 'data' && this.events.at(-1) === 'data') return;
    this.events.push(kind);
  }
}

export const bytes = (s: string) => new TextEncoder().encode(s);

/** Bytes whose value depends on offset and a per-stream salt, so misrouting or reordering shows. */
export function pattern(salt: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const x = offset + i;
    out[i] = (x ^ (x >>> 8) ^ (x >>> 16) ^ (salt * 131)) & 0xff;
  }
  return out;
}
