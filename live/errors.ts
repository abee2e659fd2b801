import {
  AddressInUseError,
  ConnectionRefusedError,
  ConnectionResetError,
  DialTimeoutError,
  NetError,
} from '../stack/runtime.js';

/**
 * Turns a Node socket/server error into the NetError class the Runtime contract names, so the
 * stack never sees errno strings. The original error stays reachable as `cause` for logs.
 */
export function mapNetError(err: unknown): NetError {
  if (err instanceof NetError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const options = { cause: err };
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(message, options);
    // The peer or the path went away abruptly: a reset, a write into a closed socket, an abort, or
    // the kernel giving up on retransmissions (ETIMEDOUT on an established connection).
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return new ConnectionResetError(message, options);
    case 'EADDRINUSE':
    case 'EADDRNOTAVAIL':
      return new AddressInUseError(message, options);
    default:
      return new NetError(code ? `${code}: ${message}` : message, options);
  }
}

/** The dial deadline passed; kept separate so the message names the address and the limit. */
export function dialTimeout(addr: string, timeoutMs: number): DialTimeoutError {
  return new DialTimeoutError(`dial ${addr}: no answer within ${timeoutMs} ms`);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
