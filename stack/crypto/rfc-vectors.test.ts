import { describe, expect, it } from 'vitest';
import edVectors from '../../conformance/vectors/rfc8032-ed25519.json' with { type: 'json' };
import aeadVectors from '../../conformance/vectors/rfc8439-chacha20poly1305-aead.json' with { type: 'json' };
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.each([nodeCrypto, nobleCrypto])('RFC vectors on $name', (backend) => {
  it('has the vectors it expects', () => {
    expect(aeadVectors.tests.length).toBe(2);
    expect(edVectors.tests.length).toBe(5);
  });

  describe('RFC 8439 ChaCha20-Poly1305', () => {
    it.each(aeadVectors.tests)('$name seals and opens', (v) => {
      const aead = backend.aead(hex(v.key));
      const sealed = aead.seal(hex(v.nonce), hex(v.plaintext), hex(v.aad));
      expect(toHex(sealed)).toBe(v.ciphertext + v.tag);
      expect(toHex(aead.open(hex(v.nonce), sealed, hex(v.aad)))).toBe(v.plaintext);
    });
  });

  describe('RFC 8032 Ed25519', () => {
    it.each(edVectors.tests)('$name: public key, signature, verify', (v) => {
      const key = backend.ed25519(hex(v.secretKey));
      expect(toHex(key.publicKey)).toBe(v.publicKey);
      const sig = key.sign(hex(v.message));
      expect(toHex(sig)).toBe(v.signature);
      expect(backend.ed25519Verify(key.publicKey, hex(v.message), sig)).toBe(true);
      // Any flipped bit in the signature must fail.
      sig[7] ^= 1;
      expect(backend.ed25519Verify(key.publicKey, hex(v.message), sig)).toBe(false);
    });
  });
});
