/** RPC wire constants and defaults. See conformance/spec/realm.md, section 3. */

export const RPC_PROTOCOL = '/valhalla/rpc/1'; // protocol id of RPC streams (one stream per call)
export const MAX_RPC_FRAME_BYTES = 1_048_576; // bytes: the largest request or response frame
export const MAX_METHOD_BYTES = 128; // bytes of a method name
export const MAX_TOKEN_BYTES = 65_536; // bytes of a capability token in a request

/** Frame types: the first byte of every frame body. */
export const RpcFrameType = {
  REQUEST: 0x01,
  CANCEL: 0x02,
  RESPONSE: 0x03,
} as const;

/** Status codes of a RESPONSE (0 = ok). */
export const RpcStatus = {
  OK: 0,
  NOT_FOUND: 1,
  REFUSED: 2,
  TIMED_OUT: 3,
  OVERLOADED: 4,
  INTERNAL: 5,
  BAD_REQUEST: 6,
  CANCELLED: 7,
} as const;
export type RpcStatusCode = (typeof RpcStatus)[keyof typeof RpcStatus];

export const RPC_DEFAULTS = {
  /** Deadline of a call when the caller gives none. */
  timeoutMs: 10_000,
  /** Calls one peer may have running on this node at once; more are answered OVERLOADED. */
  maxInflightPerPeer: 32,
  /** Calls running on this node at once, from all peers. */
  maxInflight: 1_024,
  /** Ability a token must grant for a method that asks for one. */
  ability: 'rpc/call',
} as const;
