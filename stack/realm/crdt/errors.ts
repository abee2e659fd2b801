/** Errors of the CRDT layer. Tests check the class, not the message text. */

/** A state or delta from a peer (or a file) that is not a well-formed CRDT state. */
export class CrdtDecodeError extends Error {
  override name = 'CrdtDecodeError';
}

/** An operation the type does not allow (a negative increment, a bad replica id, a type mismatch). */
export class CrdtArgumentError extends Error {
  override name = 'CrdtArgumentError';
}
