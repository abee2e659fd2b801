/**
 * Keeping the routing table populated (spec section 7.3), at as few new sessions as correctness
 * needs, because every session costs a Noise handshake:
 *
 *  - After the self-lookup of a join, each bucket farther than our closest neighbour that is not
 *    full gets ONE FIND_NODE for a random id in its range, sent over a session we already have
 *    (to the peer closest to that id). Its answer fills the bucket with contacts; no new session.
 *  - Periodically, every bucket (up to our closest neighbour's) that no lookup touched for
 *    refreshIntervalMs is refreshed with a full lookup of a random id in it: that lookup both
 *    refills the bucket and checks liveness of the peers it asks.
 */
import type { DhtCore } from './core.js';
import { findNode } from './query/find-node.js';
import type { PeerRecord } from './records/peer-record.js';
import { compareDistance, randomIdInBucket } from './routing-table/distance.js';

/** Bucket index of our closest known neighbour (256 with none: every bucket is "farther"). */
function neighbourBucket(core: DhtCore): number {
  const [closest] = core.table.closest(core.selfId, 1);
  return closest ? core.table.bucketIndex(closest.nodeId) : 0;
}

/** The join-time refill: one request per sparse far bucket, over open sessions only. */
export async function refillFarBuckets(core: DhtCore): Promise<number> {
  const limit = neighbourBucket(core);
  const full = new Set(
    core.table
      .info()
      .filter((b) => b.size >= core.opts.k)
      .map((b) => b.index),
  );
  const jobs: Promise<void>[] = [];
  const now = core.runtime.clock.now();
  for (let i = 0; i < limit; i++) {
    if (full.has(i)) continue;
    const target = randomIdInBucket(core.selfId, i, core.rng);
    const peers = core.pool
      .list()
      .map((ps) => ps.record)
      .filter((r): r is PeerRecord => r !== undefined);
    if (peers.length === 0) break;
    peers.sort((a, b) => compareDistance(a.nodeId, b.nodeId, target));
    core.table.touch(target, now);
    jobs.push(
      core.query(peers[0], { type: 'find-node', target }).then(
        (res) => core.offerContacts(res.contacts),
        () => {},
      ),
    );
  }
  await Promise.all(jobs);
  core.runtime.metrics.count('dht.refresh.refill_requests', jobs.length);
  return jobs.length;
}

/** The periodic refresh: a full lookup per bucket untouched for refreshIntervalMs. */
export async function refreshStaleBuckets(core: DhtCore): Promise<number> {
  const now = core.runtime.clock.now();
  const limit = Math.min(neighbourBucket(core) + 1, 255);
  const stale = core.table.staleBuckets(now, core.opts.refreshIntervalMs, limit);
  for (const i of stale) {
    // One at a time: a refresh is background work and must not burst sessions.
    await findNode(core, randomIdInBucket(core.selfId, i, core.rng));
  }
  core.runtime.metrics.count('dht.refresh.lookups', stale.length);
  return stale.length;
}

/** Ping table entries silent for olderThanMs, alpha at a time (Dht.checkTable). */
export async function checkTable(
  core: DhtCore,
  olderThanMs: number,
): Promise<{ checked: number; failed: number }> {
  const now = core.runtime.clock.now();
  const stale = core.table
    .entries()
    .filter((e) => now - e.lastSeenMs >= olderThanMs)
    .map((e) => e.record);
  let failed = 0;
  for (let i = 0; i < stale.length; i += core.opts.alpha) {
    const batch = stale.slice(i, i + core.opts.alpha);
    const results = await Promise.allSettled(batch.map((r) => core.query(r, { type: 'ping' })));
    failed += results.filter((r) => r.status === 'rejected').length;
  }
  return { checked: stale.length, failed };
}
