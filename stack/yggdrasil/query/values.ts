/**
 * PUT and GET of signed values. PUT signs a new version (seq above the last one we used), finds
 * the k closest peers to the key and stores it on each. GET walks toward the key with GET_VALUE,
 * keeps the highest-seq valid record it sees, stops early after getQuorum peers returned one,
 * and repairs peers that returned an older version.
 */
import type { DhtCore } from '../core.js';
import { nextSeq, type PeerRecord } from '../records/peer-record.js';
import { ValueRecord, valueKey, verifyValueRecord } from '../records/value-record.js';
import { equalBytes, toHex } from '../rpc/bytes.js';
import { StoreStatus } from '../rpc/messages.js';

export interface PutResult {
  key: Uint8Array;
  seq: number;
  /** Peers that accepted the record (status OK). */
  stored: number;
  /** Peers asked to store it. */
  attempted: number;
}

export interface GetResult {
  value: Uint8Array;
  authorId: Uint8Array;
  name: Uint8Array;
  seq: number;
  expiresAtMs: number;
  /** Peers that returned a valid record for the key. */
  holders: number;
}

/** Store record on the k peers closest to its key; returns how many accepted it. */
export async function storeValue(
  core: DhtCore,
  record: ValueRecord,
): Promise<{ stored: number; attempted: number }> {
  const key = record.key!;
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
    found.closest.map((peer) => core.query(peer, { type: 'put-value', record })),
  );
  const stored = results.filter((r) => r.status === 'fulfilled' && r.value.status === StoreStatus.OK).length;
  return { stored, attempted: found.closest.length };
}

export async function putValue(core: DhtCore, name: Uint8Array, value: Uint8Array): Promise<PutResult> {
  const wallNow = Math.floor(core.runtime.clock.wallNow());
  const keyHex = toHex(valueKey(core.crypto, core.selfId, name));
  const last = core.ownValues.get(keyHex)?.seq ?? 0;
  const record = ValueRecord.create(
    { nodeId: core.selfId, signingKey: core.identity.signingKey },
    core.crypto,
    {
      name,
      seq: nextSeq(wallNow, last),
      expiresAtMs: wallNow + core.opts.recordTtlMs,
      value,
    },
  );
  core.ownValues.set(keyHex, record);
  const { stored, attempted } = await storeValue(core, record);
  core.runtime.metrics.count('dht.put');
  return { key: record.key!, seq: record.seq, stored, attempted };
}

export async function getValue(core: DhtCore, key: Uint8Array): Promise<GetResult | undefined> {
  const keyHex = toHex(key);
  const wallNow = (): number => core.runtime.clock.wallNow();
  let best: ValueRecord | undefined = core.ownValues.get(keyHex) ?? core.store.getValue(keyHex, wallNow());
  let holders = 0;
  const stale: PeerRecord[] = [];
  await core.runLookup(key, async (peer) => {
    const res = await core.query(peer, { type: 'get-value', key });
    core.offerContacts(res.contacts);
    const r = res.record;
    if (r && acceptable(core, r, key, wallNow())) {
      holders++;
      if (!best || r.seq > best.seq) {
        best = r;
      } else if (r.seq < best.seq) stale.push(peer);
    }
    return { contacts: res.contacts, stop: holders >= core.opts.getQuorum };
  });
  if (!best) return undefined;
  const winner: ValueRecord = best;
  // Read repair: peers that served an older version get the newest (best effort, not awaited).
  for (const peer of stale) core.query(peer, { type: 'put-value', record: winner }).catch(() => {});
  return {
    value: winner.value,
    authorId: winner.authorId!,
    name: winner.name,
    seq: winner.seq,
    expiresAtMs: winner.expiresAtMs,
    holders,
  };
}

/** A record from the network counts only if it verifies, lives under the key asked for and is unexpired. */
function acceptable(core: DhtCore, r: ValueRecord, key: Uint8Array, wallNowMs: number): boolean {
  try {
    verifyValueRecord(core.crypto, r);
  } catch {
    core.runtime.metrics.count('dht.rx.invalid_record');
    return false;
  }
  if (!equalBytes(r.key!, key)) {
    core.runtime.metrics.count('dht.rx.invalid_record');
    return false;
  }
  return r.expiresAtMs > wallNowMs;
}
