/**
 * Veil defaults and protocol constants. Normative values are in conformance/spec/veil.md; the
 * init defaults can be changed per Veil instance without breaking interoperability.
 */

/** Bound into every handshake hash, so a Veil handshake can never be replayed into another protocol. */
export const VEIL_PROLOGUE = 'valhalla-veil/1';

/** How long a handshake may take from its start (dial done / connection accepted) to the session. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Transport messages sent per key before the sender rekeys (Noise §11.3). Each side announces its
 * own interval in its handshake payload and the receiver follows the sender's, so the two
 * directions may differ. 2^20 messages is about 64 GiB of 64 KiB frames: a rekey costs one 32-byte
 * encryption, so this is about limiting how much traffic one key protects, not about cost.
 */
export const DEFAULT_REKEY_AFTER_MESSAGES = 1 << 20;

/**
 * The rekey interval assumed for a peer whose payload has no rekey extension. Version 1 senders
 * always include it; this keeps a payload without it well defined.
 */
export const PROTOCOL_DEFAULT_REKEY_AFTER_MESSAGES = 1 << 20;

/** Inbound (responder) handshakes allowed in flight at once; more are refused on arrival. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 1024;

/** X25519 private key size: the Noise static and ephemeral keys drawn from the Runtime's rng. */
export const DH_PRIVATE_KEY_LEN = 32; // bytes

/**
 * Receive window per stream that Veil asks its mux for (the mux's own default and minimum is the
 * spec's 256 KiB). A window must cover the bandwidth-delay product: at 675 MB/s, 256 KiB is drained
 * in under 0.4 ms, less than a credit round trip between two busy processes, so a single bulk
 * stream stalled on credit; 1 MiB keeps it moving. It bounds what an unread stream can buffer.
 */
export const DEFAULT_STREAM_WINDOW_BYTES = 1024 * 1024;
