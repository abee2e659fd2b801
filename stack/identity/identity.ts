/**
 * A node's long-term identity: an Ed25519 key pair made from a 32-byte seed, and the NodeID
 * derived from its public key. The seed is the only secret and the only thing that needs storing
 * (identity-file.ts); everything else is recomputed from it.
 */

import { checkBytes } from '../crypto/errors.js';
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend, SigningKey } from '../crypto/types.js';
import type { Rng } from '../runtime.js';
import { bytesToHex } from './hex.js';
import { NodeId } from './node-id.js';

export const SEED_LEN = 32; // bytes: an Ed25519 secret key is its seed (RFC 8032 §5.1.5)

export class Identity {
  /** The secret. Not shown by toJSON() or util.inspect, so logging an Identity cannot leak it. */
  readonly seed: Uint8Array;
  readonly signingKey: SigningKey;
  /** The Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  readonly nodeId: NodeId;

  /** Same as identityFromSeed(). Throws CryptoInputError unless seed is 32 bytes. */
  constructor(seed: Uint8Array, backend: CryptoBackend = defaultCrypto()) {
    checkBytes(seed, SEED_LEN, 'identity seed');
    this.seed = Uint8Array.from(seed); // the caller may wipe or reuse its array
    this.signingKey = backend.ed25519(this.seed);
    this.publicKey = this.signingKey.publicKey;
    this.nodeId = NodeId.fromPublicKey(this.publicKey, backend);
  }

  /** An Ed25519 signature (64 bytes) over message. */
  sign(message: Uint8Array): Uint8Array {
    return this.signingKey.sign(message);
  }

  toJSON(): { nodeId: string; publicKey: string } {
    return { nodeId: this.nodeId.toString(), publicKey: bytesToHex(this.publicKey) };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Identity(${this.nodeId.toString()})`;
  }
}

/** The identity for a 32-byte seed. Deterministic: the same seed always gives the same NodeID. */
export function identityFromSeed(seed: Uint8Array, backend: CryptoBackend = defaultCrypto()): Identity {
  return new Identity(seed, backend);
}

/**
 * A new identity whose seed is rng.bytes(32). In the simulator rng is seeded, so identities are
 * reproducible (and not secret); live, the Runtime's rng reads the OS source.
 */
export function generateIdentity(rng: Rng, backend: CryptoBackend = defaultCrypto()): Identity {
  return new Identity(rng.bytes(SEED_LEN), backend);
}

/** Verify an Ed25519 signature by the holder of publicKey (strict RFC 8032; false when invalid). */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  backend: CryptoBackend = defaultCrypto(),
): boolean {
  return backend.ed25519Verify(publicKey, message, signature);
}
