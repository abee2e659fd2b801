/**
 * Wycheproof X25519 (xdh_comp_schema_v1) on both backends. Expected outcome per test:
 * valid: the listed shared secret; acceptable: the listed shared secret, except exactly the
 * all-zero-secret cases (low-order public keys), which must throw LowOrderPointError; invalid:
 * must throw. Counts are pinned to what /work/shared/vectors/SOURCES.md observed (264 / 223 / 31).
 */
import { describe, expect, it } from 'vitest';
import wycheproof from '../../conformance/vectors/x25519_test.json' with { type: 'json' };
import { CryptoInputError, LowOrderPointError } from './errors.js';
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ZERO_SECRET = '00'.repeat(32);

const tests = wycheproof.testGroups.flatMap((g) => g.tests);

describe.each([nodeCrypto, nobleCrypto])('Wycheproof x25519 on $name', (backend) => {
  it('covers the whole file with the expected outcome counts', () => {
    expect(tests.length).toBe(wycheproof.numberOfTests);
    expect(tests.filter((t) => t.result === 'valid').length).toBe(264);
    expect(tests.filter((t) => t.result === 'acceptable' && t.shared !== ZERO_SECRET).length).toBe(223);
    expect(tests.filter((t) => t.result === 'acceptable' && t.shared === ZERO_SECRET).length).toBe(31);
    expect(tests.filter((t) => t.result === 'invalid').length).toBe(0);
    expect(tests.filter((t) => t.result === 'valid' && t.shared === ZERO_SECRET).length).toBe(0);
  });

  it.each(tests)('tcId $tcId ($result) $comment', (t) => {
    const key = backend.x25519(hex(t.private));
    if (t.result === 'invalid') {
      expect(() => key.dh(hex(t.public))).toThrow();
    } else if (t.shared === ZERO_SECRET) {
      expect(() => key.dh(hex(t.public))).toThrow(LowOrderPointError);
    } else {
      expect(toHex(key.dh(hex(t.public)))).toBe(t.shared);
    }
  });

  it('refuses a low-order point (u = 0, u = 1, and the order-8 point) with LowOrderPointError', () => {
    const key = backend.x25519(new Uint8Array(32).fill(0x42));
    const orderEight = hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800');
    const one = new Uint8Array(32);
    one[0] = 1;
    for (const point of [new Uint8Array(32), one, orderEight]) {
      expect(() => key.dh(point)).toThrow(LowOrderPointError);
    }
  });

  it('derives the RFC 7748 §6.1 public keys and shared secret', () => {
    const alice = backend.x25519(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const bob = backend.x25519(hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(toHex(alice.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(bob.publicKey)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(alice.dh(bob.publicKey))).toBe(shared);
    expect(toHex(bob.dh(alice.publicKey))).toBe(shared);
  });

  it('refuses wrong key sizes with CryptoInputError and noble-style messages', () => {
    expect(() => backend.x25519(new Uint8Array(31))).toThrow(CryptoInputError);
    expect(() => backend.x25519(new Uint8Array(31))).toThrow(
      '"x25519 private key" expected Uint8Array of length 32, got length=31',
    );
    const key = backend.x25519(new Uint8Array(32).fill(1));
    expect(() => key.dh(new Uint8Array(33))).toThrow(CryptoInputError);
    expect(() => key.dh(new Uint8Array(33))).toThrow(
      '"x25519 public key" expected Uint8Array of length 32, got length=33',
    );
  });
});
