import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadError, CryptoInputError } from './errors.js';
import { cipherAead, nodeCrypto } from './node-backend.js';
import { openSslAead } from './openssl-aead.js';

const openssl = openSslAead();

describe('ChaCha20-Poly1305 on Node OpenSSL called directly (openssl-aead.ts)', () => {
  it('is available on Linux x64 (koffi and the exported EVP symbols) and is what nodeCrypto uses', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    expect(openssl).toBeDefined();
    // Same key, nonce, input: nodeCrypto.aead must be the direct path (no sealParts) when it exists.
    expect(nodeCrypto.aead(new Uint8Array(32)).sealParts).toBeUndefined();
  });

  it.runIf(openssl !== undefined)(
    'matches node:crypto Cipher objects for views at any offset of larger buffers, and refuses tampering',
    () => {
      const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
      fc.assert(
        fc.property(
          bytes(32, 32),
          bytes(12, 12),
          fc.oneof(bytes(0, 300), bytes(65000, 65519)),
          bytes(0, 40),
          fc.nat(7),
          fc.nat(),
          (key, nonce, plaintext, ad, pad, flip) => {
            const fast = openssl!(key);
            const ref = cipherAead(key);
            // Inputs and output as views into bigger arrays: FFI must honour byteOffset everywhere.
            const inside = (b: Uint8Array) => {
              const big = new Uint8Array(b.length + 2 * pad + 1).fill(0xcc);
              big.set(b, pad);
              return big.subarray(pad, pad + b.length);
            };
            const want = ref.seal(nonce, plaintext, ad);
            const out = new Uint8Array(plaintext.length + 16 + 2 * pad).fill(0xee);
            const view = fast.sealInto!(inside(nonce), inside(plaintext), inside(ad), out, pad);
            expect(view).toEqual(want);
            expect(out.subarray(0, pad).every((b) => b === 0xee)).toBe(true);
            expect(out.subarray(pad + want.length).every((b) => b === 0xee)).toBe(true);
            const opened = fast.open(inside(nonce), inside(want), inside(ad));
            expect(opened).toEqual(plaintext);
            expect(Buffer.isBuffer(opened)).toBe(false);
            const bad = Uint8Array.from(want);
            bad[flip % bad.length] ^= 1 << (flip % 8);
            expect(() => fast.open(nonce, bad, ad)).toThrow(AeadError);
            // One context serves every key: a failed open leaves nothing behind for the next call.
            expect(fast.open(nonce, want, ad)).toEqual(plaintext);
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});

describe.runIf(openssl !== undefined)('openInto on the direct OpenSSL path', () => {
  const key = new Uint8Array(32).fill(5);
  const nonce = new Uint8Array(12).fill(6);
  const plaintext = Uint8Array.from({ length: 5000 }, (_, i) => i * 13);
  const sealed = cipherAead(key).seal(nonce, plaintext, new Uint8Array(0));

  it('writes the plaintext at the offset and touches nothing else', () => {
    const out = new Uint8Array(3 + plaintext.length + 4).fill(0xee);
    const view = openssl!(key).openInto!(nonce, sealed, new Uint8Array(0), out, 3);
    expect(view).toEqual(plaintext);
    expect(view.buffer).toBe(out.buffer);
    expect([...out.subarray(0, 3), ...out.subarray(3 + plaintext.length)]).toEqual(Array(7).fill(0xee));
  });

  it('leaves zeros, not unauthenticated plaintext, when the tag does not verify', () => {
    const bad = Uint8Array.from(sealed);
    bad[bad.length - 1] ^= 1;
    const out = new Uint8Array(plaintext.length).fill(0xee);
    expect(() => openssl!(key).openInto!(nonce, bad, new Uint8Array(0), out, 0)).toThrow(AeadError);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('refuses an output without room before looking at the tag', () => {
    const out = new Uint8Array(plaintext.length - 1);
    expect(() => openssl!(key).openInto!(nonce, sealed, new Uint8Array(0), out, 0)).toThrow(CryptoInputError);
  });
});
