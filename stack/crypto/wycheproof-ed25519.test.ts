/**
 * Wycheproof Ed25519 (eddsa_verify_schema_v1) on both backends: every valid signature verifies and
 * every invalid one is rejected. tcId 151 is the case noble's default ZIP-215 rules would accept;
 * the backends use strict RFC 8032 rules, so it must be rejected like the rest.
 */
import { describe, expect, it } from 'vitest';
import wycheproof from '../../conformance/vectors/ed25519_test.json' with { type: 'json' };
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

const tests = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));

describe.each([nodeCrypto, nobleCrypto])('Wycheproof ed25519 on $name', (backend) => {
  it('covers the whole file: 88 valid, 63 invalid, nothing else', () => {
    expect(tests.length).toBe(wycheproof.numberOfTests);
    expect(tests.filter((t) => t.result === 'valid').length).toBe(88);
    expect(tests.filter((t) => t.result === 'invalid').length).toBe(63);
    expect(tests.find((t) => t.tcId === 151)?.result).toBe('invalid');
  });

  it.each(tests)('tcId $tcId ($result) $comment', (t) => {
    expect(backend.ed25519Verify(hex(t.pk), hex(t.msg), hex(t.sig))).toBe(t.result === 'valid');
  });

  it('returns false (does not throw) for wrong key or signature sizes', () => {
    const msg = new Uint8Array(1);
    expect(backend.ed25519Verify(new Uint8Array(31), msg, new Uint8Array(64))).toBe(false);
    expect(backend.ed25519Verify(new Uint8Array(32), msg, new Uint8Array(63))).toBe(false);
    expect(backend.ed25519Verify(new Uint8Array(32), msg, new Uint8Array(65))).toBe(false);
  });
});
