/**
 * What the TUN layer needs from a node, stated structurally (as stack/yggdrasil/veil-port.ts does
 * for Veil), so unit tests hand in a double and ValhallaNode fits through tunPortOf (node-port.ts).
 * The stream API is the application-protocol contract of stack/node (handle / openStream /
 * connectedPeers / onPeer); lookup is the DHT's; secure runs a Veil handshake over any stream.
 */
import type { NodeId } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';

export interface TunPeer {
  /** Authenticated by the session's Noise handshake. */
  nodeId: NodeId;
}

/** A Veil session run inside a relayed stream: end-to-end between source and destination. */
export interface TunSecureSession {
  readonly remoteNodeId: NodeId;
  readonly closed: boolean;
  onClose: ((err?: Error) => void) | undefined;
  onStream: { bivarianceHack(stream: Connection): void }['bivarianceHack'] | undefined;
  openStream(): Connection;
  close(err?: Error): void;
}

export interface TunNodePort {
  readonly nodeId: NodeId;
  handle(protocol: string, handler: (stream: Connection, peer: TunPeer) => void): void;
  unhandle(protocol: string): void;
  /** A stream to the peer: on a session we have, else found through the DHT and dialed. */
  openStream(peer: NodeId, protocol: string, opts?: { timeoutMs?: number }): Promise<Connection>;
  /** Peers with an open session now, in a deterministic order. */
  connectedPeers(): NodeId[];
  /** NodeIDs (64-hex text) of the live nodes closest to target, closest first. */
  lookup(target: Uint8Array): Promise<{ closest: { nodeId: string }[] }>;
  /** Run a Veil handshake over conn (initiator: the peer must prove expectedNodeId). */
  secure(
    conn: Connection,
    role: 'initiator' | 'responder',
    opts?: { expectedNodeId?: NodeId },
  ): Promise<TunSecureSession>;
}
