/**
 * stack/realm: what applications build on: RPC (calling a method on a NodeID), pub/sub (a gossip
 * mesh per topic) and CRDTs that merge themselves, replicated over pub/sub with anti-entropy.
 * Everything runs on application streams of Veil sessions (stack/node) and finds peers through
 * the DHT; like every layer under stack/, it takes time and randomness only from the Runtime.
 */
export * as crdt from './crdt/index.js';
export * from './errors.js';
export type { RealmDirectory, RealmNode, RealmPeerInfo } from './node-port.js';
export * from './pubsub/index.js';
export { Realm, type RealmComponents, type RealmInit } from './realm.js';
export * from './replica/index.js';
export * from './rpc/index.js';
