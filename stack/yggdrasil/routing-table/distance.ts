/**
 * The XOR metric over 256-bit NodeIDs and keys. Distances are never materialised: comparisons
 * walk the bytes until the first one where the two XORs differ, which for random ids is almost
 * always the first byte.
 *
 * Bucket i (0..255) holds the ids that share exactly i leading bits with our own id, so bucket 0
 * is the far half of the id space and higher buckets are ever closer to us.
 */

import type { Rng } from '../../runtime.js';
import { NODE_ID_SIZE } from '../constants.js';

/** <0 when a is closer to target than b, >0 when farther, 0 when a equals b. */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < NODE_ID_SIZE; i++) {
    const da = a[i] ^ target[i];
    const db = b[i] ^ target[i];
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits a and b share (256 when equal). */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < NODE_ID_SIZE; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return NODE_ID_SIZE * 8;
}

/** The distance as a 64-character hex string (for logs, tests and vectors). */
export function xorHex(a: Uint8Array, b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < NODE_ID_SIZE; i++) s += (a[i] ^ b[i]).toString(16).padStart(2, '0');
  return s;
}

/**
 * A uniformly random id in bucket `index` of selfId: its first `index` bits equal selfId's, bit
 * `index` differs, the rest is random. Bucket refresh looks such an id up.
 */
export function randomIdInBucket(selfId: Uint8Array, index: number, rng: Rng): Uint8Array {
  const id = rng.bytes(NODE_ID_SIZE);
  const byte = index >> 3;
  const m = 0x80 >> (index & 7); // the bit that must differ from selfId
  const hi = (0xff << (8 - (index & 7))) & 0xff; // the bits of this byte that must equal selfId
  for (let i = 0; i < byte; i++) id[i] = selfId[i];
  id[byte] = (selfId[byte] & hi) | (~selfId[byte] & m) | (id[byte] & (m - 1));
  return id;
}
