/**
 * Signed envelopes (spec section 5): "author A vouches for content C at time T, with metadata M".
 * An envelope is a DAG-CBOR map { type, v, author, content, ts, meta?, sig }; sig is Ed25519 by
 * the author key over `DOMAIN_ENVELOPE || 0x00 || the canonical encoding of the map without sig`.
 * The timestamp is supplied by the caller (the stack has no clock of its own to trust) and is
 * only signed, never interpreted here.
 *
 * openEnvelope() refuses, with a named error, anything that is not canonical DAG-CBOR of exactly
 * this shape (EnvelopeEncodingError), a signature that does not verify (EnvelopeSignatureError),
 * and envelope or content bytes that do not hash to the CIDs they are claimed to have
 * (EnvelopeCidError).
 */
import { CID } from 'multiformats/cid';
import type { CryptoBackend, SigningKey } from '../crypto/types.js';
import { bytesToHex } from '../identity/hex.js';
import { signFields, verifyFields } from '../yggdrasil/records/signing.js';
import { decodeCanonical, encodeCbor, isRecord } from './cbor.js';
import { checkCid, cidOf } from './cid.js';
import {
  CODEC_DAG_CBOR,
  CODEC_RAW,
  DOMAIN_ENVELOPE,
  ED25519_PUBLIC_KEY_SIZE,
  ED25519_SIGNATURE_SIZE,
  ENVELOPE_TYPE,
  FORMAT_VERSION,
  MAX_METADATA_BYTES,
} from './constants.js';
import {
  BlockVerifyError,
  EnvelopeCidError,
  EnvelopeEncodingError,
  EnvelopeSignatureError,
} from './errors.js';
import { chunkContent } from './manifest.js';

export type MetadataValue = string | number | boolean | Uint8Array;
export type Metadata = Record<string, MetadataValue>;

export interface Envelope {
  /** The author's Ed25519 public key. */
  authorKey: Uint8Array;
  /** The author's NodeID (SHA-256 of the key), canonical text. */
  authorId: string;
  content: CID;
  timestampMs: number;
  metadata?: Metadata;
  signature: Uint8Array;
  /** The envelope's canonical encoding and its own CID (DAG-CBOR). */
  bytes: Uint8Array;
  cid: CID;
}

const FIELDS = ['type', 'v', 'author', 'content', 'ts', 'meta', 'sig'];

function checkMetadata(meta: unknown, fail: (r: string) => Error): Metadata {
  if (!isRecord(meta)) throw fail('meta: expected a map of string keys');
  for (const [k, v] of Object.entries(meta)) {
    const ok =
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      v instanceof Uint8Array ||
      (typeof v === 'number' && Number.isSafeInteger(v));
    if (!ok) throw fail(`meta.${k}: expected a string, integer, boolean or bytes`);
  }
  if (encodeCbor(meta).length > MAX_METADATA_BYTES)
    throw fail(`meta: larger than ${MAX_METADATA_BYTES} bytes`);
  return meta as Metadata;
}

function unsignedMap(
  authorKey: Uint8Array,
  content: CID,
  timestampMs: number,
  metadata: Metadata | undefined,
): Record<string, unknown> {
  const m: Record<string, unknown> = {
    type: ENVELOPE_TYPE,
    v: FORMAT_VERSION,
    author: authorKey,
    content,
    ts: timestampMs,
  };
  if (metadata !== undefined) m.meta = metadata;
  return m;
}

/** Sign an envelope for content (its CID) at a caller-supplied time. */
export function createEnvelope(
  crypto: CryptoBackend,
  key: SigningKey,
  fields: { content: CID; timestampMs: number; metadata?: Metadata },
): Envelope {
  const fail = (r: string) => new EnvelopeEncodingError(`envelope: ${r}`);
  checkCid(fields.content);
  if (!Number.isSafeInteger(fields.timestampMs) || fields.timestampMs < 0) {
    throw fail('ts: expected a non-negative integer of milliseconds');
  }
  const meta = fields.metadata === undefined ? undefined : checkMetadata(fields.metadata, fail);
  const unsigned = unsignedMap(key.publicKey, fields.content, fields.timestampMs, meta);
  const sig = signFields(key, DOMAIN_ENVELOPE, encodeCbor(unsigned));
  const bytes = encodeCbor({ ...unsigned, sig });
  return openEnvelope(crypto, bytes);
}

/**
 * Decode and verify an envelope. With opts.cid, the envelope bytes must hash to it; with
 * opts.content, the content bytes must hash to the CID the envelope signs.
 */
export function openEnvelope(
  crypto: CryptoBackend,
  bytes: Uint8Array,
  opts: { cid?: CID; content?: Uint8Array; chunkSizeBytes?: number } = {},
): Envelope {
  const fail = (r: string) => new EnvelopeEncodingError(`envelope: ${r}`);
  const raw = decodeCanonical(bytes, fail);
  if (!isRecord(raw)) throw fail('expected a map');
  const extra = Object.keys(raw).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) throw fail(`unknown field "${extra}"`);
  if (raw.type !== ENVELOPE_TYPE) throw fail(`type: expected "${ENVELOPE_TYPE}"`);
  if (raw.v !== FORMAT_VERSION) throw fail(`v: expected ${FORMAT_VERSION}, got ${String(raw.v)}`);
  const { author, sig, ts } = raw;
  if (!(author instanceof Uint8Array) || author.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw fail(`author: expected ${ED25519_PUBLIC_KEY_SIZE} bytes of Ed25519 public key`);
  }
  if (!(sig instanceof Uint8Array) || sig.length !== ED25519_SIGNATURE_SIZE) {
    throw fail(`sig: expected ${ED25519_SIGNATURE_SIZE} bytes of Ed25519 signature`);
  }
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw fail('ts: expected a non-negative integer of milliseconds');
  }
  const content = CID.asCID(raw.content);
  if (!content) throw fail('content: expected a CID link');
  try {
    checkCid(content);
  } catch (err) {
    throw fail(`content: ${(err as Error).message}`);
  }
  const metadata = raw.meta === undefined ? undefined : checkMetadata(raw.meta, fail);
  const signed = encodeCbor(unsignedMap(author, content, ts, metadata));
  if (!verifyFields(crypto, author, DOMAIN_ENVELOPE, signed, sig)) {
    throw new EnvelopeSignatureError('envelope: the signature does not verify for the author key');
  }
  const cid = cidOf(crypto, bytes, CODEC_DAG_CBOR);
  if (opts.cid !== undefined && !opts.cid.equals(cid)) {
    throw new EnvelopeCidError(`envelope: its bytes hash to ${cid}, not to ${opts.cid}`);
  }
  if (opts.content !== undefined) {
    try {
      verifyContent(crypto, content, opts.content, opts.chunkSizeBytes);
    } catch (err) {
      if (err instanceof BlockVerifyError) {
        throw new EnvelopeCidError(`envelope: the content does not hash to ${content}`);
      }
      throw err;
    }
  }
  return {
    authorKey: author,
    authorId: bytesToHex(crypto.sha256(author)),
    content,
    timestampMs: ts,
    ...(metadata === undefined ? {} : { metadata }),
    signature: sig,
    bytes,
    cid,
  };
}

/**
 * The content must have the CID: a raw CID is the hash of the bytes; a manifest CID is what
 * chunking the bytes gives (with the chunk size the publisher used, default DEFAULT_CHUNK_SIZE).
 */
function verifyContent(crypto: CryptoBackend, cid: CID, content: Uint8Array, chunkSizeBytes?: number): void {
  const root =
    cid.code === CODEC_RAW
      ? cidOf(crypto, content, CODEC_RAW)
      : chunkContent(crypto, content, chunkSizeBytes).root;
  if (!cid.equals(root)) throw new BlockVerifyError(`content does not hash to ${cid}`);
}
