import { describe, expect, it } from 'vitest';
import { buildSimDht } from './testing/sim-network.js';

describe('DHT on the simulator over real Veil sessions', () => {
  it('50 nodes join through one bootstrap node and find each other', async () => {
    const net = await buildSimDht({ seed: 1, nodes: 50 });
    const { nodes, run } = net;
    let found = 0;
    const hops: number[] = [];
    for (let i = 0; i < 50; i++) {
      const from = nodes[(i * 7) % nodes.length];
      const to = nodes[(i * 13 + 5) % nodes.length];
      if (from === to) continue;
      const r = await run(from.dht.lookup(to.dht.nodeId));
      if (r.found) found++;
      hops.push(r.hops);
    }
    console.log(
      'found',
      found,
      'hops',
      hops.join(','),
      'table sizes',
      nodes.slice(0, 10).map((n) => n.dht.table().size),
    );
    console.log(net.sim.metrics());
    expect(found).toBeGreaterThan(40);
  });
});
