/**
 * Test support: peer records with chosen NodeIDs. fakeRecord() builds a structurally valid record
 * whose signature is zeros (it never verifies), for tests of code that must not care (routing
 * table, lookup). signedRecord() makes a real one from a seed.
 */
import { defaultCrypto } from '../../crypto/select.js';
import { NODE_ID_SIZE, PUBLIC_KEY_SIZE, SIGNATURE_SIZE } from '../constants.js';
import { writeAddresses } from '../records/addresses.js';
import { PeerRecord } from '../records/peer-record.js';
import { Reader, Writer } from '../rpc/bytes.js';

export function fakeRecord(nodeId: Uint8Array, opts: { seq?: number; addrs?: string[] } = {}): PeerRecord {
  const w = new Writer();
  w.bytes(nodeId)
    .bytes(new Uint8Array(PUBLIC_KEY_SIZE))
    .u64(opts.seq ?? 1);
  writeAddresses(w, opts.addrs ?? ['10.0.0.1:7000']);
  w.bytes(new Uint8Array(SIGNATURE_SIZE));
  return PeerRecord.read(new Reader(w.finish()));
}

/** An id equal to base except for the given bit flipped (0 = most significant), low bits from fill. */
export function idInBucket(base: Uint8Array, bucket: number, fill: number): Uint8Array {
  const id = Uint8Array.from(base);
  const byte = bucket >> 3;
  id[byte] ^= 0x80 >> (bucket & 7);
  // Vary bytes after the flipped bit so ids in one bucket differ.
  for (let i = NODE_ID_SIZE - 1, f = fill; i > byte && f > 0; i--, f >>= 8) id[i] ^= f & 0xff;
  return id;
}

export function signingIdentity(seedByte: number): {
  nodeId: Uint8Array;
  signingKey: ReturnType<ReturnType<typeof defaultCrypto>['ed25519']>;
} {
  const crypto = defaultCrypto();
  const signingKey = crypto.ed25519(new Uint8Array(32).fill(seedByte));
  return { nodeId: crypto.sha256(signingKey.publicKey), signingKey };
}
