/**
 * Signature domains. Every signed DHT record is signed over `domain || 0x00 || fields`, with a
 * distinct ASCII domain per record kind, so a signature made for one kind (or for Veil's handshake
 * payload, which has its own domain) can never be replayed as another.
 */
import type { CryptoBackend, SigningKey } from '../../crypto/types.js';
import { utf8 } from '../rpc/bytes.js';

const prefixes = new Map<string, Uint8Array>();

function domainPrefix(domain: string): Uint8Array {
  let p = prefixes.get(domain);
  if (!p) {
    const d = utf8(domain);
    p = new Uint8Array(d.length + 1);
    p.set(d);
    prefixes.set(domain, p);
  }
  return p;
}

/** domain || 0x00 || fields: the exact bytes signed and verified. */
export function signedMessage(domain: string, fields: Uint8Array): Uint8Array {
  const p = domainPrefix(domain);
  const m = new Uint8Array(p.length + fields.length);
  m.set(p);
  m.set(fields, p.length);
  return m;
}

export function signFields(key: SigningKey, domain: string, fields: Uint8Array): Uint8Array {
  return key.sign(signedMessage(domain, fields));
}

export function verifyFields(
  crypto: CryptoBackend,
  publicKey: Uint8Array,
  domain: string,
  fields: Uint8Array,
  signature: Uint8Array,
): boolean {
  return crypto.ed25519Verify(publicKey, signedMessage(domain, fields), signature);
}
