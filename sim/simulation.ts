/**
 * The Simulation: one seed, one scheduler, one network fabric, N nodes. See index.ts for the tour.
 */
import type { Clock, Timer } from '../stack/runtime.js';
import { DEFAULT_EPOCH_MS, SimClock } from './clock.js';
import { SimulationError, SimulationStalledError, VirtualTimeExceededError } from './errors.js';
import type { Fireable } from './event-queue.js';
import { Fabric } from './fabric.js';
import type { FaultRule } from './faults.js';
import { HostState } from './host.js';
import { errorFields, LogBook, type LogOptions, type LogRecord, SimLogger } from './logger.js';
import { NetMessage } from './messages.js';
import { aggregateMetrics, type MetricsSnapshot } from './metrics.js';
import { type NetworkOptions, resolveNetworkOptions } from './network-options.js';
import { type NodeContext, SimNode, type SimNodeOptions } from './node.js';
import { Outbox, workerOf } from './parallel/outbox.js';
import type { Cut } from './partitions.js';
import { SimRng } from './rng.js';
import {
  CONTROLLER,
  KIND_CONTROL,
  msToNs,
  type RunOptions,
  type RunStats,
  Scheduler,
  type SimStats,
} from './scheduler.js';

export interface SimulationOptions {
  /** Everything random derives from this. Default 1. */
  seed?: number | string;
  /** What wallNow() reads at virtual time 0. Default 2026-01-01T00:00:00Z. */
  epochMs?: number;
  network?: NetworkOptions;
  log?: LogOptions;
  /** This simulation is one worker's part of a larger one (sim/parallel). Default: it is all of it. */
  partition?: PartitionOptions;
}

/**
 * One worker's share of a partitioned simulation. Every worker adds every node, in the same order,
 * and runs every controller event; only the nodes it owns get events of their own.
 */
export interface PartitionOptions {
  /** How many workers share the simulation. */
  workers: number;
  /** Which one this is, 0..workers-1. */
  worker: number;
}

/** What sim/parallel needs from a Simulation it drives; nothing else should use it. */
export interface ParallelPort {
  readonly lookaheadNs: number;
  /** Where this worker's messages for other workers collect (null: not partitioned). */
  readonly outbox: Outbox | null;
  importArrival(
    timeNs: number,
    key: number,
    kind: number,
    to: number,
    endKey: number,
    arg: Uint8Array | number,
  ): void;
  /** type and fields as NetMessage has them. */
  importControl(
    timeNs: number,
    key: number,
    type: number,
    to: number,
    a: number,
    b: number,
    c: number,
    d: number,
  ): void;
  nextEventNs(): number;
  /** The controller's next sequence number: equal in every worker, or the workers diverged. */
  controllerSeq(): number;
  hashHex(): string;
}
/** A cut made by partition(); heal() removes just this one. */
export interface Partition {
  heal(): void;
}

const MAX_NODES = 2 ** 21 - 1; // owner indexes must fit the tie-break key; also 10.x.y.z has 24 bits

/** A controller event: an exception (or rejection) fails the run, because the scenario is wrong. */
class ControlEvent implements Fireable, Timer {
  cancelled = false;
  constructor(
    private fn: (() => unknown) | null,
    private readonly sched: Scheduler,
  ) {}
  cancel(): void {
    this.fn = null;
    this.cancelled = true;
  }
  fire(): number {
    const fn = this.fn;
    if (fn === null) return -1;
    this.fn = null;
    try {
      const r = fn();
      if (r instanceof Promise) r.then(undefined, (err) => this.sched.abort(err));
    } catch (err) {
      this.sched.abort(err);
    }
    return 0;
  }
}

/** "10.a.b.c" for node index i (24 bits): node 1 is 10.0.0.1. */
function hostAddress(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

export class Simulation {
  readonly seed: string;
  /** A clock owned by the controller (scenario timelines, harnesses). */
  readonly clock: Clock;
  /** The simulator's own log ("sim"): crashes, restarts, controller timer errors. */
  readonly log: SimLogger;
  private readonly sched = new Scheduler();
  private readonly fabric: Fabric;
  private readonly book: LogBook;
  private readonly ctx: NodeContext;
  private readonly rootRng: SimRng;
  private readonly nodeList: SimNode[] = [];
  private readonly byName = new Map<string, SimNode>();
  private readonly part: PartitionOptions;

  constructor(opts: SimulationOptions = {}) {
    this.seed = String(opts.seed ?? 1);
    this.rootRng = new SimRng(this.seed);
    const epochMs = opts.epochMs ?? DEFAULT_EPOCH_MS;
    const network = resolveNetworkOptions(opts.network);
    this.part = opts.partition ?? { workers: 1, worker: 0 };
    const { workers, worker } = this.part;
    if (
      !(
        Number.isInteger(workers) &&
        workers >= 1 &&
        Number.isInteger(worker) &&
        worker >= 0 &&
        worker < workers
      )
    ) {
      throw new SimulationError(
        `partition: expected 0 <= worker < workers, got worker ${worker} of ${workers}`,
      );
    }
    if (workers > 1 && network.minLatencyNs <= 0) {
      throw new SimulationError(
        'a partitioned simulation needs network.minLatencyMs > 0: it bounds how far workers run apart',
      );
    }
    this.sched.hashController = worker === 0;
    this.fabric = new Fabric(this.sched, network);
    if (workers > 1) this.fabric.exporter = new Outbox(workers, worker);
    this.book = new LogBook(opts.log ?? {}, () => this.sched.nowNs / 1e6);
    this.log = new SimLogger(this.book, 'sim');
    this.clock = new SimClock(this.sched, CONTROLLER, 0, epochMs, (err) =>
      this.log.error('controller timer threw', errorFields(err)),
    );
    this.ctx = { sched: this.sched, fabric: this.fabric, book: this.book, epochMs, simLog: this.log };
  }

  addNode(opts: SimNodeOptions = {}): SimNode {
    const index = this.nodeList.length + 1;
    if (index > MAX_NODES) throw new SimulationError(`at most ${MAX_NODES} nodes`);
    const name = opts.name ?? `n${index}`;
    if (this.byName.has(name)) throw new SimulationError(`a node named "${name}" exists already`);
    const address = hostAddress(index);
    this.sched.ensureOwner(index);
    const host = new HostState(
      index,
      name,
      address,
      opts.region ?? 'default',
      opts.bandwidthBytesPerSec ?? Number.POSITIVE_INFINITY,
      this.rootRng.fork(`net:${index}`),
      this.log,
    );
    host.local = workerOf(index, this.part.workers) === this.part.worker;
    this.fabric.addHost(host);
    const node = new SimNode(this.ctx, host, this.rootRng.fork(`node:${index}`));
    this.nodeList.push(node);
    this.byName.set(name, node);
    return node;
  }

  /** Which worker of how many this is (worker 0 of 1 unless partitioned across workers). */
  get partitioning(): Readonly<PartitionOptions> {
    return this.part;
  }

  /** For sim/parallel only. */
  parallelPort(): ParallelPort {
    const { sched, fabric } = this;
    return {
      lookaheadNs: fabric.opts.minLatencyNs,
      outbox: fabric.exporter as Outbox | null,
      importArrival: (t, key, kind, to, endKey, arg) => fabric.importArrival(t, key, kind, to, endKey, arg),
      importControl: (t, key, type, to, a, b, c, d) =>
        fabric.importControl(t, key, new NetMessage(fabric, type, to, a, b, c, d)),
      nextEventNs: () => sched.nextEventNs(),
      controllerSeq: () => sched.seqOf(CONTROLLER),
      hashHex: () => sched.hash.hex(),
    };
  }

  get nodes(): readonly SimNode[] {
    return this.nodeList;
  }

  node(name: string): SimNode | undefined {
    return this.byName.get(name);
  }

  /** Cut every path between a and b (both ways); without b, between a and everyone else. */
  partition(a: readonly SimNode[], b?: readonly SimNode[]): Partition {
    const cut: Cut = this.fabric.partition(
      a.map((n) => n.index),
      b === undefined ? null : b.map((n) => n.index),
    );
    this.log.info('partition', { a: a.map((n) => n.name), b: b?.map((n) => n.name) ?? 'rest' });
    return { heal: () => this.fabric.heal(cut) };
  }

  /** Remove every partition; held segments go out now, in order. */
  heal(): void {
    this.fabric.heal();
    this.log.info('healed');
  }

  /** Rules are consulted in the order added; returns a function removing this one. */
  addFaultRule(rule: FaultRule): () => void {
    return this.fabric.addRule(rule);
  }

  /** Run fn at virtual time atMs (now if earlier). An exception in fn fails the run. */
  schedule(atMs: number, fn: () => unknown): Timer {
    const ev = new ControlEvent(fn, this.sched);
    this.sched.at(Math.max(this.sched.nowNs, msToNs(atMs)), CONTROLLER, 0, KIND_CONTROL, ev);
    return ev;
  }

  run(opts: RunOptions = {}): Promise<RunStats> {
    return this.sched.run(opts);
  }

  /**
   * Drive virtual time until promise settles; its value or error is passed on. Throws
   * VirtualTimeExceededError if maxVirtualMs passes first, SimulationStalledError if nothing is
   * left to happen while it is still pending.
   */
  async runUntil<T>(promise: Promise<T>, maxVirtualMs: number): Promise<T> {
    let state = 0;
    let value: T | undefined;
    let error: unknown;
    promise.then(
      (v) => {
        state = 1;
        value = v;
      },
      (e) => {
        state = 2;
        error = e;
      },
    );
    const startMs = this.nowMs;
    const stats = await this.run({ until: () => state !== 0, untilMs: startMs + maxVirtualMs });
    if (state === 1) return value as T;
    if (state === 2) throw error;
    if (stats.stoppedBy === 'idle') {
      throw new SimulationStalledError(
        `no events left at ${this.nowMs} ms of virtual time, but the promise is still pending (seed ${this.seed})`,
      );
    }
    if (stats.stoppedBy === 'time') {
      throw new VirtualTimeExceededError(
        `the promise did not settle within ${maxVirtualMs} ms of virtual time (from ${startMs} ms; seed ${this.seed})`,
      );
    }
    throw new SimulationError(`run stopped (${stats.stoppedBy}) before the promise settled`);
  }

  /** Make the current run() return after the event being handled. */
  stop(): void {
    this.sched.requestStop();
  }

  get nowMs(): number {
    return this.sched.nowNs / 1e6;
  }

  get traceHash(): string {
    return this.sched.hash.hex();
  }

  get stats(): SimStats {
    return this.sched.stats();
  }

  /** Kept log records, oldest first. */
  logs(): LogRecord[] {
    return this.book.records();
  }

  /** Metrics of all nodes, aggregated (counters summed, histograms concatenated, gauges summed). */
  metrics(): MetricsSnapshot {
    return aggregateMetrics(this.nodeList.map((n) => n.metrics));
  }
}
