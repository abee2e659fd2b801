/**
 * Simulator throughput, in events per second of wall time:
 * (a) timers: 10,000 pending, each firing re-arms one new timer at a random delay;
 * (b) deliveries: 10,000 nodes on established connections, each delivery makes the receiver write
 *     to one of its connections at random, through the real Connection API;
 * (c) async handlers: each timer callback awaits a 3-deep chain of async functions, then sets the
 *     next timer (so every event pays for draining its promise continuations).
 * Each is warmed up, then measured for at least measureMs of wall time.
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

async function buildMesh(nodeCount: number): Promise<{ sim: Simulation; connections: number }> {
  const sim = new Simulation({ seed: 'bench-deliveries' });
  const nodes = Array.from({ length: nodeCount }, () => sim.addNode());
  const payload = new Uint8Array(MESSAGE_BYTES);
  const relays = nodes.map((n) => new Relay(n.runtime.rng, payload));
  const attach = (i: number, conn: Connection): void => {
    relays[i].conns.push(conn);
    conn.setHandler(relays[i]);
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
  const mesh = await buildMesh(nodes);
  const deliveries = await measure(mesh.sim, () => mesh.sim.stats.deliveries, warmupMs, measureMs);
  const asyncEvents = await benchAsync(warmupMs, measureMs);
  return {
    timerEventsPerSec: timers.wall,
    deliveriesPerSec: deliveries.wall,
    asyncEventsPerSec: asyncEvents.wall,
    timerEventsPerCpuSec: timers.cpu,
    deliveriesPerCpuSec: deliveries.cpu,
    asyncEventsPerCpuSec: asyncEvents.cpu,
    pendingTimers: PENDING_TIMERS,
    nodes,
    connections: mesh.connections,
    messagesInFlight: nodes,
    asyncPending: ASYNC_PENDING,
  };
}
