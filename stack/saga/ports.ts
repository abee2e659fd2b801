/**
 * What Saga needs from the node, stated structurally (as stack/yggdrasil/veil-port.ts does for
 * Veil): application streams to a peer named by NodeID (stack/node's handle/openStream, see the
 * application-protocol contract) and provider records in the DHT (stack/yggdrasil). The real
 * ValhallaNode and Dht fit without an adapter; unit tests may hand in doubles.
 */
import type { NodeId } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';

/** The peer at the other end of an inbound stream, authenticated by the Noise handshake. */
export interface SagaPeerInfo {
  nodeId: NodeId;
  identityKey: Uint8Array;
}

type StreamHandler = {
  bivarianceHack(stream: Connection, peer: SagaPeerInfo): void;
}['bivarianceHack'];

export interface SagaStreams {
  handle(protocol: string, handler: StreamHandler): void;
  unhandle(protocol: string): void;
  openStream(peer: NodeId, protocol: string, opts?: { timeoutMs?: number }): Promise<Connection>;
}

export interface SagaProvider {
  /** NodeID, canonical text. */
  nodeId: string;
}

export interface SagaRouting {
  addProvider(key: Uint8Array): Promise<{ stored: number; attempted: number }>;
  findProviders(key: Uint8Array, opts?: { max?: number }): Promise<SagaProvider[]>;
}
