/**
 * Runs a scenario on the simulator: builds the network and the nodes, drives the workload from
 * each node's own clock (so its events are owned by that node and ordered deterministically), and
 * collects the metrics the assertions read.
 */

import type { Scenario } from '../../scenarios/types.js';
import { type SimNode, Simulation } from '../../sim/index.js';
import { PingService } from '../../stack/probe/index.js';
import { simNetworkOptions } from './sim-network.js';
import { distribution } from './stats.js';

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
}

interface PingTally {
  sent: number;
  ok: number;
  failed: number;
  rtts: number[];
}

function startPingWorkload(
  nodes: SimNode[],
  probes: PingService[],
  scenario: Scenario,
  tally: PingTally,
): void {
  for (const w of scenario.workload) {
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
}

export async function runOnSim(
  scenario: Scenario,
  seed: number,
  onProgress?: (p: Progress) => void,
): Promise<SimRunResult> {
  const sim = new Simulation({ seed, network: simNetworkOptions(scenario.network) });
  const regionNames = scenario.nodes.regions;
  const nodes: SimNode[] = [];
  for (let i = 0; i < scenario.nodes.count; i++) {
    nodes.push(sim.addNode(regionNames.length > 0 ? { region: regionNames[i % regionNames.length] } : {}));
  }
  const probes = nodes.map((n) => new PingService({ runtime: n.runtime }));
  await sim.runUntil(Promise.all(probes.map((p, i) => p.start(nodes[i]!.addr(PROBE_PORT)))), 1_000);
  const tally: PingTally = { sent: 0, ok: 0, failed: 0, rtts: [] };
  startPingWorkload(nodes, probes, scenario, tally);

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
  const metrics: Record<string, number> = {
    'ping.sent': tally.sent,
    'ping.ok': tally.ok,
    'ping.failed': tally.failed,
    // Pings still in flight at the end are neither ok nor failed: the rate is over completed ones.
    'ping.success_rate': tally.ok + tally.failed > 0 ? tally.ok / (tally.ok + tally.failed) : Number.NaN,
    ...distribution('ping.rtt_ms', tally.rtts),
    'sim.deliveries': stats.deliveries,
    'sim.timers': stats.timers,
    'sim.faults': stats.faults,
  };
  return { traceHash: stats.traceHash, events: stats.events, virtualTimeMs: stats.timeMs, metrics };
}
