/** Rune's fixed numbers and strings. The normative text is conformance/spec/rune.md. */

export const RUNE_VERSION = 1; // the "v" field of every signed payload

/** Signature domains: each object is signed over `domain || 0x00 || canonical payload bytes`. */
export const DOMAIN_LINK = 'valhalla/rune/v1/link';
export const DOMAIN_REVOCATION = 'valhalla/rune/v1/revocation';
export const DOMAIN_ATTESTATION = 'valhalla/rune/v1/attestation';

/** Text forms: a prefix, then base64url (no padding) of the canonical bytes. */
export const TOKEN_TEXT_PREFIX = 'rune-token-1:';
export const REVOCATION_TEXT_PREFIX = 'rune-revocation-1:';
export const ATTESTATION_TEXT_PREFIX = 'rune-attestation-1:';

export const PUBLIC_KEY_LEN = 32; // bytes: Ed25519 public key
export const SIGNATURE_LEN = 64; // bytes: Ed25519 signature
export const LINK_ID_LEN = 32; // bytes: SHA-256 of a link's canonical encoding
export const NONCE_MAX_LEN = 32; // bytes

export const CHAIN_MAX_LINKS = 16; // links in one token, root included
export const LIST_MAX_ITEMS = 32; // resources, abilities, caveats or claims per payload
export const PATTERN_MAX_LEN = 256; // characters of a resource or ability
export const KEY_MAX_LEN = 64; // characters of a caveat or claim key
export const VALUE_MAX_LEN = 256; // UTF-16 code units of a caveat or claim value
export const ENCODED_MAX_BYTES = 65_536; // bytes of any one encoded Rune object

/** The largest time value: 2^53 - 1 ms since the Unix epoch (JavaScript's safe integers). */
export const TIME_MAX_MS = Number.MAX_SAFE_INTEGER;
