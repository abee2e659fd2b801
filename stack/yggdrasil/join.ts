/**
 * Joining the network (spec section 8): dial the bootstrap addresses (their NodeIDs are learned
 * from the Veil sessions), ask each for the peers closest to us, look up our own NodeID, then
 * refill the far buckets over the sessions we already have. If nobody answered the first step,
 * it is retried with jittered backoff: a busy bootstrap node may refuse us at its session limit.
 */
import type { DhtCore } from './core.js';
import { findNode } from './query/find-node.js';
import { refillFarBuckets } from './refresh.js';
import { type BootstrapResult, info } from './results.js';

export interface JoinOptions {
  /** Tries of the first step while nobody answered (default 5: up to ~15 s of backoff). */
  attempts?: number;
  /** Backoff before the second try; doubles after (default 1 s, jittered x0.5-1.5). */
  retryDelayMs?: number;
}

export async function join(core: DhtCore, addrs: string[], opts: JoinOptions): Promise<BootstrapResult> {
  const attempts = opts.attempts ?? 5;
  const retryDelayMs = opts.retryDelayMs ?? 1_000;
  let connected = 0;
  for (let attempt = 0; attempt < attempts && addrs.length > 0 && core.table.size === 0; attempt++) {
    if (attempt > 0)
      await core.runtime.clock.sleep(retryDelayMs * 2 ** (attempt - 1) * (0.5 + core.rng.float()));
    connected = await askBootstrapNodes(core, addrs);
  }
  const self = await findNode(core, core.selfId);
  const refillRequests = await refillFarBuckets(core);
  core.runtime.metrics.count('dht.bootstrap');
  return {
    connected,
    tableSize: core.table.size,
    selfLookup: {
      found: false,
      closest: self.closest.map(info),
      hops: self.hops,
      queries: self.queries,
      ms: self.ms,
    },
    refillRequests,
  };
}

/** Dial each address and ask it for the peers closest to us; returns how many answered. */
async function askBootstrapNodes(core: DhtCore, addrs: string[]): Promise<number> {
  const sessions = await Promise.allSettled(addrs.map((a) => core.pool.connectAddress(a)));
  const asks: Promise<boolean>[] = [];
  for (const s of sessions) {
    if (s.status !== 'fulfilled') continue;
    if (s.value.idHex === core.selfIdHex) {
      core.pool.close(s.value); // one of the addresses was our own
      continue;
    }
    const ask = core.network.request(s.value, { type: 'find-node', target: core.selfId });
    asks.push(
      ask.then(
        (res) => {
          core.offerContacts(res.contacts);
          return true;
        },
        () => false,
      ),
    );
  }
  return (await Promise.all(asks)).filter(Boolean).length;
}
