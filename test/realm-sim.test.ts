/**
 * Realm on real simulated nodes (Veil sessions, the DHT, application streams): replicas of a CRDT
 * store do random operations, half of them are cut off from the other half for 60 s, then the
 * partition heals; every replica must reach the same state within 30 s of virtual time, and every
 * acknowledged operation must show in it. Pub/sub and RPC run on the same nodes.
 *
 * Reproduce a failure: npx vitest run test/realm-sim.test.ts (seed SEED below).
 */
import { describe, expect, it } from 'vitest';
import { type AckedOp, CrdtOpGenerator, checkOps } from '../cli/runner/crdt-workload.js';
import { lognormal, Simulation } from '../sim/index.js';
import { generateIdentity } from '../stack/identity/index.js';
import { ValhallaNode } from '../stack/node/index.js';
import { Realm } from '../stack/realm/index.js';
import type { ReplicatedStore } from '../stack/realm/replica/index.js';

const SEED = 'realm-sim-1';
const PORT = 7001;

async function build(n: number) {
  const sim = new Simulation({
    seed: SEED,
    network: { latency: lognormal(20, 0.5) },
    log: { level: 'warn', keep: 50 },
  });
  const run = <T>(p: Promise<T>): Promise<T> => sim.runUntil(p, 600_000);
  const nodes: ValhallaNode[] = [];
  const realms: Realm[] = [];
  for (let i = 0; i < n; i++) {
    const sn = sim.addNode();
    const identity = generateIdentity(sn.runtime.rng.fork('identity'));
    const node = new ValhallaNode({ runtime: sn.runtime, identity });
    nodes.push(node);
    realms.push(new Realm({ runtime: sn.runtime, identity, node, dht: node.dht }));
  }
  const addrs = sim.nodes.map((sn) => sn.addr(PORT));
  await run(Promise.all(nodes.map((node, i) => node.start([addrs[i]!]))));
  for (const node of nodes.slice(1)) await run(node.bootstrap([addrs[0]!]));
  for (const r of realms) r.start();
  return { sim, nodes, realms, run };
}

describe('realm on simulated Valhalla nodes', () => {
  it('CRDT replicas converge within 30 s after a 60 s partition heals, with no acknowledged op lost', async () => {
    const N = 20;
    const { sim, realms } = await build(N);
    const t0 = sim.nowMs;
    const stores: ReplicatedStore[] = realms.map((r) => r.openStore('demo'));
    const ops: AckedOp[] = [];
    const stopOpsAt = t0 + 80_000;
    sim.nodes.forEach((sn, i) => {
      const gen = new CrdtOpGenerator(stores[i]!, sn.runtime.rng.fork('ops'));
      const tick = (): void => {
        if (sn.runtime.clock.now() >= stopOpsAt) return;
        ops.push(gen.step(sn.runtime.clock.now(), sn.runtime.clock.wallNow()));
        sn.runtime.clock.setTimer(1_500 + sn.runtime.rng.float() * 2_000, tick);
      };
      sn.runtime.clock.setTimer(5_000 + sn.runtime.rng.float() * 1_000, tick);
    });
    const half = sim.nodes.slice(0, N / 2);
    const other = sim.nodes.slice(N / 2);
    const healAt = t0 + 75_000;
    sim.schedule(t0 + 15_000, () => sim.partition(half, other));
    sim.schedule(healAt, () => sim.heal());
    await sim.run({ untilMs: healAt });
    // Cut off: the two halves do not agree (each kept taking writes).
    expect(new Set(stores.map((s) => s.fingerprint())).size).toBeGreaterThan(1);
    let convergedAt = Number.NaN;
    for (let t = healAt + 1_000; t <= healAt + 30_000; t += 1_000) {
      await sim.run({ untilMs: t });
      if (t >= stopOpsAt && new Set(stores.map((s) => s.fingerprint())).size === 1) {
        convergedAt = t;
        break;
      }
    }
    expect(convergedAt - healAt, `seed ${SEED}: no convergence within 30 s of the heal`).toBeLessThanOrEqual(
      30_000,
    );
    expect(ops.length).toBeGreaterThan(N * 20);
    expect(checkOps((k) => stores[0]!.get(k), ops)).toEqual([]);
  }, 300_000);

  it('pub/sub and RPC work between nodes found through the DHT', async () => {
    const { sim, realms, nodes, run } = await build(16);
    const got: string[][] = realms.map(() => []);
    realms.forEach((r, i) => {
      r.pubsub.subscribe('hello', (m) => {
        got[i]!.push(new TextDecoder().decode(m.data));
      });
    });
    realms[5]!.rpc.register('echo', (p) => p);
    await sim.run({ untilMs: sim.nowMs + 5_000 });
    realms[3]!.pubsub.publish('hello', new TextEncoder().encode('hi all'));
    await sim.run({ untilMs: sim.nowMs + 5_000 });
    for (const [i, g] of got.entries()) expect(g, `node ${i}`).toEqual(i === 3 ? [] : ['hi all']);
    expect(await run(realms[11]!.rpc.call(nodes[5]!.nodeId, 'echo', { x: [1, 2] }))).toEqual({ x: [1, 2] });
  });
});
