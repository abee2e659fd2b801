/**
 * The @noble backend: pure JavaScript, audited, runs wherever JS runs. It is the fallback for
 * algorithms node:crypto lacks, and the reference the node backend is checked against
 * (byte-identical outputs, see cross-backend.test.ts). It is 10-30x slower on curve operations.
 *
 * Agreement with node:crypto needs two settings: Ed25519 verification uses {zip215: false}
 * (strict RFC 8032; noble's ZIP-215 default accepts Wycheproof ed25519 tcId 151, which OpenSSL
 * rejects), and every size is checked here first so both backends throw the same error classes
 * with the same messages instead of noble's plain Error.
 */

import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, concatBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { KEY_LEN, NONCE_LEN, SIGNATURE_LEN } from './constants.js';
import { AeadError, checkBytes, checkOpenInput, checkSealInput, LowOrderPointError } from './errors.js';
import type { Aead, CryptoBackend, DhKey, SigningKey } from './types.js';

const Fn = ed25519.Point.Fn; // the scalar field, integers mod the group order L

/** SHA-512 of the parts, read little-endian and reduced mod L (RFC 8032 §5.1.6 steps 2 and 4). */
function hashToScalar(...parts: Uint8Array[]): bigint {
  return Fn.create(bytesToNumberLE(sha512(concatBytes(...parts))));
}

/**
 * noble's ed25519.sign(msg, seed) re-derives the expanded key and the public point (a SHA-512 and
 * a base-point multiplication, about half the cost of a signature) on every call. This key derives
 * them once, through noble's own getExtendedPublicKey, and then performs RFC 8032 §5.1.6 as noble
 * does: r = H(prefix || M), R = rB, k = H(R || A || M), S = (r + k·s) mod L. The RFC 8032 vectors
 * and the cross-backend property test check it byte for byte.
 */
class NobleSigningKey implements SigningKey {
  readonly publicKey: Uint8Array;
  readonly #prefix: Uint8Array;
  readonly #scalar: bigint;

  constructor(seed: Uint8Array) {
    checkBytes(seed, KEY_LEN, 'ed25519 seed');
    const { prefix, scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
    this.publicKey = pointBytes;
    this.#prefix = prefix;
    this.#scalar = scalar;
  }

  sign(message: Uint8Array): Uint8Array {
    checkBytes(message, undefined, 'message');
    const r = hashToScalar(this.#prefix, message);
    const R = ed25519.Point.BASE.multiply(r).toBytes(); // multiply() refuses r = 0 (probability 2^-252)
    const k = hashToScalar(R, this.publicKey, message);
    const s = Fn.create(r + k * this.#scalar);
    return concatBytes(R, Fn.toBytes(s));
  }
}

class NobleDhKey implements DhKey {
  readonly publicKey: Uint8Array;
  readonly #privateKey: Uint8Array;

  constructor(privateKey: Uint8Array) {
    checkBytes(privateKey, KEY_LEN, 'x25519 private key');
    this.#privateKey = Uint8Array.from(privateKey); // the caller may wipe or reuse its array
    this.publicKey = x25519.getPublicKey(this.#privateKey);
  }

  dh(peerPublicKey: Uint8Array): Uint8Array {
    checkBytes(peerPublicKey, KEY_LEN, 'x25519 public key');
    try {
      return x25519.getSharedSecret(this.#privateKey, peerPublicKey);
    } catch (err) {
      // With both sizes checked, noble throws only for a low-order u (it refuses the listed
      // low-order points before the ladder, and an all-zero result after it).
      throw new LowOrderPointError('x25519: shared secret is all zero (low-order public key)', {
        cause: err,
      });
    }
  }
}

class NobleAead implements Aead {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    checkBytes(key, KEY_LEN, 'chacha20-poly1305 key');
    this.#key = Uint8Array.from(key);
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    checkBytes(nonce, NONCE_LEN, 'nonce');
    checkBytes(plaintext, undefined, 'plaintext');
    checkBytes(ad, undefined, 'ad');
    return chacha20poly1305(this.#key, nonce, ad).encrypt(plaintext);
  }

  sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array {
    const end = checkSealInput(nonce, plaintext, ad, out, offset);
    return chacha20poly1305(this.#key, nonce, ad).encrypt(plaintext, out.subarray(offset, end));
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, ad: Uint8Array): Uint8Array {
    checkOpenInput(nonce, ciphertextAndTag, ad);
    try {
      return chacha20poly1305(this.#key, nonce, ad).decrypt(ciphertextAndTag);
    } catch (err) {
      throw new AeadError('chacha20-poly1305: authentication tag does not verify', { cause: err });
    }
  }
}

export const nobleCrypto: CryptoBackend = {
  name: 'noble',
  sha256(data) {
    checkBytes(data, undefined, 'data');
    return sha256(data);
  },
  hmacSha256(key, data) {
    checkBytes(key, undefined, 'key');
    checkBytes(data, undefined, 'data');
    return hmac(sha256, key, data);
  },
  ed25519: (seed) => new NobleSigningKey(seed),
  ed25519Verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_LEN) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LEN) return false;
    checkBytes(message, undefined, 'message');
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false; // noble throws for undecodable points; the interface promises a boolean
    }
  },
  x25519: (privateKey) => new NobleDhKey(privateKey),
  aead: (key) => new NobleAead(key),
};
