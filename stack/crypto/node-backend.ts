/**
 * The node:crypto (OpenSSL) backend: 10-30x faster than @noble for the curve operations on this
 * machine (see /work/shared/ANCHORS.md), so it is the default under Node.
 *
 * How raw 32-byte keys become KeyObjects, and why (measured here, Node 20.20 / OpenSSL 3.0):
 * - Private keys are imported as JWK {d, x}. OpenSSL builds the key from d alone
 *   (EVP_PKEY_new_raw_private_key derives the public half), and Node only checks that x is a
 *   string, so x is a placeholder and the real public key is read back with export({format:'jwk'}).
 *   Import + export costs ~39 us, the same as generateKeyPairSync; a PKCS8 DER import costs
 *   ~370 us (OpenSSL 3's decoder lookup), an SPKI export ~71 us. The RFC 8032 / Wycheproof vector
 *   tests pin the derived public keys, so a Node that stopped ignoring x would fail loudly.
 * - Public keys are imported as JWK {x}: 5.5 us, against 77 us for SPKI DER.
 * - The Node 20 GC deadlock in ANCHORS.md was seen only when exporting a JWK from a key made by
 *   generateKeyPairSync; this backend never generates keys (the caller's rng supplies the bytes).
 * Every key object is built once, in ed25519()/x25519()/aead(), and reused by sign/dh/seal/open.
 * ChaCha20-Poly1305 goes to the same OpenSSL directly where possible (openssl-aead.ts: no Cipher
 * object and no fresh output array per message, 1.5-4x less CPU); NodeAead below is the fallback.
 */

import * as nodeCryptoModule from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { KEY_LEN, NONCE_LEN, SIGNATURE_LEN, TAG_LEN } from './constants.js';
import { AeadError, checkBytes, checkOpenInput, checkSealInput, LowOrderPointError } from './errors.js';
import { openSslAead } from './openssl-aead.js';
import type { Aead, CryptoBackend, DhKey, SigningKey } from './types.js';

type OkpCurve = 'Ed25519' | 'X25519';

/**
 * One-shot SHA-256 (crypto.hash, Node >= 20.12): no Hash object. Every createHash/createHmac makes
 * a native object with a weak handle that each young-generation GC must visit; a Noise handshake
 * made ~36 of them (MixHash, and three HMACs per HKDF), and at 10,000 simulated nodes the
 * scavenges that processed them took a quarter of the run.
 */
type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
const oneShot = (nodeCryptoModule as { hash?: OneShotHash }).hash;

function sha256Buffer(data: Uint8Array): Buffer {
  return oneShot !== undefined
    ? oneShot('sha256', data, 'buffer')
    : createHash('sha256').update(data).digest();
}

const HMAC_BLOCK = 64; // bytes: the SHA-256 block size

/** HMAC-SHA256 (RFC 2104) from two one-shot hashes: H((K ^ opad) || H((K ^ ipad) || data)). */
function hmacOneShot(key: Uint8Array, data: Uint8Array): Buffer {
  const k = key.length > HMAC_BLOCK ? sha256Buffer(key) : key;
  const inner = new Uint8Array(HMAC_BLOCK + data.length);
  const outer = new Uint8Array(HMAC_BLOCK + 32);
  for (let i = 0; i < HMAC_BLOCK; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(data, HMAC_BLOCK);
  outer.set(sha256Buffer(inner), HMAC_BLOCK);
  return sha256Buffer(outer);
}

/** Any valid 32-byte base64url string: Node requires x on a private JWK but OpenSSL ignores it. */
const PLACEHOLDER_X = Buffer.alloc(KEY_LEN).toString('base64url');

/**
 * A Uint8Array over a Buffer's bytes. Node returns Buffers, often slices of a shared 8 KiB pool;
 * handing those out would expose unrelated bytes through .buffer and make toEqual() against a
 * plain Uint8Array fail, so pooled (small) results are copied and owned ones are re-viewed.
 */
function toBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) {
    return new Uint8Array(buf.buffer, 0, buf.byteLength);
  }
  return new Uint8Array(buf);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function importPrivate(curve: OkpCurve, raw: Uint8Array): { key: KeyObject; publicKey: Uint8Array } {
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: curve, d: b64url(raw), x: PLACEHOLDER_X },
    format: 'jwk',
  });
  const x = key.export({ format: 'jwk' }).x as string;
  return { key, publicKey: toBytes(Buffer.from(x, 'base64url')) };
}

function importPublic(curve: OkpCurve, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x: b64url(raw) }, format: 'jwk' });
}

// Verification keys recur (the same peers sign over and over), so imported ones are kept in a
// small map that forgets the oldest entry first. It saves the 5.5 us import of a ~110 us verify.
const VERIFY_CACHE_MAX = 256; // entries
const verifyKeys = new Map<string, KeyObject>();

function verifyKeyFor(publicKey: Uint8Array): KeyObject {
  const id = b64url(publicKey);
  let key = verifyKeys.get(id);
  if (key === undefined) {
    key = importPublic('Ed25519', publicKey);
    if (verifyKeys.size >= VERIFY_CACHE_MAX) verifyKeys.delete(verifyKeys.keys().next().value as string);
    verifyKeys.set(id, key);
  }
  return key;
}

class NodeSigningKey implements SigningKey {
  readonly publicKey: Uint8Array;
  readonly #key: KeyObject;

  constructor(seed: Uint8Array) {
    checkBytes(seed, KEY_LEN, 'ed25519 seed');
    ({ key: this.#key, publicKey: this.publicKey } = importPrivate('Ed25519', seed));
  }

  sign(message: Uint8Array): Uint8Array {
    checkBytes(message, undefined, 'message');
    return toBytes(nodeSign(null, message, this.#key));
  }
}

// The peer's public key of a Noise handshake serves two DH operations in a row (its ephemeral key:
// ee, then es or se), so the last few imports are kept, compared by bytes. Each import is a
// KeyObject, whose native handle the garbage collector pays for too.
const DH_PEER_CACHE = 4; // entries
const dhPeerBytes: Uint8Array[] = [];
const dhPeerKeys: KeyObject[] = [];
let dhPeerNext = 0;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < KEY_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}

function dhPeerKey(raw: Uint8Array): KeyObject {
  for (let i = 0; i < dhPeerBytes.length; i++) if (sameBytes(dhPeerBytes[i]!, raw)) return dhPeerKeys[i]!;
  const key = importPublic('X25519', raw);
  dhPeerBytes[dhPeerNext] = raw.slice();
  dhPeerKeys[dhPeerNext] = key;
  dhPeerNext = (dhPeerNext + 1) % DH_PEER_CACHE;
  return key;
}

class NodeDhKey implements DhKey {
  readonly publicKey: Uint8Array;
  readonly #key: KeyObject;

  constructor(privateKey: Uint8Array) {
    checkBytes(privateKey, KEY_LEN, 'x25519 private key');
    ({ key: this.#key, publicKey: this.publicKey } = importPrivate('X25519', privateKey));
  }

  dh(peerPublicKey: Uint8Array): Uint8Array {
    checkBytes(peerPublicKey, KEY_LEN, 'x25519 public key');
    const peer = dhPeerKey(peerPublicKey);
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: this.#key, publicKey: peer });
    } catch (err) {
      // Sizes were checked and any 32 bytes import as a u-coordinate, so the only way OpenSSL's
      // X25519 derive fails is the all-zero result it refuses (RFC 7748 §6.1).
      throw new LowOrderPointError('x25519: shared secret is all zero (low-order public key)', {
        cause: err,
      });
    }
    if (shared.every((b) => b === 0)) {
      throw new LowOrderPointError('x25519: shared secret is all zero (low-order public key)');
    }
    return toBytes(shared);
  }
}

/**
 * Messages a key encrypts or decrypts from its raw bytes before it becomes a KeyObject. A secret
 * KeyObject saves ~6% per 64-byte seal, but it costs ~5 us to make and its native handle is extra
 * work for every garbage collection; most keys never see that many messages (a Noise handshake
 * uses each of its keys once or twice, a DHT session carries a few requests).
 */
const RAW_KEY_USES = 16;

/*
 * Empty associated data (every Veil transport message) skips setAAD: ChaCha20-Poly1305 with no
 * AAD call authenticates exactly as with an empty one (RFC 8439 §2.8: the AAD and its padding are
 * empty either way; the RFC and Wycheproof vectors with empty AAD pin it), and the call costs
 * ~2 us per message, a few percent of a 64 KiB message's CPU on each side.
 */
class NodeAead implements Aead {
  #raw: Uint8Array | null;
  #key: KeyObject | null = null;
  #uses = 0;

  constructor(key: Uint8Array) {
    checkBytes(key, KEY_LEN, 'chacha20-poly1305 key');
    this.#raw = key.slice(); // a copy (the caller may reuse its array), not in Buffer's shared pool
  }

  /** The key for the next cipher: the raw bytes for the first RAW_KEY_USES messages, then a KeyObject. */
  #cipherKey(): KeyObject | Uint8Array {
    if (this.#key !== null) return this.#key;
    if (++this.#uses <= RAW_KEY_USES) return this.#raw!;
    this.#key = createSecretKey(this.#raw!);
    this.#raw = null;
    return this.#key;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    checkBytes(plaintext, undefined, 'plaintext');
    return this.sealInto(nonce, plaintext, ad, new Uint8Array(plaintext.length + TAG_LEN), 0);
  }

  sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array {
    const end = checkSealInput(nonce, plaintext, ad, out, offset);
    const cipher = createCipheriv('chacha20-poly1305', this.#cipherKey(), nonce, { authTagLength: TAG_LEN });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    const tail = cipher.final(); // empty for a stream cipher, but part of the API contract
    out.set(body, offset);
    out.set(tail, offset + body.length);
    out.set(cipher.getAuthTag(), offset + plaintext.length);
    return out.subarray(offset, end);
  }

  sealParts(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
  ): { ciphertext: Uint8Array; tag: Uint8Array } {
    checkBytes(nonce, NONCE_LEN, 'nonce');
    checkBytes(plaintext, undefined, 'plaintext');
    checkBytes(ad, undefined, 'ad');
    const cipher = createCipheriv('chacha20-poly1305', this.#cipherKey(), nonce, { authTagLength: TAG_LEN });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    const tail = cipher.final(); // empty for a stream cipher, but part of the API contract
    // Owned arrays (toBytes copies a pooled slice), so a connection may keep them.
    const ciphertext = tail.length === 0 ? toBytes(body) : toBytes(Buffer.concat([body, tail]));
    return { ciphertext, tag: toBytes(cipher.getAuthTag()) };
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, ad: Uint8Array): Uint8Array {
    const ctLen = checkOpenInput(nonce, ciphertextAndTag, ad);
    const decipher = createDecipheriv('chacha20-poly1305', this.#cipherKey(), nonce, {
      authTagLength: TAG_LEN,
    });
    decipher.setAuthTag(ciphertextAndTag.subarray(ctLen));
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: ctLen });
    const body = decipher.update(ciphertextAndTag.subarray(0, ctLen));
    try {
      decipher.final();
    } catch (err) {
      throw new AeadError('chacha20-poly1305: authentication tag does not verify', { cause: err });
    }
    return toBytes(body);
  }
}

export const nodeCrypto: CryptoBackend = {
  name: 'node',
  sha256(data) {
    checkBytes(data, undefined, 'data');
    return toBytes(sha256Buffer(data));
  },
  hmacSha256(key, data) {
    checkBytes(key, undefined, 'key');
    checkBytes(data, undefined, 'data');
    return toBytes(
      oneShot !== undefined ? hmacOneShot(key, data) : createHmac('sha256', key).update(data).digest(),
    );
  },
  ed25519: (seed) => new NodeSigningKey(seed),
  ed25519Verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_LEN) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LEN) return false;
    checkBytes(message, undefined, 'message');
    try {
      return nodeVerify(null, message, verifyKeyFor(publicKey), signature);
    } catch {
      return false; // OpenSSL refuses some malformed keys/points by error rather than by false
    }
  },
  x25519: (privateKey) => new NodeDhKey(privateKey),
  aead(key) {
    fastAead ??= openSslAead() ?? cipherAead;
    return fastAead(key);
  },
};

/** ChaCha20-Poly1305 through node:crypto's Cipher objects: the path when openssl-aead.ts is unavailable. */
export const cipherAead = (key: Uint8Array): Aead => new NodeAead(key);

/** Node's OpenSSL called directly when possible (openssl-aead.ts), else cipherAead; chosen at first use. */
let fastAead: ((key: Uint8Array) => Aead) | undefined;
