/**
 * Wire sizes and default options of the DHT. Wire sizes are fixed by conformance/spec/yggdrasil.md
 * and change only with the protocol version; defaults are what `new Dht(components, init)` uses
 * when init leaves an option out (every option is overridable, see DhtInit in dht.ts).
 */

// ---------------------------------------------------------------------------------------------
// Wire format (spec section 2)
// ---------------------------------------------------------------------------------------------

export const PROTOCOL_VERSION = 1; // byte 0 of every message
export const FRAME_HEADER_SIZE = 2; // bytes: u16 big-endian length before every message on a stream
export const MAX_MESSAGE_SIZE = 65_535; // bytes: the largest message a u16 frame length can carry
export const MESSAGE_HEADER_SIZE = 6; // bytes: version (1) + type (1) + request id (4)
export const NODE_ID_SIZE = 32; // bytes: SHA-256 of the Ed25519 public key
export const KEY_SIZE = 32; // bytes: DHT keys (value keys, provider content keys) live in the NodeID space
export const PUBLIC_KEY_SIZE = 32; // bytes: Ed25519 public key
export const SIGNATURE_SIZE = 64; // bytes: Ed25519 signature
export const U64_SIZE = 8; // bytes: sequence numbers and wall-clock expiry times
export const MAX_SAFE_U64 = Number.MAX_SAFE_INTEGER; // u64 fields above 2^53-1 are rejected (JS numbers)
export const MAX_ADDRS = 8; // addresses in one peer or provider record
export const MAX_ADDR_SIZE = 64; // bytes: one "host:port" string, printable ASCII
export const MAX_NAME_SIZE = 64; // bytes: the name of a signed value
export const MAX_VALUE_SIZE = 8_192; // bytes: the payload of a signed value
export const MAX_CONTACTS = 64; // peer records in one NODES/VALUE/PROVIDERS response (k <= 64)
export const MAX_PROVIDERS = 32; // provider records in one PROVIDERS response
/** Smallest peer record: ids, key, seq, one 1-byte address, signature. */
export const MIN_PEER_RECORD_SIZE = NODE_ID_SIZE + PUBLIC_KEY_SIZE + U64_SIZE + 1 + 1 + 1 + SIGNATURE_SIZE;

/** Signature domains (spec section 4): ASCII, followed by one 0x00 byte, then the signed fields. */
export const DOMAIN_PEER_RECORD = 'valhalla/yggdrasil/v1/peer-record';
export const DOMAIN_VALUE_RECORD = 'valhalla/yggdrasil/v1/value-record';
export const DOMAIN_PROVIDER_RECORD = 'valhalla/yggdrasil/v1/provider-record';
/** Value keys: SHA-256(DOMAIN_VALUE_KEY || 0x00 || author NodeID || name). */
export const DOMAIN_VALUE_KEY = 'valhalla/yggdrasil/v1/value-key';

// ---------------------------------------------------------------------------------------------
// Kademlia parameters
// ---------------------------------------------------------------------------------------------

export const DEFAULT_K = 20; // bucket size and the number of closest peers a lookup returns
export const DEFAULT_ALPHA = 3; // requests a lookup keeps in flight
/** The termination rule's width: a lookup ends when the beta closest live peers it knows answered. */
export const DEFAULT_BETA = 3;
export const DEFAULT_REPLACEMENT_CACHE_SIZE = 8; // per bucket: candidates waiting for a slot
/** A slow peer's lookup slot is freed after this long; its late answer is still used. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 1_000;
/** A request with no answer after this long fails (the peer is marked failed in the table). */
export const DEFAULT_REQUEST_HARD_TIMEOUT_MS = 5_000;
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
/** A whole lookup never runs longer than this; it ends with what it has. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 30_000;
/** Candidates a lookup remembers, closest first (older farther ones are forgotten). */
export const DEFAULT_LOOKUP_CANDIDATES = 64;
/** Buckets not touched by a lookup for this long are refreshed. */
export const DEFAULT_REFRESH_INTERVAL_MS = 15 * 60_000;
/** A full bucket pings its least-recently-seen entry only if that entry was silent this long. */
export const DEFAULT_PING_STALE_AFTER_MS = 5 * 60_000;
/** Consecutive failed requests after which an entry leaves the table even without a replacement. */
export const DEFAULT_MAX_FAILURES = 2;
/** At most this many bucket entries share one /24 (IPv4) or /48 (IPv6) prefix; 0 disables. */
export const DEFAULT_MAX_PER_PREFIX_PER_BUCKET = 2;

// ---------------------------------------------------------------------------------------------
// Sessions and protection (spec section 6)
// ---------------------------------------------------------------------------------------------

export const DEFAULT_MAX_SESSIONS = 128; // open Veil sessions, inbound and outbound together
export const DEFAULT_MAX_SESSIONS_PER_PEER = 2; // a simultaneous dial in both directions makes two
export const DEFAULT_MAX_PENDING_DIALS = 32; // outbound handshakes in progress
export const DEFAULT_MAX_STREAMS_PER_SESSION = 4; // inbound DHT streams a peer may open to us
/** Inbound application-protocol streams a peer may have open to us on one session. */
export const DEFAULT_MAX_APP_STREAMS_PER_SESSION = 256;
/** How long node.openStream may take (lookup, dial, the peer taking the stream) by default. */
export const DEFAULT_OPEN_STREAM_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTBOUND_PER_PEER = 16; // our requests waiting for one peer's answers
/** Inbound requests per peer: a token bucket of this size, refilled at this rate per second. */
export const DEFAULT_RATE_BURST = 64;
export const DEFAULT_RATE_PER_SECOND = 32;
/** Sessions with nothing in flight and no traffic for this long are closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/**
 * A session must be quiet this long before a new one may evict it (past maxSessions). 0 by
 * default: measured on 2,000 simulated nodes joining 500/s through one bootstrap node, 1 s made the
 * bootstrap refuse 60% of the joiners (every session had been active within the second), 250 ms
 * still isolated some, while evicting the least recently active session at once cost nothing but
 * an occasional retried request.
 */
export const DEFAULT_MIN_IDLE_BEFORE_EVICT_MS = 0;
/** Malformed messages a session may send before we close it. */
export const DEFAULT_MAX_MALFORMED_PER_SESSION = 8;

// ---------------------------------------------------------------------------------------------
// Records (spec section 5)
// ---------------------------------------------------------------------------------------------

export const DEFAULT_MAX_RECORDS = 8_192; // values and provider records held for others, in total
export const DEFAULT_MAX_RECORDS_PER_PEER = 64; // held for one author or provider NodeID
export const DEFAULT_MAX_STORE_BYTES = 16 * 1024 * 1024; // value bytes held for others, in total
/** Records live at most this long past the time they are stored, whatever their expiry says. */
export const DEFAULT_MAX_RECORD_TTL_MS = 24 * 3_600_000;
export const DEFAULT_RECORD_TTL_MS = 12 * 3_600_000; // expiry given to records we publish
/** Our own values and provider records are re-published this often (before they expire). */
export const DEFAULT_REPUBLISH_INTERVAL_MS = 3_600_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000; // expired records are dropped this often
/** A GET ends early once this many peers returned a valid record for the key. */
export const DEFAULT_GET_QUORUM = 3;
