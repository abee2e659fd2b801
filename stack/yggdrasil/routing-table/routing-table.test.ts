import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeRecord, idInBucket } from '../testing/records.js';
import { TestRng } from '../testing/rng.js';
import { commonPrefixLength, compareDistance, randomIdInBucket } from './distance.js';
import { prefixGroup } from './prefix.js';
import { RoutingTable, type RoutingTableInit } from './routing-table.js';

const SELF = new Uint8Array(32).fill(0x55);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

function table(over: Partial<RoutingTableInit> = {}): RoutingTable {
  return new RoutingTable(SELF, {
    k: 4,
    replacementCacheSize: 2,
    maxPerPrefixPerBucket: 0,
    pingStaleAfterMs: 1_000,
    maxFailures: 2,
    verify: () => true,
    ...over,
  });
}

describe('XOR distance', () => {
  it('commonPrefixLength counts equal leading bits', () => {
    expect(commonPrefixLength(SELF, SELF)).toBe(256);
    for (let b = 0; b < 256; b += 17) expect(commonPrefixLength(SELF, idInBucket(SELF, b, 0))).toBe(b);
  });

  it('compareDistance agrees with comparing XORs as big-endian numbers', () => {
    fc.assert(
      fc.property(bytes32, bytes32, bytes32, (a, b, t) => {
        const big = (x: Uint8Array) => BigInt(`0x${Buffer.from(x.map((v, i) => v ^ t[i])).toString('hex')}`);
        const expected = Math.sign(Number(big(a) - big(b)));
        expect(Math.sign(compareDistance(a, b, t))).toBe(expected);
      }),
    );
  });

  it('randomIdInBucket lands in the bucket it was asked for', () => {
    const rng = new TestRng(7);
    fc.assert(
      fc.property(bytes32, fc.integer({ min: 0, max: 255 }), (self, bucket) => {
        expect(commonPrefixLength(self, randomIdInBucket(self, bucket, rng))).toBe(bucket);
      }),
    );
  });
});

describe('prefix groups', () => {
  it('groups public IPv4 by /24 and IPv6 by /48, and exempts private, loopback and names', () => {
    expect(prefixGroup('8.8.8.8:53')).toBe('v4:8.8.8');
    expect(prefixGroup('8.8.8.200:53')).toBe('v4:8.8.8');
    expect(prefixGroup('[2001:db8:1:2::1]:7000')).toBe('v6:2001:db8:1');
    expect(prefixGroup('[2001:db8:1::ffff]:7000')).toBe('v6:2001:db8:1');
    for (const exempt of [
      '10.0.0.1:1',
      '127.0.0.1:1',
      '192.168.1.1:1',
      '172.20.0.1:1',
      '[::1]:1',
      '[fd00::1]:1',
      '[fe80::1]:1',
      'alice:7000',
    ]) {
      expect(prefixGroup(exempt), exempt).toBeUndefined();
    }
  });
});

describe('RoutingTable', () => {
  const rec = (bucket: number, fill: number, addr?: string) =>
    fakeRecord(idInBucket(SELF, bucket, fill), addr ? { addrs: [addr] } : {});

  it('puts peers in the bucket of their common prefix length and never holds itself', () => {
    const t = table();
    expect(t.observeDirect(fakeRecord(SELF), 0).kind).toBe('self');
    expect(t.observeDirect(rec(3, 1), 0).kind).toBe('added');
    expect(t.info()).toEqual([{ index: 3, size: 1, replacements: 0, lastTouchedMs: 0 }]);
  });

  it('returns the closest peers in XOR order (brute force agrees)', () => {
    const t = table({ k: 20 });
    const rng = new TestRng(3);
    const all = Array.from({ length: 200 }, () => fakeRecord(rng.bytes(32)));
    for (const r of all) t.offerContact(r, 0);
    const kept = t.entries().map((e) => e.record);
    const target = rng.bytes(32);
    const expected = [...kept].sort((a, b) => compareDistance(a.nodeId, b.nodeId, target)).slice(0, 20);
    expect(t.closest(target, 20).map((r) => r.idHex)).toEqual(expected.map((r) => r.idHex));
  });

  it('keeps a fresh old entry when the bucket is full: the newcomer waits in the replacement cache', () => {
    const t = table();
    for (let i = 1; i <= 4; i++) t.observeDirect(rec(0, i), 0);
    expect(t.observeDirect(rec(0, 5), 500).kind).toBe('replacement');
    expect(t.get(rec(0, 1).idHex)).toBeDefined();
    expect(t.info()[0]).toMatchObject({ size: 4, replacements: 1 });
  });

  it('pings the least-recently-seen entry once it is stale, and evicts it only if the ping fails', () => {
    const t = table();
    for (let i = 1; i <= 4; i++) t.observeDirect(rec(0, i), 0);
    t.observeDirect(rec(0, 1), 100); // 1 is now most recently seen; 2 is the LRS
    const out = t.observeDirect(rec(0, 5), 2_000);
    expect(out).toMatchObject({ kind: 'ping' });
    expect(out.kind === 'ping' && out.stale.idHex).toBe(rec(0, 2).idHex);
    // One ping per bucket at a time.
    expect(t.observeDirect(rec(0, 6), 2_000).kind).toBe('replacement');
    // The ping answered: 2 stays, moves to the tail.
    t.observeDirect(rec(0, 2), 2_050);
    expect(t.get(rec(0, 2).idHex)).toBeDefined();
    // Next time 3 is the LRS; its ping fails: it goes and the newest direct replacement takes its slot.
    const again = t.observeDirect(rec(0, 7), 3_000);
    expect(again.kind === 'ping' && again.stale.idHex).toBe(rec(0, 3).idHex);
    expect(t.recordFailure(rec(0, 3).idHex, 3_100)).toBe(true);
    expect(t.get(rec(0, 3).idHex)).toBeUndefined();
    expect(t.get(rec(0, 7).idHex)).toBeDefined();
  });

  it('third-party contacts fill free slots only and never evict', () => {
    const t = table();
    for (let i = 1; i <= 4; i++) expect(t.offerContact(rec(1, i), 0).kind).toBe('added');
    expect(t.offerContact(rec(1, 5), 10_000).kind).toBe('replacement');
    expect(t.entries().map((e) => e.record.idHex)).toEqual([1, 2, 3, 4].map((i) => rec(1, i).idHex));
    expect(t.get(rec(1, 1).idHex)?.lastSeenMs).toBe(0);
  });

  it('a failed entry is replaced by a cached peer at once, else removed after maxFailures', () => {
    const t = table();
    for (let i = 1; i <= 4; i++) t.observeDirect(rec(2, i), 0);
    expect(t.recordFailure(rec(2, 1).idHex, 10)).toBe(false); // no replacement, 1 failure of 2
    expect(t.closest(SELF, 10).some((r) => r.idHex === rec(2, 1).idHex)).toBe(false); // not handed out
    expect(t.recordFailure(rec(2, 1).idHex, 20)).toBe(true);
    t.offerContact(rec(2, 9), 30); // a free slot now
    t.observeDirect(rec(2, 10), 40); // full again: 10 waits
    expect(t.recordFailure(rec(2, 2).idHex, 50)).toBe(true);
    expect(t.get(rec(2, 10).idHex)).toBeDefined();
  });

  it('a directly seen newcomer takes the slot of an entry that failed its last request', () => {
    const t = table();
    for (let i = 1; i <= 4; i++) t.observeDirect(rec(4, i), 0);
    t.recordFailure(rec(4, 3).idHex, 5);
    const out = t.observeDirect(rec(4, 8), 10);
    expect(out.kind).toBe('added');
    expect(out.kind === 'added' && out.evicted?.idHex).toBe(rec(4, 3).idHex);
  });

  it('admits at most maxPerPrefixPerBucket entries per public /24 in a bucket', () => {
    const t = table({ maxPerPrefixPerBucket: 2 });
    expect(t.observeDirect(rec(0, 1, '8.8.8.1:1'), 0).kind).toBe('added');
    expect(t.observeDirect(rec(0, 2, '8.8.8.2:1'), 0).kind).toBe('added');
    expect(t.observeDirect(rec(0, 3, '8.8.8.3:1'), 0).kind).toBe('refused-prefix');
    expect(t.offerContact(rec(0, 4, '8.8.8.4:1'), 0).kind).toBe('refused-prefix');
    expect(t.observeDirect(rec(0, 5, '8.8.9.1:1'), 0).kind).toBe('added');
    // Another bucket has its own allowance.
    expect(t.observeDirect(rec(1, 1, '8.8.8.5:1'), 0).kind).toBe('added');
  });

  it('never lets a lower or equal seq replace a record, nor an unverifiable one replace a verified one', () => {
    let verifies = false;
    const t = table({ verify: () => verifies });
    const id = idInBucket(SELF, 5, 1);
    const v1 = fakeRecord(id, { seq: 10, addrs: ['10.0.0.1:1'] });
    v1.verified = true;
    t.observeDirect(v1, 0);
    expect(t.offerContact(fakeRecord(id, { seq: 9, addrs: ['10.0.0.9:1'] }), 1).kind).toBe('unchanged');
    expect(t.offerContact(fakeRecord(id, { seq: 10, addrs: ['10.0.0.9:1'] }), 1).kind).toBe('unchanged');
    expect(t.offerContact(fakeRecord(id, { seq: 99, addrs: ['10.0.0.9:1'] }), 1).kind).toBe('ignored');
    expect(t.get(v1.idHex)?.record.addrs).toEqual(['10.0.0.1:1']);
    verifies = true;
    expect(t.offerContact(fakeRecord(id, { seq: 99, addrs: ['10.0.0.9:1'] }), 1).kind).toBe('updated');
    expect(t.get(v1.idHex)?.record.addrs).toEqual(['10.0.0.9:1']);
  });

  it('reports buckets not touched for an interval as stale', () => {
    const t = table();
    t.observeDirect(rec(0, 1), 0);
    t.observeDirect(rec(2, 1), 0);
    t.touch(idInBucket(SELF, 2, 7), 5_000);
    expect(t.staleBuckets(6_000, 3_000, 3)).toEqual([0, 1]);
  });
});
