/**
 * What the DHT needs from Veil, stated structurally so that tests can hand in an in-memory double
 * and the real Veil (stack/veil/veil.ts) fits without an adapter. This is the only file that
 * knows Veil's shape; if Veil's API changes, this file and its test double change, nothing else.
 */
import type { Identity } from '../identity/identity.js';
import type { NodeId } from '../identity/node-id.js';
import type { Address, Connection, Listener } from '../runtime.js';

/**
 * A stream as Veil gives it: a Runtime Connection that knows the protocol its opener named ('' is
 * the DHT itself, an empty OPEN body on the wire).
 */
export interface VeilStream extends Connection {
  readonly protocol: string;
  /** Inbound: take the stream (acknowledged to the opener when it named a protocol). */
  accept(): void;
  /** Inbound: turn it down with RST REFUSED; the opener gets a refusal. */
  refuse(): void;
  /** Outbound: resolves when the peer took the stream, rejects when it refused it or it ended. */
  whenAccepted(): Promise<void>;
}

/**
 * A stream handler typed bivariantly (method syntax), so a session whose onStream takes a subtype
 * of VeilStream (Veil's MuxStream) still fits.
 */
type StreamHandler = { bivarianceHack(stream: VeilStream): void }['bivarianceHack'];

export interface DhtVeilSession {
  /** Authenticated by the Noise XX handshake: the peer proved it holds this identity key. */
  readonly remoteNodeId: NodeId;
  /** The peer's Ed25519 identity key, proven by the handshake (remoteNodeId is its SHA-256). */
  readonly remoteIdentityKey: Uint8Array;
  readonly closed: boolean;
  onClose: ((err?: Error) => void) | undefined;
  onStream: StreamHandler | undefined;
  /** A stream for protocol; '' or omitted: a DHT stream. */
  openStream(protocol?: string): VeilStream;
  close(err?: Error): void;
}

/** Veil's reset code for a stream the receiver did not take (conformance/spec/veil-mux.md §5). */
const RESET_REFUSED = 2;

/** Whether err is the peer refusing a stream we opened (Veil's StreamResetError, code REFUSED). */
export function refusedByPeer(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; remote?: unknown };
  return e.code === RESET_REFUSED && e.remote === true;
}

export interface DhtVeil {
  listen(addr: Address, onSession: (session: DhtVeilSession) => void): Promise<Listener>;
  dial(addr: Address, opts?: { expectedNodeId?: NodeId; dialTimeoutMs?: number }): Promise<DhtVeilSession>;
}

/** The parts of Identity the DHT uses (signing its records). */
export type DhtIdentity = Pick<Identity, 'nodeId' | 'publicKey' | 'signingKey'>;
