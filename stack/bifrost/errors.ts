/**
 * Named errors of the Bifrost framing layer (spec §4). Tests check the class, not the message.
 * Each subclass knows which CLOSE reason (if any) a node may send in answer: the mapping lives
 * here so the rule "never answer a bad magic" (spec §3.1) cannot be forgotten by a caller.
 */

import { CloseReason } from './constants.js';

/** Base class: the byte stream is not a valid sequence of Bifrost frames. */
export class FrameError extends Error {
  override name = 'FrameError';
  /** The CLOSE reason to send in answer, or undefined when a node must close silently. */
  readonly closeReason: CloseReason | undefined = undefined;
}

/** Byte 0 or 1 of a frame is not the magic "VH". No CLOSE: answering would fingerprint us. */
export class BadMagicError extends FrameError {
  override name = 'BadMagicError';
}

export class UnsupportedVersionError extends FrameError {
  override name = 'UnsupportedVersionError';
  override readonly closeReason = CloseReason.UNSUPPORTED_VERSION;
}

export class UnknownFrameTypeError extends FrameError {
  override name = 'UnknownFrameTypeError';
  override readonly closeReason = CloseReason.UNKNOWN_FRAME_TYPE;
}

/** A length field over the receiver's limit, or an encoder asked for a payload over 65535 bytes. */
export class FrameTooLargeError extends FrameError {
  override name = 'FrameTooLargeError';
  override readonly closeReason = CloseReason.FRAME_TOO_LARGE;
}

/** A CLOSE frame whose payload is not exactly one reason byte. */
export class BadCloseFrameError extends FrameError {
  override name = 'BadCloseFrameError';
  override readonly closeReason = CloseReason.BAD_CLOSE_FRAME;
}

/** The stream ended inside a frame. No CLOSE: the peer has already stopped sending. */
export class TruncatedStreamError extends FrameError {
  override name = 'TruncatedStreamError';
}

/**
 * A misuse by the local caller, not a fault of the peer's bytes: push() after end(), or an output
 * buffer too small for encodeHeader(). Deliberately not a FrameError, so it is never answered
 * with a CLOSE or blamed on the peer.
 */
export class BifrostUsageError extends Error {
  override name = 'BifrostUsageError';
}

/**
 * The peer sent a CLOSE frame: it is closing because of something this side sent. Unauthenticated
 * (anyone on the path can forge one), so it is advice, never grounds for long-lived state (§3.1).
 */
export class RemoteCloseError extends Error {
  override name = 'RemoteCloseError';
  constructor(
    message: string,
    /** The reason code as sent; may be a reserved code a newer peer knows. */
    readonly reason: number,
  ) {
    super(message);
  }
}

/**
 * A CLOSE frame arrived after transport keys exist. An honest peer never sends one then, so this is
 * a protocol violation (spec §3.1, rule 4); no CLOSE is sent in answer.
 */
export class UnexpectedCloseError extends FrameError {
  override name = 'UnexpectedCloseError';
}
