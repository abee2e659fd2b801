/**
 * Named errors of the DHT. Decoding errors (DhtDecodeError and subclasses) are what the codec
 * throws for any byte string it rejects: never a bare RangeError or TypeError. Conformance vectors
 * name these classes in their "error" field, and tests check the class, not the message text.
 */

/** Base class of every error the DHT throws or reports. */
export class DhtError extends Error {
  override name = 'DhtError';
}

// --- decoding (spec section 2-5) ---------------------------------------------------------------

/** Base class: bytes that are not a valid message or record. */
export class DhtDecodeError extends DhtError {
  override name = 'DhtDecodeError';
}
/** The input ends before a field it announces (or before the fixed header). */
export class TruncatedError extends DhtDecodeError {
  override name = 'TruncatedError';
}
/** Bytes left over after the last field of a message or record. */
export class TrailingBytesError extends DhtDecodeError {
  override name = 'TrailingBytesError';
}
/** A message or frame larger than MAX_MESSAGE_SIZE (or the receiver's lower limit). */
export class MessageTooLargeError extends DhtDecodeError {
  override name = 'MessageTooLargeError';
}
/** A version byte other than PROTOCOL_VERSION. */
export class UnsupportedVersionError extends DhtDecodeError {
  override name = 'UnsupportedVersionError';
}
/** A message type byte that the spec does not define. */
export class UnknownMessageTypeError extends DhtDecodeError {
  override name = 'UnknownMessageTypeError';
}
/** A field whose value is out of its range: a count, a length, an address, a u64 above 2^53-1. */
export class InvalidFieldError extends DhtDecodeError {
  override name = 'InvalidFieldError';
}

// --- records (spec section 4-5) ----------------------------------------------------------------

/** A record whose signature does not verify, or whose NodeID is not SHA-256 of its public key. */
export class InvalidRecordError extends DhtError {
  override name = 'InvalidRecordError';
}

// --- requests and lookups ---------------------------------------------------------------------

/** A request had no answer within requestHardTimeoutMs. */
export class RequestTimeoutError extends DhtError {
  override name = 'RequestTimeoutError';
}
/** The peer answered with an ERROR message (code in the message) or the wrong response type. */
export class RemoteError extends DhtError {
  override name = 'RemoteError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
/** The session carrying a request closed before the answer came. */
export class SessionClosedError extends DhtError {
  override name = 'SessionClosedError';
}
/** A local limit refused the operation (sessions, pending dials, requests per peer). */
export class LimitError extends DhtError {
  override name = 'LimitError';
}
/** We know no address for a peer, or none of them worked. */
export class UnreachableError extends DhtError {
  override name = 'UnreachableError';
}
/** A node we wanted a stream to: not found through the DHT, or none of its addresses answered. */
export class PeerUnreachableError extends UnreachableError {
  override name = 'PeerUnreachableError';
}
/** The peer does not handle the protocol we opened a stream for (or is at its stream limit). */
export class ProtocolRefusedError extends DhtError {
  override name = 'ProtocolRefusedError';
}
/** Opening a stream (lookup, dial and the peer taking the stream) took longer than its timeout. */
export class StreamOpenTimeoutError extends DhtError {
  override name = 'StreamOpenTimeoutError';
}
/** Use of a Dht that is not started (or already stopped). */
export class DhtStateError extends DhtError {
  override name = 'DhtStateError';
}
/** An argument out of range given by the caller (a key of the wrong size, a value too large). */
export class DhtArgumentError extends DhtError {
  override name = 'DhtArgumentError';
}
