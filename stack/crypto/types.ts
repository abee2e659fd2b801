/**
 * The crypto primitives the stack uses, behind one interface with two byte-identical backends:
 * node:crypto (fast, default) and @noble/* (portable fallback). Crypto is pure and is not part of
 * the Runtime; randomness for keys always comes from the caller (the Runtime's rng).
 */

/** An Ed25519 signing key, built once from its 32-byte seed (key objects are cached inside). */
export interface SigningKey {
  readonly publicKey: Uint8Array; // 32 bytes
  sign(message: Uint8Array): Uint8Array; // 64 bytes
}

/** An X25519 private key, built once from 32 private bytes. */
export interface DhKey {
  readonly publicKey: Uint8Array; // 32 bytes
  /** Shared secret. Throws LowOrderPointError when the result is all zero (RFC 7748 §6.1). */
  dh(peerPublicKey: Uint8Array): Uint8Array;
}

/** ChaCha20-Poly1305 (RFC 8439) with one fixed key. */
export interface Aead {
  /** Returns ciphertext || 16-byte tag. nonce is 12 bytes. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /**
   * seal() writing ciphertext || tag into out[offset, offset + plaintext.length + 16) instead of a
   * fresh array, and returning that subarray: a caller can keep header room in front and send one
   * buffer without copying the ciphertext again (Veil transport frames). Throws CryptoInputError
   * when out is too small. Optional, so other Aead implementations stay valid; both backends have it.
   */
  sealInto?(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array;
  /**
   * seal() returning ciphertext and tag as two arrays, both fresh and the caller's: a sender that
   * can write several chunks at once (Connection.writev) sends them behind its header with no
   * frame-sized array to allocate and fill. Optional, like sealInto; the node backend has it
   * (its cipher hands out the ciphertext in an array of its own anyway).
   */
  sealParts?(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
  ): { ciphertext: Uint8Array; tag: Uint8Array };
  /** Returns the plaintext; throws AeadError when the tag does not verify or sizes are wrong. */
  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, ad: Uint8Array): Uint8Array;
  /**
   * open() writing the plaintext into out[offset, offset + ciphertextAndTag.length - 16) and
   * returning that subarray: a reader that consumes each message at once decrypts into one reused
   * array (Veil transport), which costs less than filling fresh memory. On failure it throws
   * AeadError and leaves zeros there, never unauthenticated plaintext. CryptoInputError (before
   * any check of the tag) when out is too small. Optional; the direct OpenSSL path has it.
   */
  openInto?(
    nonce: Uint8Array,
    ciphertextAndTag: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array;
}

export interface CryptoBackend {
  readonly name: 'node' | 'noble';
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  ed25519(seed: Uint8Array): SigningKey;
  /** Strict RFC 8032 verification (no ZIP-215 leniency): false for any invalid input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  x25519(privateKey: Uint8Array): DhKey;
  aead(key: Uint8Array): Aead;
}
