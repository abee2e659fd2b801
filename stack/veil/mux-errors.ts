/**
 * Named errors of the Veil multiplexer. MuxError and its subclasses are protocol violations by the
 * peer (conformance/spec/veil-mux.md §6): fatal to the whole session. The others are what a stream
 * reports in onClose, as NetErrors like any Connection. Tests check the class, not the message.
 */

import { ConnectionResetError } from '../runtime.js';
import { resetCodeName } from './mux-constants.js';

/** Base class: the peer broke the mux protocol; the session must close. */
export class MuxError extends Error {
  override name = 'MuxError';
}

/** A message or frame that is malformed on its own (size, truncation, type, length). */
export class MuxMessageError extends MuxError {
  override name = 'MuxMessageError';
}

/** An OPEN whose protocol id holds a byte outside printable ASCII ('!'..'~'). */
export class MuxProtocolIdError extends MuxError {
  override name = 'MuxProtocolIdError';
}

/** A stream id the peer could not legitimately use: 0, wrong parity, reused, or never opened. */
export class MuxStreamIdError extends MuxError {
  override name = 'MuxStreamIdError';
}

/** A frame not allowed in the stream's state: DATA or FIN after the peer's FIN. */
export class MuxStreamStateError extends MuxError {
  override name = 'MuxStreamStateError';
}

/** DATA beyond the window, a window above 2^32-1, or a zero increment. */
export class MuxFlowControlError extends MuxError {
  override name = 'MuxFlowControlError';
}

/** A stream was reset with RST: by the peer (remote) or by this side. */
export class StreamResetError extends ConnectionResetError {
  override name = 'StreamResetError';
  constructor(
    readonly code: number,
    readonly remote: boolean,
  ) {
    super(`stream reset by ${remote ? 'peer' : 'us'}: ${resetCodeName(code)}`);
  }
}

/** The whole mux closed (session gone, or a violation) while the stream was open; cause says why. */
export class MuxClosedError extends ConnectionResetError {
  override name = 'MuxClosedError';
  /**
   * Without a stack trace: every session that closes with a stream open makes one (a DHT node
   * closes thousands), capturing the stack was ~1.5% of a 10,000-node simulation's CPU, and it
   * would only show the close path; `cause` says why the mux closed.
   */
  constructor(message: string, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = limit;
  }
}

/** An invalid MuxInit value, or an operation the mux cannot do (no stream ids left). */
export class MuxUsageError extends Error {
  override name = 'MuxUsageError';
}
