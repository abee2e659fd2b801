/**
 * The network fabric: hosts and their names, links (per ordered host pair: latency sampler,
 * bandwidth queue), partitions, fault rules and loss. Connections (pipe.ts, connection.ts) ask it
 * what happens to each segment they send, and it carries messages between hosts (messages.ts):
 * scheduled here when the receiving host runs on this thread, handed to the exporter when another
 * worker runs it (sim/parallel).
 *
 * Nothing here depends on which worker runs what: a link's state (its bandwidth queue) is only
 * touched by its sending host, every random draw comes from the sending host's stream, and
 * partitions and fault rules change only from controller events, which every worker replays.
 */
import type { Fireable } from './event-queue.js';
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
import { fixed, type LatencySampler, withFloor } from './latency.js';
import { Arrival, MSG_RESET, NetMessage } from './messages.js';
import type { ResolvedNetworkOptions } from './network-options.js';
import { type Cut, PartitionTable } from './partitions.js';
import type { SimRng } from './rng.js';
import { KIND_NET, msToNs, type Scheduler } from './scheduler.js';

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

/**
 * Where messages for hosts of other workers go (sim/parallel). The key was allocated by the
 * sending node here; the receiving worker queues the message under the same time and key.
 */
export interface MessageExporter {
  /** A segment or acknowledgement for connection end `endKey` of host `to`. */
  arrival(
    timeNs: number,
    key: number,
    kind: number,
    to: number,
    endKey: number,
    arg: Uint8Array | number,
  ): void;
  /** A connection-setup or reset message. */
  control(timeNs: number, key: number, msg: NetMessage): void;
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
  /** Set by sim/parallel when some hosts run in other workers. */
  exporter: MessageExporter | null = null;
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
      from === to
        ? fixed(this.opts.loopbackMs).forLink(from, to)
        : withFloor(this.opts.latency.forLink(from, to), this.opts.minLatencyNs);
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

  /** Schedule a message from owner to a connection end of host `to`, found when it arrives. */
  route(
    timeNs: number,
    owner: number,
    kind: number,
    to: HostState,
    endKey: number,
    arg: Uint8Array | number,
  ): void {
    if (to.local) this.sched.atMessage(timeNs, owner, kind, new Arrival(to, endKey), arg);
    else this.exporter!.arrival(timeNs, this.sched.nextKey(owner), kind, to.index, endKey, arg);
  }

  /** Schedule a control message from owner. */
  post(timeNs: number, owner: number, msg: NetMessage): void {
    if (this.hosts[msg.to]!.local) this.sched.atMessage(timeNs, owner, KIND_NET, msg);
    else this.exporter!.control(timeNs, this.sched.nextKey(owner), msg);
  }

  /** Queue a message another worker exported (see MessageExporter). */
  importArrival(
    timeNs: number,
    key: number,
    kind: number,
    to: number,
    endKey: number,
    arg: Uint8Array | number,
  ): void {
    const target: Fireable = new Arrival(this.hosts[to]!, endKey);
    this.sched.importMessage(timeNs, key, kind, target, arg);
  }

  importControl(timeNs: number, key: number, msg: NetMessage): void {
    this.sched.importMessage(timeNs, key, KIND_NET, msg);
  }

  /**
   * A reset that does not travel through a pipe (its sender crashed, gave up, or does not know
   * the connection): it arrives after one one-way delay, unless the path is cut (evenIfCut: a
   * timeout the peer would have reached on its own). Returns whether it was sent.
   */
  sendReset(from: HostState, to: HostState, endKey: number, reason: number, evenIfCut = false): boolean {
    if (!evenIfCut && this.isCut(from, to)) return false;
    const at = this.sched.nowNs + this.link(from, to).sampler.sampleNs(from.netRng);
    this.post(at, from.index, new NetMessage(this, MSG_RESET, to.index, endKey, reason));
    return true;
  }
}
