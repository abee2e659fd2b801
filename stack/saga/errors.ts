/**
 * Saga's named errors. Tests check the class, never the message text. Each says what was wrong
 * and, where a user can act, what to do.
 */

/** Base class of every error Saga throws or reports. */
export class SagaError extends Error {
  override name = 'SagaError';
}

/** A CID that does not parse, or one we do not handle (not v1, not SHA-256, unknown codec). */
export class CidError extends SagaError {
  override name = 'CidError';
}

/** A block whose SHA-256 is not the digest its CID names: corrupt or forged, never kept. */
export class BlockVerifyError extends SagaError {
  override name = 'BlockVerifyError';
}

/** Bytes that are not a valid manifest (bad CBOR, wrong fields, sizes that do not add up). */
export class ManifestError extends SagaError {
  override name = 'ManifestError';
}

/** Base class of envelope failures. */
export class EnvelopeError extends SagaError {
  override name = 'EnvelopeError';
}
/** Not canonical DAG-CBOR, or a field missing, of the wrong type or out of range. */
export class EnvelopeEncodingError extends EnvelopeError {
  override name = 'EnvelopeEncodingError';
}
/** The Ed25519 signature does not verify for the author key over the canonical encoding. */
export class EnvelopeSignatureError extends EnvelopeError {
  override name = 'EnvelopeSignatureError';
}
/** The content does not hash to the CID the envelope signs, or the envelope's own CID is wrong. */
export class EnvelopeCidError extends EnvelopeError {
  override name = 'EnvelopeCidError';
}

/** The content store would go over its size limit. Nothing was stored. */
export class StoreFullError extends SagaError {
  override name = 'StoreFullError';
}

/** A malformed or unexpected frame on a Saga stream (spec section 4). */
export class SagaProtocolError extends SagaError {
  override name = 'SagaProtocolError';
}

/** The provider answered with an ERROR frame (refused, bad request, overloaded). */
export class SagaRemoteError extends SagaError {
  override name = 'SagaRemoteError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A provider sent nothing for stallTimeoutMs. */
export class StallError extends SagaError {
  override name = 'StallError';
}

/** No provider of the content could be found in the DHT. */
export class NoProvidersError extends SagaError {
  override name = 'NoProvidersError';
}

/**
 * Every provider found failed, lied or stalled before the content was complete. Verified chunks
 * fetched so far stay in the store: a later fetch of the same CID resumes from them.
 */
export class ContentUnavailableError extends SagaError {
  override name = 'ContentUnavailableError';
}

/** A publish refused at the boundary: a capability token is required and none valid came with it. */
export class PublishRefusedError extends SagaError {
  override name = 'PublishRefusedError';
  /** Rune's refusal code ('expired', 'wrong-audience', ...), or 'missing' when no token came. */
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The Saga component is not started (or was stopped). */
export class SagaStateError extends SagaError {
  override name = 'SagaStateError';
}
