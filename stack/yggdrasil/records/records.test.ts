import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../../crypto/select.js';
import { InvalidRecordError } from '../errors.js';
import { Reader } from '../rpc/bytes.js';
import { StoreStatus } from '../rpc/messages.js';
import { signingIdentity } from '../testing/records.js';
import { isNewer, nextSeq, PeerRecord, verifyPeerRecord } from './peer-record.js';
import { ProviderRecord, verifyProviderRecord } from './provider-record.js';
import { RecordStore } from './store.js';
import { ValueRecord, valueKey, verifyValueRecord } from './value-record.js';

const crypto = defaultCrypto();
const alice = signingIdentity(1);
const mallory = signingIdentity(2);

/** Decode a fresh copy (verified = false) of a record's bytes, optionally with one byte changed. */
function reread<T>(read: (r: Reader) => T, encoded: Uint8Array, flipAt?: number): T {
  const b = encoded.slice();
  if (flipAt !== undefined) b[flipAt] ^= 1;
  return read(new Reader(b));
}

describe('peer records', () => {
  it('verify when signed by the NodeID owner', () => {
    const r = PeerRecord.create(alice, 5, ['10.0.0.1:7000']);
    const copy = reread(PeerRecord.read, r.encoded);
    expect(copy.verified).toBe(false);
    verifyPeerRecord(crypto, copy);
    expect(copy.verified).toBe(true);
  });

  it('cannot be forged: any changed byte, or a record claiming another NodeID, fails', () => {
    const r = PeerRecord.create(alice, 5, ['10.0.0.1:7000']);
    for (const at of [0, 40, 70, 75, r.encoded.length - 1]) {
      expect(() => verifyPeerRecord(crypto, reread(PeerRecord.read, r.encoded, at))).toThrow(
        InvalidRecordError,
      );
    }
    // Mallory signs a record with Alice's NodeID: the NodeID is not SHA-256 of Mallory's key.
    const forged = PeerRecord.create({ nodeId: alice.nodeId, signingKey: mallory.signingKey }, 9, [
      '6.6.6.6:1',
    ]);
    expect(() => verifyPeerRecord(crypto, reread(PeerRecord.read, forged.encoded))).toThrow(
      InvalidRecordError,
    );
  });

  it('cannot be rolled back: only a strictly higher seq is newer, and our seq always moves forward', () => {
    const old = PeerRecord.create(alice, 5, ['10.0.0.1:1']);
    expect(isNewer(PeerRecord.create(alice, 4, ['10.0.0.2:1']), old)).toBe(false);
    expect(isNewer(PeerRecord.create(alice, 5, ['10.0.0.2:1']), old)).toBe(false);
    expect(isNewer(PeerRecord.create(alice, 6, ['10.0.0.2:1']), old)).toBe(true);
    expect(nextSeq(1_000, 0)).toBe(1_000);
    expect(nextSeq(1_000, 5_000)).toBe(5_001); // a clock that went back does not roll us back
  });
});

describe('value records', () => {
  const name = new TextEncoder().encode('profile');
  const value = new TextEncoder().encode('hello');

  it('live under SHA-256(domain || author NodeID || name), which holders re-derive', () => {
    const r = ValueRecord.create(alice, crypto, { name, seq: 1, expiresAtMs: 10, value });
    const copy = reread(ValueRecord.read, r.encoded);
    verifyValueRecord(crypto, copy);
    expect(copy.key).toEqual(valueKey(crypto, alice.nodeId, name));
    expect(copy.authorId).toEqual(alice.nodeId);
    expect(valueKey(crypto, mallory.nodeId, name)).not.toEqual(copy.key);
  });

  it('reject any changed byte', () => {
    const r = ValueRecord.create(alice, crypto, { name, seq: 1, expiresAtMs: 10, value });
    for (const at of [0, 33, r.encoded.length - 70, r.encoded.length - 1]) {
      expect(() => verifyValueRecord(crypto, reread(ValueRecord.read, r.encoded, at))).toThrow(
        InvalidRecordError,
      );
    }
  });
});

describe('provider records', () => {
  it('verify, and name the provider by SHA-256 of its key', () => {
    const key = new Uint8Array(32).fill(9);
    const r = ProviderRecord.create(alice, { key, expiresAtMs: 100, addrs: ['10.0.0.1:1'] });
    const copy = reread(ProviderRecord.read, r.encoded);
    verifyProviderRecord(crypto, copy);
    expect(copy.providerId).toEqual(alice.nodeId);
    expect(() => verifyProviderRecord(crypto, reread(ProviderRecord.read, r.encoded, 3))).toThrow(
      InvalidRecordError,
    );
  });
});

describe('RecordStore', () => {
  const limits = { maxRecords: 4, maxRecordsPerPeer: 2, maxStoreBytes: 10_000, maxRecordTtlMs: 1_000 };
  const val = (id: typeof alice, n: string, seq: number, exp = 500) =>
    ValueRecord.create(id, crypto, {
      name: new TextEncoder().encode(n),
      seq,
      expiresAtMs: exp,
      value: Uint8Array.of(1),
    });
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

  it('keeps the highest seq, refuses stale and expired records', () => {
    const s = new RecordStore(limits);
    expect(s.putValue(val(alice, 'a', 2), 0)).toBe(StoreStatus.OK);
    expect(s.putValue(val(alice, 'a', 1), 0)).toBe(StoreStatus.STALE);
    expect(s.putValue(val(alice, 'a', 3), 0)).toBe(StoreStatus.OK);
    expect(s.getValue(hex(val(alice, 'a', 3).key!), 0)?.seq).toBe(3);
    expect(s.putValue(val(alice, 'b', 1, 10), 20)).toBe(StoreStatus.EXPIRED);
    expect(s.size.records).toBe(1);
  });

  it('limits records per author and in total, and reports LIMIT past them', () => {
    const s = new RecordStore(limits);
    expect(s.putValue(val(alice, 'a', 1), 0)).toBe(StoreStatus.OK);
    expect(s.putValue(val(alice, 'b', 1), 0)).toBe(StoreStatus.OK);
    expect(s.putValue(val(alice, 'c', 1), 0)).toBe(StoreStatus.LIMIT);
    expect(s.putValue(val(mallory, 'a', 1), 0)).toBe(StoreStatus.OK);
    const key = new Uint8Array(32);
    const p = ProviderRecord.create(mallory, { key, expiresAtMs: 500, addrs: ['10.0.0.2:1'] });
    p.providerIdHex = hex(mallory.nodeId);
    expect(s.addProvider(p, 0)).toBe(StoreStatus.OK);
    const carol = signingIdentity(3);
    expect(s.putValue(val(carol, 'a', 1), 0)).toBe(StoreStatus.LIMIT); // 4 records in total
  });

  it('sweeps expired records and never keeps one past maxRecordTtlMs', () => {
    const s = new RecordStore(limits);
    s.putValue(val(alice, 'a', 1, 100), 0);
    s.putValue(val(alice, 'b', 1, 1_000_000), 0); // held for at most 1 000 ms
    expect(s.sweep(50)).toBe(0);
    expect(s.sweep(100)).toBe(1);
    expect(s.getValue(hex(val(alice, 'b', 1).key!), 999)).toBeDefined();
    expect(s.sweep(1_000)).toBe(1);
    expect(s.size).toEqual({ records: 0, bytes: 0 });
  });

  it('keeps the provider record with the latest expiry', () => {
    const s = new RecordStore(limits);
    const key = new Uint8Array(32).fill(1);
    const mk = (exp: number) => {
      const p = ProviderRecord.create(alice, { key, expiresAtMs: exp, addrs: ['10.0.0.1:1'] });
      return p;
    };
    expect(s.addProvider(mk(300), 0)).toBe(StoreStatus.OK);
    expect(s.addProvider(mk(200), 0)).toBe(StoreStatus.STALE);
    expect(s.addProvider(mk(400), 0)).toBe(StoreStatus.OK);
    expect(s.getProviders(hex(key), 0, 10).map((p) => p.expiresAtMs)).toEqual([400]);
  });
});
