/**
 * One lookup phase of `valhalla bench dht`: `count` lookups of random live NodeIDs from random
 * live nodes, started lookupSpacingMs apart in virtual time (so many are in flight at once, as on
 * a busy network, rather than one after another on an idle one), and what they cost: requests,
 * messages and bytes counted by every node's DHT metrics over the phase, and sessions dialed.
 */
import { SimRng, type Simulation, summarize } from '../sim/index.js';
import type { BenchDhtNode } from './dht-network.js';
import { driveAll } from './dht-network.js';

export interface LookupPhaseOptions {
  sim: Simulation;
  nodes: readonly BenchDhtNode[];
  /** Indexes of nodes that may ask and be looked up (the live ones). */
  live: readonly number[];
  count: number;
  lookupSpacingMs: number;
  /** Seeds the choice of pairs. */
  seed: string;
  what: string;
  progress: (line: string) => void;
}

export interface LookupPhase {
  lookups: number;
  successRate: number;
  hopsP50: number;
  hopsP95: number;
  hopsMean: number;
  msP50: number;
  msP99: number;
  /** Lookup requests (FIND_NODE) each lookup sent, mean. */
  queriesMean: number;
  /** Over the phase, all nodes, divided by lookups: requests sent (dht.request.sent). */
  requestsPerLookup: number;
  /** DHT requests and responses written (HELLOs not counted), all nodes, per lookup. */
  messagesPerLookup: number;
  /** DHT message bytes written (framing included, Veil overhead not), all nodes, per lookup. */
  bytesPerLookup: number;
  /** Sessions dialed over the phase (each a Noise XX handshake), all nodes. */
  handshakes: number;
  wallMs: number;
  cpuMs: number;
  /** Lookups that ended without finding their target: "asker>target" NodeID prefixes, at most 5. */
  failedExamples: string;
}

/** Nearest-rank percentile, as sim's summarize() computes it. */
function percentile(values: readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export async function lookupPhase(o: LookupPhaseOptions): Promise<LookupPhase> {
  const rng = new SimRng(o.seed);
  const pairs: [number, number][] = [];
  while (pairs.length < o.count) {
    const a = o.live[rng.int(o.live.length)];
    const b = o.live[rng.int(o.live.length)];
    if (a !== b) pairs.push([a, b]);
  }
  const counters0 = o.sim.metrics().counters;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const tasks = pairs.map(async ([a, b], i) => {
    const asker = o.nodes[a];
    await asker.sim.runtime.clock.sleep(i * o.lookupSpacingMs);
    return asker.dht.lookup(o.nodes[b].dht.nodeId);
  });
  await driveAll(o.sim, tasks, o.what, o.count * o.lookupSpacingMs + 600_000, o.progress);
  const results = await Promise.all(tasks);
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const counters1 = o.sim.metrics().counters;
  const delta = (name: string): number => (counters1[name] ?? 0) - (counters0[name] ?? 0);

  const hops = results.map((r) => r.hops);
  const ms = results.map((r) => r.ms);
  const failed = results.flatMap((r, i) =>
    r.found
      ? []
      : [`${o.nodes[pairs[i][0]].dht.nodeId.slice(0, 8)}>${o.nodes[pairs[i][1]].dht.nodeId.slice(0, 8)}`],
  );
  const n = results.length;
  return {
    lookups: n,
    successRate: (n - failed.length) / n,
    hopsP50: percentile(hops, 0.5),
    hopsP95: percentile(hops, 0.95),
    hopsMean: summarize(hops).mean,
    msP50: percentile(ms, 0.5),
    msP99: percentile(ms, 0.99),
    queriesMean: summarize(results.map((r) => r.queries)).mean,
    requestsPerLookup: delta('dht.request.sent') / n,
    messagesPerLookup: delta('dht.tx.messages') / n,
    bytesPerLookup: delta('dht.tx.bytes') / n,
    handshakes: delta('dht.session.dial'),
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    failedExamples: failed.slice(0, 5).join(' '),
  };
}
