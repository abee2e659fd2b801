/**
 * stack/crypto: the primitives of Noise_XX_25519_ChaChaPoly_SHA256 and Ed25519 identities, behind
 * one interface (types.ts) with two byte-identical backends: node:crypto (fast, the default on
 * Node) and @noble (portable fallback and reference).
 *
 * This layer is pure. It must never draw randomness (no randomBytes, getRandomValues,
 * generateKeyPair): every key comes from bytes the caller drew from the Runtime's rng, which keeps
 * simulations reproducible. It must never read the environment or files: the edge chooses the
 * backend with setDefaultCrypto().
 */

export * from './constants.js';
export * from './errors.js';
export * from './hkdf.js';
export { nobleCrypto } from './noble-backend.js';
export { nodeCrypto } from './node-backend.js';
export * from './select.js';
export type * from './types.js';
