/** Envelopes: sign and open; every kind of tampering is refused with its named error. */
import * as dagCbor from '@ipld/dag-cbor';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { identityFromSeed } from '../identity/identity.js';
import { cidOf } from './cid.js';
import { createEnvelope, openEnvelope } from './envelope.js';
import { EnvelopeCidError, EnvelopeEncodingError, EnvelopeSignatureError } from './errors.js';
import { chunkContent } from './manifest.js';

const crypto = defaultCrypto();
const alice = identityFromSeed(new Uint8Array(32).fill(1));
const mallory = identityFromSeed(new Uint8Array(32).fill(2));
const content = new TextEncoder().encode('the minutes of the Thing, 1000 AD');
const cid = cidOf(crypto, content);
const TS = 1_764_000_000_000;

function reencode(bytes: Uint8Array, change: (m: Record<string, unknown>) => void): Uint8Array {
  const m = dagCbor.decode(bytes) as Record<string, unknown>;
  change(m);
  return dagCbor.encode(m);
}

describe('signed envelopes', () => {
  const env = createEnvelope(crypto, alice.signingKey, {
    content: cid,
    timestampMs: TS,
    metadata: { name: 'minutes.txt', size: content.length, draft: false },
  });

  it('open returns what was signed; the author is the signer NodeID', () => {
    const o = openEnvelope(crypto, env.bytes, { cid: env.cid, content });
    expect(o.content.equals(cid)).toBe(true);
    expect(o.timestampMs).toBe(TS);
    expect(o.authorId).toBe(alice.nodeId.toString());
    expect(o.metadata).toEqual({ name: 'minutes.txt', size: content.length, draft: false });
    expect(o.cid.toString().startsWith('bafyrei')).toBe(true);
  });

  it('an envelope without metadata verifies too; chunked content is checked through its manifest', () => {
    const big = new Uint8Array(3000).fill(9);
    const root = chunkContent(crypto, big, 1024).root;
    const e = createEnvelope(crypto, alice.signingKey, { content: root, timestampMs: 0 });
    expect(openEnvelope(crypto, e.bytes, { content: big, chunkSizeBytes: 1024 }).metadata).toBeUndefined();
    expect(() => openEnvelope(crypto, e.bytes, { content: big.subarray(1), chunkSizeBytes: 1024 })).toThrow(
      EnvelopeCidError,
    );
  });

  it('a flipped bit anywhere is refused (encoding or signature)', () => {
    for (let i = 0; i < env.bytes.length; i++) {
      const bad = env.bytes.slice();
      bad[i] ^= 0x01;
      let caught: unknown;
      try {
        openEnvelope(crypto, bad);
      } catch (err) {
        caught = err;
      }
      expect(
        caught instanceof EnvelopeEncodingError || caught instanceof EnvelopeSignatureError,
        `byte ${i}: ${String(caught)}`,
      ).toBe(true);
    }
  });

  it('changed fields, re-encoded canonically, break the signature', () => {
    type Change = (m: Record<string, unknown>) => void;
    const meta = (m: Record<string, unknown>) => m.meta as Record<string, unknown>;
    const cases: [string, Change][] = [
      ['timestamp', (m) => Object.assign(m, { ts: TS + 1 })],
      ['content', (m) => Object.assign(m, { content: cidOf(crypto, new Uint8Array([1])) })],
      ['metadata', (m) => Object.assign(meta(m), { name: 'forged.txt' })],
      ['metadata removed', (m) => Reflect.deleteProperty(m, 'meta')],
      ['author swapped', (m) => Object.assign(m, { author: mallory.publicKey })],
    ];
    for (const [what, change] of cases) {
      expect(() => openEnvelope(crypto, reencode(env.bytes, change)), what).toThrow(EnvelopeSignatureError);
    }
  });

  it('malformed envelopes are refused with EnvelopeEncodingError', () => {
    const set = (fields: Record<string, unknown>) => reencode(env.bytes, (m) => Object.assign(m, fields));
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['not cbor', new Uint8Array([0xff, 0x00])],
      ['trailing byte', Uint8Array.from([...env.bytes, 0])],
      ['a list', dagCbor.encode([1, 2])],
      ['unknown field', set({ extra: 1 })],
      ['wrong type', set({ type: 'other' })],
      ['wrong version', set({ v: 2 })],
      ['short author', set({ author: new Uint8Array(31) })],
      ['short signature', set({ sig: new Uint8Array(63) })],
      ['negative ts', set({ ts: -1 })],
      ['content not a link', set({ content: 'bafy...' })],
      ['metadata with a float', set({ meta: { x: 1.5 } })],
    ];
    for (const [what, bytes] of cases)
      expect(() => openEnvelope(crypto, bytes), what).toThrow(EnvelopeEncodingError);
  });

  it('a non-canonical spelling (map keys out of order) is refused even with a valid signature', () => {
    // Hand-encode the same map with its keys in reverse order: still decodable CBOR.
    const m = dagCbor.decode(env.bytes) as Record<string, unknown>;
    const keys = Object.keys(m).reverse();
    const parts: number[] = [0xa0 + keys.length];
    for (const k of keys) {
      parts.push(...dagCbor.encode(k));
      parts.push(...dagCbor.encode(m[k]));
    }
    expect(() => openEnvelope(crypto, Uint8Array.from(parts))).toThrow(EnvelopeEncodingError);
  });

  it('the wrong envelope CID or the wrong content is refused with EnvelopeCidError', () => {
    expect(() => openEnvelope(crypto, env.bytes, { cid })).toThrow(EnvelopeCidError);
    expect(() => openEnvelope(crypto, env.bytes, { content: new Uint8Array([1]) })).toThrow(EnvelopeCidError);
  });

  it('createEnvelope refuses bad fields', () => {
    expect(() => createEnvelope(crypto, alice.signingKey, { content: cid, timestampMs: 1.5 })).toThrow(
      EnvelopeEncodingError,
    );
    expect(() =>
      createEnvelope(crypto, alice.signingKey, {
        content: cid,
        timestampMs: 1,
        metadata: { big: 'x'.repeat(5000) },
      }),
    ).toThrow(EnvelopeEncodingError);
  });
});
