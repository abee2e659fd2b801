/**
 * A Runtime Connection seen as a sequence of Bifrost frames. It owns the FrameDecoder and applies
 * the close rules of the spec (conformance/spec/bifrost.md §3): a framing error closes the
 * connection with the named error, answered by a clear CLOSE frame only while that is allowed
 * (before transport keys exist, and never for a bad magic); a received CLOSE closes the connection
 * with RemoteCloseError. Either way the process keeps running: errors end up in onClose.
 *
 * Handler calls follow the Connection contract: never re-entrant from a method of this class, and
 * onClose exactly once, last. pause() stops frame delivery between two frames, even inside one
 * chunk; the frames not yet delivered stay in the decoder.
 */

import type { Connection, ConnectionHandler, Logger, Metrics } from '../runtime.js';
import { nullMetrics } from '../runtime.js';
import { decodeCloseReason, encodeClose, encodeFrame } from './codec.js';
import { type CloseReason, closeReasonName, FrameType, HEADER_SIZE, LENGTH_OFFSET } from './constants.js';
import { FrameDecoder } from './decoder.js';
import { BifrostUsageError, FrameError, RemoteCloseError, UnexpectedCloseError } from './errors.js';

export interface FramedHandler {
  /** One HANDSHAKE or TRANSPORT frame. The payload belongs to the receiver. */
  onFrame(type: FrameType, payload: Uint8Array): void;
  /** The connection's send buffer drained after a write returned false. */
  onDrain?(): void;
  /** The peer ended its side at a frame boundary. */
  onEnd?(): void;
  /**
   * Once, last. err: a FrameError (the peer's bytes were invalid), RemoteCloseError (the peer sent
   * CLOSE), the error given to close(), or the connection's NetError; undefined for an orderly close.
   */
  onClose?(err?: Error): void;
}

export interface FramedConnectionComponents {
  connection: Connection;
  log?: Logger;
  metrics?: Metrics;
}

export interface FramedConnectionInit {
  /** Largest accepted payload (default 65535). */
  maxPayloadBytes?: number;
}

export class FramedConnection {
  private readonly conn: Connection;
  private readonly log: Logger | undefined;
  private readonly metrics: Metrics;
  private readonly decoder: FrameDecoder;
  private handler: FramedHandler | undefined;
  /** Clear CLOSE frames may be sent and received only until transport keys exist (spec §3.1). */
  private clearClose = true;
  private paused = false;
  private pumping = false;
  private peerEnded = false;
  private endDelivered = false;
  /** Set when the connection's onClose arrived: the error it reported. */
  private connClosed: { err?: Error } | undefined;
  /** Why this side closed, reported in onClose in place of what the connection says. */
  private cause: Error | undefined;
  private closeDelivered = false;

  constructor(components: FramedConnectionComponents, init: FramedConnectionInit = {}) {
    this.conn = components.connection;
    this.log = components.log;
    this.metrics = components.metrics ?? nullMetrics;
    this.decoder = new FrameDecoder({ maxPayloadBytes: init.maxPayloadBytes });
  }

  get localAddr(): string {
    return this.conn.localAddr;
  }
  get remoteAddr(): string {
    return this.conn.remoteAddr;
  }
  get closed(): boolean {
    return this.conn.closed;
  }

  /** Install or replace the handler; frames that arrived before are delivered from a later turn. */
  setHandler(handler: FramedHandler): void {
    // Read from the connection only once someone will take frames: until then early bytes stay in
    // the connection's buffers, where its flow control bounds them, not in our decoder.
    if (this.handler === undefined) this.attach();
    this.handler = handler;
    // A promise job, not queueMicrotask: the simulator only sees promise work (sim/microtasks.ts)
    // and would otherwise move virtual time before this runs.
    void Promise.resolve().then(() => this.pump());
  }

  /**
   * The handler consumes each payload during onFrame and keeps no reference to it: frames split
   * across chunks are then assembled in one reused buffer (FrameDecoder.borrowPayloads), and this
   * side borrows the connection's chunks too (ConnectionHandler.borrowsChunks), copying only the
   * bytes it must keep past a chunk (a frame's start, or frames held back by pause()).
   */
  borrowPayloads(): void {
    if (this.decoder.borrowing) return;
    this.decoder.borrowPayloads();
    if (this.handler !== undefined) this.conn.setHandler(this.connectionHandler());
  }

  /**
   * Transport keys exist: from now on no CLOSE is sent, and a received CLOSE is a protocol
   * violation (spec §3.1 rules 3 and 4). Irreversible.
   */
  disableClearClose(): void {
    this.clearClose = false;
  }

  /** Send one frame (header and payload copied into one array). Returns the connection's backpressure signal. */
  writeFrame(type: FrameType, payload: Uint8Array): boolean {
    if (type === FrameType.CLOSE)
      throw new BifrostUsageError('send CLOSE with close(err, reason), not writeFrame');
    return this.conn.write(encodeFrame(type, payload));
  }

  /**
   * Send a frame already laid out in one array (allocFrame / encodeHeader, payload written in
   * place): the zero-copy path for bulk transport frames. The header is checked against the length.
   */
  writeEncoded(frame: Uint8Array): boolean {
    const declared =
      frame.length >= HEADER_SIZE ? (frame[LENGTH_OFFSET] << 8) | frame[LENGTH_OFFSET + 1] : -1;
    if (declared !== frame.length - HEADER_SIZE) {
      throw new BifrostUsageError(
        `encoded frame declares ${declared} payload bytes but holds ${frame.length - HEADER_SIZE}`,
      );
    }
    return this.conn.write(frame);
  }

  end(): void {
    this.conn.end();
  }

  /**
   * Close the connection. When a reason is given (or err is a FrameError that has one) and clear
   * CLOSE is still allowed, a CLOSE frame is written and the connection closed gracefully so the
   * frame is flushed rather than discarded; otherwise conn.close(err). onClose reports err.
   */
  close(err?: Error, reason?: CloseReason): void {
    if (this.cause === undefined && err !== undefined) this.cause = err;
    if (this.conn.closed) return;
    const code = reason ?? (err instanceof FrameError ? err.closeReason : undefined);
    if (code !== undefined && this.clearClose) {
      this.metrics.count('bifrost.close_sent');
      this.conn.write(encodeClose(code));
      this.conn.close();
    } else {
      this.conn.close(err);
    }
  }

  pause(): void {
    this.paused = true;
    this.conn.pause();
  }

  resume(): void {
    this.paused = false;
    this.conn.resume();
    void Promise.resolve().then(() => this.pump());
  }

  private attach(): void {
    this.conn.setHandler(this.connectionHandler());
  }

  private connectionHandler(): ConnectionHandler {
    const borrowing = this.decoder.borrowing;
    return {
      borrowsChunks: borrowing,
      onData: (chunk) => {
        if (this.cause !== undefined) return; // closing: nothing more is interpreted (spec §4)
        this.decoder.push(chunk);
        this.pump();
        if (borrowing) this.decoder.retainQueued();
      },
      onDrain: () => this.handler?.onDrain?.(),
      onEnd: () => {
        this.peerEnded = true;
        this.decoder.end();
        this.pump();
      },
      onClose: (err) => {
        this.connClosed = { err };
        this.pump();
      },
    };
  }

  /** Deliver what can be delivered now: frames, then end, then close. */
  private pump(): void {
    if (this.pumping || this.handler === undefined || this.closeDelivered) return;
    this.pumping = true;
    try {
      while (!this.paused && this.cause === undefined && this.deliverOne()) {}
      const atBoundary = this.decoder.bufferedBytes === 0 && this.decoder.error === undefined;
      if (!this.paused && this.peerEnded && atBoundary && this.cause === undefined && !this.endDelivered) {
        this.endDelivered = true;
        this.handler.onEnd?.();
      }
      this.maybeDeliverClose();
    } finally {
      this.pumping = false;
    }
  }

  /** Deliver one frame; false when there is none (or the connection is being closed). */
  private deliverOne(): boolean {
    let frame: ReturnType<FrameDecoder['next']>;
    try {
      frame = this.decoder.next();
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.fail(err);
      return false;
    }
    if (frame === undefined) return false;
    if (frame.type === FrameType.CLOSE) {
      this.onRemoteClose(frame.payload);
      return false;
    }
    try {
      this.handler!.onFrame(frame.type, frame.payload);
    } catch (err) {
      // A bug above us must not take the process down: it closes this connection only.
      this.log?.error('bifrost: frame handler threw; closing the connection', { error: String(err) });
      this.close(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    return true;
  }

  private fail(err: FrameError): void {
    this.metrics.count('bifrost.frame_errors');
    this.log?.warn('bifrost: invalid frame from peer; closing', { error: err.name, message: err.message });
    this.close(err);
  }

  private onRemoteClose(payload: Uint8Array): void {
    const reason = decodeCloseReason(payload); // the decoder already checked the length
    if (!this.clearClose) {
      this.fail(
        new UnexpectedCloseError(
          `CLOSE frame (reason ${closeReasonName(reason)}) after transport keys exist`,
        ),
      );
      return;
    }
    this.metrics.count('bifrost.close_received');
    const err = new RemoteCloseError(`peer closed the connection: ${closeReasonName(reason)}`, reason);
    if (this.cause === undefined) this.cause = err;
    this.conn.close(); // no CLOSE in answer (spec §3), and nothing of ours is worth flushing
  }

  private maybeDeliverClose(): void {
    if (this.connClosed === undefined || this.closeDelivered) return;
    // An orderly close waits for frames held back by pause(); an error or our own close does not.
    const orderly = this.connClosed.err === undefined && this.cause === undefined;
    if (orderly && this.paused) return;
    this.closeDelivered = true;
    this.handler?.onClose?.(this.cause ?? this.connClosed.err);
  }
}
