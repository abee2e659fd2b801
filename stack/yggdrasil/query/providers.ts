/**
 * Provider records: announce that we provide a content key (stored on the k closest peers to
 * the key), and find who provides one. Saga builds on these.
 */
import type { DhtCore } from '../core.js';
import { ProviderRecord, verifyProviderRecord } from '../records/provider-record.js';
import { equalBytes, toHex } from '../rpc/bytes.js';
import { StoreStatus } from '../rpc/messages.js';

export interface ProviderInfo {
  /** The provider's NodeID, canonical text. */
  nodeId: string;
  addrs: readonly string[];
  expiresAtMs: number;
}

export async function addProvider(
  core: DhtCore,
  key: Uint8Array,
): Promise<{ stored: number; attempted: number }> {
  const wallNow = Math.floor(core.runtime.clock.wallNow());
  const record = ProviderRecord.create(
    { nodeId: core.selfId, signingKey: core.identity.signingKey },
    { key, expiresAtMs: wallNow + core.opts.recordTtlMs, addrs: core.self!.addrs },
  );
  core.ownProviders.set(toHex(key), record);
  const found = await core.runLookup(
    key,
    async (peer) => {
      const res = await core.query(peer, { type: 'find-node', target: key });
      core.offerContacts(res.contacts);
      return { contacts: res.contacts };
    },
    core.opts.k,
  );
  const results = await Promise.allSettled(
    found.closest.map((peer) => core.query(peer, { type: 'add-provider', record })),
  );
  const stored = results.filter((r) => r.status === 'fulfilled' && r.value.status === StoreStatus.OK).length;
  core.runtime.metrics.count('dht.add_provider');
  return { stored, attempted: found.closest.length };
}

export async function findProviders(core: DhtCore, key: Uint8Array, max: number): Promise<ProviderInfo[]> {
  const keyHex = toHex(key);
  const wallNow = (): number => core.runtime.clock.wallNow();
  const found = new Map<string, ProviderRecord>();
  const take = (p: ProviderRecord): void => {
    const held = found.get(p.providerIdHex!);
    if (!held || p.expiresAtMs > held.expiresAtMs) found.set(p.providerIdHex!, p);
  };
  const own = core.ownProviders.get(keyHex);
  if (own) take(own);
  for (const p of core.store.getProviders(keyHex, wallNow(), max)) take(p);
  if (found.size < max) {
    await core.runLookup(key, async (peer) => {
      const res = await core.query(peer, { type: 'get-providers', key });
      core.offerContacts(res.contacts);
      for (const p of res.providers) {
        try {
          verifyProviderRecord(core.crypto, p);
        } catch {
          core.runtime.metrics.count('dht.rx.invalid_record');
          continue;
        }
        if (equalBytes(p.key, key) && p.expiresAtMs > wallNow()) take(p);
      }
      return { contacts: res.contacts, stop: found.size >= max };
    });
  }
  return [...found.values()].slice(0, max).map((p) => ({
    nodeId: p.providerIdHex!,
    addrs: p.addrs,
    expiresAtMs: p.expiresAtMs,
  }));
}
