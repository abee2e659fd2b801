import type { Socket } from 'node:net';
import {
  type Address,
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionResetError,
  formatAddress,
  type Logger,
  NetError,
} from '../stack/runtime.js';
import { mapNetError } from './errors.js';

const EMPTY = new Uint8Array(0);

type Pending =
  | { kind: 'data'; chunk: Uint8Array }
  | { kind: 'end' }
  | { kind: 'close'; err: NetError | undefined };

export interface LiveConnectionOptions {
  log: Logger;
  /**
   * After close() without an error, how long the socket keeps reading (and discarding) while it
   * waits for the peer's FIN. Closing a socket with unread input makes the kernel send a reset,
   * which can destroy the data we just flushed; lingering avoids that without waiting forever.
   */
  lingerMs: number;
  /** Called once the socket is gone, so the runtime can stop tracking this connection. */
  onGone(conn: LiveConnection): void;
}

/**
 * One TCP connection behind the Connection contract. Chunks pass straight through in both
 * directions (a Buffer is a Uint8Array), so the data path copies nothing.
 *
 * Node delivers socket events from its own later turns, never from inside write(), end(),
 * destroy() or resume(); the only events this class delivers itself (buffered ones, after
 * setHandler or resume) go through setImmediate. So handlers are never called re-entrantly.
 */
export class LiveConnection implements Connection {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  private handler: ConnectionHandler | undefined;
  /** Events that could not be delivered yet (no handler, paused, or older events still queued). */
  private pending: Pending[] = [];
  private flushScheduled = false;
  private drainPending = false;
  private userPaused = false;
  private endCalled = false;
  private closeCalled = false;
  private closeQueued = false;
  private closeDelivered = false;
  /** The first failure seen; onClose reports it. */
  private error: NetError | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly opts: LiveConnectionOptions,
  ) {
    this.localAddr = formatAddress(socket.localAddress ?? '', socket.localPort ?? 0);
    this.remoteAddr = formatAddress(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    socket.setNoDelay(true);
    // Until a handler exists, input stays in Node's readable buffer; once that fills, Node stops
    // reading and TCP flow control pushes back on the sender, so early data is bounded.
    socket.pause();
    socket.on('data', (chunk: Buffer) => this.emit({ kind: 'data', chunk }));
    socket.on('end', this.onSocketEnd);
    socket.on('drain', this.onSocketDrain);
    socket.on('error', (err: Error) => {
      this.error ??= mapNetError(err);
    });
    socket.on('close', this.onSocketClose);
  }

  get closed(): boolean {
    return this.closeCalled || this.closeDelivered;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    if (this.pending.length > 0 || this.drainPending) this.scheduleFlush();
    this.updateFlow();
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) throw new ConnectionClosedError(`write on closed connection to ${this.remoteAddr}`);
    if (this.endCalled)
      throw new ConnectionClosedError(`write after end() on connection to ${this.remoteAddr}`);
    // The socket failed and onClose is on its way; the bytes have nowhere to go.
    if (this.socket.destroyed) return false;
    return this.socket.write(chunk);
  }

  /** write() of the chunks' concatenation: corked, so they leave in one writev. */
  writev(chunks: readonly Uint8Array[]): boolean {
    if (this.closed) throw new ConnectionClosedError(`write on closed connection to ${this.remoteAddr}`);
    if (this.endCalled)
      throw new ConnectionClosedError(`write after end() on connection to ${this.remoteAddr}`);
    if (this.socket.destroyed) return false;
    const socket = this.socket;
    let ok = true;
    socket.cork();
    for (const chunk of chunks) ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  end(): void {
    if (this.closeCalled)
      throw new ConnectionClosedError(`end() after close() on connection to ${this.remoteAddr}`);
    if (this.endCalled) return;
    this.endCalled = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  close(err?: Error): void {
    if (this.closeCalled) return;
    this.closeCalled = true;
    // Whoever closes no longer wants input: drop what was not delivered, keep a queued close.
    this.pending = this.pending.filter((event) => event.kind === 'close');
    if (this.closeDelivered) return;
    if (err !== undefined) {
      this.error ??=
        err instanceof NetError ? err : new ConnectionResetError(`closed: ${err.message}`, { cause: err });
      // Discards queued output and sends RST, so the peer sees ECONNRESET rather than a clean end.
      if (!this.socket.destroyed) this.socket.resetAndDestroy();
      this.scheduleFlush();
      return;
    }
    if (this.socket.destroyed) {
      this.scheduleFlush();
      return;
    }
    if (!this.endCalled) {
      this.endCalled = true;
      this.socket.end();
    }
    this.updateFlow(); // keep reading so unread input cannot turn our FIN into a reset
    if (this.socket.writableFinished) setImmediate(() => this.emit({ kind: 'close', err: this.error }));
    else this.socket.once('finish', () => this.emit({ kind: 'close', err: this.error }));
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.opts.lingerMs);
    this.lingerTimer.unref();
  }

  pause(): void {
    this.userPaused = true;
    this.updateFlow();
  }

  resume(): void {
    this.userPaused = false;
    if (this.pending.length > 0) this.scheduleFlush();
    this.updateFlow();
  }

  /** Only read from the socket while events can be delivered (or, after close(), discarded). */
  private updateFlow(): void {
    const flow =
      this.closeCalled || (this.handler !== undefined && !this.userPaused && this.pending.length === 0);
    if (flow && this.socket.isPaused()) this.socket.resume();
    else if (!flow && !this.socket.isPaused()) this.socket.pause();
  }

  /**
   * Linux reports a reset that arrives behind unread data as a plain EOF and keeps the error
   * pending in the socket, so a peer's close(err) would look like end(). A zero-length write
   * surfaces the pending error (the 'error' then 'close' path reports ConnectionResetError) and
   * sends nothing on a healthy connection. With output still queued the queued write surfaces it
   * instead; after our own end() there is no way to ask, and the end is taken at face value.
   */
  private readonly onSocketEnd = (): void => {
    const socket = this.socket;
    if (this.endCalled || !socket.writable || socket.writableLength > 0) {
      this.emit({ kind: 'end' });
      return;
    }
    socket.write(EMPTY, (err) => {
      if (err === undefined || err === null) this.emit({ kind: 'end' });
    });
  };

  private readonly onSocketDrain = (): void => {
    if (this.closed) return;
    // Drain is not ordered with input, and a writer that paused its reads until its output
    // drains must not wait behind queued input, so it bypasses the queue.
    if (this.handler === undefined) this.drainPending = true;
    else this.invoke(this.handler, 'drain');
  };

  private readonly onSocketClose = (): void => {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.opts.onGone(this);
    this.emit({ kind: 'close', err: this.error });
  };

  private emit(event: Pending): void {
    if (this.closeDelivered) return;
    if (event.kind === 'close') {
      if (this.closeQueued) return;
      this.closeQueued = true;
    } else if (this.closeCalled) {
      return;
    }
    const blocked =
      this.handler === undefined || this.pending.length > 0 || (this.userPaused && event.kind !== 'close');
    if (blocked) {
      this.pending.push(event);
      this.updateFlow();
      return;
    }
    this.deliver(this.handler!, event);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const handler = this.handler;
    if (handler === undefined) return;
    while (this.pending.length > 0 && !this.closeDelivered) {
      const head = this.pending[0];
      if (this.userPaused && head.kind !== 'close') break;
      this.pending.shift();
      this.deliver(handler, head);
    }
    if (this.drainPending && !this.closed) {
      this.drainPending = false;
      this.invoke(handler, 'drain');
    }
    if (!this.closeDelivered) this.updateFlow();
  };

  private deliver(handler: ConnectionHandler, event: Pending): void {
    if (event.kind === 'close') {
      this.closeDelivered = true;
      this.pending = [];
      this.invoke(handler, 'close', event.err);
    } else if (event.kind === 'data') {
      this.invoke(handler, 'data', event.chunk);
    } else {
      this.invoke(handler, 'end');
    }
  }

  /**
   * Runs one handler callback. A throwing handler leaves its protocol state unknown, so the
   * connection is reset (and the error logged) rather than letting the exception escape into a
   * Node event emitter, where it would crash the process.
   */
  private invoke(handler: ConnectionHandler, event: 'data' | 'drain' | 'end' | 'close', arg?: unknown): void {
    try {
      if (event === 'data') handler.onData(arg as Uint8Array);
      else if (event === 'drain') handler.onDrain?.();
      else if (event === 'end') handler.onEnd?.();
      else handler.onClose?.(arg as NetError | undefined);
    } catch (err) {
      this.opts.log.error('connection handler threw', { event, remote: this.remoteAddr, err });
      if (event !== 'close' && !this.closeCalled)
        this.close(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
