/** Sizes shared by both backends and their callers (Noise, identity). */

export const KEY_LEN = 32; // bytes: Ed25519 seed and public key, X25519 keys, ChaCha20 key
export const SIGNATURE_LEN = 64; // bytes: Ed25519 signature R || S
export const NONCE_LEN = 12; // bytes: RFC 8439 AEAD nonce
export const TAG_LEN = 16; // bytes: Poly1305 tag appended by seal()
export const HASH_LEN = 32; // bytes: SHA-256 digest, HMAC-SHA256 output, each Noise HKDF output
