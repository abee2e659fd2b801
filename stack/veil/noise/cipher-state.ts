/**
 * Noise CipherState (Noise Protocol Framework rev 34, §5.1) for ChaChaPoly: a key k and a 64-bit
 * nonce n. The nonce is kept as two unsigned 32-bit halves so that every value up to 2^64-1 is
 * exact (a JS number loses integers above 2^53) without paying for a bigint per message.
 *
 * Nonce encoding (§12.3, ChaChaPoly): 32 bits of zeros followed by the 64-bit little-endian n,
 * giving the 96-bit RFC 8439 nonce.
 */

import { AeadError } from '../../crypto/errors.js';
import type { Aead, CryptoBackend } from '../../crypto/types.js';
import { DecryptError, NoiseError, NoiseMessageError, NonceExhaustedError } from './errors.js';

export const KEY_LEN = 32; // bytes, ChaChaPoly key
export const TAG_LEN = 16; // bytes, Poly1305 tag appended to every ciphertext
export const MAX_MESSAGE_LEN = 65535; // bytes, the Noise limit on any message (§3)
export const MAX_PLAINTEXT_LEN = MAX_MESSAGE_LEN - TAG_LEN; // bytes, largest transport payload
const NONCE_LEN = 12; // bytes, the RFC 8439 nonce: 4 zero bytes + 8-byte little-endian counter
const U32_MAX = 0xffffffff;

const EMPTY = new Uint8Array(0);
const REKEY_ZEROS = new Uint8Array(KEY_LEN);
/** The nonce 2^64-1 that Noise reserves for Rekey() (§4.2). */
const MAX_NONCE_BYTES = Uint8Array.of(0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export class CipherState {
  private aead: Aead | undefined;
  private nonceLo = 0;
  private nonceHi = 0;
  // One nonce buffer per CipherState, rewritten in place: seal/open are synchronous, so reuse is
  // safe, and it saves an allocation per message on the bulk path.
  private readonly nonceBytes = new Uint8Array(NONCE_LEN);
  private readonly nonceView = new DataView(this.nonceBytes.buffer);

  constructor(
    private readonly crypto: CryptoBackend,
    key?: Uint8Array,
  ) {
    if (key) this.initializeKey(key);
  }

  /** InitializeKey(key): sets k and resets n to 0. */
  initializeKey(key: Uint8Array): void {
    if (key.length !== KEY_LEN)
      throw new NoiseError(`expected a ${KEY_LEN}-byte key, got length=${key.length}`);
    this.aead = this.crypto.aead(key);
    this.nonceLo = 0;
    this.nonceHi = 0;
  }

  hasKey(): boolean {
    return this.aead !== undefined;
  }

  /** The next nonce to be used, exactly. */
  get nonce(): bigint {
    return (BigInt(this.nonceHi) << 32n) | BigInt(this.nonceLo);
  }

  /** SetNonce(n) (§5.1). Tests use it to reach the end of the nonce space. */
  setNonce(n: bigint): void {
    if (n < 0n || n > 0xffffffffffffffffn) throw new NoiseError(`nonce out of range: ${n}`);
    this.nonceHi = Number(n >> 32n);
    this.nonceLo = Number(n & 0xffffffffn);
  }

  /**
   * EncryptWithAd(ad, plaintext): ciphertext || tag, and n advances. Without a key the plaintext
   * is returned unchanged (the same array), as the spec says.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const aead = this.aead;
    if (aead === undefined) return plaintext;
    if (plaintext.length > MAX_PLAINTEXT_LEN) {
      throw new NoiseMessageError(
        `plaintext of ${plaintext.length} bytes exceeds the Noise limit of ${MAX_PLAINTEXT_LEN}`,
      );
    }
    const nonce = this.currentNonce();
    const ciphertext = aead.seal(nonce, plaintext, ad);
    this.advance();
    return ciphertext;
  }

  /**
   * DecryptWithAd(ad, ciphertext): the plaintext, and n advances. A ciphertext that does not
   * authenticate throws DecryptError and leaves n where it was (§5.1).
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const aead = this.aead;
    if (aead === undefined) return ciphertext;
    return this.opened(ciphertext, (nonce) => aead.open(nonce, ciphertext, ad));
  }

  /** Transport shorthand: encryptWithAd with empty associated data. */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.encryptWithAd(EMPTY, plaintext);
  }

  /**
   * Transport encryption into a caller's buffer: ciphertext || tag written at out[offset...] and
   * returned as a view, so a frame header can sit in front of it without another copy. Falls
   * back to seal() and one copy for an Aead without sealInto.
   */
  encryptInto(plaintext: Uint8Array, out: Uint8Array, offset: number): Uint8Array {
    const aead = this.aead;
    if (aead === undefined) throw new NoiseError('encryptInto() on a CipherState without a key');
    if (plaintext.length > MAX_PLAINTEXT_LEN) {
      throw new NoiseMessageError(
        `plaintext of ${plaintext.length} bytes exceeds the Noise limit of ${MAX_PLAINTEXT_LEN}`,
      );
    }
    const nonce = this.currentNonce();
    let ciphertext: Uint8Array;
    if (aead.sealInto) {
      ciphertext = aead.sealInto(nonce, plaintext, EMPTY, out, offset);
    } else {
      const sealed = aead.seal(nonce, plaintext, EMPTY);
      out.set(sealed, offset);
      ciphertext = out.subarray(offset, offset + sealed.length);
    }
    this.advance();
    return ciphertext;
  }

  /**
   * Transport encryption as two fresh arrays, ciphertext and tag (their concatenation is what
   * encrypt() returns), for a sender that writes them behind its header in one writev; undefined,
   * with nothing consumed, when the Aead cannot do it without a copy (no sealParts).
   */
  encryptParts(plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } | undefined {
    const aead = this.aead;
    if (aead === undefined) throw new NoiseError('encryptParts() on a CipherState without a key');
    if (aead.sealParts === undefined) return undefined;
    if (plaintext.length > MAX_PLAINTEXT_LEN) {
      throw new NoiseMessageError(
        `plaintext of ${plaintext.length} bytes exceeds the Noise limit of ${MAX_PLAINTEXT_LEN}`,
      );
    }
    const parts = aead.sealParts(this.currentNonce(), plaintext, EMPTY);
    this.advance();
    return parts;
  }

  /** Transport shorthand: decryptWithAd with empty associated data. */
  decrypt(ciphertext: Uint8Array): Uint8Array {
    return this.decryptWithAd(EMPTY, ciphertext);
  }

  /**
   * Transport decryption into out[0...] (see Aead.openInto), returned as a view, for a reader that
   * consumes each message before the next; with an Aead without openInto, decrypt() (a fresh
   * array: callers tell the two apart by the returned array's buffer). Same errors as decrypt().
   */
  decryptInto(ciphertext: Uint8Array, out: Uint8Array): Uint8Array {
    const aead = this.aead;
    if (aead?.openInto === undefined) return this.decrypt(ciphertext);
    return this.opened(ciphertext, (nonce) => aead.openInto!(nonce, ciphertext, EMPTY, out, 0));
  }

  /** Run one AEAD open at the current nonce; n advances only when it authenticates (§5.1). */
  private opened(ciphertext: Uint8Array, open: (nonce: Uint8Array) => Uint8Array): Uint8Array {
    if (ciphertext.length > MAX_MESSAGE_LEN) {
      throw new NoiseMessageError(
        `ciphertext of ${ciphertext.length} bytes exceeds the Noise limit of ${MAX_MESSAGE_LEN}`,
      );
    }
    const nonce = this.currentNonce();
    let plaintext: Uint8Array;
    try {
      plaintext = open(nonce);
    } catch (err) {
      if (err instanceof AeadError) throw new DecryptError(`decryption failed at nonce ${this.nonce}`);
      throw err;
    }
    this.advance();
    return plaintext;
  }

  /**
   * Rekey() (§4.2 and §11.3): k = first 32 bytes of ENCRYPT(k, 2^64-1, empty ad, 32 zero bytes).
   * n is left unchanged, so nonces keep counting across rekeys.
   */
  rekey(): void {
    const aead = this.aead;
    if (aead === undefined) throw new NoiseError('rekey() on a CipherState without a key');
    const next = aead.seal(MAX_NONCE_BYTES, REKEY_ZEROS, EMPTY).subarray(0, KEY_LEN);
    this.aead = this.crypto.aead(next);
  }

  /** The 12-byte nonce for n, or NonceExhaustedError once n reached the reserved 2^64-1. */
  private currentNonce(): Uint8Array {
    if (this.nonceHi === U32_MAX && this.nonceLo === U32_MAX) {
      throw new NonceExhaustedError('nonce space exhausted (n = 2^64-1 is reserved)');
    }
    this.nonceView.setUint32(4, this.nonceLo, true);
    this.nonceView.setUint32(8, this.nonceHi, true);
    return this.nonceBytes;
  }

  private advance(): void {
    if (this.nonceLo === U32_MAX) {
      this.nonceLo = 0;
      this.nonceHi++;
    } else {
      this.nonceLo++;
    }
  }
}
