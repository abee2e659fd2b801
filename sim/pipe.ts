/**
 * One direction of a connection: the segments in flight from one endpoint to the other.
 *
 * Segments are data chunks or markers (FIN, CLOSE, RST). Each transmitted segment gets one queue
 * event whose payload is the pipe itself (no per-message allocation), and arrival times are
 * clamped to be non-decreasing, so events pop in send order and fire() can take the ring's head.
 *
 * Per segment: serialization on the link (bandwidth, FIFO behind whatever the link is already
 * sending), then loss/fault rules (a drop costs a retransmission timeout, doubling), then the
 * link's one-way delay and jitter. While the path is cut by a partition, segments are held in
 * order and go out when it heals; if they are held for stallResetMs, both ends are reset.
 *
 * Backpressure: `buffered` counts bytes written and not yet handed to the receiving application
 * (in flight, or waiting in a paused receiver). write() reports false above the high-water mark;
 * once the receiver consumes enough, onDrain reaches the writer one one-way delay later (the ACK).
 */
import { ConnectionResetError, type NetError } from '../stack/runtime.js';
import type { Fireable } from './event-queue.js';
import type { Fabric, HeldPath, Link } from './fabric.js';
import { FAULT_GIVE_UP } from './faults.js';
import type { SimRng } from './rng.js';
import { Ring } from './ring.js';
import { KIND_DELIVERY, KIND_NET } from './scheduler.js';
import { Task } from './task.js';

/** End of stream from the sender; it may still read. */
export const FIN = 1;
/** The sender closed without error: the receiver sees end, then close. */
export const CLOSE = 2;
/** The sender reset the connection. */
export const RST = 3;

export type Segment = Uint8Array | number;

/** What a pipe needs from the endpoints it connects. */
export interface PipeEnd {
  arriveData(chunk: Uint8Array, n: number): void;
  arriveMarker(marker: number): void;
  drained(): void;
  resetByNetwork(err: NetError): void;
}

class DrainEvent implements Fireable {
  constructor(private readonly end: PipeEnd) {}
  fire(): number {
    this.end.drained();
    return 0;
  }
}

export class Pipe implements Fireable, HeldPath {
  private readonly ring = new Ring<Segment>(4);
  private lastArrivalNs = 0;
  /** Bytes written and not yet consumed by the receiving application. */
  buffered = 0;
  /** write() returned false; onDrain is owed. */
  needDrain = false;
  /** close(err): data still in flight is thrown away on arrival. */
  private discarding = false;
  /** Retransmissions gave up: nothing more is sent, a reset is on its way. */
  private failing = false;
  private held: Segment[] | null = null;
  private holdToken = 0;
  private drainEvent: DrainEvent | null = null;
  /** The other direction of the same connection (set by the creator). */
  reverse!: Pipe;
  private readonly rng: SimRng;
  private readonly highWater: number;
  private readonly lowWater: number;

  constructor(
    private readonly fabric: Fabric,
    readonly link: Link,
    private readonly src: PipeEnd,
    private readonly dst: PipeEnd,
    /** The sending node and its incarnation: they own this pipe's events. */
    readonly owner: number,
    readonly gen: number,
    private readonly connectionId: number,
  ) {
    this.rng = link.from.netRng;
    this.highWater = fabric.opts.highWaterBytes;
    this.lowWater = fabric.opts.lowWaterBytes;
  }

  /** Nothing arrives on this pipe before timeNs (the SYN-ACK, for the server's first bytes). */
  notBefore(timeNs: number): void {
    if (timeNs > this.lastArrivalNs) this.lastArrivalNs = timeNs;
  }

  /** Send a chunk the receiver will own. Returns false over the high-water mark. */
  sendData(chunk: Uint8Array): boolean {
    const n = chunk.length;
    this.buffered += n;
    this.send(chunk, n);
    if (this.buffered > this.highWater) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  send(seg: Segment, n: number): void {
    if (this.failing) return;
    if (this.held !== null) {
      this.held.push(seg);
      return;
    }
    if (this.fabric.partitions.active && this.fabric.isCut(this.link.from, this.link.to)) {
      this.hold(seg, n);
      return;
    }
    this.transmit(seg, n);
  }

  /** close(err) on the sending side: drop what is in flight or held, and reset the receiver. */
  abort(): void {
    this.discarding = true;
    if (this.held !== null) this.held = [RST];
    else this.send(RST, 0);
  }

  private transmit(seg: Segment, n: number): void {
    const f = this.fabric;
    const sched = f.sched;
    const link = this.link;
    let t = sched.nowNs;
    if (link.nsPerByte > 0) {
      if (link.freeAtNs > t) t = link.freeAtNs;
      t += Math.round(n * link.nsPerByte);
      link.freeAtNs = t;
    }
    if (f.lossy && seg !== RST) {
      const extra = this.retransmissionDelayNs(seg, n);
      if (extra < 0) return this.giveUp(n);
      t += extra;
    }
    t += link.sampler.sampleNs(this.rng);
    if (f.jitterNs > 0) t += Math.floor(this.rng.float() * f.jitterNs);
    if (t < this.lastArrivalNs) t = this.lastArrivalNs; // never reorder a connection's bytes
    this.lastArrivalNs = t;
    this.ring.push(seg);
    sched.at(t, this.owner, this.gen, KIND_DELIVERY, this);
  }

  /** Delay until some transmission of this segment gets through, or -1 if TCP would give up. */
  private retransmissionDelayNs(seg: Segment, n: number): number {
    const f = this.fabric;
    const now = f.sched.nowNs;
    const data = typeof seg === 'number' ? undefined : seg;
    const kind = data === undefined ? 'fin' : 'data';
    let extra = 0;
    let rto = f.opts.rtoNs;
    for (let attempt = 0; ; attempt++) {
      const v = f.consult(kind, this.link.from, this.link.to, n, data, now + extra, attempt, this.connectionId, this.rng);
      if (v >= 0) return extra + v;
      extra += rto;
      rto *= 2;
      if (extra >= f.opts.stallResetNs) return -1;
    }
  }

  private giveUp(n: number): void {
    this.failing = true;
    this.fabric.sched.recordFault(this.owner, FAULT_GIVE_UP, n);
    this.schedule(this.fabric.opts.stallResetNs, () =>
      this.resetBoth(new ConnectionResetError('connection timed out: retransmissions failed')),
    );
  }

  private hold(seg: Segment, n: number): void {
    this.held = [seg];
    this.fabric.held.add(this);
    this.fabric.noteCut(this.link.from, n);
    const token = ++this.holdToken;
    this.schedule(this.fabric.opts.stallResetNs, () => {
      if (this.held !== null && this.holdToken === token) {
        this.resetBoth(new ConnectionResetError('connection timed out: path cut by a partition'));
      }
    });
  }

  releaseIfUncut(): boolean {
    if (this.held === null) return true;
    if (this.fabric.isCut(this.link.from, this.link.to)) return false;
    const segs = this.held;
    this.held = null;
    this.holdToken++;
    for (const seg of segs) {
      if (this.failing) break;
      this.transmit(seg, typeof seg === 'number' ? 0 : seg.length);
    }
    return true;
  }

  /** Stop holding for a dead sender (its events will never fire). */
  forget(): void {
    this.held = null;
    this.holdToken++;
    this.fabric.held.delete(this);
  }

  private resetBoth(err: NetError): void {
    this.forget();
    this.failing = true;
    this.src.resetByNetwork(err);
    this.dst.resetByNetwork(err);
  }

  private schedule(delayNs: number, fn: () => void): void {
    const sched = this.fabric.sched;
    sched.at(sched.nowNs + delayNs, this.owner, this.gen, KIND_NET, new Task(fn));
  }

  /** A segment arrives (queue event). */
  fire(): number {
    const seg = this.ring.shift();
    if (typeof seg === 'number') {
      this.dst.arriveMarker(seg);
      return 0;
    }
    const n = seg.length;
    if (this.discarding) this.consumed(n);
    else this.dst.arriveData(seg, n);
    return n;
  }

  /** The receiving application took n bytes: the window opens, the writer may get onDrain. */
  consumed(n: number): void {
    this.buffered -= n;
    if (this.needDrain && this.buffered <= this.lowWater) {
      this.needDrain = false;
      // The window update is the receiver's message (an ACK): owned by the reverse pipe's owner.
      const r = this.reverse;
      const sched = this.fabric.sched;
      const ackNs = r.link.sampler.sampleNs(r.rng);
      this.drainEvent ??= new DrainEvent(this.src);
      sched.at(sched.nowNs + ackNs, r.owner, r.gen, KIND_NET, this.drainEvent);
    }
  }
}
