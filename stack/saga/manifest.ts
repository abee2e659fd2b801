/**
 * Chunking and manifests (spec section 3). Content no larger than one chunk is one raw block and
 * its CID is the raw CID of the bytes. Larger content is cut into fixed-size chunks (the last
 * may be shorter), each a raw block, listed in order by a manifest: a DAG-CBOR block whose CID
 * names the content. Because every chunk has its own CID, a transfer can take chunks from
 * several providers at once and resume from the chunks it already verified.
 */
import type { CID } from 'multiformats/cid';
import type { CryptoBackend } from '../crypto/types.js';
import { decodeCanonical, encodeCbor, isRecord } from './cbor.js';
import { cidOf, parseCid } from './cid.js';
import {
  CODEC_DAG_CBOR,
  CODEC_RAW,
  DEFAULT_CHUNK_SIZE,
  FORMAT_VERSION,
  MANIFEST_TYPE,
  MAX_CHUNK_SIZE,
  MAX_MANIFEST_CHUNKS,
  MIN_CHUNK_SIZE,
} from './constants.js';
import { CidError, ManifestError } from './errors.js';

export interface Block {
  cid: CID;
  bytes: Uint8Array;
}

export interface ChunkRef {
  cid: CID;
  sizeBytes: number;
}

export interface Manifest {
  sizeBytes: number;
  chunkSizeBytes: number;
  chunks: ChunkRef[];
}

export interface Chunked {
  /** The content's CID: the raw block's, or the manifest's. */
  root: CID;
  sizeBytes: number;
  /** Present when the content needed more than one chunk. */
  manifest?: Manifest;
  /** Every block to store: the manifest (if any) first, then the chunks in order. */
  blocks: Block[];
}

export function checkChunkSize(chunkSizeBytes: number): number {
  if (
    !Number.isInteger(chunkSizeBytes) ||
    chunkSizeBytes < MIN_CHUNK_SIZE ||
    chunkSizeBytes > MAX_CHUNK_SIZE
  ) {
    throw new ManifestError(
      `chunk size: expected an integer in ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE} bytes, got ${chunkSizeBytes}`,
    );
  }
  return chunkSizeBytes;
}

/** Cut content into blocks and build its manifest. Chunks are views of content (not copies). */
export function chunkContent(
  crypto: CryptoBackend,
  content: Uint8Array,
  chunkSizeBytes = DEFAULT_CHUNK_SIZE,
): Chunked {
  checkChunkSize(chunkSizeBytes);
  if (content.length <= chunkSizeBytes) {
    const cid = cidOf(crypto, content, CODEC_RAW);
    return { root: cid, sizeBytes: content.length, blocks: [{ cid, bytes: content }] };
  }
  const count = Math.ceil(content.length / chunkSizeBytes);
  if (count > MAX_MANIFEST_CHUNKS) {
    throw new ManifestError(
      `${content.length} bytes need ${count} chunks of ${chunkSizeBytes}; a manifest lists at most ${MAX_MANIFEST_CHUNKS} (use larger chunks)`,
    );
  }
  const chunks: Block[] = [];
  for (let off = 0; off < content.length; off += chunkSizeBytes) {
    const bytes = content.subarray(off, Math.min(content.length, off + chunkSizeBytes));
    chunks.push({ cid: cidOf(crypto, bytes, CODEC_RAW), bytes });
  }
  const manifest: Manifest = {
    sizeBytes: content.length,
    chunkSizeBytes,
    chunks: chunks.map((c) => ({ cid: c.cid, sizeBytes: c.bytes.length })),
  };
  const encoded = encodeManifest(manifest);
  const root = cidOf(crypto, encoded, CODEC_DAG_CBOR);
  return { root, sizeBytes: content.length, manifest, blocks: [{ cid: root, bytes: encoded }, ...chunks] };
}

export function encodeManifest(m: Manifest): Uint8Array {
  return encodeCbor({
    type: MANIFEST_TYPE,
    v: FORMAT_VERSION,
    size: m.sizeBytes,
    chunkSize: m.chunkSizeBytes,
    chunks: m.chunks.map((c) => ({ cid: c.cid, size: c.sizeBytes })),
  });
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Decode and check a manifest block (its CID must already be verified). Throws ManifestError. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  const fail = (reason: string) => new ManifestError(`manifest: ${reason}`);
  const raw = decodeCanonical(bytes, fail);
  if (!isRecord(raw)) throw fail('expected a map');
  const extra = Object.keys(raw).filter((k) => !['type', 'v', 'size', 'chunkSize', 'chunks'].includes(k));
  if (extra.length > 0) throw fail(`unknown field "${extra[0]}"`);
  if (raw.type !== MANIFEST_TYPE)
    throw fail(`type: expected "${MANIFEST_TYPE}", got ${JSON.stringify(raw.type)}`);
  if (raw.v !== FORMAT_VERSION) throw fail(`v: expected ${FORMAT_VERSION}, got ${String(raw.v)}`);
  if (!isCount(raw.size) || raw.size < 1) throw fail('size: expected a positive integer');
  if (!isCount(raw.chunkSize)) throw fail('chunkSize: expected an integer');
  try {
    checkChunkSize(raw.chunkSize);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const chunkSizeBytes = raw.chunkSize;
  const list = raw.chunks;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_MANIFEST_CHUNKS) {
    throw fail(`chunks: expected a list of 1..${MAX_MANIFEST_CHUNKS} entries`);
  }
  if (list.length !== Math.ceil(raw.size / chunkSizeBytes)) {
    throw fail(`chunks: ${list.length} chunks of ${chunkSizeBytes} bytes cannot hold ${raw.size} bytes`);
  }
  let total = 0;
  const chunks = list.map((c, i): ChunkRef => {
    if (!isRecord(c) || Object.keys(c).length !== 2) throw fail(`chunks[${i}]: expected {cid, size}`);
    let cid: CID;
    try {
      cid = parseCid(c.cid as CID);
    } catch (err) {
      throw fail(`chunks[${i}].cid: ${err instanceof CidError ? err.message : 'expected a CID link'}`);
    }
    if (cid.code !== CODEC_RAW) throw fail(`chunks[${i}].cid: expected a raw (0x55) CID`);
    const last = i === list.length - 1;
    const want = last ? (raw.size as number) - chunkSizeBytes * (list.length - 1) : chunkSizeBytes;
    if (c.size !== want) throw fail(`chunks[${i}].size: expected ${want}, got ${String(c.size)}`);
    total += want;
    return { cid, sizeBytes: want };
  });
  if (total !== raw.size) throw fail(`chunk sizes add up to ${total}, not ${raw.size}`);
  return { sizeBytes: raw.size, chunkSizeBytes, chunks };
}
