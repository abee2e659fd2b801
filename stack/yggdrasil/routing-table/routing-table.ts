/**
 * The routing table: 256 k-buckets by common-prefix length with our NodeID.
 *
 * Insertion policy (spec section 6.2), which prefers long-lived peers as Kademlia does:
 *  - A peer that talked to us over an authenticated session ("direct") is moved to the tail of its
 *    bucket. If the bucket is full, an entry that failed its last request gives way at once;
 *    otherwise the least-recently-seen entry is pinged if it has been silent for pingStaleAfterMs
 *    (one ping per bucket at a time), and the newcomer waits in the replacement cache. The old
 *    entry is evicted only if that ping fails. A fresh old entry keeps its slot unconditionally.
 *  - A peer we only heard of from others ("third-party", its signature not yet checked) fills
 *    free slots only; it never evicts anything and never pushes a direct peer out of the cache.
 *  - A failed request marks an entry; it is replaced by the best cached peer at once, or removed
 *    after maxFailures consecutive failures when there is no replacement.
 *  - At most maxPerPrefixPerBucket entries of a bucket share a /24 or /48 network prefix.
 */
import { NODE_ID_SIZE } from '../constants.js';
import { isNewer, type PeerRecord } from '../records/peer-record.js';
import { Bucket, type TableEntry } from './bucket.js';
import { commonPrefixLength, compareDistance } from './distance.js';
import { prefixGroup } from './prefix.js';

export interface RoutingTableInit {
  k: number;
  replacementCacheSize: number;
  maxPerPrefixPerBucket: number;
  pingStaleAfterMs: number;
  maxFailures: number;
  /** Checks a record's signature (verifyPeerRecord); used before a newer record replaces a verified one. */
  verify: (record: PeerRecord) => boolean;
}

export type InsertOutcome =
  | { kind: 'self' | 'updated' | 'unchanged' | 'refused-prefix' | 'replacement' | 'ignored' }
  | { kind: 'added'; evicted?: PeerRecord }
  /** The bucket is full and its least-recently-seen entry should be pinged; evict it if that fails. */
  | { kind: 'ping'; stale: PeerRecord };

export interface BucketInfo {
  index: number;
  size: number;
  replacements: number;
  lastTouchedMs: number;
}

export class RoutingTable {
  private readonly buckets: (Bucket | undefined)[] = new Array(NODE_ID_SIZE * 8);
  private readonly where = new Map<string, number>(); // idHex -> bucket index

  constructor(
    readonly selfId: Uint8Array,
    private readonly init: RoutingTableInit,
  ) {}

  get size(): number {
    return this.where.size;
  }

  bucketIndex(id: Uint8Array): number {
    return commonPrefixLength(this.selfId, id);
  }

  private bucketFor(index: number, nowMs: number): Bucket {
    let b = this.buckets[index];
    if (!b) {
      b = new Bucket(nowMs);
      this.buckets[index] = b;
    }
    return b;
  }

  get(idHex: string): TableEntry | undefined {
    const i = this.where.get(idHex);
    if (i === undefined) return undefined;
    const b = this.buckets[i]!;
    return b.entries[b.indexOf(idHex)];
  }

  private fitsGroup(b: Bucket, group: string | undefined): boolean {
    return (
      group === undefined ||
      this.init.maxPerPrefixPerBucket <= 0 ||
      b.countGroup(group) < this.init.maxPerPrefixPerBucket
    );
  }

  private append(
    b: Bucket,
    index: number,
    record: PeerRecord,
    nowMs: number,
    direct: boolean,
    group: string | undefined,
  ): void {
    b.entries.push({
      record: record.retain(),
      addedAtMs: nowMs,
      lastSeenMs: direct ? nowMs : 0,
      failures: 0,
      group,
    });
    b.removeReplacement(record.idHex);
    this.where.set(record.idHex, index);
  }

  /** A peer talked to us over an authenticated session; record must already be verified. */
  observeDirect(record: PeerRecord, nowMs: number): InsertOutcome {
    const index = this.bucketIndex(record.nodeId);
    if (index === NODE_ID_SIZE * 8) return { kind: 'self' };
    const b = this.bucketFor(index, nowMs);
    const at = b.indexOf(record.idHex);
    if (at >= 0) {
      const e = b.entries[at];
      if (isNewer(record, e.record)) {
        e.record = record.retain();
        e.group = prefixGroup(record.addrs[0]);
      }
      e.lastSeenMs = nowMs;
      e.failures = 0;
      if (b.pinging === record.idHex) b.pinging = undefined;
      b.moveToTail(at);
      return { kind: 'updated' };
    }
    const group = prefixGroup(record.addrs[0]);
    if (!this.fitsGroup(b, group)) return { kind: 'refused-prefix' };
    if (b.entries.length < this.init.k) {
      this.append(b, index, record, nowMs, true, group);
      return { kind: 'added' };
    }
    const failed = b.entries.findIndex((e) => e.failures > 0);
    if (failed >= 0) {
      const [gone] = b.entries.splice(failed, 1);
      this.where.delete(gone.record.idHex);
      this.append(b, index, record, nowMs, true, group);
      return { kind: 'added', evicted: gone.record };
    }
    b.addReplacement({ record, direct: true, group }, this.init.replacementCacheSize);
    const lrs = b.entries[0];
    const silentMs = nowMs - Math.max(lrs.lastSeenMs, lrs.addedAtMs);
    if (b.pinging === undefined && silentMs >= this.init.pingStaleAfterMs) {
      b.pinging = lrs.record.idHex;
      return { kind: 'ping', stale: lrs.record };
    }
    return { kind: 'replacement' };
  }

  /** A peer we heard of from someone else (record not necessarily verified). */
  offerContact(record: PeerRecord, nowMs: number): InsertOutcome {
    const index = this.bucketIndex(record.nodeId);
    if (index === NODE_ID_SIZE * 8) return { kind: 'self' };
    const b = this.bucketFor(index, nowMs);
    const at = b.indexOf(record.idHex);
    if (at >= 0) {
      const e = b.entries[at];
      if (!isNewer(record, e.record)) return { kind: 'unchanged' };
      // A verified record is only replaced by one that verifies too: an unchecked copy with a huge
      // seq would otherwise pin the entry to forged addresses (a roll-forward attack).
      if (e.record.verified && !this.init.verify(record)) return { kind: 'ignored' };
      e.record = record.retain();
      e.group = prefixGroup(record.addrs[0]);
      return { kind: 'updated' };
    }
    const group = prefixGroup(record.addrs[0]);
    if (!this.fitsGroup(b, group)) return { kind: 'refused-prefix' };
    if (b.entries.length < this.init.k) {
      this.append(b, index, record, nowMs, false, group);
      return { kind: 'added' };
    }
    const kept = b.addReplacement({ record, direct: false, group }, this.init.replacementCacheSize);
    return { kind: kept ? 'replacement' : 'ignored' };
  }

  /**
   * A request to the peer failed (timeout, refused dial, reset). Returns true when the entry left
   * the table.
   */
  recordFailure(idHex: string, nowMs: number): boolean {
    const index = this.where.get(idHex);
    if (index === undefined) {
      this.buckets[this.bucketIndexOfHex(idHex)]?.removeReplacement(idHex);
      return false;
    }
    const b = this.buckets[index]!;
    const at = b.indexOf(idHex);
    const e = b.entries[at];
    e.failures++;
    const wasPinged = b.pinging === idHex;
    if (wasPinged) b.pinging = undefined;
    const rest = (g: string | undefined): boolean =>
      g === undefined ||
      this.init.maxPerPrefixPerBucket <= 0 ||
      b.entries.filter((x) => x !== e && x.group === g).length < this.init.maxPerPrefixPerBucket;
    const next = b.takeReplacement(rest);
    if (next || wasPinged || e.failures >= this.init.maxFailures) {
      b.entries.splice(at, 1);
      this.where.delete(idHex);
      if (next) this.append(b, index, next.record, nowMs, next.direct, next.group);
      return true;
    }
    return false;
  }

  private bucketIndexOfHex(idHex: string): number {
    const id = new Uint8Array(NODE_ID_SIZE);
    for (let i = 0; i < NODE_ID_SIZE; i++) id[i] = Number.parseInt(idHex.slice(2 * i, 2 * i + 2), 16);
    return Math.min(this.bucketIndex(id), NODE_ID_SIZE * 8 - 1);
  }

  /** A liveness ping could not be sent for a local reason: forget that it was pending. */
  pingAbandoned(idHex: string): void {
    const index = this.where.get(idHex);
    const b = index === undefined ? undefined : this.buckets[index];
    if (b?.pinging === idHex) b.pinging = undefined;
  }

  /** Drop a peer (its record failed verification, or it misbehaved); promotes a replacement. */
  remove(idHex: string, nowMs: number): boolean {
    const index = this.where.get(idHex);
    if (index === undefined) return false;
    const b = this.buckets[index]!;
    b.entries.splice(b.indexOf(idHex), 1);
    this.where.delete(idHex);
    if (b.pinging === idHex) b.pinging = undefined;
    const next = b.takeReplacement((g) => this.fitsGroup(b, g));
    if (next) this.append(b, index, next.record, nowMs, next.direct, next.group);
    return true;
  }

  /**
   * The `count` entries closest to target, closest first; entries with failures are left out.
   *
   * Buckets come in distance classes, so only small groups are ever sorted: with b the bucket of
   * target, entries of bucket b are closest (they agree with target on bit b), then all entries
   * of buckets above b (their XOR with target has its top bit at b), then bucket b-1, b-2, ... 0
   * (top bit at b-1, b-2, ...).
   */
  closest(target: Uint8Array, count: number): PeerRecord[] {
    const out: PeerRecord[] = [];
    const buckets = this.buckets;
    const b = this.bucketIndex(target); // 256 when target is our own id: every bucket is "below"
    // Only as many of a class as are still needed are picked from it (it is never fully sorted
    // unless all of it is needed): answering FIND_NODE takes one or two entries from the class
    // above b, which holds most of the table.
    const take = (group: PeerRecord[]): void => {
      const need = count - out.length;
      if (need >= group.length || need * 4 >= group.length) {
        group.sort((x, y) => compareDistance(x.nodeId, y.nodeId, target));
        for (let i = 0; i < group.length && out.length < count; i++) out.push(group[i]);
        return;
      }
      for (let n = 0; n < need; n++) {
        let best = n;
        for (let i = n + 1; i < group.length; i++)
          if (compareDistance(group[i].nodeId, group[best].nodeId, target) < 0) best = i;
        const r = group[best];
        group[best] = group[n];
        group[n] = r;
        out.push(r);
      }
    };
    const live = (bucket: Bucket | undefined, into: PeerRecord[]): PeerRecord[] => {
      if (bucket !== undefined) for (const e of bucket.entries) if (e.failures === 0) into.push(e.record);
      return into;
    };
    if (b < buckets.length) take(live(buckets[b], []));
    if (out.length < count) {
      const above: PeerRecord[] = [];
      for (let i = b + 1; i < buckets.length; i++) live(buckets[i], above);
      take(above);
    }
    for (let i = Math.min(b, buckets.length) - 1; i >= 0 && out.length < count; i--)
      take(live(buckets[i], []));
    return out;
  }

  /** Mark the bucket holding target as touched by a lookup (refresh skips it for a while). */
  touch(target: Uint8Array, nowMs: number): void {
    const index = Math.min(this.bucketIndex(target), NODE_ID_SIZE * 8 - 1);
    this.bucketFor(index, nowMs).lastTouchedMs = nowMs;
  }

  /** Indices of existing buckets not touched for intervalMs, and below maxIndex (exclusive). */
  staleBuckets(nowMs: number, intervalMs: number, maxIndex: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < Math.min(maxIndex, this.buckets.length); i++) {
      const b = this.buckets[i];
      if (!b || nowMs - b.lastTouchedMs >= intervalMs) out.push(i);
    }
    return out;
  }

  /** Occupancy of the non-empty buckets, farthest first. */
  info(): BucketInfo[] {
    const out: BucketInfo[] = [];
    this.buckets.forEach((b, index) => {
      if (b && (b.entries.length > 0 || b.replacements.length > 0)) {
        out.push({
          index,
          size: b.entries.length,
          replacements: b.replacements.length,
          lastTouchedMs: b.lastTouchedMs,
        });
      }
    });
    return out;
  }

  /** Visit every entry, bucket by bucket (no array built). */
  forEachEntry(fn: (e: TableEntry) => void): void {
    for (const b of this.buckets) if (b) for (const e of b.entries) fn(e);
  }

  entries(): TableEntry[] {
    const out: TableEntry[] = [];
    for (const b of this.buckets) if (b) out.push(...b.entries);
    return out;
  }
}
