/**
 * stack/yggdrasil: the Kademlia DHT that lets nodes find each other by NodeID alone. It keeps a
 * routing table of peers by XOR distance, finds any NodeID in a few rounds of parallel requests,
 * stores signed peer records, signed values and provider records on the peers closest to their
 * keys, and limits everything a remote peer can make it hold.
 *
 * It must never talk to the network except through Veil sessions (every DHT message is
 * authenticated and encrypted), never trust what a peer sends before checking it (signatures,
 * lengths, who asked), never let a peer's message throw out of its handlers, and never take time
 * or randomness from anywhere but the Runtime: the same code runs in the simulator, where
 * determinism by seed depends on it.
 */

export type { StreamPeer } from './app-streams.js';
export * from './constants.js';
export type { SessionEvent } from './core.js';
export type { DhtComponents } from './dht.js';
export { Dht } from './dht.js';
export * from './errors.js';
export type { JoinOptions } from './join.js';
export type { DhtInit } from './options.js';
export type { ProviderInfo } from './query/providers.js';
export type { GetResult, PutResult } from './query/values.js';
export { PeerRecord, verifyPeerRecord } from './records/peer-record.js';
export { ProviderRecord, verifyProviderRecord } from './records/provider-record.js';
export { ValueRecord, valueKey, verifyValueRecord } from './records/value-record.js';
export type {
  BootstrapResult,
  BucketInfo,
  LookupResult,
  PeerInfo,
  SessionInfo,
  TableEntryInfo,
} from './results.js';
export { decodeMessage, encodeMessage } from './rpc/codec.js';
export type { Message } from './rpc/messages.js';
export type { DhtIdentity, DhtVeil, DhtVeilSession, VeilStream } from './veil-port.js';
