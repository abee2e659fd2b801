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

  constructor(private readonly inner: Connection) {
    inner.setHandler({
      onData: (c) => this.data(c),
      onDrain: () => this.handler?.onDrain?.(),
      onEnd: () => {
        this.ended = true;
        if (this.handler) this.handler.onEnd?.();
        else this.failWant(new TunFrameError('stream ended before its header'));
      },
      onClose: (err) => {
        this.closedWith = { err };
        if (this.handler) this.handler.onClose?.(err);
        else this.failWant(err ?? new TunFrameError('stream closed before its header'));
      },
    });
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

  private data(c: Uint8Array): void {
    if (this.handler) {
      this.handler.onData(c);
      return;
    }
    this.queued.push(c);
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
    this.handler = handler;
    if (!first) return;
    const rest = this.queued;
    this.queued = [];
    this.queuedLen = 0;
    // Deliver what came after the head, then any end/close seen meanwhile, from a later turn.
    void Promise.resolve().then(() => {
      for (const c of rest) handler.onData(c);
      if (this.ended) handler.onEnd?.();
      if (this.closedWith) handler.onClose?.(this.closedWith.err);
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

/** Join two connections byte for byte, both ways, with backpressure; a close on one closes the other. */
export function splice(a: Connection, b: Connection, onDone?: () => void): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    onDone?.();
  };
  const wire = (from: Connection, to: Connection): ConnectionHandler => ({
    onData: (c) => {
      if (to.closed) return;
      if (!to.write(c)) from.pause();
    },
    onDrain: () => to.resume(),
    onEnd: () => {
      if (!to.closed) to.end();
    },
    onClose: (err) => {
      if (!to.closed) to.close(err);
      finish();
    },
  });
  // onDrain of `a` means a can take more: resume b, which feeds a. wire() pairs them that way.
  a.setHandler(wire(a, b));
  b.setHandler(wire(b, a));
}
