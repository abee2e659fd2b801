/**
 * stack/veil: authenticated, encrypted sessions between node identities. A Veil runs
 * Noise_XX_25519_ChaChaPoly_SHA256 over Bifrost frames, binds each side's Noise static key to its
 * Ed25519 identity, and carries a stream multiplexer inside the encrypted channel. Spec:
 * conformance/spec/veil.md and veil-mux.md; vectors: conformance/vectors/veil-handshake.json.
 *
 * Veil must never let plaintext reach the wire outside a Noise transport message, never accept a
 * session whose peer identity it did not verify, never send a clear CLOSE once keys exist, and,
 * like all of stack/, never take time, randomness or sockets from anywhere but its Runtime.
 */

export type { AuthenticatedPeer } from './auth.js';
export * from './constants.js';
export * from './errors.js';
export type { HandshakeOptions, Role } from './handshake.js';
export { Mux, type MuxInit, MuxStream } from './mux.js';
export { CipherState, MAX_MESSAGE_LEN, MAX_PLAINTEXT_LEN } from './noise/cipher-state.js';
export { HandshakeState, NOISE_XX_PROTOCOL_NAME } from './noise/handshake-state.js';
export { decodePayload, encodePayload, type HandshakePayload, staticKeyBindingMessage } from './payload.js';
export { VeilSession } from './session.js';
export { TransportCipher } from './transport.js';
export { Veil, type VeilComponents, type VeilDialOptions, type VeilInit } from './veil.js';
