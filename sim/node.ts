/**
 * A simulated node: a host on the fabric plus its current incarnation (a Runtime). crash() kills
 * the incarnation: its timers and pending dials are cancelled (generation bump), listeners
 * vanish, connections die without callbacks and their peers see ConnectionResetError one one-way
 * delay later (segments it had already sent are on the wire and still arrive; the OS of a crashed
 * process resets its sockets; if the path is cut at that moment
 * the reset is lost, and the peer learns on its next write once the path heals, or by the stall
 * timeout). restart() brings the host back at the same address with a fresh Runtime; the caller
 * rebuilds its stack on it.
 */
import type { Address, Runtime } from '../stack/runtime.js';
import { SimClock } from './clock.js';
import type { Fabric } from './fabric.js';
import type { HostState } from './host.js';
import type { LogBook } from './logger.js';
import { SimLogger } from './logger.js';
import { MetricsRegistry } from './metrics.js';
import { SimNetwork } from './network.js';
import type { SimRng } from './rng.js';
import type { Scheduler } from './scheduler.js';

/** The Runtime of one incarnation of a node. */
export interface SimRuntime extends Runtime {
  readonly clock: SimClock;
  readonly rng: SimRng;
  readonly net: SimNetwork;
  readonly log: SimLogger;
  readonly metrics: MetricsRegistry;
}

export interface SimNodeOptions {
  /** Default "n<index>". Usable as a host name in addresses ("alice:7000"). */
  name?: string;
  /** For the regions latency model. Default "default". */
  region?: string;
  /** Caps every link to and from this node (with the network-wide bandwidth). */
  bandwidthBytesPerSec?: number;
}

export interface NodeContext {
  readonly sched: Scheduler;
  readonly fabric: Fabric;
  readonly book: LogBook;
  readonly epochMs: number;
  readonly simLog: SimLogger;
}

export class SimNode {
  private current: SimRuntime;
  private incarnationCount = 0;
  /** Metrics outlive incarnations: they describe the run, not the node's state. */
  readonly metrics = new MetricsRegistry();

  constructor(
    private readonly ctx: NodeContext,
    private readonly hostState: HostState,
    /** The node's root random stream; incarnation k > 0 uses fork("incarnation:k"). */
    private readonly rootRng: SimRng,
  ) {
    this.current = this.makeRuntime();
  }

  get index(): number {
    return this.hostState.index;
  }
  get name(): string {
    return this.hostState.name;
  }
  /** The address literal of this host, e.g. "10.0.0.7". */
  get host(): string {
    return this.hostState.host;
  }
  get region(): string {
    return this.hostState.region;
  }
  get alive(): boolean {
    return this.hostState.alive;
  }
  /**
   * False in a partitioned simulation when another worker runs this node: build its stack there,
   * not here (this copy only keeps its name, address and bookkeeping, for the controller's code).
   */
  get local(): boolean {
    return this.hostState.local;
  }
  /** 0 for the first runtime, +1 per restart. */
  get incarnation(): number {
    return this.incarnationCount;
  }
  /** The current incarnation's runtime (a crashed node keeps its dead one until restart). */
  get runtime(): SimRuntime {
    return this.current;
  }
  /** Exceptions thrown by this node's callbacks (timers, connection handlers), all incarnations. */
  get handlerErrors(): number {
    return this.hostState.handlerErrors;
  }

  /** "host:port" on this node. */
  addr(port: number): Address {
    return `${this.hostState.host}:${port}`;
  }

  crash(): void {
    const h = this.hostState;
    if (!h.alive) return;
    h.alive = false;
    h.gen = this.ctx.sched.bumpGeneration(h.index);
    h.listeners.clear();
    h.dials.clear();
    const resources = [...h.resources];
    h.resources.clear();
    for (const r of resources) r.crash();
    this.ctx.simLog.info('node crashed', { node: h.name, connections: resources.length });
  }

  /** Crash if alive, then come back at the same address with a fresh Runtime. */
  restart(): SimRuntime {
    if (this.hostState.alive) this.crash();
    this.hostState.alive = true;
    this.incarnationCount++;
    this.current = this.makeRuntime();
    this.ctx.simLog.info('node restarted', { node: this.name, incarnation: this.incarnationCount });
    return this.current;
  }

  private makeRuntime(): SimRuntime {
    const h = this.hostState;
    const log = new SimLogger(this.ctx.book, h.name);
    h.log = log;
    const rng =
      this.incarnationCount === 0 ? this.rootRng : this.rootRng.fork(`incarnation:${this.incarnationCount}`);
    const clock = new SimClock(this.ctx.sched, h.index, h.gen, this.ctx.epochMs, (err) =>
      h.reportHandlerError('timer callback', err),
    );
    return { clock, rng, net: new SimNetwork(this.ctx.fabric, h, h.gen), log, metrics: this.metrics };
  }
}
