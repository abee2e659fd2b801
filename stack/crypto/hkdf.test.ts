import { hkdf as rfc5869 } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { CryptoInputError } from './errors.js';
import { hkdf } from './hkdf.js';
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe.each([nodeCrypto, nobleCrypto])('Noise HKDF on $name', (backend) => {
  it('equals RFC 5869 HKDF with salt = chaining key and empty info, split in 32-byte outputs', () => {
    const ck = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    for (const ikm of [new Uint8Array(0), new Uint8Array(32).fill(0xab), new Uint8Array(77).fill(1)]) {
      for (const n of [2, 3] as const) {
        const expected = rfc5869(sha256, ikm, ck, new Uint8Array(0), 32 * n);
        const outs = hkdf(backend, ck, ikm, n);
        expect(outs.length).toBe(n);
        for (const [i, out] of outs.entries()) expect(out).toEqual(expected.subarray(32 * i, 32 * (i + 1)));
      }
    }
  });

  it('matches the Noise spec formula written out by hand', () => {
    const ck = new Uint8Array(32).fill(9);
    const ikm = new Uint8Array(32).fill(7);
    const temp = backend.hmacSha256(ck, ikm);
    const o1 = backend.hmacSha256(temp, Uint8Array.of(1));
    const o2 = backend.hmacSha256(temp, Uint8Array.of(...o1, 2));
    const o3 = backend.hmacSha256(temp, Uint8Array.of(...o2, 3));
    expect(hkdf(backend, ck, ikm, 3)).toEqual([o1, o2, o3]);
    expect(hkdf(backend, ck, ikm, 2)).toEqual([o1, o2]);
  });

  it('refuses a chaining key that is not 32 bytes and an output count other than 2 or 3', () => {
    expect(() => hkdf(backend, new Uint8Array(31), new Uint8Array(0), 2)).toThrow(CryptoInputError);
    expect(() => hkdf(backend, new Uint8Array(31), new Uint8Array(0), 2)).toThrow(
      '"chainingKey" expected Uint8Array of length 32, got length=31',
    );
    expect(() => hkdf(backend, new Uint8Array(32), new Uint8Array(0), 4 as 2)).toThrow(CryptoInputError);
  });
});
