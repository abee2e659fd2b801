/** Errors shared by Realm's protocols. Tests check the class, not the message text. */

/** A malformed frame or message from a peer: the stream it came on is closed, the node carries on. */
export class RealmFrameError extends Error {
  override name = 'RealmFrameError';
}

/** A frame whose announced length exceeds the receiver's limit. */
export class RealmFrameTooLargeError extends RealmFrameError {
  override name = 'RealmFrameTooLargeError';
}

/** An argument the caller can fix (topic too long, payload too large, bad method name). */
export class RealmArgumentError extends Error {
  override name = 'RealmArgumentError';
}

/** The component is not started, or already stopped. */
export class RealmStateError extends Error {
  override name = 'RealmStateError';
}
