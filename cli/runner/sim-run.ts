/**
 * Runs a scenario on the simulator: builds the network and the nodes, drives the workloads, and
 * collects the metrics the assertions read. Workload events are scheduled either on a node's own
 * clock (ping: owned by that node) or as controller events (lookups), so their order is fixed by
 * the seed and never by the host machine.
 */

import type { LookupWorkload, PingWorkload, Scenario } from '../../scenarios/types.js';
import { type SimNode, Simulation } from '../../sim/index.js';
import { generateIdentity } from '../../stack/identity/index.js';
import { ValhallaNode } from '../../stack/node/index.js';
import { PingService } from '../../stack/probe/index.js';
import type { LookupRecord } from '../report/records.js';
import { simNetworkOptions } from './sim-network.js';
import { distribution } from './stats.js';

export const PROBE_PORT = 7000; // where every node answers pings
export const DHT_PORT = 7001; // where every node's Veil/DHT listens

export interface Progress {
  virtualMs: number;
  durationMs: number;
  events: number;
  wallMs: number;
}

export interface SimRunResult {
  traceHash: string;
  events: number;
  virtualTimeMs: number;
  metrics: Record<string, number>;
  lookups: LookupRecord[];
}

interface PingTally {
  sent: number;
  ok: number;
  failed: number;
  rtts: number[];
}

function startPings(nodes: SimNode[], probes: PingService[], w: PingWorkload, tally: PingTally): void {
  nodes.forEach((node, i) => {
    const { clock, rng } = node.runtime;
    const wrng = rng.fork(`workload:ping:${w.everyMs}`);
    const tick = (): void => {
      if (clock.now() >= w.stopMs) return;
      clock.setTimer(w.everyMs, tick);
      if (nodes.length < 2) return;
      let j = wrng.int(nodes.length - 1);
      if (j >= i) j++; // any node but ourselves
      tally.sent++;
      probes[i]!.ping(nodes[j]!.addr(PROBE_PORT)).then(
        (rtt) => {
          tally.ok++;
          tally.rtts.push(rtt);
        },
        () => {
          tally.failed++;
        },
      );
    };
    // Spread the first pings over one interval so nodes do not fire in lockstep.
    clock.setTimer(w.startMs + wrng.float() * w.everyMs, tick);
  });
}

/** Every node runs the stack; node 0 is the bootstrap, the rest join spread over joinOverMs. */
function startDht(sim: Simulation, nodes: SimNode[], scenario: Scenario): ValhallaNode[] {
  const { k, alpha, requestTimeoutMs } = scenario.stack;
  const dhtInit = {
    ...(k ? { k } : {}),
    ...(alpha ? { alpha } : {}),
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
  };
  const vnodes = nodes.map((n) => {
    const runtime = n.runtime;
    const identity = generateIdentity(runtime.rng.fork('identity'));
    return new ValhallaNode({ runtime, identity }, { dht: dhtInit });
  });
  const bootstrapAddr = nodes[0]!.addr(DHT_PORT);
  const spacing = nodes.length > 1 ? scenario.nodes.joinOverMs / (nodes.length - 1) : 0;
  vnodes.forEach((v, i) => {
    sim.schedule(i === 0 ? 0 : i * spacing, async () => {
      await v.start([nodes[i]!.addr(DHT_PORT)]);
      if (i > 0) await v.bootstrap([bootstrapAddr]);
    });
  });
  return vnodes;
}

function startLookups(
  sim: Simulation,
  nodes: SimNode[],
  vnodes: ValhallaNode[],
  w: LookupWorkload,
  out: LookupRecord[],
): void {
  const rng = nodes[0]!.runtime.rng.fork(`workload:lookup:${w.startMs}`);
  for (let q = 0; q < w.count; q++) {
    const at = w.startMs + (w.overMs * q) / w.count;
    const from = rng.int(nodes.length);
    let target = rng.int(nodes.length - 1);
    if (target >= from) target++;
    sim.schedule(at, () => {
      const rec: LookupRecord = {
        tMs: at,
        node: from,
        target,
        found: false,
        hops: 0,
        queries: 0,
        ms: Number.NaN,
      };
      out.push(rec);
      // A failed lookup is a result to record, never an error that stops the run.
      vnodes[from]!.dht.lookup(vnodes[target]!.nodeId).then(
        (r) => Object.assign(rec, { found: r.found, hops: r.hops, queries: r.queries, ms: r.ms }),
        () => undefined,
      );
    });
  }
}

function lookupMetrics(lookups: LookupRecord[]): Record<string, number> {
  if (lookups.length === 0) return {};
  const found = lookups.filter((l) => l.found);
  return {
    'lookup.count': lookups.length,
    'lookup.success_rate': found.length / lookups.length,
    ...distribution(
      'lookup.hops',
      found.map((l) => l.hops),
    ),
    ...distribution(
      'lookup.ms',
      found.map((l) => l.ms),
    ),
    'lookup.queries.mean': lookups.reduce((s, l) => s + l.queries, 0) / lookups.length,
  };
}

export async function runOnSim(
  scenario: Scenario,
  seed: number,
  onProgress?: (p: Progress) => void,
): Promise<SimRunResult> {
  const sim = new Simulation({
    seed,
    network: simNetworkOptions(scenario.network),
    log: { level: 'warn', keep: 200 },
  });
  const regionNames = scenario.nodes.regions;
  const nodes: SimNode[] = [];
  for (let i = 0; i < scenario.nodes.count; i++) {
    nodes.push(sim.addNode(regionNames.length > 0 ? { region: regionNames[i % regionNames.length] } : {}));
  }
  const tally: PingTally = { sent: 0, ok: 0, failed: 0, rtts: [] };
  const pings = scenario.workload.filter((w): w is PingWorkload => w.kind === 'ping');
  if (pings.length > 0) {
    const probes = nodes.map((n) => new PingService({ runtime: n.runtime }));
    await sim.runUntil(Promise.all(probes.map((p, i) => p.start(nodes[i]!.addr(PROBE_PORT)))), 1_000);
    for (const w of pings) startPings(nodes, probes, w, tally);
  }
  const lookupWorkloads = scenario.workload.filter((w): w is LookupWorkload => w.kind === 'lookup');
  const lookups: LookupRecord[] = [];
  if (lookupWorkloads.length > 0) {
    const vnodes = startDht(sim, nodes, scenario);
    for (const w of lookupWorkloads) startLookups(sim, nodes, vnodes, w, lookups);
  }

  // Fixed slices of virtual time (independent of the terminal) so progress never changes the trace.
  const slices = 100;
  const wallStart = performance.now();
  for (let s = 1; s <= slices; s++) {
    const stats = await sim.run({ untilMs: (scenario.durationMs * s) / slices });
    onProgress?.({
      virtualMs: stats.timeMs,
      durationMs: scenario.durationMs,
      events: stats.events,
      wallMs: performance.now() - wallStart,
    });
  }
  const stats = sim.stats;
  const counters = sim.metrics().counters;
  const metrics: Record<string, number> = {
    ...(pings.length > 0
      ? {
          'ping.sent': tally.sent,
          'ping.ok': tally.ok,
          'ping.failed': tally.failed,
          // Pings still in flight at the end are neither ok nor failed: the rate is over completed ones.
          'ping.success_rate':
            tally.ok + tally.failed > 0 ? tally.ok / (tally.ok + tally.failed) : Number.NaN,
          ...distribution('ping.rtt_ms', tally.rtts),
        }
      : {}),
    ...lookupMetrics(lookups),
    // Each completed handshake is counted once by each side.
    'veil.handshakes': (counters['veil.handshakes'] ?? 0) / 2,
    'sim.deliveries': stats.deliveries,
    'sim.timers': stats.timers,
    'sim.faults': stats.faults,
  };
  return { traceHash: stats.traceHash, events: stats.events, virtualTimeMs: stats.timeMs, metrics, lookups };
}
