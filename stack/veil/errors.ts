/**
 * Named errors of the Veil session layer. A session that ends because of one of them reports it
 * through onClose (and the dial/secure promise while the handshake runs). Tests check the class.
 * Noise-level failures keep their Noise classes (DecryptError, NonceExhaustedError, ...), which
 * are re-exported here so callers import Veil errors from one place.
 */

export {
  DecryptError,
  HandshakeStateError,
  NoiseError,
  NoiseMessageError,
  NonceExhaustedError,
} from './noise/errors.js';

/** Base class of the errors below. */
export class VeilError extends Error {
  override name = 'VeilError';
}

/** The handshake did not finish within handshakeTimeoutMs. */
export class HandshakeTimeoutError extends VeilError {
  override name = 'HandshakeTimeoutError';
}

/** The dialer asked for one NodeID and the peer authenticated as another. */
export class PeerIdMismatchError extends VeilError {
  override name = 'PeerIdMismatchError';
}

/** A handshake payload that is malformed, of an unknown version, or has an unknown critical extension. */
export class HandshakePayloadError extends VeilError {
  override name = 'HandshakePayloadError';
}

/** The identity signature in the peer's payload does not bind the Noise static key it used. */
export class PeerAuthenticationError extends VeilError {
  override name = 'PeerAuthenticationError';
}

/** A frame the protocol does not allow at this point (transport before the handshake, and so on). */
export class VeilProtocolError extends VeilError {
  override name = 'VeilProtocolError';
}

/** The connection ended (or the Veil stopped) before the handshake completed. */
export class HandshakeAbortedError extends VeilError {
  override name = 'HandshakeAbortedError';
}

/** An inbound connection was refused because maxPendingHandshakes were already running. */
export class TooManyHandshakesError extends VeilError {
  override name = 'TooManyHandshakesError';
}

/** Use of a Veil that is not started, or of a session that is closed. */
export class VeilStateError extends VeilError {
  override name = 'VeilStateError';
}
