/**
 * Wycheproof ChaCha20-Poly1305 (aead_test_schema_v1) on both backends. Valid tests seal to the
 * listed ciphertext and tag and open back; every invalid test is rejected: open throws AeadError
 * (bad tag, or an IV that is not 12 bytes) and seal refuses a wrong IV size with CryptoInputError.
 */
import { describe, expect, it } from 'vitest';
import wycheproof from '../../conformance/vectors/chacha20_poly1305_test.json' with { type: 'json' };
import { AeadError, CryptoInputError } from './errors.js';
import { nobleCrypto } from './noble-backend.js';
import { cipherAead, nodeCrypto } from './node-backend.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const tests = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, ivSize: g.ivSize })));

/** node:crypto's Cipher-object path: what nodeCrypto.aead falls back to without openssl-aead.ts. */
const nodeCipherObjects = { ...nodeCrypto, name: 'node (Cipher objects)', aead: cipherAead };

describe.each([nodeCrypto, nodeCipherObjects, nobleCrypto])(
  'Wycheproof chacha20-poly1305 on $name',
  (backend) => {
    it('covers the whole file: 256 valid, 69 invalid of which 9 have a wrong IV size', () => {
      expect(tests.length).toBe(wycheproof.numberOfTests);
      expect(tests.filter((t) => t.result === 'valid').length).toBe(256);
      expect(tests.filter((t) => t.result === 'invalid').length).toBe(69);
      expect(tests.filter((t) => t.ivSize !== 96).length).toBe(9);
      expect(tests.filter((t) => t.ivSize !== 96 && t.result !== 'invalid').length).toBe(0);
    });

    it.each(tests)('tcId $tcId ($result) $comment', (t) => {
      const aead = backend.aead(hex(t.key));
      const [iv, msg, aad] = [hex(t.iv), hex(t.msg), hex(t.aad)];
      const sealed = hex(t.ct + t.tag);
      if (t.result === 'valid') {
        expect(toHex(aead.seal(iv, msg, aad))).toBe(t.ct + t.tag);
        expect(toHex(aead.open(iv, sealed, aad))).toBe(t.msg);
        return;
      }
      expect(() => aead.open(iv, sealed, aad)).toThrow(AeadError);
      if (iv.length !== 12) expect(() => aead.seal(iv, msg, aad)).toThrow(CryptoInputError);
    });

    it('refuses short ciphertexts and wrong key sizes with named errors and exact messages', () => {
      const aead = backend.aead(new Uint8Array(32));
      expect(() => aead.open(new Uint8Array(12), new Uint8Array(15), new Uint8Array(0))).toThrow(AeadError);
      expect(() => aead.open(new Uint8Array(8), new Uint8Array(16), new Uint8Array(0))).toThrow(
        '"nonce" expected Uint8Array of length 12, got length=8',
      );
      expect(() => aead.seal(new Uint8Array(8), new Uint8Array(1), new Uint8Array(0))).toThrow(
        CryptoInputError,
      );
      expect(() => backend.aead(new Uint8Array(31))).toThrow(CryptoInputError);
      expect(() => backend.aead(new Uint8Array(31))).toThrow(
        '"chacha20-poly1305 key" expected Uint8Array of length 32, got length=31',
      );
    });

    it('rejects a tampered ciphertext, tag or AD', () => {
      const aead = backend.aead(new Uint8Array(32).fill(3));
      const nonce = new Uint8Array(12).fill(4);
      const ad = new Uint8Array([1, 2, 3]);
      const sealed = aead.seal(nonce, new Uint8Array(100).fill(5), ad);
      for (const index of [0, 99, 100, 115]) {
        const bad = Uint8Array.from(sealed);
        bad[index] ^= 0x80;
        expect(() => aead.open(nonce, bad, ad)).toThrow(AeadError);
      }
      expect(() => aead.open(nonce, sealed, new Uint8Array([1, 2]))).toThrow(AeadError);
      expect(aead.open(nonce, sealed, ad)).toEqual(new Uint8Array(100).fill(5));
    });
  },
);
