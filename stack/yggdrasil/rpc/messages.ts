/**
 * The DHT's messages (spec section 3). Requests carry a non-zero request id chosen by the sender;
 * the response echoes it. HELLO is one-way (id 0): the first message each side writes on a
 * stream, carrying its own peer record so the other side learns its listen addresses.
 */
import type { PeerRecord } from '../records/peer-record.js';
import type { ProviderRecord } from '../records/provider-record.js';
import type { ValueRecord } from '../records/value-record.js';

/** Type bytes. Responses are their request's type | 0x80; ERROR answers any request. */
export const MessageType = {
  HELLO: 0x01,
  PING: 0x02,
  FIND_NODE: 0x03,
  GET_VALUE: 0x04,
  PUT_VALUE: 0x05,
  ADD_PROVIDER: 0x06,
  GET_PROVIDERS: 0x07,
  PONG: 0x82,
  NODES: 0x83,
  VALUE: 0x84,
  PUT_VALUE_RESULT: 0x85,
  ADD_PROVIDER_RESULT: 0x86,
  PROVIDERS: 0x87,
  ERROR: 0xff,
} as const;

/** Status of a store request (PUT_VALUE_RESULT, ADD_PROVIDER_RESULT). */
export const StoreStatus = {
  OK: 0, // stored (or already held, identical)
  STALE: 1, // we hold a newer record for the key (higher seq / later expiry)
  INVALID: 2, // signature or key binding failed
  EXPIRED: 3, // expiresAtMs is in the past
  LIMIT: 4, // storing would exceed a limit (records per peer, total records or bytes)
} as const;
export type StoreStatusCode = (typeof StoreStatus)[keyof typeof StoreStatus];
export const MAX_STORE_STATUS = 4;

/** Codes of an ERROR response. */
export const ErrorCode = {
  BUSY: 1, // the sender exceeded its request rate; retry later
  MALFORMED: 2, // the request decoded but is not acceptable (e.g. HELLO for another NodeID)
  UNSUPPORTED: 3, // a request type this node does not serve
} as const;

export interface HelloMessage {
  type: 'hello';
  id: 0;
  record: PeerRecord;
}
export interface PingMessage {
  type: 'ping';
  id: number;
}
export interface FindNodeMessage {
  type: 'find-node';
  id: number;
  target: Uint8Array;
}
export interface GetValueMessage {
  type: 'get-value';
  id: number;
  key: Uint8Array;
}
export interface PutValueMessage {
  type: 'put-value';
  id: number;
  record: ValueRecord;
}
export interface AddProviderMessage {
  type: 'add-provider';
  id: number;
  record: ProviderRecord;
}
export interface GetProvidersMessage {
  type: 'get-providers';
  id: number;
  key: Uint8Array;
}
export interface PongMessage {
  type: 'pong';
  id: number;
}
export interface NodesMessage {
  type: 'nodes';
  id: number;
  contacts: PeerRecord[];
}
export interface ValueMessage {
  type: 'value';
  id: number;
  record: ValueRecord | undefined;
  contacts: PeerRecord[];
}
export interface PutValueResultMessage {
  type: 'put-value-result';
  id: number;
  status: StoreStatusCode;
}
export interface AddProviderResultMessage {
  type: 'add-provider-result';
  id: number;
  status: StoreStatusCode;
}
export interface ProvidersMessage {
  type: 'providers';
  id: number;
  providers: ProviderRecord[];
  contacts: PeerRecord[];
}
export interface ErrorMessage {
  type: 'error';
  id: number;
  code: number;
}

export type RequestMessage =
  | PingMessage
  | FindNodeMessage
  | GetValueMessage
  | PutValueMessage
  | AddProviderMessage
  | GetProvidersMessage;
export type ResponseMessage =
  | PongMessage
  | NodesMessage
  | ValueMessage
  | PutValueResultMessage
  | AddProviderResultMessage
  | ProvidersMessage
  | ErrorMessage;
export type Message = HelloMessage | RequestMessage | ResponseMessage;

/** The response type each request expects (ERROR is always acceptable too). */
export const RESPONSE_FOR = {
  ping: 'pong',
  'find-node': 'nodes',
  'get-value': 'value',
  'put-value': 'put-value-result',
  'add-provider': 'add-provider-result',
  'get-providers': 'providers',
} as const;

/** A request without its id: what callers hand to the network, which assigns the id. */
export type RequestBody = RequestMessage extends infer M
  ? M extends { id: number }
    ? Omit<M, 'id'>
    : never
  : never;
export type ResponseFor<R extends RequestBody> = Extract<
  ResponseMessage,
  { type: (typeof RESPONSE_FOR)[R['type']] }
>;

export function isRequest(m: Message): m is RequestMessage {
  return m.type in RESPONSE_FOR;
}
