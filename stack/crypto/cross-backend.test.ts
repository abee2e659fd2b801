/**
 * node:crypto and @noble must be interchangeable: for random inputs every operation gives the same
 * bytes, or both refuse with the same error class. A backend switch (VALHALLA_CRYPTO) must never
 * change what goes on the wire.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdf } from './hkdf.js';
import { nobleCrypto as noble } from './noble-backend.js';
import { nodeCrypto as node } from './node-backend.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);

/** The outcome of f as comparable data: its bytes, or the class of what it threw. */
function outcome(f: () => Uint8Array | boolean): unknown {
  try {
    return { ok: f() };
  } catch (err) {
    return { threw: (err as Error).name };
  }
}

// Property bodies are blocks, not expression arrows: vitest's expect() returns a falsy value, and
// fast-check treats a property that returns false as failed.

// Curve operations on noble take about a millisecond each; 150 runs keep this test near a second.
const CURVE_RUNS = 150;

describe('node and noble agree byte for byte', () => {
  it('sha256', () => {
    fc.assert(
      fc.property(bytes(0, 300), (d) => {
        expect(node.sha256(d)).toEqual(noble.sha256(d));
      }),
      {
        numRuns: 500,
      },
    );
  });

  it('hmacSha256 (keys shorter and longer than the 64-byte block)', () => {
    fc.assert(
      fc.property(bytes(0, 100), bytes(0, 300), (k, d) => {
        expect(node.hmacSha256(k, d)).toEqual(noble.hmacSha256(k, d));
      }),
      { numRuns: 500 },
    );
  });

  it('hkdf with 2 and 3 outputs', () => {
    fc.assert(
      fc.property(key32, bytes(0, 64), fc.constantFrom(2 as const, 3 as const), (ck, ikm, n) => {
        expect(hkdf(node, ck, ikm, n)).toEqual(hkdf(noble, ck, ikm, n));
      }),
      { numRuns: 300 },
    );
  });

  it('ed25519 public key, signature, and verification of good and tampered signatures', () => {
    fc.assert(
      fc.property(key32, bytes(0, 200), fc.nat(63), (seed, msg, flip) => {
        const a = node.ed25519(seed);
        const b = noble.ed25519(seed);
        expect(a.publicKey).toEqual(b.publicKey);
        const sig = a.sign(msg);
        expect(sig).toEqual(b.sign(msg));
        expect(node.ed25519Verify(a.publicKey, msg, sig)).toBe(true);
        expect(noble.ed25519Verify(a.publicKey, msg, sig)).toBe(true);
        const bad = Uint8Array.from(sig);
        bad[flip] ^= 1;
        expect(node.ed25519Verify(a.publicKey, msg, bad)).toBe(noble.ed25519Verify(a.publicKey, msg, bad));
      }),
      { numRuns: CURVE_RUNS },
    );
  });

  it('ed25519 verification of arbitrary bytes (mostly undecodable points)', () => {
    fc.assert(
      fc.property(key32, bytes(0, 40), bytes(64, 64), (pk, msg, sig) => {
        expect(node.ed25519Verify(pk, msg, sig)).toBe(noble.ed25519Verify(pk, msg, sig));
      }),
      { numRuns: CURVE_RUNS },
    );
  });

  it('x25519 public key and shared secret with arbitrary peer u-coordinates', () => {
    fc.assert(
      fc.property(key32, key32, (priv, peer) => {
        const a = node.x25519(priv);
        const b = noble.x25519(priv);
        expect(a.publicKey).toEqual(b.publicKey);
        expect(outcome(() => a.dh(peer))).toEqual(outcome(() => b.dh(peer)));
      }),
      { numRuns: CURVE_RUNS },
    );
  });

  it('x25519 shared secrets match across backends and parties', () => {
    fc.assert(
      fc.property(key32, key32, (x, y) => {
        const s = node.x25519(x).dh(noble.x25519(y).publicKey);
        expect(noble.x25519(y).dh(node.x25519(x).publicKey)).toEqual(s);
      }),
      { numRuns: 50 },
    );
  });

  it('aead seal, open, and open of tampered input', () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), bytes(0, 300), bytes(0, 40), fc.nat(), (k, n, pt, ad, at) => {
        const a = node.aead(k);
        const b = noble.aead(k);
        const sealed = a.seal(n, pt, ad);
        expect(sealed).toEqual(b.seal(n, pt, ad));
        expect(a.open(n, sealed, ad)).toEqual(pt);
        expect(b.open(n, sealed, ad)).toEqual(pt);
        const bad = Uint8Array.from(sealed);
        bad[at % bad.length] ^= 1;
        expect(outcome(() => a.open(n, bad, ad))).toEqual({ threw: 'AeadError' });
        expect(outcome(() => b.open(n, bad, ad))).toEqual({ threw: 'AeadError' });
      }),
      { numRuns: 300 },
    );
  });

  it('aead refuses nonces of every wrong size the same way', () => {
    fc.assert(
      fc.property(
        key32,
        bytes(0, 40).filter((n) => n.length !== 12),
        bytes(16, 40),
        (k, n, ct) => {
          const empty = new Uint8Array(0);
          expect(outcome(() => node.aead(k).seal(n, ct, empty))).toEqual({ threw: 'CryptoInputError' });
          expect(outcome(() => noble.aead(k).seal(n, ct, empty))).toEqual({ threw: 'CryptoInputError' });
          expect(outcome(() => node.aead(k).open(n, ct, empty))).toEqual({ threw: 'AeadError' });
          expect(outcome(() => noble.aead(k).open(n, ct, empty))).toEqual({ threw: 'AeadError' });
        },
      ),
      { numRuns: 100 },
    );
  });
});
