/**
 * Named errors of a node's application streams. The ones that come from the layers below are
 * re-exported here, so an application imports every error it may see from stack/node.
 */

export {
  LimitError,
  PeerUnreachableError,
  ProtocolRefusedError,
  StreamOpenTimeoutError,
} from '../yggdrasil/errors.js';

/** A protocol id that is not 1..255 printable ASCII characters (or is the DHT's empty id). */
export class InvalidProtocolError extends Error {
  override name = 'InvalidProtocolError';
}
