/**
 * One end of a simulated connection (the Connection of stack/runtime.ts). The sending half lives
 * in the base class (pipe.ts); this file is the receiving half and the state machine.
 *
 * State, in the order things can happen: open -> LOCAL_ENDED and/or REMOTE_ENDED -> FINISHED
 * (onClose delivered or owed). LOCAL_CLOSED means close() was called: the end is closed for the
 * caller at once, and onClose follows from a later event. Every callback runs from a queue event,
 * never from inside write/end/close/setHandler/resume. Arrivals that cannot be delivered yet (no
 * handler, paused, or behind earlier buffered ones) wait in `rx`, in order.
 */
import {
  type Address,
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionResetError,
  NetError,
} from '../stack/runtime.js';
import type { Fabric, Link } from './fabric.js';
import type { HostEnd, HostState } from './host.js';
import { REASON_PEER_CRASHED, REASON_RESET } from './messages.js';
import {
  CLOSE,
  F_CLOSE_PENDING,
  F_DEAD,
  F_FINISHED,
  F_FLUSH_QUEUED,
  F_GONE,
  F_LOCAL_CLOSED,
  F_LOCAL_ENDED,
  F_NOT_FLOWING,
  F_PAUSED,
  F_REMOTE_ENDED,
  F_RESET_SENT,
  F_WRITE_BLOCKED,
  FIN,
  OP_FINISH,
  OP_FLUSH,
  PipeEndpoint,
  RST,
  type Segment,
} from './pipe.js';
import { Ring } from './ring.js';

/** close(err) takes any Error; onClose reports NetErrors, so others are wrapped (cause kept). */
function toNetError(err: Error): NetError {
  return err instanceof NetError ? err : new NetError(err.message, { cause: err });
}

export class SimConnection extends PipeEndpoint implements Connection, HostEnd {
  readonly host: HostState;
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  private closeErr: NetError | undefined = undefined;

  constructor(
    fabric: Fabric,
    host: HostState,
    gen: number,
    link: Link,
    localAddr: Address,
    remoteAddr: Address,
    id: number,
    key: number,
    peerHost: HostState,
    peerKey: number,
  ) {
    super(fabric, link, host.index, gen, id, key, peerHost, peerKey);
    this.host = host;
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
  }

  get closed(): boolean {
    return (this.flags & F_GONE) !== 0;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    if (this.rx !== null || (this.flags & F_CLOSE_PENDING) !== 0) this.scheduleFlush();
  }

  write(chunk: Uint8Array): boolean {
    if ((this.flags & F_WRITE_BLOCKED) !== 0) {
      throw new ConnectionClosedError(
        `write() on a connection that is ${(this.flags & F_LOCAL_ENDED) !== 0 ? 'ended' : 'closed'}`,
      );
    }
    if (chunk.length === 0) return !this.needDrain;
    // No copy: the writer gave up the chunk (it must not modify it afterwards) and receivers treat
    // what they get as read-only (stack/runtime.ts), so sharing is safe, and copying every
    // segment was a tenth of the simulator's time in garbage collection.
    return this.sendData(chunk);
  }

  end(): void {
    if ((this.flags & F_LOCAL_CLOSED) !== 0) throw new ConnectionClosedError('end() after close()');
    if ((this.flags & (F_LOCAL_ENDED | F_FINISHED)) !== 0) return;
    this.flags |= F_LOCAL_ENDED;
    this.send(FIN, 0);
    if ((this.flags & F_REMOTE_ENDED) !== 0) this.scheduleOp(OP_FINISH);
  }

  close(err?: Error): void {
    if ((this.flags & F_GONE) !== 0) return;
    this.flags |= F_LOCAL_CLOSED;
    this.rx = null;
    if (err !== undefined) {
      this.closeErr = toNetError(err);
      this.flags |= F_RESET_SENT;
      this.abort();
    } else {
      this.send(CLOSE, 0);
    }
    this.scheduleOp(OP_FINISH);
  }

  pause(): void {
    this.flags |= F_PAUSED;
  }

  resume(): void {
    if ((this.flags & F_PAUSED) === 0) return;
    this.flags &= ~F_PAUSED;
    if (this.rx !== null) this.scheduleFlush();
  }

  // --- arrivals (called on the receiving end by the sending end's events) ---------------------

  protected arriveData(chunk: Uint8Array, n: number): void {
    if ((this.flags & F_NOT_FLOWING) === 0 && this.handler !== null && this.rx === null) {
      this.deliverData(chunk, n);
      return;
    }
    if ((this.flags & F_GONE) !== 0) {
      if ((this.flags & (F_DEAD | F_RESET_SENT)) === F_DEAD) {
        // Data reaching a crashed process's old socket: its host answers with a reset (once; the
        // end only stayed in the host's table for this).
        this.flags |= F_RESET_SENT;
        this.host.conns.delete(this.key);
        this.fabric.sendReset(this.host, this.peerHost, this.peerKey, REASON_RESET);
      }
      return;
    }
    this.enqueue(chunk);
  }

  protected arriveMarker(marker: number): void {
    if ((this.flags & F_GONE) !== 0) return;
    if (marker === RST) {
      // A reset discards unread data and is reported even while paused.
      this.rx = null;
      this.finish(new ConnectionResetError('connection reset by peer'));
      return;
    }
    if (this.handler !== null && this.rx === null && (this.flags & F_PAUSED) === 0)
      this.deliverMarker(marker);
    else this.enqueue(marker);
  }

  protected drained(): void {
    if ((this.flags & F_WRITE_BLOCKED) !== 0) return;
    const h = this.handler;
    if (h?.onDrain === undefined) return;
    try {
      h.onDrain();
    } catch (err) {
      this.host.reportHandlerError('onDrain', err);
    }
  }

  resetByNetwork(err: NetError): void {
    if ((this.flags & F_GONE) !== 0) return;
    this.rx = null;
    this.finish(err);
  }

  /**
   * The host crashed: no callbacks any more (the code that would receive them is gone). Its OS
   * resets the peer; if the path is cut that reset is lost, and the end stays in the host's table
   * so that the peer's next data gets one (the peer may have finished already: it ignores it).
   */
  crash(): void {
    if ((this.flags & F_DEAD) !== 0) return;
    const wasOpen = (this.flags & F_FINISHED) === 0;
    this.flags |= F_DEAD | F_FINISHED;
    this.handler = null;
    this.rx = null;
    this.forgetHeld();
    if (wasOpen && this.fabric.sendReset(this.host, this.peerHost, this.peerKey, REASON_PEER_CRASHED))
      this.flags |= F_RESET_SENT;
    if ((this.flags & F_RESET_SENT) !== 0 || !wasOpen) this.host.conns.delete(this.key);
  }

  // --- delivery ------------------------------------------------------------------------------

  protected flush(): void {
    this.flags &= ~F_FLUSH_QUEUED;
    while (this.rx !== null && this.handler !== null && (this.flags & F_NOT_FLOWING) === 0) {
      const seg = this.rx.shift();
      if (this.rx.length === 0) this.rx = null;
      if (typeof seg === 'number') this.deliverMarker(seg);
      else this.deliverData(seg, seg.length);
    }
    if ((this.flags & F_CLOSE_PENDING) !== 0 && this.handler !== null) {
      this.flags &= ~F_CLOSE_PENDING;
      this.notifyClose();
    }
  }

  /** The local close() (or end() after the peer's end) completes. */
  protected finishLocal(): void {
    this.finish(this.closeErr);
  }

  private deliverData(chunk: Uint8Array, n: number): void {
    try {
      this.handler!.onData(chunk);
    } catch (err) {
      this.host.reportHandlerError('onData', err);
    }
    this.noteConsumed(n);
  }

  private deliverMarker(marker: number): void {
    this.flags |= F_REMOTE_ENDED;
    const h = this.handler!;
    if (h.onEnd !== undefined) {
      try {
        h.onEnd();
      } catch (err) {
        this.host.reportHandlerError('onEnd', err);
      }
    }
    if (marker === CLOSE || (marker === FIN && (this.flags & F_LOCAL_ENDED) !== 0)) this.finish(undefined);
  }

  private finish(err: NetError | undefined): void {
    if ((this.flags & F_FINISHED) !== 0) return;
    this.flags |= F_FINISHED;
    this.rx = null;
    this.closeErr = err;
    this.host.resources.delete(this);
    this.host.conns.delete(this.key);
    if (this.handler !== null) this.notifyClose();
    else this.flags |= F_CLOSE_PENDING;
  }

  private notifyClose(): void {
    const h = this.handler!;
    if (h.onClose === undefined) return;
    try {
      h.onClose(this.closeErr);
    } catch (err) {
      this.host.reportHandlerError('onClose', err);
    }
  }

  private enqueue(seg: Segment): void {
    this.rx ??= new Ring<Segment>(8);
    this.rx.push(seg);
  }

  private scheduleFlush(): void {
    if ((this.flags & F_FLUSH_QUEUED) !== 0) return;
    this.flags |= F_FLUSH_QUEUED;
    this.scheduleOp(OP_FLUSH);
  }
}
