/**
 * The simulated DHT network `valhalla bench dht` measures: N nodes on one Simulation, each with its
 * own identity, Veil and Dht built on its node's Runtime (so the whole run follows from the seed),
 * all joining through node 0. Unlike the test builder (stack/yggdrasil/testing/sim-network.ts) it
 * drives virtual time in slices, so a long join can report progress and be timed in wall and CPU
 * time.
 */
import v8 from 'node:v8';
import { type LatencyModel, type SimNode, Simulation } from '../sim/index.js';
import { generateIdentity } from '../stack/identity/identity.js';
import { Veil } from '../stack/veil/veil.js';
import type { DhtInit } from '../stack/yggdrasil/index.js';
import { Dht } from '../stack/yggdrasil/index.js';

export const DHT_PORT = 7000;
/** Events per run() slice: small enough for regular progress lines, large enough to cost nothing. */
const SLICE_EVENTS = 25_000;
/** Wall time between two progress lines. */
const PROGRESS_EVERY_MS = 10_000;

export interface BenchDhtNode {
  sim: SimNode;
  dht: Dht;
  addr: string;
}

export interface DhtNetworkOptions {
  seed: string;
  nodes: number;
  latency: LatencyModel;
  /** Virtual ms between two nodes starting their join. */
  joinSpacingMs: number;
  init?: DhtInit;
  progress: (line: string) => void;
}

export interface DhtNetwork {
  sim: Simulation;
  nodes: BenchDhtNode[];
  /** Virtual ms from the first join starting to the last one finishing. */
  joinMs: number;
  /** Nodes whose bootstrap node never answered (after the join's own retries). */
  joinFailures: number;
  joinWallMs: number;
  joinCpuMs: number;
}

/** Thrown when the simulation cannot finish a phase (stalled, or out of virtual time). */
export class DhtBenchError extends Error {
  override name = 'DhtBenchError';
}

let heapPeakBytes = 0;

/** The largest V8 heap in use seen at a slice boundary since the last reset (GC timing blurs it). */
export function heapPeakMb(reset = false): number {
  const mb = heapPeakBytes / 2 ** 20;
  if (reset) heapPeakBytes = 0;
  return mb;
}

/** CPU time (user + system) of this process since start, in ms. */
export function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/**
 * Run the simulation until every promise settled (rejections are collected by the caller's
 * promises, not here), printing "<what> done/total" about every PROGRESS_EVERY_MS of wall time.
 */
export async function driveAll(
  sim: Simulation,
  tasks: readonly Promise<unknown>[],
  what: string,
  maxVirtualMs: number,
  progress: (line: string) => void,
): Promise<void> {
  let done = 0;
  for (const t of tasks)
    t.then(
      () => done++,
      () => done++,
    );
  const deadlineMs = sim.nowMs + maxVirtualMs;
  const t0 = performance.now();
  let lastLine = t0;
  for (;;) {
    const stats = await sim.run({
      until: () => done === tasks.length,
      untilMs: deadlineMs,
      maxEvents: SLICE_EVENTS,
    });
    heapPeakBytes = Math.max(heapPeakBytes, v8.getHeapStatistics().used_heap_size);
    if (stats.stoppedBy === 'until') return;
    if (stats.stoppedBy !== 'maxEvents') {
      throw new DhtBenchError(
        `${what}: ${done}/${tasks.length} finished when the run stopped (${stats.stoppedBy}) at ` +
          `${Math.round(sim.nowMs)} ms of virtual time (seed ${sim.seed})`,
      );
    }
    const now = performance.now();
    if (now - lastLine >= PROGRESS_EVERY_MS) {
      lastLine = now;
      progress(
        `${what}: ${done}/${tasks.length} (${Math.round((100 * done) / tasks.length)}%), ` +
          `virtual ${(sim.nowMs / 1000).toFixed(1)} s, wall ${((now - t0) / 1000).toFixed(1)} s`,
      );
    }
  }
}

/** Build N nodes, start them, and join nodes 1..N-1 through node 0, one every joinSpacingMs. */
export async function buildDhtNetwork(opts: DhtNetworkOptions): Promise<DhtNetwork> {
  const sim = new Simulation({
    seed: opts.seed,
    network: { latency: opts.latency },
    // Warnings only, and few kept: at 10,000 nodes a kept debug log would dominate memory.
    log: { level: 'warn', keep: 100 },
  });
  const nodes: BenchDhtNode[] = [];
  const veils: Veil[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const sn = sim.addNode();
    const runtime = sn.runtime;
    const identity = generateIdentity(runtime.rng.fork('identity'));
    const veil = new Veil({ runtime, identity });
    veils.push(veil);
    nodes.push({ sim: sn, dht: new Dht({ runtime, identity, veil }, opts.init), addr: sn.addr(DHT_PORT) });
  }
  const starts = nodes.map(async (n, i) => {
    await veils[i].start();
    await n.dht.start([n.addr]);
  });
  await driveAll(sim, starts, 'start', 60_000, opts.progress);
  await Promise.all(starts);

  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const startMs = sim.nowMs;
  const bootstrap = nodes[0].addr;
  const joins = nodes.slice(1).map(async (n, i) => {
    await n.sim.runtime.clock.sleep(i * opts.joinSpacingMs);
    return n.dht.bootstrap([bootstrap]);
  });
  // Joins are spread over (N-1) x spacing; each then takes a few seconds at most.
  const joinBudgetMs = opts.nodes * opts.joinSpacingMs + 600_000;
  await driveAll(sim, joins, 'join', joinBudgetMs, opts.progress);
  const results = await Promise.all(joins);
  return {
    sim,
    nodes,
    joinFailures: results.filter((r) => r.connected === 0).length,
    joinMs: sim.nowMs - startMs,
    joinWallMs: performance.now() - wall0,
    joinCpuMs: cpuMs(cpu0),
  };
}
