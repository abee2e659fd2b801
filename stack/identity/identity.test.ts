import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoInputError } from '../crypto/errors.js';
import { nobleCrypto } from '../crypto/noble-backend.js';
import { nodeCrypto } from '../crypto/node-backend.js';
import type { Rng } from '../runtime.js';
import { IdentityFileError } from './errors.js';
import { bytesToHex } from './hex.js';
import { generateIdentity, identityFromSeed, verifySignature } from './identity.js';
import { decodeIdentityFile, encodeIdentityFile } from './identity-file.js';

/** Just enough of an Rng for generateIdentity: a SHA-256 counter stream. */
function counterRng(label: string): Rng & { drawn: number } {
  let counter = 0;
  const rng = {
    drawn: 0,
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 32) {
        out.set(nodeCrypto.sha256(new TextEncoder().encode(`${label}/${counter++}`)).subarray(0, n - i), i);
      }
      rng.drawn += n;
      return out;
    },
    u32: () => 0,
    float: () => 0,
    int: () => 0,
    fork: (l: string) => counterRng(`${label}/${l}`),
  };
  return rng;
}

describe.each([nodeCrypto, nobleCrypto])('Identity on $name', (backend) => {
  it('generateIdentity draws its 32-byte seed from the rng, reproducibly', () => {
    const rng = counterRng('a');
    const id = generateIdentity(rng, backend);
    expect(rng.drawn).toBe(32);
    expect(id.seed).toEqual(counterRng('a').bytes(32));
    expect(generateIdentity(counterRng('a'), backend).nodeId.equals(id.nodeId)).toBe(true);
    expect(generateIdentity(counterRng('b'), backend).nodeId.equals(id.nodeId)).toBe(false);
  });

  it('signs verifiably, and keys match the other backend', () => {
    const seed = new Uint8Array(32).fill(9);
    const id = identityFromSeed(seed, backend);
    const msg = new TextEncoder().encode('hello');
    const sig = id.sign(msg);
    expect(verifySignature(id.publicKey, msg, sig, backend)).toBe(true);
    expect(verifySignature(id.publicKey, new TextEncoder().encode('hellO'), sig, backend)).toBe(false);
    const other = identityFromSeed(seed, backend === nodeCrypto ? nobleCrypto : nodeCrypto);
    expect(other.nodeId.equals(id.nodeId)).toBe(true);
    expect(other.sign(msg)).toEqual(sig);
  });

  it('keeps its own copy of the seed and never shows it when logged', () => {
    const seed = new Uint8Array(32).fill(0x5e);
    const id = identityFromSeed(seed, backend);
    seed.fill(0);
    expect(id.seed).toEqual(new Uint8Array(32).fill(0x5e));
    const shown = JSON.stringify(id) + inspect(id);
    expect(shown).not.toContain('5e5e5e');
    expect(JSON.parse(JSON.stringify(id))).toEqual({
      nodeId: id.nodeId.toString(),
      publicKey: bytesToHex(id.publicKey),
    });
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => identityFromSeed(new Uint8Array(31), backend)).toThrow(CryptoInputError);
    expect(() => identityFromSeed(new Uint8Array(31), backend)).toThrow(
      '"identity seed" expected Uint8Array of length 32, got length=31',
    );
  });
});

describe('identity file', () => {
  it('round-trips any seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const id = identityFromSeed(seed, nodeCrypto);
        const back = decodeIdentityFile(encodeIdentityFile(id), nodeCrypto);
        expect(back.seed).toEqual(seed);
        expect(back.nodeId.equals(id.nodeId)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('explains what is wrong, without quoting the seed', () => {
    const id = identityFromSeed(new Uint8Array(32).fill(0x5e), nodeCrypto);
    const fields = JSON.parse(encodeIdentityFile(id));
    const decode = (f: object) => () => decodeIdentityFile(JSON.stringify(f), nodeCrypto);
    expect(decode({ ...fields, publicKey: 'ab'.repeat(32) })).toThrow(
      'identity file: "publicKey" does not match the seed',
    );
    expect(decode({ ...fields, nodeId: 'ab'.repeat(32) })).toThrow(
      'identity file: "nodeId" does not match the public key',
    );
    expect(decode({ ...fields, version: 2 })).toThrow('identity file: unsupported version 2: expected 1');
    expect(decode({ ...fields, extra: true })).toThrow('identity file: unknown field "extra"');
    const { nodeId: _, ...withoutNodeId } = fields;
    expect(decode(withoutNodeId)).toThrow('identity file: missing field "nodeId"');
    expect(decode({ ...fields, seed: fields.seed.slice(2) })).toThrow(
      'identity file: "seed": expected 64 lowercase hex characters, got 62',
    );
    expect(() => decodeIdentityFile('{', nodeCrypto)).toThrow(IdentityFileError);
    expect(() => decodeIdentityFile(' '.repeat(5000), nodeCrypto)).toThrow(IdentityFileError);
    try {
      decodeIdentityFile(JSON.stringify({ ...fields, publicKey: 'ab'.repeat(32) }), nodeCrypto);
    } catch (err) {
      expect((err as Error).message).not.toContain('5e5e');
    }
  });
});
