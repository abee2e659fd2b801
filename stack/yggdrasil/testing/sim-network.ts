/**
 * Test support: a simulated network of DHT nodes over real Veil sessions on the simulator. Each
 * node gets an identity and a Veil from its own Runtime (so everything is reproducible from the
 * simulation seed), listens on port DHT_PORT, and joins through node 0.
 */
import { type LatencyModel, lognormal, type SimNode, Simulation } from '../../../sim/index.js';
import { generateIdentity } from '../../identity/identity.js';
import { Veil } from '../../veil/veil.js';
import { Dht } from '../dht.js';
import type { DhtInit } from '../options.js';

export const DHT_PORT = 7000;

export interface DhtNode {
  sim: SimNode;
  dht: Dht;
  veil: Veil;
  addr: string;
}

export interface SimDhtOptions {
  seed: number | string;
  nodes: number;
  latency?: LatencyModel;
  init?: DhtInit;
  /** Virtual ms between two nodes starting to join (default 20). */
  joinSpacingMs?: number;
}

export interface SimDht {
  sim: Simulation;
  nodes: DhtNode[];
  /** Drive virtual time until p settles (bounded). */
  run<T>(p: Promise<T>, maxVirtualMs?: number): Promise<T>;
}

/** Build the network and join every node through node 0; resolves once all joins finished. */
export async function buildSimDht(opts: SimDhtOptions): Promise<SimDht> {
  const sim = new Simulation({
    seed: opts.seed,
    network: { latency: opts.latency ?? lognormal(20, 0.5) },
    log: { level: 'warn', keep: 100 },
  });
  const run = <T>(p: Promise<T>, maxVirtualMs = 600_000): Promise<T> => sim.runUntil(p, maxVirtualMs);
  const nodes: DhtNode[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const sn = sim.addNode();
    const runtime = sn.runtime;
    const identity = generateIdentity(runtime.rng.fork('identity'));
    const veil = new Veil({ runtime, identity });
    const dht = new Dht({ runtime, identity, veil }, opts.init);
    nodes.push({ sim: sn, dht, veil, addr: sn.addr(DHT_PORT) });
  }
  await run(
    Promise.all(
      nodes.map(async (n) => {
        await n.veil.start();
        await n.dht.start([n.addr]);
      }),
    ),
  );
  const spacing = opts.joinSpacingMs ?? 20;
  const joins = nodes.slice(1).map(async (n, i) => {
    await n.sim.runtime.clock.sleep(i * spacing);
    return n.dht.bootstrap([nodes[0].addr]);
  });
  await run(Promise.all(joins));
  return { sim, nodes, run };
}
