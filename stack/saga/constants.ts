/** Saga's wire and format constants (conformance/spec/saga.md names each one). */

export const SAGA_PROTOCOL = '/valhalla/saga/1'; // protocol id on Veil streams (OPEN frame body)

// Multiformats codes (https://github.com/multiformats/multicodec/blob/master/table.csv).
export const CODEC_RAW = 0x55; // raw bytes: a chunk, or a whole object no larger than one chunk
export const CODEC_DAG_CBOR = 0x71; // DAG-CBOR: manifests and envelopes
export const HASH_SHA2_256 = 0x12; // the only multihash we produce or accept
export const SHA2_256_SIZE = 32; // bytes of a SHA-256 digest

export const DEFAULT_CHUNK_SIZE = 256 * 1024; // bytes per chunk (the IPFS default)
export const MIN_CHUNK_SIZE = 1024; // bytes: smaller chunks would make manifests larger than content
export const MAX_CHUNK_SIZE = 1024 * 1024; // bytes: also the largest block the protocol carries
export const MAX_MANIFEST_CHUNKS = 65_536; // chunks in one manifest (64 GiB at 1 MiB chunks)
export const MAX_BLOCK_SIZE = 4 * 1024 * 1024; // bytes: any block (a manifest of 65,536 chunks is ~2.6 MiB)

export const MANIFEST_TYPE = 'valhalla/saga/manifest'; // the "type" field of a manifest
export const ENVELOPE_TYPE = 'valhalla/saga/envelope'; // the "type" field of an envelope
export const FORMAT_VERSION = 1; // the "v" field of manifests and envelopes
export const DOMAIN_ENVELOPE = 'valhalla/saga/v1/envelope'; // signature domain separation prefix
export const MAX_METADATA_BYTES = 4096; // encoded size of an envelope's metadata map
export const ED25519_PUBLIC_KEY_SIZE = 32; // bytes
export const ED25519_SIGNATURE_SIZE = 64; // bytes

// Wire (spec section 4).
export const FRAME_HEADER_SIZE = 4; // u32 big-endian length of the frame body that follows
export const MAX_WANT = 16; // CIDs in one WANT frame
export const MAX_CID_SIZE = 128; // bytes of one binary CID on the wire
export const MAX_FRAME_SIZE = MAX_BLOCK_SIZE + 256; // a BLOCK frame: type, CID, block
export const MAX_ERROR_TEXT = 512; // bytes of an ERROR frame's reason

// Retrieval defaults (see fetch.ts).
export const DEFAULT_PARALLEL = 8; // chunk requests in flight for one fetch, over all providers
export const DEFAULT_PER_PROVIDER = 3; // chunk requests in flight to one provider
export const DEFAULT_STALL_TIMEOUT_MS = 10_000; // no byte of an answer for this long: the provider stalls
export const DEFAULT_OPEN_TIMEOUT_MS = 15_000; // reaching a provider (lookup, dial, handshake, open)
export const DEFAULT_MAX_PROVIDERS = 20; // provider records asked of the DHT per search
export const DEFAULT_PROVIDER_FAILURES = 2; // stalls or errors after which a provider is dropped
export const DEFAULT_PROVIDER_SEARCHES = 3; // provider searches per fetch before giving up
export const DEFAULT_STORE_BYTES = 256 * 1024 * 1024; // the in-memory store's default limit
