/**
 * Named errors of the Noise layer. Callers (the Veil session, the vector runner) branch on the
 * class, never on message text.
 */

/** Base class of every error the Noise state machines throw. */
export class NoiseError extends Error {
  override name = 'NoiseError';
}

/**
 * A ciphertext did not authenticate under the expected key and nonce: forged, corrupted,
 * replayed or reordered. The nonce is not advanced, as Noise §5.1 requires.
 */
export class DecryptError extends NoiseError {
  override name = 'DecryptError';
}

/** The 64-bit nonce reached 2^64-1, which Noise §5.1 reserves: the CipherState is spent. */
export class NonceExhaustedError extends NoiseError {
  override name = 'NonceExhaustedError';
}

/** A HandshakeState method called out of turn: wrong role, wrong step, or after completion. */
export class HandshakeStateError extends NoiseError {
  override name = 'HandshakeStateError';
}

/** A message over the 65535-byte Noise limit, or a handshake message too short to parse. */
export class NoiseMessageError extends NoiseError {
  override name = 'NoiseMessageError';
}
