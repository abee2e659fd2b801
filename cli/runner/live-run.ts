/**
 * Runs a scenario on real processes: one `valhalla node` per scenario node, real TCP between them,
 * each in a network namespace of its own (as root, with iproute2 and nftables) or all on loopback.
 * The scenario's semantics are the simulator's (cli/runner/sim-run.ts, world.ts, timeline.ts):
 * node 0 starts the DHT at t=0 and the others join through it over joinOver; lookups pick both
 * ends among the nodes up at that instant; the timeline's crashes, restarts, leaves, partitions,
 * heals, degraded groups and churn happen at their times; samples every `sample`. Times are wall
 * milliseconds since the start of the timeline (after the processes are up), so the records and
 * metrics have the simulator's names, units and tables.
 *
 * Live means: crash = SIGKILL (in namespace mode the node's link goes down first, so its kernel's
 * FIN/RST are lost as a crashed host's would be, and comes back up for the peers to get RSTs when
 * they write); restart = a new process on the same identity file and data directory; partition =
 * nftables drop rules on the bridge (loopback: the shim holds the traffic); latency, jitter and
 * loss = the transport shim (live/shim.ts) set through each node's admin socket; workloads are
 * admin requests. Everything the run creates is removed at the end, on failure and on SIGINT or
 * SIGTERM of the runner.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { NetnsTestbed, netnsUnavailable } from '../../live/netns.js';
import { LiveRng } from '../../live/rng.js';
import type { LookupWorkload, PingWorkload, Scenario, TimelineEvent } from '../../scenarios/types.js';
import { SimRng } from '../../sim/index.js';
import { generateIdentity } from '../../stack/identity/index.js';
import type { Rng } from '../../stack/runtime.js';
import { writeIdentityFile } from '../identity-file.js';
import type {
  FaultRecord,
  LookupRecord,
  MessageRecord,
  RunRecords,
  SampleRecord,
} from '../report/records.js';
import { describeLeftover, findLeftovers, RUNS_ROOT, removeLeftover } from './live-leftovers.js';
import { NodeProc } from './live-procs.js';
import type { ShimConfig } from './live-shim.js';
import { TunWorkloads } from './live-tun.js';
import { lookupMetrics, lookupPair, pendingLookup } from './sim-run.js';
import { distribution } from './stats.js';
import { select } from './timeline.js';
import { DHT_PORT } from './world.js';

export type LiveMode = 'netns' | 'loopback';

/**
 * Memory one node process needs, measured: `valhalla node` on Node 20 holds 55-65 MiB resident
 * once it has joined a 50-node DHT (docs/live.md). The limit keeps a quarter of the available
 * memory for the kernel, the runner and everyone else.
 */
export const NODE_RSS_MIB = 70;
/**
 * Node processes per CPU: an idle node costs little, but starting one costs ~0.5 s of CPU and a
 * lookup wave touches every node; beyond this the run measures the scheduler, not the network.
 */
export const NODES_PER_CPU = 100;
export const MIN_SUPPORTED_NODES = 50;

/** More nodes than this machine can hold. */
export class LiveCapacityError extends Error {
  override name = 'LiveCapacityError';
}
/** The runner got SIGINT or SIGTERM; everything was cleaned up. */
export class LiveAbortedError extends Error {
  override name = 'LiveAbortedError';
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}; every process, namespace, link and nftables table of the run was removed`);
  }
}
/** The testbed itself failed (a node would not start, `ip` failed); the run was cleaned up. */
export class LiveRunError extends Error {
  override name = 'LiveRunError';
}

export interface Capacity {
  limit: number;
  why: string;
}

function memAvailableMiB(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return os.freemem() / 2 ** 20;
}

/** How many live nodes this machine can hold now, and why that many. */
export function liveCapacity(): Capacity {
  const avail = memAvailableMiB();
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const byMem = Math.floor((avail * 0.75) / NODE_RSS_MIB);
  const byCpu = cpus * NODES_PER_CPU;
  if (byMem <= byCpu)
    return {
      limit: byMem,
      why: `${Math.round(avail).toLocaleString('en-US')} MiB of memory available, 3/4 of it at ${NODE_RSS_MIB} MiB resident per node process`,
    };
  return { limit: byCpu, why: `${cpus} CPUs at ${NODES_PER_CPU} node processes per CPU` };
}

export interface LiveRunOptions {
  /** auto: namespaces when root with ip and nft, else loopback. */
  mode?: 'auto' | LiveMode;
  /** Remove leftovers of earlier runs (otherwise they are only reported). */
  clean?: boolean;
  /** Progress and notices, one line each (stderr). */
  log: (line: string) => void;
  /**
   * The node processes' log level; when set, their logs (DIR/n<i>/node.log) are kept after the
   * run (VALHALLA_LIVE_LOG=debug|info|warn|error). Default: warn, removed with the run.
   */
  nodeLogLevel?: string;
}

export interface LiveRunResult {
  mode: LiveMode;
  runId: string;
  /** Admin requests the run made (the live counterpart of the simulator's events). */
  events: number;
  virtualTimeMs: number;
  setupMs: number;
  /** Peak of the sum of the node processes' resident memory, plus the runner's own. */
  peakRssMb: number;
  capacity: Capacity;
  leftovers: string[];
  metrics: Record<string, number>;
  records: RunRecords;
}

type State = 'waiting' | 'starting' | 'up' | 'crashed' | 'left';

interface Counters {
  handshakes: number;
  txMessages: number;
  txBytes: number;
  cpuS: number;
}

const ZERO: Counters = { handshakes: 0, txMessages: 0, txBytes: 0, cpuS: 0 };

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

class LiveWorld {
  readonly state: State[];
  readonly faults: FaultRecord[] = [];
  readonly lookups: LookupRecord[] = [];
  readonly samples: SampleRecord[] = [];
  readonly messages: MessageRecord[] = [];
  readonly pings = { sent: 0, ok: 0, failed: 0, rtts: [] as number[] };
  readonly indexOf = new Map<string, number>();
  requests = 0;
  peakRssMb = 0;
  private t0 = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ops: Promise<void>[];
  /** Per node: counters of finished incarnations, and the last seen of the current one. */
  private readonly banked: Counters[];
  private readonly current: Counters[];
  private cuts: [number[], number[]][] = [];
  private degrades: { members: number[]; delayMs: number; loss: number }[] = [];
  private fatal: ((err: Error) => void) | undefined;
  private lastTotals: Counters = { ...ZERO };
  private lastSampleT = 0;
  /** ping6 and tcp-transfer over the nodes' TUN devices (stack.tun). */
  readonly tun: TunWorkloads;

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    readonly procs: NodeProc[],
    readonly nodeIds: string[],
    readonly addrs: string[],
    readonly mode: LiveMode,
    readonly testbed: NetnsTestbed | undefined,
  ) {
    const n = procs.length;
    this.state = procs.map(() => 'waiting');
    this.ops = procs.map(() => Promise.resolve());
    this.banked = procs.map(() => ({ ...ZERO }));
    this.current = procs.map(() => ({ ...ZERO }));
    for (let i = 0; i < n; i++) this.indexOf.set(nodeIds[i]!, i);
    this.tun = new TunWorkloads({
      seed,
      nodeIds,
      execPrefix: (i) => this.testbed!.execPrefix(i),
      upNodes: () => this.upNodes(),
      now: () => this.now(),
      at: (t, fn) => this.at(t, fn),
      durationMs: scenario.durationMs,
    });
  }

  now(): number {
    return performance.now() - this.t0;
  }

  upNodes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === 'up') out.push(i);
    return out;
  }

  record(kind: string, target: string, detail: string): void {
    this.faults.push({ tMs: this.now(), kind, target, detail });
  }

  /** Run fn at atMs on the timeline; a thrown error ends the run (the testbed is broken). */
  at(atMs: number, fn: () => Promise<void> | void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        Promise.resolve()
          .then(fn)
          .catch((err: Error) => this.fatal?.(err));
      },
      Math.max(0, this.t0 + atMs - performance.now()),
    );
    this.timers.add(timer);
  }

  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Serialize life-cycle operations per node (a restart waits for the crash before it). */
  private op(i: number, fn: () => Promise<void>): Promise<void> {
    const p = this.ops[i]!.then(fn);
    this.ops[i] = p.catch(() => undefined);
    return p;
  }

  async call(i: number, cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000) {
    this.requests++;
    return this.procs[i]!.call(cmd, args, timeoutMs);
  }

  async callOk(i: number, cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await this.call(i, cmd, args);
    if (!r.ok) throw new LiveRunError(`node ${i}: ${cmd}: ${r.error.name}: ${r.error.message}`);
    return r.result;
  }

  shimConfig(i: number): ShimConfig {
    const regions = this.scenario.nodes.regions;
    const regionOf: Record<string, string> = {};
    if (regions.length > 0)
      this.addrs.forEach((a, j) => {
        regionOf[a] = regions[j % regions.length]!;
      });
    const cut = new Set<string>();
    for (const [a, b] of this.cuts) {
      if (a.includes(i)) for (const j of b) cut.add(this.addrs[j]!);
      if (b.includes(i)) for (const j of a) cut.add(this.addrs[j]!);
    }
    return {
      network: this.scenario.network,
      self: this.addrs[i]!,
      regionOf,
      cut: [...cut],
      degrade: this.degrades.map((d) => ({ ...d, members: d.members.map((j) => this.addrs[j]!) })),
    };
  }

  async configureShim(i: number): Promise<void> {
    await this.callOk(i, 'shim', { config: this.shimConfig(i) });
  }

  /** Push the current cuts and degraded groups to every running node. */
  async reshim(): Promise<void> {
    const running = this.procs.flatMap((p, i) => (p.running && this.state[i] !== 'starting' ? [i] : []));
    await pool(running, 16, (i) => this.configureShim(i).catch(() => undefined));
  }

  async run(onProgress: (line: string) => void, signal: Promise<Error>): Promise<void> {
    const s = this.scenario;
    this.t0 = performance.now();
    const end = new Promise<Error | undefined>((resolve) => {
      this.fatal = resolve;
      this.at(s.durationMs, () => resolve(undefined));
    });
    this.scheduleJoins();
    for (const w of s.workload) {
      if (w.kind === 'lookup') this.startLookups(w);
      else if (w.kind === 'ping') this.startPings(w);
      else if (w.kind === 'ping6' || w.kind === 'tcp-transfer') this.tun.start(w);
    }
    this.scheduleTimeline(new SimRng(`${this.seed}`).fork('timeline'));
    let sampling = Promise.resolve();
    for (let t = s.sampleMs; t <= s.durationMs; t += s.sampleMs) {
      this.at(t, () => {
        sampling = sampling.then(() => this.sample(t));
      });
    }
    const ticker = setInterval(() => {
      const issued = this.lookups.filter((l) => l.node >= 0).length;
      const done = this.lookups.filter((l) => !Number.isNaN(l.ms)).length;
      onProgress(
        `  t=${(this.now() / 1000).toFixed(0)}s of ${s.durationMs / 1000}s: ${this.upNodes().length} up, ${issued} lookups issued, ${done} answered, ${this.faults.length} events`,
      );
    }, 10_000);
    try {
      const err = await Promise.race([end, signal]);
      if (err) throw err;
      await sampling;
    } finally {
      clearInterval(ticker);
      this.cancelAll();
    }
  }

  private scheduleJoins(): void {
    const n = this.procs.length;
    const spacing = n > 1 ? this.scenario.nodes.joinOverMs / (n - 1) : 0;
    for (let i = 0; i < n; i++) {
      this.at(i === 0 ? 0 : i * spacing, () => {
        this.state[i] = 'up';
        if (i === 0) return;
        // A join that reaches no one leaves the node up and alone, as in the simulator.
        void this.call(i, 'join', { addrs: [this.addrs[0]] }).catch(() => undefined);
      });
    }
  }

  private startLookups(w: LookupWorkload): void {
    const rng = new SimRng(`${this.seed}`).fork(`workload:lookup:${w.label ?? ''}:${w.startMs}`);
    const left = (at: number) => Math.max(1_000, this.scenario.durationMs - at);
    for (let q = 0; q < w.count; q++) {
      const at = w.startMs + (w.overMs * q) / w.count;
      const rec = pendingLookup(at);
      this.lookups.push(rec);
      (rec as LookupRecord & { label?: string }).label = w.label;
      this.at(at, async () => {
        const up = this.upNodes();
        if (up.length < 2) return;
        [rec.node, rec.target] = lookupPair(rng, up);
        // A lookup still running when the run ends counts as failed, as in the simulator.
        const r = await this.call(rec.node, 'lookup', { nodeId: this.nodeIds[rec.target] }, left(at)).catch(
          () => undefined,
        );
        if (r?.ok && this.now() <= this.scenario.durationMs) {
          const x = r.result;
          Object.assign(rec, { found: x.found === true, hops: x.hops, queries: x.queries, ms: x.ms });
        }
      });
    }
  }

  /** Every up node pings a random other node every `every` (the DHT's ping over its Veil session). */
  private startPings(w: PingWorkload): void {
    this.procs.forEach((_, i) => {
      const rng = new SimRng(`${this.seed}`).fork(`workload:ping:${w.everyMs}:${i}`);
      const tick = async (): Promise<void> => {
        if (this.now() >= w.stopMs) return;
        this.at(this.now() + w.everyMs, tick);
        if (this.state[i] !== 'up') return;
        let j = rng.int(this.procs.length - 1);
        if (j >= i) j++;
        this.pings.sent++;
        const r = await this.call(i, 'ping', { nodeId: this.nodeIds[j] }, 30_000).catch(() => undefined);
        if (this.now() > this.scenario.durationMs) return; // in flight at the end: neither
        if (r?.ok) {
          this.pings.ok++;
          this.pings.rtts.push(r.result.rttMs as number);
        } else this.pings.failed++;
      };
      this.at(w.startMs + rng.float() * w.everyMs, tick);
    });
  }

  crash(i: number, why: string): Promise<void> {
    if (this.state[i] !== 'up') return Promise.resolve();
    this.state[i] = 'crashed';
    this.record('crash', String(i), why);
    return this.op(i, async () => {
      await this.testbed?.link(i, false);
      await this.procs[i]!.stop('SIGKILL');
      this.bank(i);
      await this.testbed?.link(i, true);
    });
  }

  leave(i: number, why: string): Promise<void> {
    if (this.state[i] !== 'up') return Promise.resolve();
    this.state[i] = 'left';
    this.record('leave', String(i), why);
    return this.op(i, async () => {
      await this.procs[i]!.stop('SIGTERM');
      this.bank(i);
    });
  }

  /** Same identity file and data directory, a new process; joins through a live node. */
  restart(i: number, via: number | undefined, why: string): Promise<void> {
    if (this.state[i] !== 'crashed' && this.state[i] !== 'left') return Promise.resolve();
    this.state[i] = 'starting';
    this.record('restart', String(i), why);
    return this.op(i, async () => {
      const p = this.procs[i]!;
      p.start();
      await p.ready(30_000);
      this.requests++;
      await this.configureShim(i);
      this.state[i] = 'up';
      if (via !== undefined) await this.call(i, 'join', { addrs: [this.addrs[via]] }).catch(() => undefined);
    });
  }

  private bank(i: number): void {
    const b = this.banked[i]!;
    const c = this.current[i]!;
    b.handshakes += c.handshakes;
    b.txMessages += c.txMessages;
    b.txBytes += c.txBytes;
    b.cpuS += c.cpuS;
    this.current[i] = { ...ZERO };
  }

  private async partition(groups: string[]): Promise<void> {
    const g = (name: string) => {
      const r = this.scenario.nodes.groups[name]!;
      return this.procs.map((_, i) => i).filter((i) => i >= r.from && i <= r.to);
    };
    const a = g(groups[0]!);
    const b = groups[1] ? g(groups[1]) : this.procs.map((_, i) => i).filter((i) => !a.includes(i));
    this.record(
      'partition',
      groups.join('|'),
      groups[1] ? `${groups[0]} cut from ${groups[1]}` : `${groups[0]} cut from the rest`,
    );
    if (this.testbed) await this.testbed.partition(a, b);
    else {
      this.cuts.push([a, b]);
      await this.reshim();
    }
  }

  private async heal(): Promise<void> {
    this.record('heal', 'all', 'every partition removed');
    if (this.testbed) await this.testbed.heal();
    else {
      this.cuts = [];
      await this.reshim();
    }
  }

  private async degrade(e: Extract<TimelineEvent, { event: 'degrade' }>, rng: Rng): Promise<void> {
    const all = this.procs.map((_, i) => i);
    const d = { members: select(e.select, all, this.scenario, rng), delayMs: e.delayMs, loss: e.loss };
    this.degrades.push(d);
    this.record(
      'degrade',
      `${d.members.length} nodes`,
      `+${e.delayMs} ms, loss ${e.loss}, until ${e.untilMs} ms`,
    );
    await this.reshim();
    this.at(e.untilMs, async () => {
      this.degrades = this.degrades.filter((x) => x !== d);
      this.record('restore', `${d.members.length} nodes`, 'degrade ended');
      await this.reshim();
    });
  }

  private churn(e: Extract<TimelineEvent, { event: 'churn' }>, rng: Rng): void {
    const perMs = (e.ratePerMinute * this.procs.length) / 60_000;
    this.record('churn', 'all', `${e.ratePerMinute * 100}% of nodes per minute until ${e.untilMs} ms`);
    const step = (): void => {
      if (this.now() >= e.untilMs) return;
      const up = this.upNodes().filter((i) => i !== 0);
      const down = this.state.flatMap((s, i) => (s === 'crashed' ? [i] : []));
      if (up.length > 0) void this.crash(up[rng.int(up.length)]!, 'churn');
      if (down.length > 0) {
        const live = this.upNodes();
        void this.restart(down[rng.int(down.length)]!, live[rng.int(live.length)], 'churn');
      }
      this.at(this.now() - Math.log(1 - rng.float()) / perMs, step);
    };
    this.at(e.atMs - Math.log(1 - rng.float()) / perMs, step);
  }

  private scheduleTimeline(rng: Rng): void {
    const s = this.scenario;
    const all = () => this.procs.map((_, i) => i);
    for (const e of s.timeline) {
      this.at(e.atMs, async () => {
        switch (e.event) {
          case 'crash':
            await Promise.all(select(e.select, this.upNodes(), s, rng).map((i) => this.crash(i, 'timeline')));
            return;
          case 'leave':
            await Promise.all(select(e.select, this.upNodes(), s, rng).map((i) => this.leave(i, 'timeline')));
            return;
          case 'restart': {
            const down = all().filter((i) => this.state[i] === 'crashed' || this.state[i] === 'left');
            const live = this.upNodes();
            await Promise.all(
              select(e.select, down, s, rng).map((i) =>
                this.restart(i, live[rng.int(live.length)], 'timeline'),
              ),
            );
            return;
          }
          case 'partition':
            return this.partition(e.groups);
          case 'heal':
            return this.heal();
          case 'churn':
            return this.churn(e, rng);
          case 'degrade':
            return this.degrade(e, rng);
        }
      });
    }
  }

  /** Table health and traffic, as the simulator samples them; and the processes' memory. */
  private async sample(t: number): Promise<void> {
    const up = this.upNodes();
    let entries = 0;
    let live = 0;
    await pool(up, 16, async (i) => {
      const [peers, metrics] = await Promise.all([
        this.call(i, 'peers', {}, 10_000).catch(() => undefined),
        this.call(i, 'metrics', {}, 10_000).catch(() => undefined),
      ]);
      if (peers?.ok)
        for (const p of peers.result.peers as { nodeId: string; inTable: boolean }[]) {
          if (!p.inTable) continue;
          entries++;
          const j = this.indexOf.get(p.nodeId);
          if (j !== undefined && this.state[j] === 'up') live++;
        }
      if (metrics?.ok) {
        const c = (metrics.result.counters ?? {}) as Record<string, number>;
        this.current[i] = {
          handshakes: c['veil.sessions_dialed'] ?? 0,
          txMessages: c['dht.tx.messages'] ?? 0,
          txBytes: c['dht.tx.bytes'] ?? 0,
          cpuS: this.procs[i]!.cpuSeconds(),
        };
      }
    });
    const totals = this.totals();
    this.messages.push({
      tMs: this.lastSampleT,
      kind: 'dht.messages',
      count: totals.txMessages - this.lastTotals.txMessages,
      bytes: totals.txBytes - this.lastTotals.txBytes,
    });
    this.lastTotals = totals;
    this.lastSampleT = t;
    const rss = this.procs.reduce((sum, p) => sum + p.rssMb(), 0);
    this.peakRssMb = Math.max(this.peakRssMb, rss);
    this.samples.push({ tMs: t, metric: 'nodes.up', value: up.length });
    this.samples.push({ tMs: t, metric: 'table.size.mean', value: up.length ? entries / up.length : 0 });
    this.samples.push({ tMs: t, metric: 'table.live_fraction', value: entries ? live / entries : 1 });
    this.samples.push({ tMs: t, metric: 'live.rss_mb.sum', value: rss });
  }

  totals(): Counters {
    const t: Counters = { ...ZERO };
    for (const list of [this.banked, this.current])
      for (const c of list) {
        t.handshakes += c.handshakes;
        t.txMessages += c.txMessages;
        t.txBytes += c.txBytes;
        t.cpuS += c.cpuS;
      }
    return t;
  }

  metrics(): Record<string, number> {
    const s = this.scenario;
    const perLabel: Record<string, number> = {};
    for (const w of s.workload)
      if (w.kind === 'lookup' && w.label)
        Object.assign(
          perLabel,
          lookupMetrics(
            this.lookups.filter((l) => (l as LookupRecord & { label?: string }).label === w.label),
            `lookup.${w.label}`,
          ),
        );
    const p = this.pings;
    const totals = this.totals();
    return {
      ...(s.workload.some((w) => w.kind === 'ping')
        ? {
            'ping.sent': p.sent,
            'ping.ok': p.ok,
            'ping.failed': p.failed,
            'ping.success_rate': p.ok + p.failed > 0 ? p.ok / (p.ok + p.failed) : Number.NaN,
            ...distribution('ping.rtt_ms', p.rtts),
          }
        : {}),
      ...lookupMetrics(this.lookups),
      ...perLabel,
      ...this.tun.metrics(),
      'nodes.up': this.upNodes().length,
      'veil.handshakes': totals.handshakes,
      'dht.tx.messages': totals.txMessages,
      'live.requests': this.requests,
      'live.rss_mb.peak': Math.round(this.peakRssMb),
      // CPU the node processes used, start-up included, as of the last sample (a crash loses at most one window).
      'live.cpu_s.sum': Math.round(totals.cpuS * 10) / 10,
    };
  }
}

function newRunId(): string {
  const rng = new LiveRng();
  for (;;) {
    const id = rng.u32().toString(16).padStart(8, '0').slice(0, 4);
    try {
      mkdirSync(join(RUNS_ROOT, id), { recursive: false });
      return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export async function resolveMode(
  mode: 'auto' | LiveMode = 'auto',
): Promise<{ mode: LiveMode; why: string }> {
  const missing = await netnsUnavailable();
  if (mode === 'netns' && missing)
    throw new LiveRunError(
      `--live-mode netns: ${missing}; run as root with iproute2 and nftables, or use --live-mode loopback`,
    );
  if (mode === 'loopback') return { mode, why: 'asked for with --live-mode loopback' };
  if (missing) return { mode: 'loopback', why: `${missing}, so every node listens on 127.0.0.1` };
  return { mode: 'netns', why: 'root with iproute2 and nftables: one namespace per node' };
}

export async function runOnLive(
  scenario: Scenario,
  seed: number,
  opts: LiveRunOptions,
): Promise<LiveRunResult> {
  const log = opts.log;
  const n = scenario.nodes.count;
  const content = scenario.workload.find((w) => w.kind.startsWith('content.'));
  if (content)
    throw new LiveRunError(
      `${scenario.file}: the ${content.kind} workload runs on the simulator only (--backend sim); live content transfers are measured by valhalla bench content`,
    );
  const capacity = liveCapacity();
  if (n > capacity.limit)
    throw new LiveCapacityError(
      `${scenario.file}: ${n} live nodes is more than this machine can hold now: at most ${capacity.limit} (${capacity.why}). Use fewer nodes, or the simulator (--backend sim), which runs 10,000 nodes in one process.`,
    );
  const { mode, why } = await resolveMode(opts.mode);
  if (scenario.stack.tun && mode !== 'netns')
    throw new LiveRunError(
      `${scenario.file}: stack.tun needs namespace mode (each node's TUN device and fd00::/8 route in a namespace of its own): run as root with iproute2 and nftables, without --live-mode loopback`,
    );
  mkdirSync(RUNS_ROOT, { recursive: true, mode: 0o700 });
  const leftovers = await findLeftovers();
  const leftoverText = leftovers.map(describeLeftover);
  if (leftovers.length > 0) {
    if (opts.clean) {
      for (const l of leftovers) {
        const failed = await removeLeftover(l);
        log(
          `removed leftovers of an earlier live run: ${describeLeftover(l)}${failed.length ? ` (could not remove: ${failed.join('; ')})` : ''}`,
        );
      }
    } else {
      for (const t of leftoverText) log(`found leftovers of an earlier live run: ${t}`);
      log('  they were left alone; run again with --clean to remove them');
    }
  }
  const runId = newRunId();
  const dir = join(RUNS_ROOT, runId);
  writeFileSync(
    join(dir, 'owner.json'),
    `${JSON.stringify({ pid: process.pid, runId, mode, scenario: scenario.file })}\n`,
  );
  const testbed = mode === 'netns' ? new NetnsTestbed(runId) : undefined;
  const procs: NodeProc[] = [];
  log(`live run ${runId} in ${mode} mode (${why}); capacity ${capacity.limit} nodes (${capacity.why})`);

  // Cleanup: on every path out, and synchronously if the process exits under us.
  let cleaned = false;
  const emergency = (): void => {
    if (cleaned) return;
    for (const p of procs) if (p.running) p.child?.kill('SIGKILL');
    if (testbed) {
      try {
        execFileSync('nft', ['delete', 'table', 'bridge', testbed.table], { stdio: 'ignore' });
      } catch {}
      for (let i = 0; i < n; i++)
        try {
          execFileSync('ip', ['netns', 'del', testbed.ns(i)], { stdio: 'ignore' });
        } catch {}
      try {
        execFileSync('ip', ['link', 'del', testbed.bridge], { stdio: 'ignore' });
      } catch {}
    }
  };
  const cleanup = async (keepDir: boolean): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    const failed = testbed ? await testbed.destroy() : [];
    if (failed.length > 0) log(`cleanup could not remove: ${failed.join('; ')}`);
    if (keepDir)
      writeFileSync(
        join(dir, 'owner.json'),
        `${JSON.stringify({ pid: process.pid, runId, finished: true })}\n`,
      );
    else rmSync(dir, { recursive: true, force: true });
    cleaned = true;
  };
  let onSignal: ((sig: NodeJS.Signals) => void) | undefined;
  const signalled = new Promise<Error>((resolve) => {
    onSignal = (sig) => {
      log(`\n${sig}: stopping the live run and removing everything it created...`);
      resolve(new LiveAbortedError(sig));
    };
  });
  process.on('SIGINT', onSignal!);
  process.on('SIGTERM', onSignal!);
  process.on('exit', emergency);
  const setupStart = performance.now();
  let keepLogs = false;
  try {
    const race = async <T>(p: Promise<T>): Promise<T> => {
      const r = await Promise.race([p, signalled.then((e) => Promise.reject(e))]);
      return r;
    };
    if (testbed) {
      await race(
        testbed.create(
          n,
          (done) =>
            done === n && log(`  ${n} namespaces, veth pairs and the bridge ${testbed.bridge} are up`),
        ),
      );
    }
    const ports = testbed ? [] : await reserveLoopbackPorts(n);
    const addrs = Array.from({ length: n }, (_, i) =>
      testbed ? `[${testbed.address(i)}]:${DHT_PORT}` : `127.0.0.1:${ports[i]}`,
    );
    const nodeIds: string[] = [];
    const st = scenario.stack;
    const args = [
      '--log-format',
      'json',
      '--log-level',
      opts.nodeLogLevel ?? 'warn',
      '--upkeep',
      'off',
      ...(st.k ? ['--k', String(st.k)] : []),
      ...(st.alpha ? ['--alpha', String(st.alpha)] : []),
      ...(st.requestTimeoutMs ? ['--request-timeout', String(st.requestTimeoutMs)] : []),
      ...(st.tun ? ['--tun', '--tun-name', 'vh0', ...(st.tunMtu ? ['--mtu', String(st.tunMtu)] : [])] : []),
    ];
    const rng = new LiveRng();
    for (let i = 0; i < n; i++) {
      const nodeDir = join(dir, `n${i}`);
      mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
      const identity = generateIdentity(rng);
      writeIdentityFile(join(nodeDir, 'identity.json'), identity, false);
      nodeIds.push(identity.nodeId.toString());
      procs.push(
        new NodeProc({
          index: i,
          dir: nodeDir,
          listen: addrs[i]!,
          prefix: testbed?.execPrefix(i) ?? [],
          args,
        }),
      );
    }
    // Start in waves so that start-up (module loading, ~0.5 s of CPU each) does not starve the rest.
    const wave = Math.max(4, os.availableParallelism?.() ?? 2) * 2;
    await race(
      pool(procs, wave, async (p) => {
        p.start();
        await p.ready(60_000 + n * 1_000);
      }),
    );
    log(
      `  ${n} node processes answer on their admin sockets (${((performance.now() - setupStart) / 1000).toFixed(1)} s)`,
    );
    const world = new LiveWorld(scenario, seed, procs, nodeIds, addrs, mode, testbed);
    await race(
      pool(
        procs.map((_, i) => i),
        16,
        (i) => world.configureShim(i),
      ),
    );
    const setupMs = performance.now() - setupStart;
    log(`  running the timeline: ${scenario.durationMs / 1000} s`);
    await world.run(log, signalled);
    const metrics = world.metrics();
    const runnerRss = process.memoryUsage().rss / 2 ** 20;
    return {
      mode,
      runId,
      events: world.requests,
      virtualTimeMs: scenario.durationMs,
      setupMs: Math.round(setupMs),
      peakRssMb: Math.round(world.peakRssMb + runnerRss),
      capacity,
      leftovers: leftoverText,
      metrics,
      records: {
        lookups: world.lookups.map(({ tMs, node, target, found, hops, queries, ms }) => ({
          tMs,
          node,
          target,
          found,
          hops,
          queries,
          ms,
        })),
        messages: world.messages,
        samples: world.samples,
        faults: world.faults,
      },
    };
  } catch (err) {
    if (err instanceof LiveAbortedError) throw err;
    keepLogs = true; // the testbed failed: its node logs say why
    const e = err as Error;
    throw e.name === 'NodeProcessError' || e.name === 'NetnsError' || e.name === 'LiveRunError'
      ? new LiveRunError(`${e.message}\n(the node logs are kept in ${dir})`)
      : e;
  } finally {
    await cleanup(keepLogs || opts.nodeLogLevel !== undefined);
    if (opts.nodeLogLevel !== undefined) log(`node logs kept in ${dir}/n<i>/node.log`);
    process.off('SIGINT', onSignal!);
    process.off('SIGTERM', onSignal!);
    process.off('exit', emergency);
  }
}

async function reserveLoopbackPorts(n: number): Promise<number[]> {
  const { reserveFreePorts } = await import('../../live/testing.js');
  return reserveFreePorts('127.0.0.1', n);
}
