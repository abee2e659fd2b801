/**
 * Content identifiers: CIDv1 with a SHA-256 multihash (spec section 2), built and parsed with the
 * `multiformats` package so that any IPFS/IPLD tool reads ours. Two codecs: raw (0x55) for bytes
 * and DAG-CBOR (0x71) for structured objects (manifests, envelopes).
 *
 * The DHT key under which providers of a CID are announced is the 32-byte SHA-256 digest inside
 * its multihash: the same bytes under another codec are the same content, and a chunk's key is
 * simply the SHA-256 of the chunk.
 */
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import type { CryptoBackend } from '../crypto/types.js';
import { bytesToHex } from '../identity/hex.js';
import { CODEC_DAG_CBOR, CODEC_RAW, HASH_SHA2_256, MAX_CID_SIZE, SHA2_256_SIZE } from './constants.js';
import { BlockVerifyError, CidError } from './errors.js';

export { CID };

export type Codec = typeof CODEC_RAW | typeof CODEC_DAG_CBOR;

/** The CIDv1 of bytes under a codec: sha2-256 multihash of exactly these bytes. */
export function cidOf(crypto: CryptoBackend, bytes: Uint8Array, codec: Codec = CODEC_RAW): CID {
  return CID.createV1(codec, Digest.create(HASH_SHA2_256, crypto.sha256(bytes)));
}

/** Check that a CID is one we handle: v1, sha2-256 with a 32-byte digest, raw or DAG-CBOR. */
export function checkCid(cid: CID): CID {
  if (cid.version !== 1) throw new CidError(`CID ${cid}: expected CIDv1, got v${cid.version}`);
  if (cid.code !== CODEC_RAW && cid.code !== CODEC_DAG_CBOR) {
    throw new CidError(
      `CID ${cid}: codec 0x${cid.code.toString(16)} is not one Saga stores (raw 0x55 or dag-cbor 0x71)`,
    );
  }
  if (cid.multihash.code !== HASH_SHA2_256 || cid.multihash.digest.length !== SHA2_256_SIZE) {
    throw new CidError(
      `CID ${cid}: expected a sha2-256 multihash (0x12, 32 bytes), got 0x${cid.multihash.code.toString(16)} with ${cid.multihash.digest.length} bytes`,
    );
  }
  return cid;
}

/** Parse a CID from its text (base32 "b..." or any base multiformats knows) or binary form. */
export function parseCid(input: string | Uint8Array | CID): CID {
  const link = typeof input === 'object' && !(input instanceof Uint8Array) ? CID.asCID(input) : null;
  if (link) return checkCid(link);
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new CidError('not a CID');
  let cid: CID;
  try {
    if (typeof input === 'string') {
      const text = input.trim();
      if (text === '') throw new Error('empty');
      cid = CID.parse(text);
    } else {
      if (input.length > MAX_CID_SIZE) throw new Error(`${input.length} bytes, at most ${MAX_CID_SIZE}`);
      cid = CID.decode(input);
    }
  } catch (err) {
    const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 80)) : `${input.length} bytes`;
    throw new CidError(`not a CID: ${shown} (${(err as Error).message})`);
  }
  return checkCid(cid);
}

/** The 32-byte DHT key of a CID (its SHA-256 digest). */
export function contentKey(cid: CID): Uint8Array {
  return cid.multihash.digest;
}

/** Hex of the digest: the content store's key. */
export function digestHex(cid: CID): string {
  return bytesToHex(cid.multihash.digest);
}

/** Throws BlockVerifyError unless SHA-256(bytes) is the digest the CID names. */
export function verifyBlock(crypto: CryptoBackend, cid: CID, bytes: Uint8Array): void {
  const got = crypto.sha256(bytes);
  const want = cid.multihash.digest;
  let diff = got.length ^ want.length;
  for (let i = 0; i < got.length && i < want.length; i++) diff |= got[i]! ^ want[i]!;
  if (diff !== 0) throw new BlockVerifyError(`block of ${bytes.length} bytes does not hash to ${cid}`);
}
