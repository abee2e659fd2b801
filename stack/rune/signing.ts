/**
 * Every Rune signature is Ed25519 over `domain || 0x00 || canonical payload bytes`, with a distinct
 * domain per object kind (constants.ts), so a signature made for a token link can never be
 * replayed as a revocation, an attestation, or any other Valhalla record signed by the same key.
 */
import type { CryptoBackend } from '../crypto/types.js';

const encoder = new TextEncoder();

export function signedMessage(domain: string, payload: Uint8Array): Uint8Array {
  const d = encoder.encode(domain);
  const m = new Uint8Array(d.length + 1 + payload.length);
  m.set(d);
  m.set(payload, d.length + 1);
  return m;
}

export function verifyDomainSignature(
  crypto: CryptoBackend,
  publicKey: Uint8Array,
  domain: string,
  payload: Uint8Array,
  signature: Uint8Array,
): boolean {
  return crypto.ed25519Verify(publicKey, signedMessage(domain, payload), signature);
}
