/**
 * A Connection whose first bytes are read by the TUN layer itself (a relay request, a relay
 * status) before the rest goes to someone else (a splice, a nested Veil handshake). Bytes that
 * arrive after the head, even in the same chunk, reach the next handler in order.
 */
import type { Clock, Connection, ConnectionHandler, NetError } from '../runtime.js';
import { concatBytes } from '../yggdrasil/rpc/bytes.js';
import { TunFrameError } from './errors.js';

export class HeadReader implements Connection {
  private queued: Uint8Array[] = [];
  private queuedLen = 0;
  private ended = false;
  private closedWith: { err?: NetError } | undefined;
  private handler: ConnectionHandler | undefined;
  private want: { n: number; resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | undefined;

  /** Chunks queued before the handler was set are still to be delivered (from a promise job). */
  private restPending = false;

  constructor(private readonly inner: Connection) {
    inner.setHandler(this.innerHandler(false));
  }

  /**
   * What we install on the inner connection. It borrows chunks only once our handler does: before
   * that, chunks are queued here, so they must be copies.
   */
  private innerHandler(borrowsChunks: boolean): ConnectionHandler {
    return {
      borrowsChunks,
      onData: (c) => this.data(c, borrowsChunks),
      onDrain: () => this.handler?.onDrain?.(),
      onEnd: () => {
        this.ended = true;
        if (this.handler && !this.restPending) this.handler.onEnd?.();
        else if (!this.handler) this.failWant(new TunFrameError('stream ended before its header'));
      },
      onClose: (err) => {
        this.closedWith = { err };
        if (this.handler && !this.restPending) this.handler.onClose?.(err);
        else if (!this.handler) this.failWant(err ?? new TunFrameError('stream closed before its header'));
      },
    };
  }

  get localAddr() {
    return this.inner.localAddr;
  }
  get remoteAddr() {
    return this.inner.remoteAddr;
  }
  get closed() {
    return this.inner.closed;
  }

  /** The next n bytes; rejects on end, close or after timeoutMs. Only before setHandler(). */
  read(n: number, clock: Clock, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = clock.setTimer(timeoutMs, () => {
        this.want = undefined;
        reject(new TunFrameError(`no ${n}-byte header within ${timeoutMs} ms`));
      });
      this.want = {
        n,
        resolve: (b) => {
          timer.cancel();
          resolve(b);
        },
        reject: (e) => {
          timer.cancel();
          reject(e);
        },
      };
      this.serve();
    });
  }

  private data(c: Uint8Array, borrowed: boolean): void {
    if (this.handler && !this.restPending) {
      this.handler.onData(c);
      return;
    }
    this.queued.push(borrowed ? c.slice() : c);
    this.queuedLen += c.length;
    this.serve();
  }

  private serve(): void {
    const w = this.want;
    if (!w) return;
    if (this.queuedLen < w.n) {
      if (this.ended || this.closedWith) this.failWant(new TunFrameError('stream ended before its header'));
      return;
    }
    const all = this.queued.length === 1 ? this.queued[0] : concatBytes(this.queued);
    this.queued = all.length > w.n ? [all.subarray(w.n)] : [];
    this.queuedLen = all.length - w.n;
    this.want = undefined;
    w.resolve(all.subarray(0, w.n));
  }

  private failWant(e: Error): void {
    const w = this.want;
    this.want = undefined;
    w?.reject(e);
  }

  setHandler(handler: ConnectionHandler): void {
    const first = !this.handler;
    const borrows = handler.borrowsChunks === true;
    const borrowed = this.handler?.borrowsChunks === true;
    this.handler = handler;
    if (borrows !== borrowed) this.inner.setHandler(this.innerHandler(borrows));
    if (!first) return;
    if (this.queued.length === 0 && !this.ended && !this.closedWith) return;
    // Deliver what came after the head, then any end/close seen meanwhile, from a later turn;
    // what arrives before that turn queues behind it.
    this.restPending = true;
    void Promise.resolve().then(() => {
      this.restPending = false;
      const rest = this.queued;
      this.queued = [];
      this.queuedLen = 0;
      const h = this.handler!;
      for (const c of rest) h.onData(c);
      if (this.ended) h.onEnd?.();
      if (this.closedWith) h.onClose?.(this.closedWith.err);
    });
  }

  write(chunk: Uint8Array): boolean {
    return this.inner.write(chunk);
  }
  get pendingWriteBytes(): number | undefined {
    return this.inner.pendingWriteBytes;
  }
  end(): void {
    this.inner.end();
  }
  close(err?: Error): void {
    this.inner.close(err);
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
}

/** Size of each copy slab of a splice direction (splice()). */
const SPLICE_SLAB_BYTES = 1024 * 1024;

/**
 * Copies of one splice direction's chunks, for a `to` that reports pendingWriteBytes: they are
 * laid one after another in a slab, and once `to` holds none of them (pendingWriteBytes 0) the
 * next copy starts over at the front of the same slab. The chunks come borrowed (a view of the
 * Veil session's reused receive buffer), so a copy is needed anyway: this one costs a memcpy
 * rather than a fresh zeroed array per chunk. With backpressure honoured, `to` holds about its
 * high-water mark, so a slab is filled and a new one taken only while `to` never empties.
 */
class SpliceCopies {
  private slab: Uint8Array | undefined;
  private used = 0;

  constructor(private readonly to: Connection) {}

  copy(c: Uint8Array): Uint8Array {
    const pending = this.to.pendingWriteBytes;
    if (pending === undefined || c.length > SPLICE_SLAB_BYTES) return c.slice();
    if (pending === 0) this.used = 0;
    if (this.slab === undefined || this.used + c.length > this.slab.length) {
      this.slab = new Uint8Array(SPLICE_SLAB_BYTES);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + c.length);
    view.set(c);
    this.used += c.length;
    return view;
  }
}

/** Join two connections byte for byte, both ways, with backpressure; a close on one closes the other. */
export function splice(a: Connection, b: Connection, onDone?: () => void): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    onDone?.();
  };
  const wire = (from: Connection, to: Connection): ConnectionHandler => {
    const copies = new SpliceCopies(to);
    return {
      borrowsChunks: true,
      onData: (c) => {
        if (to.closed) return;
        if (!to.write(copies.copy(c))) from.pause();
      },
      onDrain: () => to.resume(),
      onEnd: () => {
        if (!to.closed) to.end();
      },
      onClose: (err) => {
        if (!to.closed) to.close(err);
        finish();
      },
    };
  };
  // onDrain of `a` means a can take more: resume b, which feeds a. wire() pairs them that way.
  a.setHandler(wire(a, b));
  b.setHandler(wire(b, a));
}
