/**
 * The Veil stream multiplexer (conformance/spec/veil-mux.md). It runs inside an established
 * session and knows nothing of crypto: it hands plaintext messages down through components.send
 * (the session encrypts each into one Noise transport message) and takes decrypted messages in
 * through receive(). Streams (MuxStream) behave as Runtime Connections.
 *
 * Turns: the Mux acts from the session's turns (receive, drained) and from one promise job after
 * application calls (write, end, openStream), so many small writes made in one turn share one
 * message. Flushing stops when send() returns false and resumes on drained().
 *
 * Peer violations throw a named MuxError from receive(), after failing every stream: the session
 * then closes. Problems of one stream (its application closed it, its handler threw, the peer
 * exceeded maxStreams) reset that stream only.
 */

import { ConnectionClosedError, type Logger, type Metrics, NetError, nullMetrics } from '../runtime.js';
import { decodeMessage, decodeProtocolId, encodeProtocolId, type MuxFrame, readU32 } from './mux-codec.js';
import {
  FRAME_HEADER_SIZE,
  GRANT_DIVISOR,
  INITIAL_WINDOW,
  MAX_WINDOW,
  MuxFrameType,
  ResetCode,
} from './mux-constants.js';
import {
  MuxClosedError,
  MuxError,
  MuxFlowControlError,
  MuxStreamStateError,
  MuxUsageError,
} from './mux-errors.js';
import { SendScheduler } from './mux-scheduler.js';
import { StreamTable } from './mux-streams.js';
import { type MuxComponents, type MuxInit, type MuxStats, muxConfig } from './mux-types.js';
import { MuxStream, type StreamHost } from './stream.js';

export { MuxFrameType, ResetCode, resetCodeName } from './mux-constants.js';
export * from './mux-errors.js';
export type { MuxComponents, MuxInit, MuxStats } from './mux-types.js';
export { MuxStream } from './stream.js';

export class Mux implements StreamHost {
  /**
   * Inbound streams; stream.protocol says which protocol the opener named ('' = the DHT). A stream
   * naming a protocol must be taken with stream.accept() (which acknowledges it to the opener) or
   * turned down with stream.refuse(). Without onStream, every inbound stream is refused.
   */
  onStream?: (stream: MuxStream) => void;
  readonly stats: MuxStats = {
    streamsOpened: 0,
    streamsAccepted: 0,
    streamsRefused: 0,
    messagesSent: 0,
    messagesReceived: 0,
    dataBytesSent: 0,
    dataBytesReceived: 0,
  };
  readonly log: Logger | undefined;
  readonly maxMessageBytes: number;
  readonly initialWindowBytes: number;
  readonly maxStreams: number;
  readonly initiator: boolean;

  private readonly send: (message: Uint8Array) => boolean;
  private readonly metrics: Metrics;
  private readonly scheduler: SendScheduler;
  private readonly grantThreshold: number;
  private readonly streams: StreamTable;
  private isClosed = false;
  /** send() returned false: wait for drained(). */
  private blocked = false;
  /** Depth of receive() calls: flushing waits for the end of the session's turn. */
  private turnDepth = 0;
  private flushing = false;
  private flushWanted = false;
  private flushScheduled = false;

  constructor(components: MuxComponents, init: MuxInit = {}) {
    this.send = components.send;
    this.log = components.log;
    this.metrics = components.metrics ?? nullMetrics;
    const config = muxConfig(init);
    this.maxMessageBytes = config.maxMessageBytes;
    this.initialWindowBytes = config.initialWindowBytes;
    this.maxStreams = config.maxStreams;
    this.initiator = config.initiator;
    this.streams = new StreamTable(this.initiator);
    this.grantThreshold = Math.floor(this.initialWindowBytes / GRANT_DIVISOR);
    this.scheduler = new SendScheduler(this.maxMessageBytes, components.sendConsumesMessage === true);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Streams currently open (either side's), for tests and gauges. */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * One decrypted message from the peer. Throws a MuxError on a protocol violation. borrowed: the
   * message is valid only during this call (the session decrypts into one reused array), so DATA
   * is copied unless its stream's handler borrows chunks and takes it at once.
   */
  receive(message: Uint8Array, borrowed = false): void {
    if (this.isClosed) return;
    let frames: MuxFrame[];
    try {
      frames = decodeMessage(message, this.maxMessageBytes);
    } catch (err) {
      throw this.fail(err);
    }
    this.stats.messagesReceived++;
    this.turnDepth++;
    try {
      for (const frame of frames) {
        if (this.isClosed) break; // a handler closed the mux: the rest is moot
        this.dispatch(frame, borrowed);
      }
    } catch (err) {
      throw this.fail(err);
    } finally {
      this.turnDepth--;
      if (this.turnDepth === 0 && this.flushWanted) this.flush();
    }
  }

  /** The channel below is writable again. */
  drained(): void {
    if (this.isClosed) return;
    this.blocked = false;
    this.flush();
  }

  /**
   * A new outbound stream for protocol ('' = the DHT, sent as an empty OPEN). A protocol id is
   * 1..255 printable ASCII characters (MuxUsageError otherwise); stream.whenAccepted() tells when
   * the peer took the stream or refused it.
   */
  openStream(protocol = ''): MuxStream {
    if (this.isClosed) throw new ConnectionClosedError('openStream() on a closed mux');
    const protocolBytes = encodeProtocolId(protocol);
    if (FRAME_HEADER_SIZE + protocolBytes.length > this.maxMessageBytes) {
      throw new MuxUsageError(
        `protocol id of ${protocolBytes.length} bytes does not fit a message of ${this.maxMessageBytes}`,
      );
    }
    const stream = new MuxStream(this, this.streams.allocateLocalId(), true, protocol, protocolBytes);
    this.streams.add(stream);
    this.stats.streamsOpened++;
    this.grantInitialExtra(stream);
    this.wake(stream); // the OPEN goes out even before any data, so the peer sees the stream
    return stream;
  }

  /** Close everything: every open stream sees onClose with an error. Sends nothing. Idempotent. */
  close(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Every session close comes through here, most with no stream open: building the error (and
    // its stack trace) only when a stream will see it keeps session teardown cheap.
    if (this.streams.size === 0) {
      this.scheduler.clear();
      return;
    }
    const streamErr =
      err instanceof NetError
        ? err
        : new MuxClosedError(err ? `mux closed: ${err.message}` : 'mux closed', { cause: err });
    for (const stream of this.streams.values()) {
      stream.retired = true;
      stream.muxClosed(streamErr);
    }
    this.streams.clear();
    this.scheduler.clear();
  }

  // --- StreamHost ---

  wake(stream: MuxStream): void {
    if (this.isClosed || stream.retired) return;
    this.scheduler.wake(stream);
    if (stream.inReady) this.requestFlush();
  }

  consumed(stream: MuxStream, n: number): void {
    if (this.isClosed || stream.retired || stream.peerEnded) return; // nobody left to credit
    stream.pendingGrant += n;
    if (stream.pendingGrant < this.grantThreshold) return;
    this.scheduler.queueGrant(stream);
    this.requestFlush();
  }

  abort(stream: MuxStream, code: ResetCode): void {
    if (this.isClosed || stream.retired) return;
    // A stream whose OPEN never went out is unknown to the peer: nothing to reset.
    if (!stream.openPending) this.scheduler.queueReset(stream.id, code);
    this.retire(stream);
    this.requestFlush();
  }

  acknowledge(stream: MuxStream): void {
    if (this.isClosed || stream.retired) return;
    // The acknowledgement is a WINDOW_UPDATE: the extra window above the spec's initial one, or
    // at least 1 byte, so the opener always hears of it (conformance/spec/veil-mux.md §3).
    stream.pendingGrant += Math.max(1, this.initialWindowBytes - INITIAL_WINDOW);
    this.scheduler.queueGrant(stream);
    this.requestFlush();
  }

  retire(stream: MuxStream): void {
    if (stream.retired) return;
    stream.retired = true;
    this.streams.remove(stream);
  }

  // --- receiving ---

  private dispatch(frame: MuxFrame, borrowed: boolean): void {
    const { streamId: id, body } = frame;
    if (frame.type === MuxFrameType.OPEN) {
      this.onOpen(id, body);
      return;
    }
    const stream = this.streams.lookup(id, frame.type);
    if (stream === undefined) return; // a closed id: frames can cross an RST in flight (spec §2)
    if (!stream.accepted && stream.local && frame.type !== MuxFrameType.RST) stream.peerAccepted();
    switch (frame.type) {
      case MuxFrameType.DATA:
        this.onData(stream, body, borrowed);
        break;
      case MuxFrameType.WINDOW_UPDATE:
        this.onWindowUpdate(stream, readU32(body, 0));
        break;
      case MuxFrameType.FIN:
        if (stream.peerEnded) throw new MuxStreamStateError(`second FIN on stream ${id}`);
        stream.receiveFin();
        break;
      case MuxFrameType.RST:
        this.retire(stream);
        stream.receiveReset(body[0]);
        break;
    }
  }

  private onOpen(id: number, body: Uint8Array): void {
    this.streams.acceptOpen(id);
    const onStream = this.onStream;
    if (this.streams.inbound >= this.maxStreams || onStream === undefined) {
      this.stats.streamsRefused++;
      this.metrics.count('veil.mux.streams_refused');
      this.scheduler.queueReset(id, ResetCode.REFUSED);
      this.requestFlush();
      return;
    }
    const protocol = decodeProtocolId(body);
    const stream = new MuxStream(this, id, false, protocol);
    this.streams.add(stream);
    this.stats.streamsAccepted++;
    // A DHT stream is taken at once; one naming a protocol waits for accept() or refuse().
    if (protocol === '') this.grantInitialExtra(stream);
    try {
      onStream(stream);
    } catch (err) {
      this.log?.error('mux: onStream threw; resetting the stream', { stream: id, error: String(err) });
      stream.close(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onData(stream: MuxStream, body: Uint8Array, borrowed: boolean): void {
    if (stream.peerEnded) throw new MuxStreamStateError(`DATA on stream ${stream.id} after its FIN`);
    if (body.length > stream.recvWindow) {
      throw new MuxFlowControlError(
        `DATA of ${body.length} bytes on stream ${stream.id} exceeds its window of ${stream.recvWindow}`,
      );
    }
    stream.recvWindow -= body.length;
    this.stats.dataBytesReceived += body.length;
    stream.receiveData(body, borrowed);
  }

  private onWindowUpdate(stream: MuxStream, increment: number): void {
    if (stream.sendWindow + increment > MAX_WINDOW) {
      throw new MuxFlowControlError(
        `WINDOW_UPDATE of ${increment} on stream ${stream.id} takes its window past ${MAX_WINDOW}`,
      );
    }
    stream.sendWindow += increment;
    this.wake(stream);
  }

  /** A window above the spec's initial one is opened with a WINDOW_UPDATE for the difference. */
  private grantInitialExtra(stream: MuxStream): void {
    const extra = this.initialWindowBytes - INITIAL_WINDOW;
    if (extra === 0) return;
    stream.pendingGrant = extra;
    this.scheduler.queueGrant(stream);
    this.requestFlush();
  }

  /** Fail the whole mux for a violation: every stream gets onClose, and the caller rethrows. */
  private fail(err: unknown): unknown {
    if (err instanceof MuxError) {
      this.metrics.count('veil.mux.violations');
      this.log?.warn('mux: protocol violation by the peer', { error: err.name, message: err.message });
      this.close(err);
    }
    return err;
  }

  // --- sending ---

  private requestFlush(): void {
    if (this.isClosed) return;
    if (this.turnDepth > 0 || this.flushing) {
      this.flushWanted = true;
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // A promise job, not queueMicrotask: the simulator only sees promise work (sim/microtasks.ts)
    // and would otherwise move virtual time before this runs.
    void Promise.resolve().then(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Send messages until there is nothing left or the channel is backed up. */
  private flush(): void {
    if (this.flushing) {
      this.flushWanted = true;
      return;
    }
    this.flushWanted = false;
    if (this.isClosed || this.blocked) return;
    this.flushing = true;
    let yielded = false;
    try {
      for (;;) {
        const planned = this.scheduler.next();
        if (planned === undefined) break;
        this.stats.messagesSent++;
        this.stats.dataBytesSent += planned.dataBytes;
        let ok: boolean;
        try {
          ok = this.send(planned.message);
        } catch (err) {
          // The session below failed (nonce exhaustion, closed): nothing more can be sent.
          this.log?.error('mux: send failed; closing', { error: String(err) });
          this.close(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        let drained = false;
        for (const stream of planned.streams) drained = stream.afterSend() || drained; // may run onDrain
        if (this.isClosed) return;
        if (!ok) {
          this.blocked = true;
          return;
        }
        // A writer woken by onDrain usually refills from a promise continuation: let it run before
        // the next message, or the tail of its queue goes out as a sliver of a message.
        if (drained) {
          yielded = true;
          return;
        }
      }
    } finally {
      this.flushing = false;
      if (yielded) this.requestFlush();
    }
  }
}
