/**
 * Noise SymmetricState (rev 34, §5.2): the chaining key ck, the handshake hash h, and the
 * CipherState the handshake encrypts with. SHA-256 throughout (HASHLEN = 32).
 */

import { HASH_LEN, hkdf } from '../../crypto/hkdf.js';
import type { CryptoBackend } from '../../crypto/types.js';
import { CipherState } from './cipher-state.js';
import { HandshakeStateError } from './errors.js';

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  private readonly cs: CipherState;
  private splitDone = false;

  /**
   * InitializeSymmetric(protocolName): h = the name zero-padded to HASHLEN when it fits, else
   * HASH(name); ck = h; no key yet.
   */
  constructor(
    private readonly crypto: CryptoBackend,
    protocolName: string,
  ) {
    const name = utf8.encode(protocolName);
    if (name.length <= HASH_LEN) {
      this.h = new Uint8Array(HASH_LEN);
      this.h.set(name);
    } else {
      this.h = crypto.sha256(name);
    }
    this.ck = this.h;
    this.cs = new CipherState(crypto);
  }

  /** The current handshake hash h (a copy: h must not be changed from outside). */
  get handshakeHash(): Uint8Array {
    return this.h.slice();
  }

  hasKey(): boolean {
    return this.cs.hasKey();
  }

  /** MixHash(data): h = HASH(h || data). */
  mixHash(data: Uint8Array): void {
    const input = new Uint8Array(HASH_LEN + data.length);
    input.set(this.h);
    input.set(data, HASH_LEN);
    this.h = this.crypto.sha256(input);
  }

  /** MixKey(ikm): ck, tempK = HKDF(ck, ikm, 2); the handshake cipher takes tempK, n = 0. */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.crypto, this.ck, ikm, 2);
    this.ck = ck;
    this.cs.initializeKey(tempK);
  }

  /** EncryptAndHash(plaintext): encrypt with h as the AD (a no-op before any key), then mix in. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cs.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext): the mirror of encryptAndHash; h mixes the ciphertext, not the result. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cs.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * Split(): two CipherStates from HKDF(ck, empty, 2), the first for initiator-to-responder
   * traffic. Allowed once: ck is the secret both transport keys descend from.
   */
  split(): [CipherState, CipherState] {
    if (this.splitDone) throw new HandshakeStateError('split() called twice');
    this.splitDone = true;
    const [k1, k2] = hkdf(this.crypto, this.ck, EMPTY, 2);
    return [new CipherState(this.crypto, k1), new CipherState(this.crypto, k2)];
  }
}
