/**
 * Our CIDs are what the CID spec says they are: checked against CIDs built by hand from
 * node:crypto's SHA-256 (multibase "b" + RFC 4648 base32 of version, codec, multihash code,
 * digest length and digest), and parsed back with multiformats' CID.parse.
 */
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { cidOf, contentKey, parseCid, verifyBlock } from './cid.js';
import { CODEC_DAG_CBOR, CODEC_RAW } from './constants.js';
import { BlockVerifyError, CidError } from './errors.js';
import { chunkContent } from './manifest.js';

const crypto = defaultCrypto();

/** RFC 4648 base32, lower case, no padding: what multibase "b" is. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** CIDv1 by hand: <version 0x01><codec varint><0x12 sha2-256><0x20 length><digest>. */
function handCid(codec: number, bytes: Uint8Array): string {
  const digest = createHash('sha256').update(bytes).digest();
  expect(codec).toBeLessThan(0x80); // one-byte varints for raw (0x55) and dag-cbor (0x71)
  return `b${base32(Uint8Array.from([0x01, codec, 0x12, 0x20, ...digest]))}`;
}

describe('CIDs', () => {
  it('a raw CID matches one built independently from sha256 of the bytes', () => {
    const bytes = new TextEncoder().encode('Valhalla: data that verifies itself wherever it came from\n');
    const ours = cidOf(crypto, bytes, CODEC_RAW);
    const hand = handCid(0x55, bytes);
    expect(ours.toString()).toBe(hand);
    expect(hand.startsWith('bafkrei')).toBe(true); // how every raw sha2-256 CIDv1 begins
    const parsed = CID.parse(hand);
    expect(parsed.version).toBe(1);
    expect(parsed.code).toBe(0x55);
    expect(parsed.multihash.code).toBe(0x12);
    expect(Buffer.from(parsed.multihash.digest).equals(createHash('sha256').update(bytes).digest())).toBe(
      true,
    );
    expect(parsed.equals(ours)).toBe(true);
    expect(contentKey(ours)).toEqual(new Uint8Array(createHash('sha256').update(bytes).digest()));
  });

  it('a known vector: the raw CID of "hello world"', () => {
    // ipfs add --raw-leaves --cid-version 1 of "hello world" (no newline) gives this CID.
    const cid = cidOf(crypto, new TextEncoder().encode('hello world'));
    expect(cid.toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  });

  it('a manifest CID is the dag-cbor CID of the manifest bytes', () => {
    const content = new Uint8Array(5000).map((_, i) => (i * 7) & 255);
    const chunked = chunkContent(crypto, content, 1024);
    expect(chunked.blocks).toHaveLength(6); // manifest + 5 chunks
    const manifestBytes = chunked.blocks[0]!.bytes;
    expect(chunked.root.toString()).toBe(handCid(CODEC_DAG_CBOR, manifestBytes));
    expect(chunked.root.toString().startsWith('bafyrei')).toBe(true);
    for (const b of chunked.blocks.slice(1)) expect(b.cid.toString()).toBe(handCid(0x55, b.bytes));
  });

  it('parseCid refuses what Saga does not handle, with CidError', () => {
    expect(() => parseCid('')).toThrow(CidError);
    expect(() => parseCid('not a cid')).toThrow(CidError);
    expect(() => parseCid(new Uint8Array([1, 2, 3]))).toThrow(CidError);
    // CIDv0 (a bare sha2-256 multihash, dag-pb): valid for multiformats, not for us.
    expect(() => parseCid('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')).toThrow(CidError);
    // An identity-hash CID.
    expect(() =>
      parseCid(
        CID.createV1(0x55, {
          code: 0,
          digest: new Uint8Array(3),
          size: 3,
          bytes: Uint8Array.from([0, 3, 0, 0, 0]),
        } as never),
      ),
    ).toThrow(CidError);
    const ok = cidOf(crypto, new Uint8Array([1]));
    expect(parseCid(ok.toString()).equals(ok)).toBe(true);
    expect(parseCid(ok.bytes).equals(ok)).toBe(true);
  });

  it('verifyBlock refuses bytes that do not hash to the CID', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const cid = cidOf(crypto, bytes);
    verifyBlock(crypto, cid, bytes);
    const bad = bytes.slice();
    bad[2] ^= 1;
    expect(() => verifyBlock(crypto, cid, bad)).toThrow(BlockVerifyError);
  });
});
