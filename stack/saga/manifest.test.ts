/** Chunking and manifests: round trips, edges, and every malformed manifest refused. */
import * as dagCbor from '@ipld/dag-cbor';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { cidOf } from './cid.js';
import { CODEC_DAG_CBOR, CODEC_RAW, MAX_CHUNK_SIZE } from './constants.js';
import { ManifestError } from './errors.js';
import { chunkContent, decodeManifest, encodeManifest } from './manifest.js';

const crypto = defaultCrypto();
const bytes = (n: number) => new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);

describe('chunking', () => {
  it('content up to one chunk is a single raw block (also empty content)', () => {
    for (const n of [0, 1, 1024]) {
      const c = chunkContent(crypto, bytes(n), 1024);
      expect(c.root.code).toBe(CODEC_RAW);
      expect(c.blocks).toHaveLength(1);
      expect(c.manifest).toBeUndefined();
    }
  });

  it('larger content: fixed chunks, the last shorter, a manifest listing them', () => {
    const content = bytes(1024 * 3 + 5);
    const c = chunkContent(crypto, content, 1024);
    expect(c.root.code).toBe(CODEC_DAG_CBOR);
    expect(c.manifest!.chunks.map((x) => x.sizeBytes)).toEqual([1024, 1024, 1024, 5]);
    const m = decodeManifest(c.blocks[0]!.bytes);
    expect(m).toEqual(c.manifest);
    const joined = Buffer.concat(c.blocks.slice(1).map((b) => b.bytes));
    expect(joined.equals(content)).toBe(true);
    expect(cidOf(crypto, c.blocks[0]!.bytes, CODEC_DAG_CBOR).equals(c.root)).toBe(true);
  });

  it('chunk sizes outside the allowed range are refused', () => {
    expect(() => chunkContent(crypto, bytes(10), 100)).toThrow(ManifestError);
    expect(() => chunkContent(crypto, bytes(10), MAX_CHUNK_SIZE + 1)).toThrow(ManifestError);
  });
});

describe('decodeManifest refuses', () => {
  const good = chunkContent(crypto, bytes(2500), 1024).manifest!;
  // biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary fields of a decoded manifest
  type Raw = Record<string, any>;
  const raw = () => dagCbor.decode(encodeManifest(good)) as Raw;
  const cases: [string, (m: Raw) => unknown][] = [
    [
      'wrong type',
      (m) => {
        m.type = 'x';
        return m;
      },
    ],
    [
      'wrong version',
      (m) => {
        m.v = 2;
        return m;
      },
    ],
    [
      'unknown field',
      (m) => {
        m.extra = true;
        return m;
      },
    ],
    [
      'size mismatch',
      (m) => {
        m.size = 2501;
        return m;
      },
    ],
    [
      'zero size',
      (m) => {
        m.size = 0;
        return m;
      },
    ],
    [
      'chunk size too small',
      (m) => {
        m.chunkSize = 10;
        return m;
      },
    ],
    [
      'no chunks',
      (m) => {
        m.chunks = [];
        return m;
      },
    ],
    [
      'a short middle chunk',
      (m) => {
        m.chunks[0].size = 1000;
        return m;
      },
    ],
    [
      'a chunk that is not a link',
      (m) => {
        m.chunks[1].cid = 'bafk';
        return m;
      },
    ],
    [
      'a dag-cbor chunk',
      (m) => {
        m.chunks[1].cid = cidOf(crypto, bytes(3), CODEC_DAG_CBOR);
        return m;
      },
    ],
    [
      'a chunk with an extra field',
      (m) => {
        m.chunks[1].x = 1;
        return m;
      },
    ],
    ['not a map', () => [1, 2, 3]],
  ];
  for (const [what, change] of cases) {
    it(what, () => {
      expect(() => decodeManifest(dagCbor.encode(change(raw())))).toThrow(ManifestError);
    });
  }
  it('garbage and trailing bytes', () => {
    expect(() => decodeManifest(new Uint8Array([0xff]))).toThrow(ManifestError);
    expect(() => decodeManifest(Uint8Array.from([...encodeManifest(good), 0]))).toThrow(ManifestError);
  });
});
