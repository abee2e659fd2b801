/**
 * What Realm needs from a node, stated structurally (like stack/yggdrasil/veil-port.ts does for
 * Veil): application streams to a NodeID by protocol id, the sessions coming and going, and the
 * DHT's provider records for finding a topic's peers. The ValhallaNode of stack/node fits it; unit
 * tests hand in a double. This is the only file that knows the node's shape.
 */
import type { NodeId } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';

/** The authenticated peer of an inbound stream (both proven by the Noise handshake). */
export interface RealmPeerInfo {
  nodeId: NodeId;
  identityKey: Uint8Array;
}

/** Stream handler typed bivariantly, so a handler taking a subtype of Connection still fits. */
type StreamHandler = {
  bivarianceHack(stream: Connection, peer: RealmPeerInfo): void;
}['bivarianceHack'];

export interface RealmNode {
  handle(protocol: string, handler: StreamHandler): void;
  unhandle(protocol: string): void;
  /** A stream to that NodeID (session reused, or found through the DHT and dialed). */
  openStream(peer: NodeId, protocol: string, opts?: { timeoutMs?: number }): Promise<Connection>;
  /** Peers with an open session now, in a deterministic order. */
  connectedPeers(): NodeId[];
  onPeer(listener: (event: 'up' | 'down', peer: NodeId) => void): () => void;
}

/** Provider records (stack/yggdrasil Dht): how pub/sub finds the peers of a topic. */
export interface RealmDirectory {
  addProvider(key: Uint8Array): Promise<unknown>;
  findProviders(key: Uint8Array, opts?: { max?: number }): Promise<{ nodeId: string }[]>;
}
