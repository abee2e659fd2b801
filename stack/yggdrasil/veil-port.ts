/**
 * What the DHT needs from Veil, stated structurally so that tests can hand in an in-memory double
 * and the real Veil (stack/veil/veil.ts) fits without an adapter. This is the only file that
 * knows Veil's shape; if Veil's API changes, this file and its test double change, nothing else.
 */
import type { Identity } from '../identity/identity.js';
import type { NodeId } from '../identity/node-id.js';
import type { Address, Connection, Listener } from '../runtime.js';

/**
 * A stream handler typed bivariantly (method syntax), so a session whose onStream takes a subtype
 * of Connection (Veil's MuxStream) still fits.
 */
type StreamHandler = { bivarianceHack(stream: Connection): void }['bivarianceHack'];

export interface DhtVeilSession {
  /** Authenticated by the Noise XX handshake: the peer proved it holds this identity key. */
  readonly remoteNodeId: NodeId;
  /** The peer's Ed25519 identity key, proven by the handshake (remoteNodeId is its SHA-256). */
  readonly remoteIdentityKey: Uint8Array;
  readonly closed: boolean;
  onClose: ((err?: Error) => void) | undefined;
  onStream: StreamHandler | undefined;
  openStream(): Connection;
  close(err?: Error): void;
}

export interface DhtVeil {
  listen(addr: Address, onSession: (session: DhtVeilSession) => void): Promise<Listener>;
  dial(addr: Address, opts?: { expectedNodeId?: NodeId; dialTimeoutMs?: number }): Promise<DhtVeilSession>;
}

/** The parts of Identity the DHT uses (signing its records). */
export type DhtIdentity = Pick<Identity, 'nodeId' | 'publicKey' | 'signingKey'>;
