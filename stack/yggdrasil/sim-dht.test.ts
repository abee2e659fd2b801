/**
 * The DHT on the simulator, over real Veil sessions (Noise XX handshakes and all): 150 nodes join
 * through one bootstrap node, every node finds every other it looks up, lookups take the rounds
 * ANCHORS.md expects, the run is reproducible from its seed, and lookups still succeed after 20% of
 * the nodes crash.
 */
import { describe, expect, it } from 'vitest';
import { buildSimDht, type SimDht } from './testing/sim-network.js';

const N = 150;
const SEED = 'yggdrasil-150';

function pairs(n: number, count: number, salt: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; out.length < count; i++) {
    const a = (i * 7 + salt) % n;
    const b = (i * 31 + 3 * salt + 1) % n;
    if (a !== b) out.push([a, b]);
  }
  return out;
}

async function lookups(net: SimDht, which: [number, number][]) {
  const results = [];
  for (const [a, b] of which) {
    const r = await net.run(net.nodes[a].dht.lookup(net.nodes[b].dht.nodeId));
    results.push({ a, b, ...r });
  }
  return results;
}

const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.floor(q * (xs.length - 1))];

describe(`DHT of ${N} simulated nodes over Veil`, () => {
  it('joins through one bootstrap node; every lookup succeeds in few rounds; deterministic; survives 20% crashes', async () => {
    const net = await buildSimDht({ seed: SEED, nodes: N });
    const joinCounters = net.sim.metrics().counters;
    const handshakesPerJoin = joinCounters['dht.session.dial'] / (N - 1);

    const before = await lookups(net, pairs(N, 150, 0));
    expect(before.filter((r) => !r.found)).toEqual([]);
    const hops = before.map((r) => r.hops);
    // ANCHORS.md: N=100 -> 1.6 rounds mean (p95 2); N=1,000 -> 2.0 (p95 3).
    expect(quantile(hops, 0.5)).toBeLessThanOrEqual(2);
    expect(quantile(hops, 0.95)).toBeLessThanOrEqual(3);
    const traceAfterLookups = net.sim.traceHash;

    // Crash 20% of the nodes (never the bootstrap node, which a real deployment keeps up too).
    const crashed = new Set<number>();
    for (let i = 1; crashed.size < N / 5; i += 5) crashed.add(i % N);
    for (const i of crashed) net.nodes[i].sim.crash();
    const alive = net.nodes.map((_, i) => i).filter((i) => !crashed.has(i));
    const after = await lookups(
      net,
      pairs(alive.length, 150, 1).map(([a, b]) => [alive[a], alive[b]]),
    );
    expect(after.filter((r) => !r.found)).toEqual([]);
    for (const r of after)
      expect(r.closest.some((p) => crashed.has(net.nodes.findIndex((n) => n.dht.nodeId === p.nodeId)))).toBe(
        false,
      );

    const msAfter = after.map((r) => r.ms);
    console.log(
      JSON.stringify({
        nodes: N,
        handshakesPerJoin: +handshakesPerJoin.toFixed(2),
        hopsP50: quantile(hops, 0.5),
        hopsP95: quantile(hops, 0.95),
        hopsMean: +(hops.reduce((a, b) => a + b, 0) / hops.length).toFixed(2),
        queriesMean: +(before.reduce((a, r) => a + r.queries, 0) / before.length).toFixed(2),
        lookupMsP50: Math.round(
          quantile(
            before.map((r) => r.ms),
            0.5,
          ),
        ),
        lookupMsP50AfterCrash: Math.round(quantile(msAfter, 0.5)),
        hopsP50AfterCrash: quantile(
          after.map((r) => r.hops),
          0.5,
        ),
        tableSizeMean: Math.round(net.nodes.reduce((a, n) => a + n.dht.table().size, 0) / N),
      }),
    );

    // Same seed, same run: the trace hash after the same lookups is identical.
    const again = await buildSimDht({ seed: SEED, nodes: N });
    await lookups(again, pairs(N, 150, 0));
    expect(again.sim.traceHash).toBe(traceAfterLookups);
  }, 240_000);
});
