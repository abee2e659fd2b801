/**
 * The live shim's rules from a scenario's network section: the same latency models the simulator
 * samples (sim/latency.ts, with the same minimum delay), uniform jitter, loss as retransmission
 * timeouts that double, degraded groups, and cuts (loopback partitions). The runner sends a
 * ShimConfig to each node's admin socket (`shim` command); the node turns it into ShimRules.
 */

import { LiveRng } from '../../live/rng.js';
import type { ShimRules } from '../../live/shim.js';
import type { NetworkSpec } from '../../scenarios/types.js';
import { type LatencySampler, SimRng } from '../../sim/index.js';
import { latencyModel, minLatencyMs } from './sim-network.js';

const RTO_MS = 200; // first retransmission of a lost segment (the simulator's default, Linux's minimum RTO)
const MAX_RETRIES = 6;

export interface ShimConfig {
  network: NetworkSpec;
  /** This node's listen address. */
  self: string;
  /** Listen address → region, for the matrix latency model. */
  regionOf?: Record<string, string>;
  /** Addresses this node cannot reach right now (loopback partitions). */
  cut?: string[];
  /** Degraded groups: traffic to or from a member gets delayMs more and loses with `loss` more. */
  degrade?: { members: string[]; delayMs: number; loss: number }[];
}

/** A config that does not make sense (sent by a buggy or hostile client). */
export class ShimConfigError extends Error {
  override name = 'ShimConfigError';
}

export function parseShimConfig(v: unknown): ShimConfig {
  const c = v as ShimConfig;
  if (typeof c !== 'object' || c === null) throw new ShimConfigError('expected an object');
  if (typeof c.self !== 'string') throw new ShimConfigError('self: expected the node listen address');
  const n = c.network as NetworkSpec | undefined;
  if (typeof n !== 'object' || n === null || typeof n.latency !== 'object')
    throw new ShimConfigError('network: expected a scenario network section (latency, jitterMs, loss)');
  if (!(n.loss >= 0 && n.loss < 1)) throw new ShimConfigError(`network.loss: expected 0..1, got ${n.loss}`);
  if (!(n.jitterMs >= 0)) throw new ShimConfigError(`network.jitterMs: expected >= 0, got ${n.jitterMs}`);
  return c;
}

export function shimRules(config: ShimConfig): ShimRules {
  const model = latencyModel(config.network.latency); // throws LatencyConfigError on a bad model
  const floorMs = minLatencyMs(config.network.latency);
  const rng = new SimRng(`shim:${new LiveRng().u32()}`);
  const regionOf = config.regionOf ?? {};
  const me = { index: 0, region: regionOf[config.self] ?? '' };
  const samplers = new Map<string, LatencySampler>();
  const cut = new Set(config.cut ?? []);
  const degrade = (config.degrade ?? []).map((d) => ({ ...d, members: new Set(d.members) }));
  return {
    delayMs(peer) {
      let s = samplers.get(peer);
      if (s === undefined) {
        s = model.forLink(me, { index: 1, region: regionOf[peer] ?? '' });
        samplers.set(peer, s);
      }
      let ms = Math.max(floorMs, s.sampleNs(rng) / 1e6) + rng.float() * config.network.jitterMs;
      let loss = config.network.loss;
      for (const d of degrade) {
        if (!d.members.has(peer) && !d.members.has(config.self)) continue;
        ms += d.delayMs;
        loss = 1 - (1 - loss) * (1 - d.loss);
      }
      for (let rto = RTO_MS, i = 0; i < MAX_RETRIES && loss > 0 && rng.float() < loss; i++, rto *= 2)
        ms += rto;
      return ms;
    },
    cut: (peer) => cut.has(peer),
  };
}
