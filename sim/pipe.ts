/**
 * The sending half of a connection end: the segments it puts on the wire towards its peer.
 * SimConnection (connection.ts) extends this. A segment travels in the event's arg slot and the
 * event's payload is the receiving end itself once the sender knows it on this thread (`peer`);
 * until then (the dialer's end does not exist yet when the server first writes) or when the peer
 * runs in another worker, the fabric routes it by number (messages.ts). Keeping that object graph
 * small is what makes 10,000-node simulations fast: at that size every object touched per message
 * is a likely cache miss. For the same reason the hot state is declared first (it shares cache
 * lines), the booleans of both halves are bits of one `flags` field, and lastArrivalNs (a double,
 * which V8 boxes in a separate heap object) is only touched when a delay can vary: with a fixed
 * delay, now + delay is already non-decreasing.
 *
 * An end only ever changes its own state. Whatever the peer must learn (data, end of stream,
 * resets, acknowledgements) is a message that arrives one one-way delay later: that is the rule a
 * partitioned simulation needs (no worker can read another's objects), and it is also how TCP
 * works.
 *
 * Segments are data chunks or markers (FIN, CLOSE, RST, an acknowledgement request). Per segment:
 * serialization on the link (bandwidth, FIFO behind whatever the link is already sending), then
 * loss/fault rules (a drop costs a retransmission timeout, doubling), then the link's one-way delay
 * and jitter. Arrival times are clamped to be non-decreasing, and the tie-break key grows with
 * every send, so a connection's segments arrive in the order sent whatever the delays. While the
 * path is cut by a partition, segments are held in order and go out when it heals; if they are
 * held for stallResetMs, both ends are reset.
 *
 * Backpressure: the sender counts bytes written and bytes the receiver has acknowledged consuming
 * (handed to its application). write() reports false once the difference passes the high-water
 * mark; the sender then asks, in order behind its data, to be told when the receiver has consumed
 * enough to bring it down to the low-water mark, and onDrain fires when that acknowledgement
 * arrives (one one-way delay after the receiver read). Acknowledgements are only sent when asked
 * for, so an exchange that never fills the window costs no extra events.
 */
import { type ConnectionHandler, ConnectionResetError, type NetError } from '../stack/runtime.js';
import type { Fireable } from './event-queue.js';
import type { Fabric, HeldPath, Link } from './fabric.js';
import { FAULT_GIVE_UP } from './faults.js';
import type { HostState } from './host.js';
import { REASON_PARTITION, REASON_RETRANSMISSIONS } from './messages.js';
import type { Ring } from './ring.js';
import type { SimRng } from './rng.js';
import { KIND_DELIVERY, KIND_NET, type Scheduler } from './scheduler.js';
import { Task } from './task.js';

/** End of stream from the sender; it may still read. */
export const FIN = 1;
/** The sender closed without error: the receiver sees end, then close. */
export const CLOSE = 2;
/** The sender reset the connection. */
export const RST = 3;
/** Event opcodes addressed to the end itself (not segments): see PipeEndpoint.fire. */
export const OP_FLUSH = 10;
export const OP_FINISH = 11;
/**
 * An acknowledgement from the peer: arg = ACK_BASE + bytes it has consumed so far. An
 * acknowledgement request is a negative marker: -(bytes to have consumed before answering) - 1.
 */
const ACK_BASE = 16;

export type Segment = Uint8Array | number;

// Bits of PipeEndpoint.flags.
export const F_PAUSED = 1;
export const F_LOCAL_ENDED = 2; // end() called
export const F_LOCAL_CLOSED = 4; // close() called
export const F_REMOTE_ENDED = 8; // the peer's FIN or CLOSE was delivered
export const F_FINISHED = 16; // onClose delivered or owed
export const F_DEAD = 32; // the host crashed under this end
export const F_RESET_SENT = 64;
export const F_CLOSE_PENDING = 128; // finished without a handler: onClose owed to the next one
export const F_FLUSH_QUEUED = 256;
const F_FAILING = 1024; // retransmissions gave up: nothing more is sent, a reset is coming
const F_NEED_DRAIN = 2048; // write() returned false: onDrain is owed
const F_CLAMP = 4096; // lastArrivalNs may be later than now + fixedDelayNs: check it
const F_HELD = 8192; // a partition holds this end's segments (in `held`)
/** Any of these and arrivals cannot go straight to the handler. */
export const F_NOT_FLOWING = F_PAUSED | F_LOCAL_CLOSED | F_FINISHED;
/** Nothing more may be written. */
export const F_WRITE_BLOCKED = F_LOCAL_ENDED | F_LOCAL_CLOSED | F_FINISHED;
/** Closed for the application: arrivals are ignored. */
export const F_GONE = F_LOCAL_CLOSED | F_FINISHED;

export abstract class PipeEndpoint implements Fireable, HeldPath {
  // Hot: read on every delivery. Declared first so they share cache lines.
  /** The other end, once found on this thread (null: route by peerHost and peerKey). */
  protected peer: PipeEndpoint | null = null;
  flags = 0;
  protected handler: ConnectionHandler | null = null;
  /** Arrivals waiting for a handler, a resume, or earlier arrivals. */
  protected rx: Ring<Segment> | null = null;
  /** Bytes written, and bytes the peer has acknowledged consuming (write() compares the two). */
  private sentBytes = 0;
  private ackedBytes = 0;
  /** Bytes this end handed to its application, and the count the peer asked to hear of (-1: none). */
  private consumedBytes = 0;
  private ackAtBytes = -1;
  protected readonly fabric: Fabric;
  protected readonly sched: Scheduler;
  /** The link's delay when it is fixed and there is no jitter (no random draw needed), else -1. */
  private readonly fixedDelayNs: number;
  private readonly nsPerByte: number;
  /** The node this end lives on and its incarnation: they own the events it schedules. */
  readonly owner: number;
  readonly gen: number;
  private readonly highWater: number;
  private readonly lowWater: number;
  // Cold.
  readonly link: Link;
  private readonly netRng: SimRng;
  /** Arrival time of the last segment sent, when F_CLAMP says it may matter. */
  private lastArrivalNs = 0;
  private held: Segment[] | null = null;
  private holdToken = 0;
  /** The connection id (unique per run, the same in every worker). */
  readonly id: number;
  /** This end's key in its host's table, and where the other end is. */
  readonly key: number;
  readonly peerHost: HostState;
  readonly peerKey: number;

  constructor(
    fabric: Fabric,
    link: Link,
    owner: number,
    gen: number,
    id: number,
    key: number,
    peerHost: HostState,
    peerKey: number,
  ) {
    this.fabric = fabric;
    this.sched = fabric.sched;
    const fixed = link.sampler.fixedNs;
    this.fixedDelayNs = fixed !== undefined && fabric.jitterNs === 0 ? fixed : -1;
    this.nsPerByte = link.nsPerByte;
    this.owner = owner;
    this.gen = gen;
    this.highWater = fabric.opts.highWaterBytes;
    this.lowWater = fabric.opts.lowWaterBytes;
    this.link = link;
    this.netRng = link.from.netRng;
    this.id = id;
    this.key = key;
    this.peerHost = peerHost;
    this.peerKey = peerKey;
  }

  // What the receiving side does (implemented by SimConnection).
  protected abstract arriveData(chunk: Uint8Array, n: number): void;
  protected abstract arriveMarker(marker: number): void;
  protected abstract drained(): void;
  protected abstract flush(): void;
  protected abstract finishLocal(): void;
  abstract resetByNetwork(err: NetError): void;

  /**
   * Schedule a message to the other end. The first time the peer is found registered on this
   * thread it is kept, and later messages go to it directly (the fast path); an end leaves its
   * host's table only once finished, when it ignores arrivals just as a failed lookup drops them.
   */
  private toPeer(timeNs: number, kind: number, arg: Segment): void {
    let p = this.peer;
    if (p === null) {
      const h = this.peerHost;
      if (h.local) {
        p = (h.conns.get(this.peerKey) as PipeEndpoint | undefined) ?? null;
        this.peer = p;
      }
      if (p === null) {
        this.fabric.route(timeNs, this.owner, kind, h, this.peerKey, arg);
        return;
      }
    }
    this.sched.atMessage(timeNs, this.owner, kind, p, arg);
  }

  /** write() returned false and the receiver's acknowledgement has not come yet. */
  get needDrain(): boolean {
    return (this.flags & F_NEED_DRAIN) !== 0;
  }

  /** Nothing arrives from this end before timeNs (the server's bytes follow its SYN-ACK). */
  notBefore(timeNs: number): void {
    if (timeNs > this.lastArrivalNs) this.lastArrivalNs = timeNs;
    this.flags |= F_CLAMP;
  }

  /** Send a chunk the receiver will own. Returns false over the high-water mark. */
  protected sendData(chunk: Uint8Array): boolean {
    const n = chunk.length;
    this.sentBytes += n;
    this.send(chunk, n);
    if (this.sentBytes - this.ackedBytes > this.highWater) {
      if ((this.flags & F_NEED_DRAIN) === 0) {
        this.flags |= F_NEED_DRAIN;
        this.requestAck();
      }
      return false;
    }
    return true;
  }

  /** Ask the peer to acknowledge once it has consumed enough to bring us to the low-water mark. */
  private requestAck(): void {
    this.send(-(this.sentBytes - this.lowWater) - 1, 0);
  }

  /** The peer consumed `consumed` bytes so far (an acknowledgement arrived). */
  private acked(consumed: number): void {
    if (consumed > this.ackedBytes) this.ackedBytes = consumed;
    if ((this.flags & F_NEED_DRAIN) === 0 || (this.flags & F_WRITE_BLOCKED) !== 0) return;
    if (this.sentBytes - this.ackedBytes <= this.lowWater) {
      this.flags &= ~F_NEED_DRAIN;
      this.drained();
    } else {
      this.requestAck(); // written more since asking
    }
  }

  /** The peer asks to hear once this end has consumed `bytes` in all. */
  private ackRequested(bytes: number): void {
    if ((this.flags & F_GONE) !== 0) return;
    this.ackAtBytes = bytes;
    this.maybeAck();
  }

  /** Called by the receiving side when its application took n bytes. */
  protected noteConsumed(n: number): void {
    this.consumedBytes += n;
    if (this.ackAtBytes >= 0) this.maybeAck();
  }

  private maybeAck(): void {
    if (this.consumedBytes < this.ackAtBytes) return;
    this.ackAtBytes = -1;
    // The acknowledgement is this end's message: its delay is drawn from this end's link.
    const fixed = this.fixedDelayNs;
    const ackNs = fixed >= 0 ? fixed : this.link.sampler.sampleNs(this.netRng);
    this.toPeer(this.sched.nowNs + ackNs, KIND_NET, ACK_BASE + this.consumedBytes);
  }

  protected send(seg: Segment, n: number): void {
    if ((this.flags & (F_FAILING | F_HELD)) !== 0) {
      if ((this.flags & F_FAILING) === 0) this.held!.push(seg);
      return;
    }
    if (this.fabric.partitions.active && this.fabric.isCut(this.link.from, this.link.to)) {
      this.hold(seg, n);
      return;
    }
    this.transmit(seg, n);
  }

  /**
   * close(err) on this end: drop what is held back (never sent) and reset the peer. Segments
   * already in flight arrive first, as on TCP, where the reset follows them in sequence.
   */
  protected abort(): void {
    if (this.held !== null) this.held = [RST];
    else this.send(RST, 0);
  }

  private transmit(seg: Segment, n: number): void {
    const f = this.fabric;
    let t = this.sched.nowNs;
    if (this.nsPerByte > 0) {
      const link = this.link;
      if (link.freeAtNs > t) t = link.freeAtNs;
      t += Math.round(n * this.nsPerByte);
      link.freeAtNs = t;
    }
    // Resets and acknowledgement requests are not subject to loss: a lost RST would be answered
    // by another one, and a request rides on data that was already judged.
    if (f.lossy && (typeof seg !== 'number' || (seg > 0 && seg !== RST))) {
      const extra = this.retransmissionDelayNs(seg, n);
      if (extra < 0) {
        this.giveUp(n);
        return;
      }
      t += extra;
    }
    if (this.fixedDelayNs >= 0 && t === this.sched.nowNs) {
      // Fixed delay from now: later than anything sent before, unless a varying delay was used.
      t += this.fixedDelayNs;
      if ((this.flags & F_CLAMP) !== 0) {
        if (t < this.lastArrivalNs) t = this.lastArrivalNs;
        else this.flags &= ~F_CLAMP;
      }
    } else {
      if (this.fixedDelayNs >= 0) t += this.fixedDelayNs;
      else {
        t += this.link.sampler.sampleNs(this.netRng);
        if (f.jitterNs > 0) t += Math.floor(this.netRng.float() * f.jitterNs);
      }
      if (t < this.lastArrivalNs) t = this.lastArrivalNs; // never reorder a connection's bytes
      this.lastArrivalNs = t;
      this.flags |= F_CLAMP;
    }
    this.toPeer(t, KIND_DELIVERY, seg);
  }

  /** Delay until some transmission of this segment gets through, or -1 if TCP would give up. */
  private retransmissionDelayNs(seg: Segment, n: number): number {
    const f = this.fabric;
    const now = this.sched.nowNs;
    const data = typeof seg === 'number' ? undefined : seg;
    const kind = data === undefined ? 'fin' : 'data';
    let extra = 0;
    let rto = f.opts.rtoNs;
    for (let attempt = 0; ; attempt++) {
      const v = f.consult(
        kind,
        this.link.from,
        this.link.to,
        n,
        data,
        now + extra,
        attempt,
        this.id,
        this.netRng,
      );
      if (v >= 0) return extra + v;
      extra += rto;
      rto *= 2;
      if (extra >= f.opts.stallResetNs) return -1;
    }
  }

  private giveUp(n: number): void {
    this.flags |= F_FAILING;
    this.sched.recordFault(this.owner, FAULT_GIVE_UP, n);
    this.after(this.fabric.opts.stallResetNs, () =>
      this.resetBoth(
        new ConnectionResetError('connection timed out: retransmissions failed'),
        REASON_RETRANSMISSIONS,
      ),
    );
  }

  private hold(seg: Segment, n: number): void {
    this.held = [seg];
    this.flags |= F_HELD;
    this.fabric.held.add(this);
    this.fabric.noteCut(this.link.from, n);
    const token = ++this.holdToken;
    this.after(this.fabric.opts.stallResetNs, () => {
      if (this.held !== null && this.holdToken === token) {
        this.resetBoth(
          new ConnectionResetError('connection timed out: path cut by a partition'),
          REASON_PARTITION,
        );
      }
    });
  }

  releaseIfUncut(): boolean {
    if (this.held === null) return true;
    if (this.fabric.isCut(this.link.from, this.link.to)) return false;
    const segs = this.held;
    this.held = null;
    this.flags &= ~F_HELD;
    this.holdToken++;
    for (const seg of segs) {
      if ((this.flags & F_FAILING) !== 0) break;
      this.transmit(seg, typeof seg === 'number' ? 0 : seg.length);
    }
    return true;
  }

  /** Stop holding (this end's host crashed: its events would never fire anyway). */
  protected forgetHeld(): void {
    this.held = null;
    this.flags &= ~F_HELD;
    this.holdToken++;
    this.fabric.held.delete(this);
  }

  /**
   * TCP's user timeout: this end gives up, and so does the peer, which learns of it one one-way
   * delay later (whether or not the path is cut: its own timers would have fired too).
   */
  private resetBoth(err: NetError, reason: number): void {
    this.forgetHeld();
    this.flags |= F_FAILING;
    this.resetByNetwork(err);
    this.fabric.sendReset(this.link.from, this.peerHost, this.peerKey, reason, true);
  }

  private after(delayNs: number, fn: () => void): void {
    this.sched.at(this.sched.nowNs + delayNs, this.owner, this.gen, KIND_NET, new Task(fn));
  }

  /** An event for this end to handle itself (flush, finish), now. */
  protected scheduleOp(op: number): void {
    this.sched.at(this.sched.nowNs, this.owner, this.gen, KIND_NET, this, op);
  }

  /**
   * A queue event: a segment or acknowledgement from the peer (this end receives it), or an
   * opcode this end scheduled for itself.
   */
  fire(arg: unknown): number {
    if (typeof arg !== 'number') {
      const chunk = arg as Uint8Array;
      const n = chunk.length;
      this.arriveData(chunk, n);
      return n;
    }
    if (arg <= RST) {
      if (arg > 0) this.arriveMarker(arg);
      else this.ackRequested(-arg - 1);
    } else if (arg === OP_FLUSH) this.flush();
    else if (arg === OP_FINISH) this.finishLocal();
    else this.acked(arg - ACK_BASE);
    return 0;
  }
}
