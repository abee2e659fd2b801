/**
 * The network fabric: hosts and their names, links (per ordered host pair: latency sampler,
 * bandwidth queue), partitions, fault rules and loss. Connections (pipe.ts, connection.ts) ask it
 * what happens to each segment they send.
 */
import { ConnectionResetError, type NetError } from '../stack/runtime.js';
import {
  evaluateRules,
  FAULT_CUT,
  FAULT_DELAY,
  FAULT_DROP,
  FAULT_LOSS,
  type FaultRule,
  type SegmentKind,
  type SimMessage,
} from './faults.js';
import type { HostState } from './host.js';
import { fixed, type LatencySampler } from './latency.js';
import type { ResolvedNetworkOptions } from './network-options.js';
import { type Cut, PartitionTable } from './partitions.js';
import type { SimRng } from './rng.js';
import { CONTROLLER, KIND_NET, msToNs, type Scheduler } from './scheduler.js';
import { Task } from './task.js';

/** One direction between two hosts: its delay sampler and its transmission queue. */
export class Link {
  /** When the link finishes serializing what is queued on it (FIFO queueing). */
  freeAtNs = 0;
  constructor(
    readonly from: HostState,
    readonly to: HostState,
    readonly sampler: LatencySampler,
    /** Serialization delay per byte, 0 for unlimited bandwidth. */
    readonly nsPerByte: number,
  ) {}
}

/** Something holding segments back while its path is cut (a pipe). */
export interface HeldPath {
  /** Transmit what was held if the path is no longer cut; false when still cut. */
  releaseIfUncut(): boolean;
}

/** Something that can be told its peer reset it. */
export interface ResettableEnd {
  resetByNetwork(err: NetError): void;
}

const HOST_KEY_STRIDE = 2 ** 21; // > max node index

export class Fabric {
  readonly hosts: (HostState | undefined)[] = [undefined]; // index 0 is the controller
  private readonly byName = new Map<string, HostState>();
  private readonly links = new Map<number, Link>();
  readonly partitions = new PartitionTable();
  private readonly rules: FaultRule[] = [];
  /** Paths holding segments during a partition, in the order they started holding. */
  readonly held = new Set<HeldPath>();
  /** Loss or fault rules present: the slow path must be taken for every segment. */
  lossy: boolean;
  readonly jitterNs: number;
  nextConnectionId = 1;
  private readonly msg: SimMessage = {
    kind: 'data',
    from: '',
    to: '',
    fromIndex: 0,
    toIndex: 0,
    sizeBytes: 0,
    data: undefined,
    timeMs: 0,
    attempt: 0,
    connectionId: 0,
  };

  constructor(
    readonly sched: Scheduler,
    readonly opts: ResolvedNetworkOptions,
  ) {
    this.lossy = opts.loss > 0;
    this.jitterNs = opts.jitterNs;
  }

  addHost(h: HostState): void {
    this.hosts[h.index] = h;
    this.byName.set(h.host, h);
    if (h.name !== h.host) this.byName.set(h.name, h);
  }

  /** The host a dialed name refers to; `self` answers loopback aliases. */
  resolve(name: string, self: HostState): HostState | undefined {
    if (name === '127.0.0.1' || name === 'localhost' || name === '::1') return self;
    return this.byName.get(name);
  }

  link(from: HostState, to: HostState): Link {
    const key = from.index * HOST_KEY_STRIDE + to.index;
    let l = this.links.get(key);
    if (l !== undefined) return l;
    const sampler =
      from === to ? fixed(this.opts.loopbackMs).forLink(from, to) : this.opts.latency.forLink(from, to);
    const bw = Math.min(this.opts.bandwidthBytesPerSec, from.bandwidthBytesPerSec, to.bandwidthBytesPerSec);
    l = new Link(from, to, sampler, Number.isFinite(bw) ? 1e9 / bw : 0);
    this.links.set(key, l);
    return l;
  }

  addRule(rule: FaultRule): () => void {
    this.rules.push(rule);
    this.lossy = true;
    return () => {
      const i = this.rules.indexOf(rule);
      if (i >= 0) this.rules.splice(i, 1);
      this.lossy = this.opts.loss > 0 || this.rules.length > 0;
    };
  }

  /**
   * One transmission attempt of a segment: -1 when it is dropped (by a rule or random loss),
   * otherwise the extra delay in ns a rule imposed (usually 0). Records faults.
   */
  consult(
    kind: SegmentKind,
    from: HostState,
    to: HostState,
    sizeBytes: number,
    data: Uint8Array | undefined,
    timeNs: number,
    attempt: number,
    connectionId: number,
    rng: SimRng,
  ): number {
    if (this.rules.length > 0) {
      const m = this.msg;
      m.kind = kind;
      m.from = from.name;
      m.to = to.name;
      m.fromIndex = from.index;
      m.toIndex = to.index;
      m.sizeBytes = sizeBytes;
      m.data = data;
      m.timeMs = timeNs / 1e6;
      m.attempt = attempt;
      m.connectionId = connectionId;
      const v = evaluateRules(this.rules, m);
      m.data = undefined;
      if (v === 'drop') {
        this.sched.recordFault(from.index, FAULT_DROP, sizeBytes);
        return -1;
      }
      if (v !== 'pass') {
        this.sched.recordFault(from.index, FAULT_DELAY, sizeBytes);
        return msToNs(v.delayMs);
      }
    }
    if (this.opts.loss > 0 && rng.float() < this.opts.loss) {
      this.sched.recordFault(from.index, FAULT_LOSS, sizeBytes);
      return -1;
    }
    return 0;
  }

  isCut(a: HostState, b: HostState): boolean {
    return this.partitions.active && this.partitions.isCut(a.index, b.index);
  }

  noteCut(from: HostState, sizeBytes: number): void {
    this.sched.recordFault(from.index, FAULT_CUT, sizeBytes);
  }

  partition(a: readonly number[], b: readonly number[] | null): Cut {
    return this.partitions.add(a, b);
  }

  /** Remove one cut (or all), then let held paths that are whole again transmit. */
  heal(cut?: Cut): void {
    if (cut === undefined) this.partitions.clear();
    else this.partitions.remove(cut);
    for (const p of [...this.held]) if (p.releaseIfUncut()) this.held.delete(p);
  }

  /**
   * A reset that does not travel through a pipe (the sender's incarnation is gone, so its pipe's
   * events would be skipped): it arrives after one one-way delay, unless the path is cut.
   */
  sendReset(from: HostState, to: HostState, end: ResettableEnd, why: string): void {
    if (this.isCut(from, to)) return;
    const at = this.sched.nowNs + this.link(from, to).sampler.sampleNs(from.netRng);
    this.sched.at(
      at,
      CONTROLLER,
      0,
      KIND_NET,
      new Task(() => end.resetByNetwork(new ConnectionResetError(why))),
    );
  }
}
