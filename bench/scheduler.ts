/**
 * Simulator throughput, in events per second of wall time:
 * (a) timers: 10,000 pending, each firing re-arms one new timer at a random delay;
 * (b) deliveries: 10,000 nodes on established connections, each delivery makes the receiver write
 *     to one of its connections at random, through the real Connection API;
 * (c) async handlers: each timer callback awaits a 3-deep chain of async functions, then sets the
 *     next timer (so every event pays for draining its promise continuations).
 * Each is warmed up, then measured for at least measureMs of wall time. Rates are reported per
 * second of wall time and per second of this process's CPU time (on a shared machine the second
 * is steadier). A variant of (b) that answers each message on its own connection is reported too:
 * the gap between the two is the cost of touching another node's state per message (cache misses,
 * at 10,000 nodes), not of the simulator.
 */

import { Simulation } from '../sim/index.js';
import type { Connection, Rng } from '../stack/runtime.js';

export interface SchedulerBenchOptions {
  /** Wall time per measurement. Default 1500 ms. */
  measureMs?: number;
  /** Wall time of warm-up before each measurement. Default 500 ms. */
  warmupMs?: number;
  /** Nodes in (b). Default 10,000. */
  nodes?: number;
}

export interface SchedulerBenchResult {
  [figure: string]: number;
  timerEventsPerSec: number;
  deliveriesPerSec: number;
  asyncEventsPerSec: number;
  /** The same, per second of CPU time of this process (other load on the machine inflates wall time). */
  timerEventsPerCpuSec: number;
  deliveriesPerCpuSec: number;
  asyncEventsPerCpuSec: number;
  /** (b) with every delivery answered on its own connection: the simulator's cost without the fan-out. */
  echoDeliveriesPerSec: number;
  echoDeliveriesPerCpuSec: number;
  pendingTimers: number;
  nodes: number;
  connections: number;
  messagesInFlight: number;
  asyncPending: number;
}

const BATCH_EVENTS = 100_000; // per run() call: large enough that run()'s fixed cost vanishes
const PENDING_TIMERS = 10_000;
const TIMER_OWNERS = 100; // (a): timers spread over this many nodes
const LINKS_PER_NODE = 3; // (b): each node dials this many random peers
const MESSAGE_BYTES = 64; // (b)
const ASYNC_PENDING = 1_000; // (c): concurrent async handler loops

interface Rate {
  /** Per second of wall time. */
  wall: number;
  /** Per second of this process's CPU time (user + system): steadier on a shared machine. */
  cpu: number;
}

async function measure(
  sim: Simulation,
  count: () => number,
  warmupMs: number,
  measureMs: number,
): Promise<Rate> {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) await sim.run({ maxEvents: BATCH_EVENTS });
  const c0 = count();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < measureMs) {
    await sim.run({ maxEvents: BATCH_EVENTS });
    t1 = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const n = count() - c0;
  return { wall: Math.round(n / ((t1 - t0) / 1000)), cpu: Math.round(n / ((cpu.user + cpu.system) / 1e6)) };
}

async function benchTimers(warmupMs: number, measureMs: number): Promise<Rate> {
  const sim = new Simulation({ seed: 'bench-timers' });
  for (let i = 0; i < TIMER_OWNERS; i++) {
    const { clock, rng } = sim.addNode().runtime;
    const tick = (): void => {
      clock.setTimer(rng.float() * 10, tick);
    };
    for (let k = 0; k < PENDING_TIMERS / TIMER_OWNERS; k++) clock.setTimer(rng.float() * 10, tick);
  }
  return measure(sim, () => sim.stats.timers, warmupMs, measureMs);
}

/** (b)'s per-node handler: every delivery on any of the node's connections relays one message. */
class Relay {
  readonly conns: Connection[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly payload: Uint8Array,
  ) {}
  onData(): void {
    this.conns[this.rng.int(this.conns.length)].write(this.payload);
  }
}

/**
 * (b): nodeCount nodes, each dialing LINKS_PER_NODE random peers, one message per node in flight.
 * 'random' relays each delivery to a random connection of the receiving node (the benchmark);
 * 'echo' writes it back on the connection it came in on, which touches no other node state and so
 * separates the simulator's own cost from the cache misses of the random fan-out.
 */
async function buildMesh(
  nodeCount: number,
  mode: 'random' | 'echo',
): Promise<{ sim: Simulation; connections: number }> {
  const sim = new Simulation({ seed: 'bench-deliveries' });
  const nodes = Array.from({ length: nodeCount }, () => sim.addNode());
  const payload = new Uint8Array(MESSAGE_BYTES);
  const relays = nodes.map((n) => new Relay(n.runtime.rng, payload));
  const attach = (i: number, conn: Connection): void => {
    relays[i].conns.push(conn);
    if (mode === 'random') conn.setHandler(relays[i]);
    else conn.setHandler({ onData: () => void conn.write(payload) });
  };
  await Promise.all(nodes.map((n, i) => n.runtime.net.listen(n.addr(7000), (c) => attach(i, c))));
  const dials: Promise<void>[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const rng = nodes[i].runtime.rng;
    for (let k = 0; k < LINKS_PER_NODE; k++) {
      let j = rng.int(nodeCount);
      if (j === i) j = (j + 1) % nodeCount;
      dials.push(nodes[i].runtime.net.dial(nodes[j].addr(7000)).then((c) => attach(i, c)));
    }
  }
  await sim.runUntil(Promise.all(dials), 60_000);
  // One message per node in flight from now on: every delivery causes exactly one write.
  for (const r of relays) r.conns[0].write(payload);
  return { sim, connections: dials.length };
}

/** Builds (b), measures it, and lets the simulation go before the next measurement. */
async function benchDeliveries(
  nodeCount: number,
  mode: 'random' | 'echo',
  warmupMs: number,
  measureMs: number,
): Promise<{ rate: Rate; connections: number }> {
  const { sim, connections } = await buildMesh(nodeCount, mode);
  return { rate: await measure(sim, () => sim.stats.deliveries, warmupMs, measureMs), connections };
}

async function benchAsync(warmupMs: number, measureMs: number): Promise<Rate> {
  const sim = new Simulation({ seed: 'bench-async' });
  const f3 = async (): Promise<number> => {
    await null;
    return 1;
  };
  const f2 = async (): Promise<number> => (await f3()) + 1;
  const f1 = async (): Promise<number> => (await f2()) + 1;
  for (let i = 0; i < ASYNC_PENDING / 10; i++) {
    const { clock, rng } = sim.addNode().runtime;
    const handler = async (): Promise<void> => {
      await f1();
      clock.setTimer(rng.float(), handler);
    };
    for (let k = 0; k < 10; k++) clock.setTimer(rng.float(), handler);
  }
  return measure(sim, () => sim.stats.timers, warmupMs, measureMs);
}

export async function benchScheduler(opts: SchedulerBenchOptions = {}): Promise<SchedulerBenchResult> {
  const warmupMs = opts.warmupMs ?? 500;
  const measureMs = opts.measureMs ?? 1500;
  const nodes = opts.nodes ?? 10_000;
  const timers = await benchTimers(warmupMs, measureMs);
  const mesh = await benchDeliveries(nodes, 'random', warmupMs, measureMs);
  const echo = await benchDeliveries(nodes, 'echo', warmupMs, measureMs);
  const asyncEvents = await benchAsync(warmupMs, measureMs);
  return {
    timerEventsPerSec: timers.wall,
    deliveriesPerSec: mesh.rate.wall,
    asyncEventsPerSec: asyncEvents.wall,
    timerEventsPerCpuSec: timers.cpu,
    deliveriesPerCpuSec: mesh.rate.cpu,
    asyncEventsPerCpuSec: asyncEvents.cpu,
    echoDeliveriesPerSec: echo.rate.wall,
    echoDeliveriesPerCpuSec: echo.rate.cpu,
    pendingTimers: PENDING_TIMERS,
    nodes,
    connections: mesh.connections,
    messagesInFlight: nodes,
    asyncPending: ASYNC_PENDING,
  };
}
