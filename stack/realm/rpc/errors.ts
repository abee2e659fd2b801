/**
 * Typed RPC errors. Every failed call rejects with a subclass of RpcError whose `code` says why;
 * the same codes travel on the wire (constants.ts RpcStatus), so a caller can tell "no such
 * method" from "refused" from "timed out" from "overloaded" whichever side decided it.
 */
import { RpcStatus, type RpcStatusCode } from './constants.js';

export type RpcErrorCode =
  | 'not-found'
  | 'refused'
  | 'timed-out'
  | 'overloaded'
  | 'internal'
  | 'bad-request'
  | 'cancelled'
  | 'unreachable';

export abstract class RpcError extends Error {
  abstract readonly code: RpcErrorCode;
}

/** The peer has no such method. */
export class RpcNotFoundError extends RpcError {
  override name = 'RpcNotFoundError';
  readonly code = 'not-found';
}

/**
 * The method requires a capability token and the call had none, or Rune refused it. `refusal` is
 * 'missing-token' or Rune's refusal code ('expired', 'untrusted-issuer', 'not-granted', ...).
 */
export class RpcRefusedError extends RpcError {
  override name = 'RpcRefusedError';
  readonly code = 'refused';
  constructor(
    message: string,
    readonly refusal: string,
  ) {
    super(message);
  }
}

/** The deadline passed (at the caller, or at the peer before the handler finished). */
export class RpcTimeoutError extends RpcError {
  override name = 'RpcTimeoutError';
  readonly code = 'timed-out';
}

/** The peer has too many calls in flight from us (or in total); retry later. */
export class RpcOverloadedError extends RpcError {
  override name = 'RpcOverloadedError';
  readonly code = 'overloaded';
}

/** The handler failed; the message is what it threw. */
export class RpcInternalError extends RpcError {
  override name = 'RpcInternalError';
  readonly code = 'internal';
}

/** The request was malformed (bad frame, parameters that are not JSON, a method name too long). */
export class RpcBadRequestError extends RpcError {
  override name = 'RpcBadRequestError';
  readonly code = 'bad-request';
}

/** The caller cancelled the call. */
export class RpcCancelledError extends RpcError {
  override name = 'RpcCancelledError';
  readonly code = 'cancelled';
}

/** No stream to the peer: not found, not reachable, refused the protocol, or the stream broke. */
export class RpcUnreachableError extends RpcError {
  override name = 'RpcUnreachableError';
  readonly code = 'unreachable';
}

/** The error a RESPONSE status stands for (the message comes from the peer). */
export function errorForStatus(status: RpcStatusCode, message: string, refusal = ''): RpcError {
  switch (status) {
    case RpcStatus.NOT_FOUND:
      return new RpcNotFoundError(message);
    case RpcStatus.REFUSED:
      return new RpcRefusedError(message, refusal || 'refused');
    case RpcStatus.TIMED_OUT:
      return new RpcTimeoutError(message);
    case RpcStatus.OVERLOADED:
      return new RpcOverloadedError(message);
    case RpcStatus.BAD_REQUEST:
      return new RpcBadRequestError(message);
    case RpcStatus.CANCELLED:
      return new RpcCancelledError(message);
    default:
      return new RpcInternalError(message);
  }
}

export function statusForError(err: RpcError): RpcStatusCode {
  switch (err.code) {
    case 'not-found':
      return RpcStatus.NOT_FOUND;
    case 'refused':
      return RpcStatus.REFUSED;
    case 'timed-out':
      return RpcStatus.TIMED_OUT;
    case 'overloaded':
      return RpcStatus.OVERLOADED;
    case 'bad-request':
      return RpcStatus.BAD_REQUEST;
    case 'cancelled':
      return RpcStatus.CANCELLED;
    default:
      return RpcStatus.INTERNAL;
  }
}
