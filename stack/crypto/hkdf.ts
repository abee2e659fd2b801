/**
 * HKDF as the Noise Protocol Framework defines it (rev 34, §4.3), over HMAC-SHA256. It is RFC 5869
 * HKDF with salt = chainingKey, empty info, and 2 or 3 outputs of HASHLEN (32) bytes each; Noise
 * writes it out this way so that every output is one HMAC, which is all this file does.
 *
 *   tempKey = HMAC(chainingKey, ikm)
 *   out1    = HMAC(tempKey, 0x01)
 *   out2    = HMAC(tempKey, out1 || 0x02)
 *   out3    = HMAC(tempKey, out2 || 0x03)     (only when n = 3)
 *
 * It takes the backend as an argument (only hmacSha256 is used) so a handshake runs on whichever
 * backend the caller chose, and tests can run it on both.
 */

import { HASH_LEN } from './constants.js';
import { CryptoInputError, checkBytes } from './errors.js';
import type { CryptoBackend } from './types.js';

export { HASH_LEN };

/** The part of a backend HKDF needs; any CryptoBackend fits. */
export type HmacProvider = Pick<CryptoBackend, 'hmacSha256'>;

export function hkdf(
  backend: HmacProvider,
  chainingKey: Uint8Array,
  ikm: Uint8Array,
  n: 2,
): [Uint8Array, Uint8Array];
export function hkdf(
  backend: HmacProvider,
  chainingKey: Uint8Array,
  ikm: Uint8Array,
  n: 3,
): [Uint8Array, Uint8Array, Uint8Array];
export function hkdf(backend: HmacProvider, chainingKey: Uint8Array, ikm: Uint8Array, n: 2 | 3): Uint8Array[];
/**
 * Noise HKDF. chainingKey must be 32 bytes (Noise always passes ck); ikm is 0, 32 bytes or a DH
 * output in practice, but any length is valid HMAC input. Throws CryptoInputError otherwise.
 */
export function hkdf(
  backend: HmacProvider,
  chainingKey: Uint8Array,
  ikm: Uint8Array,
  n: 2 | 3,
): Uint8Array[] {
  checkBytes(chainingKey, HASH_LEN, 'chainingKey');
  checkBytes(ikm, undefined, 'ikm');
  if (n !== 2 && n !== 3) throw new CryptoInputError(`hkdf: expected 2 or 3 outputs, got ${n}`);
  const tempKey = backend.hmacSha256(chainingKey, ikm);
  const outputs: Uint8Array[] = [];
  // Each round's input is the previous output followed by the 1-based counter byte.
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    const input = new Uint8Array(previous.length + 1);
    input.set(previous);
    input[previous.length] = i;
    previous = backend.hmacSha256(tempKey, input);
    outputs.push(previous);
  }
  return outputs;
}
