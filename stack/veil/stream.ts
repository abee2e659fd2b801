/**
 * One logical stream of the Veil multiplexer, seen by the layers above exactly as a Runtime
 * Connection (stack/runtime.ts): ordered bytes, write() backpressure with onDrain, half-close with
 * end(), close(err) resetting only this stream, onClose exactly once and last, never re-entrant.
 * The semantics follow the live runtime's connection where the contract leaves room: close()
 * drops unread input but keeps accepting (and crediting) what arrives so the peer is never
 * stalled; close(err) reports ConnectionResetError; onClose is delivered even while paused.
 *
 * The stream keeps the per-stream state (queues, windows, flags). The Mux (the StreamHost) owns
 * the wire: it feeds events in with the receive* methods, and its scheduler reads the send state.
 *
 * Delivery: events caused by the peer are delivered synchronously from the session's receive turn
 * (the mux calls in from Mux.receive), events caused by the application (setHandler, resume,
 * close) from a promise job, so a handler never runs inside one of this class's methods.
 */

import {
  type Address,
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionResetError,
  type Logger,
  NetError,
} from '../runtime.js';
import {
  INITIAL_WINDOW,
  MIN_DATA_WINDOW,
  ResetCode,
  STREAM_HIGH_WATER_BYTES,
  STREAM_LOW_WATER_BYTES,
} from './mux-constants.js';
import { StreamResetError } from './mux-errors.js';
import { ChunkQueue } from './stream-queue.js';

const EMPTY = new Uint8Array(0);

/** What a stream needs from its Mux. */
export interface StreamHost {
  /** The stream may have something to send: schedule it and flush soon. */
  wake(stream: MuxStream): void;
  /** The application took n bytes out of the stream (or they were discarded): credit the peer. */
  consumed(stream: MuxStream, n: number): void;
  /** This side aborts the stream: send RST if its OPEN went out, and forget it. */
  abort(stream: MuxStream, code: ResetCode): void;
  /** This side accepts an inbound stream that named a protocol: acknowledge it to the opener. */
  acknowledge(stream: MuxStream): void;
  /** Both directions finished: forget the stream. */
  retire(stream: MuxStream): void;
  readonly log?: Logger;
}

export class MuxStream implements Connection {
  readonly localAddr: Address;
  readonly remoteAddr: Address;

  // --- send state, read and updated by the Mux scheduler ---
  readonly sendQueue = new ChunkQueue();
  /** A stream we opened whose OPEN has not been planned into a message yet. */
  openPending: boolean;
  /** end() or close(): a FIN goes out once the queue is empty. */
  finRequested = false;
  finSent = false;
  /** Bytes we may still send (the peer's credit to us). */
  sendWindow = INITIAL_WINDOW;
  /** Bytes the peer may still send us (our credit to it). */
  recvWindow = INITIAL_WINDOW;
  /** Consumed bytes not yet granted back with WINDOW_UPDATE. */
  pendingGrant = 0;
  grantQueued = false;
  /** In the scheduler's round-robin. */
  inReady = false;
  /** Sequence number of the last message that gave this stream a turn (one turn per message). */
  lastTurn = -1;
  /** Removed from the Mux's table: frames for its id are now ignored. */
  retired = false;
  /**
   * Streams we opened: the peer sent a frame on it other than RST, so it took the stream. Inbound
   * streams: this side accepted it (acknowledged to the opener if it named a protocol).
   */
  accepted: boolean;
  private acceptWaiters: { resolve: () => void; reject: (err: Error) => void }[] | undefined;

  // --- receive and application-facing state ---
  private readonly inbox = new ChunkQueue();
  private handler: ConnectionHandler | undefined;
  private paused = false;
  private remoteEnded = false;
  private endDelivered = false;
  /** close() without error: input is no longer wanted and is discarded on arrival. */
  private readClosed = false;
  private appEnded = false;
  private appClosed = false;
  /** Reset (either side) or mux closed: nothing more is sent, onClose(closeError) is due. */
  private aborted = false;
  private closeError: NetError | undefined;
  private closeDelivered = false;
  private needDrain = false;
  private drainPending = false;
  private delivering = false;
  private deliveryScheduled = false;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** True for streams this side opened. */
    readonly local: boolean,
    /** The application protocol named in the OPEN; '' is the DHT (an empty OPEN body). */
    readonly protocol: string = '',
    /** protocol as it goes on the wire (streams we open). */
    readonly protocolBytes: Uint8Array = EMPTY,
  ) {
    this.localAddr = `mux:${id}`;
    this.remoteAddr = `mux:${id}`;
    this.openPending = local;
    // A DHT stream needs no acknowledgement: it is taken or reset, and the DHT does not wait.
    this.accepted = !local && protocol === '';
  }

  /**
   * A stream we opened: resolves once the peer has taken it (its first frame on the stream),
   * rejects with StreamResetError (code REFUSED when the peer does not handle the protocol) or the
   * close error if it ends first. An inbound stream: resolves at once.
   */
  whenAccepted(): Promise<void> {
    if (this.accepted || !this.local) return Promise.resolve();
    if (this.aborted || this.closeDelivered || this.appClosed) {
      return Promise.reject(this.closeError ?? new ConnectionClosedError(`stream ${this.id} is closed`));
    }
    const waiters = this.acceptWaiters ?? [];
    this.acceptWaiters = waiters;
    return new Promise((resolve, reject) => {
      waiters.push({ resolve, reject });
    });
  }

  /** Inbound: take the stream (acknowledging a protocol stream to its opener). Idempotent. */
  accept(): void {
    if (this.local || this.accepted || this.aborted) return;
    this.accepted = true;
    this.host.acknowledge(this);
  }

  /** Inbound: refuse the stream with RST REFUSED (an unhandled protocol, or over a limit). */
  refuse(): void {
    if (this.local || this.aborted || this.appClosed) return;
    this.appClosed = true;
    this.readClosed = true;
    this.closeError = new StreamResetError(ResetCode.REFUSED, false);
    this.abortLocally(ResetCode.REFUSED);
    this.scheduleDeliver();
  }

  /** The peer's first frame other than RST on a stream we opened. */
  peerAccepted(): void {
    this.accepted = true;
    const waiters = this.acceptWaiters;
    if (waiters === undefined) return;
    this.acceptWaiters = undefined;
    for (const w of waiters) w.resolve();
  }

  get closed(): boolean {
    return this.appClosed || this.closeDelivered;
  }

  /** Bytes written and not yet copied into a message: while 0, no chunk written is held (Connection). */
  get pendingWriteBytes(): number {
    return this.sendQueue.bytes;
  }

  /** Something is sendable now: OPEN, DATA within the window, or a FIN after the last DATA. */
  get sendable(): boolean {
    if (this.aborted) return false;
    return this.openPending || this.canSendData(this.sendQueue.bytes, this.sendWindow) || this.finDue;
  }

  /** DATA is worth sending: the window covers all that is queued, or is not a sliver (MIN_DATA_WINDOW). */
  canSendData(queued: number, window: number): boolean {
    return queued > 0 && window > 0 && (window >= queued || window >= MIN_DATA_WINDOW);
  }

  /** The peer's FIN arrived: it sends no more DATA. */
  get peerEnded(): boolean {
    return this.remoteEnded;
  }

  get finDue(): boolean {
    return this.finRequested && !this.finSent && this.sendQueue.bytes === 0;
  }

  // --- Connection ---

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    this.scheduleDeliver();
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) throw new ConnectionClosedError(`write on closed stream ${this.id}`);
    if (this.appEnded) throw new ConnectionClosedError(`write after end() on stream ${this.id}`);
    if (this.aborted) return false; // reset: onClose is on its way and the bytes have nowhere to go
    if (chunk.length > 0) {
      this.sendQueue.push(chunk);
      this.host.wake(this);
    }
    if (this.sendQueue.bytes < STREAM_HIGH_WATER_BYTES) return true;
    this.needDrain = true;
    return false;
  }

  end(): void {
    if (this.appClosed) throw new ConnectionClosedError(`end() after close() on stream ${this.id}`);
    if (this.appEnded) return;
    this.appEnded = true;
    if (this.aborted) return;
    this.finRequested = true;
    this.host.wake(this);
  }

  close(err?: Error): void {
    if (this.appClosed || this.closeDelivered) return;
    this.appClosed = true;
    this.readClosed = true;
    const unread = this.inbox.clear();
    if (err !== undefined && !this.aborted) {
      this.closeError =
        err instanceof NetError ? err : new ConnectionResetError(`closed: ${err.message}`, { cause: err });
      this.abortLocally(ResetCode.CANCEL);
    } else if (!this.aborted) {
      // Orderly: flush, FIN, onClose once the FIN is out. Credit what we drop so the peer,
      // possibly blocked on its window, can go on to its own FIN.
      if (unread > 0 && !this.remoteEnded) this.host.consumed(this, unread);
      if (!this.appEnded) {
        this.appEnded = true;
        this.finRequested = true;
        this.host.wake(this);
      }
    }
    this.scheduleDeliver();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.scheduleDeliver();
  }

  // --- events from the Mux ---

  /**
   * DATA from the peer. borrowed: chunk is valid only during this call. A handler that borrows
   * chunks (ConnectionHandler.borrowsChunks) then gets it at once if nothing is queued before it;
   * otherwise it is copied into the inbox.
   */
  receiveData(chunk: Uint8Array, borrowed = false): void {
    if (this.aborted) return;
    if (this.readClosed) {
      this.host.consumed(this, chunk.length);
      return;
    }
    if (borrowed && this.canTakeBorrowed()) {
      const handler = this.handler!;
      this.delivering = true;
      try {
        this.invoke(() => handler.onData(chunk));
        this.host.consumed(this, chunk.length);
      } finally {
        this.delivering = false;
      }
      this.deliver(); // whatever the handler's calls made due, as after any delivery
      return;
    }
    this.inbox.push(borrowed ? chunk.slice() : chunk);
    this.deliver();
  }

  /** The next onData would be this chunk: nothing queued, deferred or due before it. */
  private canTakeBorrowed(): boolean {
    return (
      this.handler?.borrowsChunks === true &&
      !this.paused &&
      this.inbox.length === 0 &&
      !this.delivering &&
      !this.deliveryScheduled &&
      !this.drainPending &&
      this.closeError === undefined &&
      !this.closeDelivered
    );
  }

  receiveFin(): void {
    this.remoteEnded = true;
    if (this.finSent) this.host.retire(this);
    this.deliver();
  }

  /** The peer sent RST. The Mux has already retired the stream. */
  receiveReset(code: number): void {
    if (this.aborted) return;
    this.markAborted(new StreamResetError(code, true));
    this.deliver();
  }

  /** The whole mux closed. Delivered from a promise job: the mux may be closed from inside a handler. */
  muxClosed(err: NetError): void {
    if (!this.aborted) this.markAborted(err);
    this.scheduleDeliver();
  }

  /** A message carrying this stream's frames went out: drain and close may now be due. Returns true if it drained. */
  afterSend(): boolean {
    if (this.finSent && this.remoteEnded && !this.retired) this.host.retire(this);
    let drained = false;
    if (this.needDrain && this.sendQueue.bytes <= STREAM_LOW_WATER_BYTES && !this.aborted) {
      this.needDrain = false;
      drained = !this.appClosed && !this.appEnded;
      if (drained) this.notifyDrain();
    }
    if (this.finSent) this.deliver();
    return drained;
  }

  // --- internals ---

  private abortLocally(code: ResetCode): void {
    this.markAborted(this.closeError);
    this.host.abort(this, code);
  }

  private markAborted(err: NetError | undefined): void {
    this.aborted = true;
    this.closeError ??= err;
    const waiters = this.acceptWaiters;
    if (waiters !== undefined) {
      this.acceptWaiters = undefined;
      const why = this.closeError ?? new ConnectionClosedError(`stream ${this.id} closed`);
      for (const w of waiters) w.reject(why);
    }
    this.sendQueue.clear();
    this.inbox.clear();
    this.finRequested = false;
  }

  private notifyDrain(): void {
    if (this.handler === undefined) {
      this.drainPending = true;
      return;
    }
    this.invoke(() => this.handler!.onDrain?.());
  }

  private scheduleDeliver(): void {
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    // A promise job, not queueMicrotask: the simulator only sees promise work (sim/microtasks.ts)
    // and would otherwise move virtual time before this runs.
    void Promise.resolve().then(() => {
      this.deliveryScheduled = false;
      this.deliver();
    });
  }

  /** Deliver what is due, in order: data, end, close. A pending deferred delivery goes first. */
  private deliver(): void {
    if (this.delivering || this.deliveryScheduled || this.handler === undefined) return;
    this.delivering = true;
    try {
      if (this.drainPending && !this.closed) {
        this.drainPending = false;
        this.invoke(() => this.handler!.onDrain?.());
      }
      // An application call (close, resume, setHandler) deferred a delivery: events it caused wait for it.
      while (!this.closeDelivered && !this.deliveryScheduled && this.deliverOne()) {}
    } finally {
      this.delivering = false;
    }
  }

  /** One event; false when nothing more is due now. */
  private deliverOne(): boolean {
    const handler = this.handler!;
    if (this.closeError !== undefined) return this.deliverClose(this.closeError);
    if (!this.paused && this.inbox.length > 0) {
      const chunk = this.inbox.shift();
      this.invoke(() => handler.onData(chunk));
      this.host.consumed(this, chunk.length);
      return true;
    }
    if (!this.paused && this.remoteEnded && !this.endDelivered && !this.readClosed) {
      this.endDelivered = true;
      this.invoke(() => handler.onEnd?.());
      return true;
    }
    if (this.finSent && (this.endDelivered || this.readClosed)) return this.deliverClose(undefined);
    return false;
  }

  private deliverClose(err: NetError | undefined): false {
    this.closeDelivered = true;
    this.inbox.clear();
    try {
      this.handler!.onClose?.(err);
    } catch (thrown) {
      this.host.log?.error('mux: stream onClose handler threw', { stream: this.id, error: String(thrown) });
    }
    return false;
  }

  /** A throwing handler leaves its protocol state unknown: reset this stream only, and log. */
  private invoke(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.host.log?.error('mux: stream handler threw; resetting the stream', {
        stream: this.id,
        error: String(err),
      });
      this.close(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
