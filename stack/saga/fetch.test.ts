/**
 * Publish and fetch on the simulator, over the stream and routing doubles (testing.test-util.ts):
 * real Saga, real hashing, simulated TCP. A lying provider (its store hands out corrupt chunks)
 * is detected, counted and routed around; a stalling one (its store never answers) is given up
 * on; nothing corrupt is returned or kept; an interrupted transfer resumes; the store limit holds.
 */
import type { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { verifyBlock } from './cid.js';
import { ContentUnavailableError, NoProvidersError, StoreFullError } from './errors.js';
import { LyingStore, StallingStore } from './faulty-stores.js';
import { chunkContent } from './manifest.js';
import type { FetchFailure } from './saga.js';
import { type BlockStore, MemoryBlockStore } from './store.js';
import { buildDoubleSagas, testBytes } from './testing.test-util.js';

const crypto = defaultCrypto();
const KiB = 1024;
const content = testBytes;

async function everyBlockVerifies(store: BlockStore, cids: CID[]): Promise<number> {
  let held = 0;
  for (const c of cids) {
    const b = await store.get(c);
    if (b) {
      verifyBlock(crypto, c, b);
      held++;
    }
  }
  return held;
}

const INIT = { chunkSizeBytes: 64 * KiB, stallTimeoutMs: 2_000 };

describe('Saga publish and fetch (simulated network, routing double)', () => {
  it('fetches byte-identical content from several providers, routing around a liar and a staller', async () => {
    const stores = (i: number) => (i === 1 ? new LyingStore() : i === 2 ? new StallingStore() : undefined);
    const { nodes, run, sim } = await buildDoubleSagas('saga-liar', 6, INIT, stores);
    const data = content(1024 * KiB, 1);
    // Node 0 and 3 are honest providers, 1 lies, 2 stalls.
    const pub = await run(nodes[0]!.saga.publish(data));
    for (const i of [1, 2, 3]) await run(nodes[i]!.saga.publish(data));
    const r = await run(nodes[5]!.saga.fetch(pub.cid));
    expect(Buffer.from(r.bytes!).equals(Buffer.from(data))).toBe(true);
    expect(r.sizeBytes).toBe(data.length);
    expect(r.corruptBlocks).toBeGreaterThanOrEqual(1);
    expect(r.stalls).toBeGreaterThanOrEqual(1);
    expect(r.providersTried).toBe(4);
    expect(r.blocksFetched).toBe(17); // the manifest and 16 chunks, each once
    expect(r.ttfbMs).toBeGreaterThan(0);
    const chunked = chunkContent(crypto, data, INIT.chunkSizeBytes);
    expect(
      await everyBlockVerifies(
        nodes[5]!.saga.store,
        chunked.blocks.map((b) => b.cid),
      ),
    ).toBe(17);
    expect(sim.metrics().counters['saga.fetch.corrupt']).toBe(r.corruptBlocks);

    // The liar is avoided by the next fetch from the same node (demoted for a while).
    const other = content(300 * KiB, 2);
    await run(nodes[1]!.saga.publish(other));
    const again = await run(nodes[5]!.saga.fetch((await run(nodes[3]!.saga.publish(other))).cid));
    expect(again.corruptBlocks).toBe(0);
    expect(again.providersTried).toBe(1);
  });

  it('when every provider lies, the fetch fails with ContentUnavailableError and keeps nothing corrupt', async () => {
    const { nodes, run } = await buildDoubleSagas('saga-all-lie', 4, INIT, (i) =>
      i < 2 ? new LyingStore() : undefined,
    );
    const data = content(256 * KiB + 5, 3);
    const pub = await run(nodes[0]!.saga.publish(data));
    await run(nodes[1]!.saga.publish(data));
    const err = (await run(
      nodes[3]!.saga.fetch(pub.cid).then(
        () => undefined,
        (e) => e,
      ),
    )) as FetchFailure;
    expect(err).toBeInstanceOf(ContentUnavailableError);
    expect(err.stats!.corruptBlocks).toBe(2); // one per liar, each then dropped
    expect(nodes[3]!.saga.store.usedBytes).toBe(0);
  });

  it('content nobody provides fails with NoProvidersError', async () => {
    const { nodes, run } = await buildDoubleSagas('saga-none', 2, INIT);
    const cid = chunkContent(crypto, content(10, 4)).root;
    await expect(run(nodes[1]!.saga.fetch(cid))).rejects.toThrow(NoProvidersError);
  });

  it('an interrupted transfer resumes from the verified chunks it kept', async () => {
    const { nodes, run, sim } = await buildDoubleSagas('saga-resume', 4, {
      ...INIT,
      parallel: 2,
      perProvider: 2,
    });
    const data = content(1024 * KiB, 5);
    const pub = await run(nodes[0]!.saga.publish(data));
    // Crash the only provider while the fetch is under way.
    const fetching = nodes[3]!.saga.fetch(pub.cid).then(
      () => undefined,
      (e: FetchFailure) => e,
    );
    sim.schedule(sim.nowMs + 400, () => nodes[0]!.sim.crash());
    const err = await run(fetching);
    expect(err).toBeInstanceOf(ContentUnavailableError);
    const kept = err!.stats!.blocksFetched;
    expect(kept).toBeGreaterThan(1);
    expect(kept).toBeLessThan(17);
    // Another node gets the content and provides it; the fetch resumes where it stopped.
    await run(nodes[1]!.saga.publish(data));
    const r = await run(nodes[3]!.saga.fetch(pub.cid));
    expect(Buffer.from(r.bytes!).equals(Buffer.from(data))).toBe(true);
    expect(r.blocksFetched).toBe(17 - kept);
  });

  it('a fetch that would overflow the store is refused before its chunks are fetched', async () => {
    const { nodes, run } = await buildDoubleSagas('saga-full', 2, INIT, (i) =>
      i === 1 ? new MemoryBlockStore({ limitBytes: 200 * KiB }) : undefined,
    );
    const pub = await run(nodes[0]!.saga.publish(content(512 * KiB, 6)));
    await expect(run(nodes[1]!.saga.fetch(pub.cid))).rejects.toThrow(StoreFullError);
    expect(nodes[1]!.saga.store.usedBytes).toBeLessThan(1024); // the manifest at most
    // Publishing over the limit is refused too.
    await expect(run(nodes[1]!.saga.publish(content(300 * KiB, 7)))).rejects.toThrow(StoreFullError);
  });

  it('is deterministic: the same seed gives the same trace', async () => {
    const trace = async () => {
      const { nodes, run, sim } = await buildDoubleSagas('saga-det', 4, INIT, (i) =>
        i === 1 ? new LyingStore() : undefined,
      );
      const data = content(300 * KiB, 8);
      const pub = await run(nodes[0]!.saga.publish(data));
      await run(nodes[1]!.saga.publish(data));
      await run(nodes[3]!.saga.fetch(pub.cid));
      return sim.traceHash;
    };
    expect(await trace()).toBe(await trace());
  });
});
