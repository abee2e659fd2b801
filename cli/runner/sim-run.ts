/**
 * Runs a scenario on the simulator: builds the network and the nodes, drives the workloads, and
 * collects the metrics the assertions read. Workload events are scheduled either on a node's own
 * clock (ping: owned by that node) or as controller events (lookups), so their order is fixed by
 * the seed and never by the host machine.
 */

import type { LookupWorkload, PingWorkload, Scenario } from '../../scenarios/types.js';
import { type SimNode, Simulation } from '../../sim/index.js';
import { PingService } from '../../stack/probe/index.js';
import type { LookupRecord, MessageRecord, RunRecords, SampleRecord } from '../report/records.js';
import { simNetworkOptions } from './sim-network.js';
import { distribution } from './stats.js';
import { scheduleTimeline } from './timeline.js';
import { World } from './world.js';

export const PROBE_PORT = 7000; // where every node answers pings

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
  records: RunRecords;
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

function startLookups(world: World, w: LookupWorkload, out: LookupRecord[]): void {
  const rng = world.nodes[0]!.runtime.rng.fork(`workload:lookup:${w.label ?? ''}:${w.startMs}`);
  for (let q = 0; q < w.count; q++) {
    const at = w.startMs + (w.overMs * q) / w.count;
    world.sim.schedule(at, () => {
      // Both ends are chosen among the nodes up at that instant: a lookup of a crashed node is
      // expected to fail and would say nothing about the DHT.
      const up = world.upNodes();
      const rec: LookupRecord = {
        tMs: at,
        node: -1,
        target: -1,
        found: false,
        hops: 0,
        queries: 0,
        ms: Number.NaN,
      };
      out.push(rec);
      if (up.length < 2) return;
      const fromPos = rng.int(up.length);
      let targetPos = rng.int(up.length - 1);
      if (targetPos >= fromPos) targetPos++;
      rec.node = up[fromPos]!;
      rec.target = up[targetPos]!;
      // A failed lookup is a result to record, never an error that stops the run.
      world.stacks[rec.node]!.dht.lookup(world.identities[rec.target]!.nodeId.toString()).then(
        (r) => Object.assign(rec, { found: r.found, hops: r.hops, queries: r.queries, ms: r.ms }),
        () => undefined,
      );
    });
  }
}

/** Health over time: nodes up, routing-table size, and the share of table entries that are up. */
function scheduleSamples(
  world: World,
  scenario: Scenario,
  out: SampleRecord[],
  messages: MessageRecord[],
): void {
  let lastDeliveries = 0;
  let lastT = 0;
  const sample = (): void => {
    const t = world.sim.nowMs;
    // Traffic per window: segments delivered by the simulated network since the last sample.
    const deliveries = world.sim.stats.deliveries;
    messages.push({ tMs: lastT, kind: 'sim.segments', count: deliveries - lastDeliveries, bytes: 0 });
    lastDeliveries = deliveries;
    lastT = t;
    const up = world.upNodes();
    let entries = 0;
    let live = 0;
    for (const i of up) {
      for (const e of world.stacks[i]!.dht.table().entries) {
        entries++;
        const j = world.indexOf.get(e.nodeId);
        if (j !== undefined && world.isUp(j)) live++;
      }
    }
    out.push({ tMs: t, metric: 'nodes.up', value: up.length });
    out.push({ tMs: t, metric: 'table.size.mean', value: up.length ? entries / up.length : 0 });
    out.push({ tMs: t, metric: 'table.live_fraction', value: entries ? live / entries : 1 });
  };
  for (let t = scenario.sampleMs; t <= scenario.durationMs; t += scenario.sampleMs)
    world.sim.schedule(t, sample);
}

function lookupMetrics(lookups: LookupRecord[], prefix = 'lookup'): Record<string, number> {
  if (lookups.length === 0) return {};
  const found = lookups.filter((l) => l.found);
  return {
    [`${prefix}.count`]: lookups.length,
    [`${prefix}.success_rate`]: found.length / lookups.length,
    ...distribution(
      `${prefix}.hops`,
      found.map((l) => l.hops),
    ),
    ...distribution(
      `${prefix}.ms`,
      found.map((l) => l.ms),
    ),
    [`${prefix}.queries.mean`]: lookups.reduce((s, l) => s + l.queries, 0) / lookups.length,
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
  const labelled = new Map<string, LookupRecord[]>();
  const samples: SampleRecord[] = [];
  const messages: MessageRecord[] = [];
  let world: World | undefined;
  if (lookupWorkloads.length > 0 || scenario.timeline.length > 0) {
    world = new World(sim, nodes, scenario);
    world.scheduleJoins(scenario.nodes.joinOverMs);
    for (const w of lookupWorkloads) {
      const mine: LookupRecord[] = [];
      startLookups(world, w, mine);
      labelled.set(w.label ?? `#${labelled.size}`, mine);
    }
    scheduleTimeline(world, scenario, nodes[0]!.runtime.rng.fork('timeline'));
    scheduleSamples(world, scenario, samples, messages);
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
  for (const recs of labelled.values()) lookups.push(...recs);
  lookups.sort((a, b) => a.tMs - b.tMs || a.node - b.node);
  const perLabel: Record<string, number> = {};
  for (const w of lookupWorkloads)
    if (w.label) Object.assign(perLabel, lookupMetrics(labelled.get(w.label)!, `lookup.${w.label}`));
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
    ...perLabel,
    'nodes.up': world ? world.upNodes().length : nodes.length,
    // Sessions established, counted by their dialers (each side counts its own completion in
    // veil.handshakes, and a dialer can finish while its peer times out).
    'veil.handshakes': counters['veil.sessions_dialed'] ?? 0,
    'sim.deliveries': stats.deliveries,
    'sim.timers': stats.timers,
    'sim.faults': stats.faults,
  };
  const records: RunRecords = { lookups, messages, samples, faults: world?.faults ?? [] };
  return { traceHash: stats.traceHash, events: stats.events, virtualTimeMs: stats.timeMs, metrics, records };
}
