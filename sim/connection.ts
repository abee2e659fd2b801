/**
 * One end of a simulated connection (the Connection of stack/runtime.ts).
 *
 * State, in the order things can happen: open -> localEnded and/or remoteEnded -> finished
 * (onClose delivered or owed). localClosed means close() was called: the end is closed for the
 * caller at once, and onClose follows from a later event. Every callback runs from a queue event,
 * never from inside write/end/close/setHandler/resume. Arrivals that cannot be delivered yet (no
 * handler, paused, or behind earlier buffered ones) wait in `rx`, in order.
 */
import {
  type Address,
  type Connection,
  type ConnectionHandler,
  ConnectionClosedError,
  ConnectionResetError,
  NetError,
} from '../stack/runtime.js';
import type { Fireable } from './event-queue.js';
import type { Fabric } from './fabric.js';
import type { HostResource, HostState } from './host.js';
import { CLOSE, FIN, type Pipe, type PipeEnd, RST, type Segment } from './pipe.js';
import { Ring } from './ring.js';
import { KIND_NET } from './scheduler.js';

class FlushEvent implements Fireable {
  constructor(private readonly conn: SimConnection) {}
  fire(): number {
    this.conn.flush();
    return 0;
  }
}

class FinishEvent implements Fireable {
  constructor(private readonly conn: SimConnection) {}
  fire(): number {
    this.conn.finishLocal();
    return 0;
  }
}

/** close(err) takes any Error; onClose reports NetErrors, so others are wrapped (cause kept). */
function toNetError(err: Error): NetError {
  return err instanceof NetError ? err : new NetError(err.message, { cause: err });
}

export class SimConnection implements Connection, PipeEnd, HostResource {
  /** Our sending direction and the peer's (set by the creator before use). */
  out!: Pipe;
  inp!: Pipe;
  peer!: SimConnection;
  private handler: ConnectionHandler | null = null;
  private rx: Ring<Segment> | null = null;
  private paused = false;
  private localEnded = false;
  private localClosed = false;
  private remoteEnded = false;
  private finished = false;
  /** The host crashed under this end: it answers data with a reset, once. */
  private dead = false;
  private resetSent = false;
  private closePending = false;
  private closeErr: NetError | undefined = undefined;
  private flushQueued = false;
  private flushEvent: FlushEvent | null = null;

  constructor(
    private readonly fabric: Fabric,
    readonly host: HostState,
    private readonly gen: number,
    readonly localAddr: Address,
    readonly remoteAddr: Address,
    readonly id: number,
  ) {}

  get closed(): boolean {
    return this.localClosed || this.finished;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    if (this.rx !== null || this.closePending) this.scheduleFlush();
  }

  write(chunk: Uint8Array): boolean {
    if (this.localEnded || this.localClosed || this.finished) {
      throw new ConnectionClosedError(`write() on a connection that is ${this.finished ? 'closed' : 'ended'}`);
    }
    if (chunk.length === 0) return !this.out.needDrain;
    // The receiver owns what it gets: copy, so it never shares the sender's buffer.
    return this.out.sendData(chunk.slice());
  }

  end(): void {
    if (this.localClosed) throw new ConnectionClosedError('end() after close()');
    if (this.localEnded || this.finished) return;
    this.localEnded = true;
    this.out.send(FIN, 0);
    if (this.remoteEnded) this.schedule(new FinishEvent(this));
  }

  close(err?: Error): void {
    if (this.localClosed || this.finished) return;
    this.localClosed = true;
    this.rx = null;
    if (err !== undefined) {
      this.closeErr = toNetError(err);
      this.resetSent = true;
      this.out.abort();
    } else {
      this.out.send(CLOSE, 0);
    }
    this.schedule(new FinishEvent(this));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.rx !== null) this.scheduleFlush();
  }

  // --- from the pipes ------------------------------------------------------------------------

  arriveData(chunk: Uint8Array, n: number): void {
    if (this.handler !== null && this.rx === null && !this.paused && !this.finished && !this.localClosed) {
      this.deliverData(chunk, n);
      return;
    }
    if (this.finished || this.localClosed) {
      this.inp.consumed(n);
      if (this.dead && !this.resetSent) {
        // Data reaching a crashed process's old socket: its host answers with a reset.
        this.resetSent = true;
        this.fabric.sendReset(this.host, this.peer.host, this.peer, 'connection reset by peer');
      }
      return;
    }
    this.enqueue(chunk);
  }

  arriveMarker(marker: number): void {
    if (this.finished || this.localClosed) return;
    if (marker === RST) {
      // A reset discards unread data and is reported even while paused.
      this.rx = null;
      this.finish(new ConnectionResetError('connection reset by peer'));
      return;
    }
    if (this.handler !== null && this.rx === null && !this.paused) this.deliverMarker(marker);
    else this.enqueue(marker);
  }

  drained(): void {
    if (this.finished || this.localClosed || this.localEnded) return;
    const h = this.handler;
    if (h?.onDrain === undefined) return;
    try {
      h.onDrain();
    } catch (err) {
      this.host.reportHandlerError('onDrain', err);
    }
  }

  resetByNetwork(err: NetError): void {
    if (this.finished || this.localClosed) return;
    this.rx = null;
    this.finish(err);
  }

  /** The host crashed: no callbacks any more (the code that would receive them is gone). */
  crash(): void {
    if (this.dead) return;
    const wasOpen = !this.finished;
    this.dead = true;
    this.finished = true;
    this.handler = null;
    this.rx = null;
    this.out.forget();
    if (wasOpen && !this.peer.finished) {
      this.resetSent = !this.fabric.isCut(this.host, this.peer.host);
      this.fabric.sendReset(this.host, this.peer.host, this.peer, 'connection reset by peer (peer crashed)');
    }
  }

  // --- delivery ------------------------------------------------------------------------------

  flush(): void {
    this.flushQueued = false;
    while (this.rx !== null && this.handler !== null && !this.paused && !this.finished && !this.localClosed) {
      const seg = this.rx.shift();
      if (this.rx.length === 0) this.rx = null;
      if (typeof seg === 'number') this.deliverMarker(seg);
      else this.deliverData(seg, seg.length);
    }
    if (this.closePending && this.handler !== null) {
      this.closePending = false;
      this.notifyClose();
    }
  }

  /** The local close() (or end() after the peer's end) completes. */
  finishLocal(): void {
    this.finish(this.closeErr);
  }

  private deliverData(chunk: Uint8Array, n: number): void {
    try {
      this.handler!.onData(chunk);
    } catch (err) {
      this.host.reportHandlerError('onData', err);
    }
    this.inp.consumed(n);
  }

  private deliverMarker(marker: number): void {
    this.remoteEnded = true;
    const h = this.handler!;
    if (h.onEnd !== undefined) {
      try {
        h.onEnd();
      } catch (err) {
        this.host.reportHandlerError('onEnd', err);
      }
    }
    if (marker === CLOSE || (marker === FIN && this.localEnded)) this.finish(undefined);
  }

  private finish(err: NetError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.rx = null;
    this.closeErr = err;
    this.host.resources.delete(this);
    if (this.handler !== null) this.notifyClose();
    else this.closePending = true;
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
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.flushEvent ??= new FlushEvent(this);
    this.schedule(this.flushEvent);
  }

  private schedule(ev: Fireable): void {
    const sched = this.fabric.sched;
    sched.at(sched.nowNs, this.host.index, this.gen, KIND_NET, ev);
  }
}
