/**
 * Saga over the whole stack on the simulator: real Veil sessions, the real Yggdrasil DHT for
 * provider records, application streams from ValhallaNode. A publisher, an honest second
 * provider, a liar and a staller; a fetcher far away gets byte-identical content, counts the
 * corrupt chunks, and keeps nothing unverified. Reproduce: npx vitest run stack/saga/node-sim.test.ts
 */
import { describe, expect, it } from 'vitest';
import { lognormal, Simulation } from '../../sim/index.js';
import { defaultCrypto } from '../crypto/select.js';
import { generateIdentity } from '../identity/identity.js';
import { ValhallaNode } from '../node/index.js';
import { verifyBlock } from './cid.js';
import { LyingStore, StallingStore } from './faulty-stores.js';
import { chunkContent } from './manifest.js';
import { sagaOnNode } from './on-node.js';
import type { Saga } from './saga.js';
import type { BlockStore } from './store.js';
import { testBytes } from './testing.test-util.js';

const SEED = 'saga-node-1';
const N = 30;
const PORT = 7000;
const crypto = defaultCrypto();

const bytes = testBytes;

async function build(stores: Record<number, BlockStore>) {
  const sim = new Simulation({
    seed: SEED,
    network: { latency: lognormal(20, 0.5), bandwidthBytesPerSec: 5_000_000 },
    log: { level: 'error', keep: 50 },
  });
  const run = <T>(p: Promise<T>): Promise<T> => sim.runUntil(p, 600_000);
  const nodes: ValhallaNode[] = [];
  const sagas: Saga[] = [];
  for (let i = 0; i < N; i++) {
    const sn = sim.addNode();
    const identity = generateIdentity(sn.runtime.rng.fork('identity'));
    const node = new ValhallaNode({ runtime: sn.runtime, identity }, { dht: { k: 8 } });
    nodes.push(node);
    const saga = sagaOnNode(
      node,
      sn.runtime,
      { chunkSizeBytes: 64 * 1024, stallTimeoutMs: 3_000 },
      stores[i],
    );
    saga.start();
    sagas.push(saga);
  }
  await run(Promise.all(nodes.map((n, i) => n.start([sim.nodes[i]!.addr(PORT)]))));
  for (const n of nodes.slice(1)) await run(n.bootstrap([sim.nodes[0]!.addr(PORT)]));
  return { sim, nodes, sagas, run };
}

describe('Saga on ValhallaNode (simulated, real DHT and Veil)', () => {
  it('publish on one node, fetch on another through the DHT; a liar and a staller are routed around', async () => {
    const { sim, sagas, run } = await build({ 7: new LyingStore(), 9: new StallingStore() });
    const data = bytes(640 * 1024 + 3, 42);
    const pub = await run(sagas[5]!.publish(data));
    expect(pub.stored).toBeGreaterThan(0);
    for (const i of [7, 9, 11]) await run(sagas[i]!.publish(data));
    const r = await run(sagas[20]!.fetch(pub.cid, { provide: true }));
    expect(Buffer.from(r.bytes!).equals(Buffer.from(data))).toBe(true);
    expect(r.providersFound).toBe(4);
    expect(r.corruptBlocks).toBeGreaterThanOrEqual(1);
    expect(r.stalls + r.corruptBlocks).toBeGreaterThanOrEqual(2);
    const cids = chunkContent(crypto, data, 64 * 1024).blocks.map((b) => b.cid);
    for (const c of cids) verifyBlock(crypto, c, (await sagas[20]!.store.get(c))!);
    // The fetcher now provides it too: a third node finds five providers.
    const r2 = await run(sagas[25]!.fetch(pub.cid));
    expect(Buffer.from(r2.bytes!).equals(Buffer.from(data))).toBe(true);
    expect(r2.providersFound).toBe(5);
    expect(sim.metrics().counters['saga.fetch.ok']).toBe(2);
  }, 60_000);
});
