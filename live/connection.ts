import { Socket } from 'node:net';
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

/**
 * Reads for handlers that borrow chunks (ConnectionHandler.borrowsChunks) land in this one buffer,
 * shared by every such connection in the process: each chunk is consumed inside its callback, and
 * libuv reads one socket at a time on this thread. Node's default read path allocates a fresh
 * 64 KiB array per read instead, whose first touch faults its pages in again and again as the heap
 * shrinks and grows: measured here, half of a raw receiver's CPU per MB (651-722 us/MB vs 396-423
 * us/MB with a reused buffer, load ~5). A larger buffer also takes a backlog in fewer reads.
 */
const READ_BUFFER_BYTES = 256 * 1024;
let readBuffer: Uint8Array | undefined;

/** The private symbols behind net.Socket's `onread` option, or null where they cannot be found. */
interface UserBufferKeys {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}
let userBufferKeys: UserBufferKeys | null | undefined;

/**
 * Node 20 honours `onread` (read into a caller's buffer) only for sockets it creates from options,
 * not for sockets a server accepts. The option is three private symbols on the socket plus the
 * handle's useUserBuffer(); a throwaway socket built with the option shows which symbols they are.
 */
function findUserBufferKeys(): UserBufferKeys | null {
  try {
    const buffer = new Uint8Array(1);
    const callback = () => true;
    // @types/node 20 lacks `onread` in the constructor options, which Node 20 accepts.
    const probe = new Socket({ onread: { buffer, callback } } as ConstructorParameters<typeof Socket>[0]);
    const record = probe as unknown as Record<symbol, unknown>;
    const symbols = Object.getOwnPropertySymbols(probe);
    const keys = {
      buffer: symbols.find((k) => record[k] === buffer),
      callback: symbols.find((k) => record[k] === callback),
      generator: symbols.find((k) => k.description === 'kBufferGen' && record[k] === null),
    };
    probe.destroy();
    if (keys.buffer === undefined || keys.callback === undefined || keys.generator === undefined) return null;
    return keys as UserBufferKeys;
  } catch {
    return null;
  }
}

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
 * directions (a Buffer is a Uint8Array), so the data path copies nothing. A handler that borrows
 * chunks gets views of one reused read buffer instead of a fresh array per read (readBuffer).
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
  /** Reads land in the shared readBuffer (a handler borrowed chunks); see enableBorrowedReads. */
  private borrowedReads = false;

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
    socket.on('data', (chunk: Buffer) => this.emitData(chunk, false));
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

  /** Node's Writable count: a write leaves it once libuv has handed the chunk to the kernel. */
  get pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    if (handler.borrowsChunks === true && !this.borrowedReads) this.enableBorrowedReads();
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

  /**
   * From now on the socket reads into the shared readBuffer and calls onBorrowedRead, instead of
   * allocating a chunk per read. Chunks Node had already read stay in its readable buffer and
   * still come as 'data' events, before any later read (they are flushed on a nextTick, reads
   * come from the poll phase). Where the private symbols cannot be found, nothing changes.
   */
  private enableBorrowedReads(): void {
    userBufferKeys ??= findUserBufferKeys();
    const keys = userBufferKeys;
    const handle = (this.socket as unknown as { _handle?: { useUserBuffer?(buf: Uint8Array): void } })
      ._handle;
    if (keys === null || handle?.useUserBuffer === undefined || this.socket.destroyed) return;
    readBuffer ??= new Uint8Array(READ_BUFFER_BYTES);
    const record = this.socket as unknown as Record<symbol, unknown>;
    record[keys.buffer] = readBuffer;
    record[keys.callback] = this.onBorrowedRead;
    record[keys.generator] = null;
    handle.useUserBuffer(readBuffer);
    this.borrowedReads = true;
  }

  /** A read into the shared buffer: valid only until this returns (copied if it must wait). */
  private readonly onBorrowedRead = (nread: number, buf: Uint8Array): boolean => {
    this.emitData(buf.subarray(0, nread), true);
    return true; // flow is steered with pause()/resume() (updateFlow), as for 'data' events
  };

  private emitData(chunk: Uint8Array, borrowed: boolean): void {
    if (this.closeDelivered || this.closeCalled) return;
    const handler = this.handler;
    if (handler === undefined || this.pending.length > 0 || this.userPaused) {
      this.pending.push({ kind: 'data', chunk: borrowed ? chunk.slice() : chunk });
      this.updateFlow();
      return;
    }
    this.invoke(handler, 'data', borrowed && handler.borrowsChunks !== true ? chunk.slice() : chunk);
  }

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
