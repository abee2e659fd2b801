/**
 * stack/realm/rpc: named methods on a node, called by NodeID over Veil streams (one stream per
 * call), with deadlines the server honours too, cancellation, typed errors with codes (not found,
 * refused, timed out, overloaded, ...), a limit on calls in flight per peer, and a capability
 * token (stack/rune) checked before the handler runs when the method asks for one.
 *
 * It must never run a handler for a method that requires a token before authorize() accepted the
 * token for the authenticated caller, never let a peer's frame throw out of a handler, and never
 * take time from anywhere but the Runtime.
 */
export * from './codec.js';
export * from './constants.js';
export * from './errors.js';
export * from './rpc.js';
export type { CallContext, MethodAuth, RpcAuthorizer, RpcHandler } from './server.js';
