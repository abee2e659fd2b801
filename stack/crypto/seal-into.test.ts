import { describe, expect, test } from 'vitest';
import { CryptoInputError } from './errors.js';
import { nobleCrypto, nodeCrypto } from './index.js';
import { cipherAead } from './node-backend.js';

/** node:crypto's Cipher-object path, which nodeCrypto.aead falls back to without openssl-aead.ts. */
const nodeCipherObjects = { name: 'node (Cipher objects)', aead: cipherAead };

describe('Aead.sealParts on node (Cipher objects)', () => {
  const aead = cipherAead(new Uint8Array(32).fill(9));
  const nonce = new Uint8Array(12).fill(1);
  const ad = Uint8Array.of(1, 2);

  test.each([0, 1, 100, 65519])('ciphertext || tag is seal() byte for byte (%i-byte plaintext)', (size) => {
    const plaintext = new Uint8Array(size).map((_, i) => i & 0xff);
    const { ciphertext, tag } = aead.sealParts!(nonce, plaintext, ad);
    expect(ciphertext.length).toBe(size);
    expect(tag.length).toBe(16);
    expect(Uint8Array.from([...ciphertext, ...tag])).toEqual(aead.seal(nonce, plaintext, ad));
    // Owned arrays: nothing of a shared pool shows through .buffer.
    expect(tag.buffer.byteLength).toBe(16);
  });
});

describe.each([nodeCrypto, nodeCipherObjects, nobleCrypto])('Aead.sealInto on $name', (crypto) => {
  const aead = crypto.aead(new Uint8Array(32).fill(9));
  const nonce = new Uint8Array(12).fill(1);
  const ad = Uint8Array.of(1, 2);

  test.each([0, 1, 100, 65519])('matches seal() byte for byte at an offset (%i-byte plaintext)', (size) => {
    const plaintext = new Uint8Array(size).map((_, i) => i & 0xff);
    const out = new Uint8Array(6 + size + 16 + 3).fill(0xee);
    const view = aead.sealInto!(nonce, plaintext, ad, out, 6);
    expect(view).toEqual(aead.seal(nonce, plaintext, ad));
    expect(view.buffer).toBe(out.buffer);
    expect(view.byteOffset).toBe(6);
    expect([...out.subarray(0, 6), ...out.subarray(6 + size + 16)]).toEqual(Array(9).fill(0xee)); // nothing else touched
    expect(aead.open(nonce, view, ad)).toEqual(plaintext);
  });

  test('refuses an output without room', () => {
    const plaintext = new Uint8Array(10);
    expect(() => aead.sealInto!(nonce, plaintext, ad, new Uint8Array(31), 6)).toThrow(CryptoInputError);
    expect(() => aead.sealInto!(nonce, plaintext, ad, new Uint8Array(40), -1)).toThrow(CryptoInputError);
  });
});
