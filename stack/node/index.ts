/**
 * stack/node: one Valhalla node, the layers composed on a Runtime: Veil (secure sessions over
 * Bifrost frames) and the Yggdrasil DHT. The same class runs under the simulator and in the live
 * daemon; only the Runtime differs. It must never reach the OS: files, sockets and signals belong
 * to the process that hosts it (live/ or sim/).
 *
 * Application protocols (Saga, Realm, TUN, ...) run on their own Veil streams to a peer named by
 * NodeID: handle() takes inbound streams of a protocol, openStream() opens one (reusing a session
 * or finding the peer through the DHT), connectedPeers() and onPeer() follow sessions.
 */

import { nodeIdToAddress } from '../identity/address.js';
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import type { Address, Connection, Runtime } from '../runtime.js';
import { encodeProtocolId } from '../veil/mux-codec.js';
import { Veil, type VeilInit } from '../veil/veil.js';
import { Dht } from '../yggdrasil/dht.js';
import type { DhtInit } from '../yggdrasil/options.js';
import { InvalidProtocolError } from './errors.js';

export * from './errors.js';

/** The peer at the other end of a stream; both fields authenticated by the Noise handshake. */
export interface PeerInfo {
  nodeId: NodeId;
  identityKey: Uint8Array;
}

export type StreamHandler = (stream: Connection, peer: PeerInfo) => void;
export type PeerListener = (event: 'up' | 'down', peer: NodeId) => void;

export interface OpenStreamOptions {
  /** Lookup, dial and the peer taking the stream together (default 10 000 ms). */
  timeoutMs?: number;
}

export interface ValhallaNodeComponents {
  runtime: Runtime;
  identity: Identity;
}

export interface ValhallaNodeInit {
  veil?: VeilInit;
  dht?: DhtInit;
}

export class ValhallaNode {
  readonly veil: Veil;
  readonly dht: Dht;
  private startedAtMs = Number.NaN;
  private listenAddrs: Address[] = [];
  /** Open sessions per peer (a simultaneous dial makes two): 'up' at the first, 'down' after the last. */
  private readonly sessionsByPeer = new Map<string, number>();
  private readonly peerListeners = new Set<PeerListener>();

  constructor(
    private readonly components: ValhallaNodeComponents,
    init: ValhallaNodeInit = {},
  ) {
    this.veil = new Veil(components, init.veil);
    this.dht = new Dht(
      { runtime: components.runtime, identity: components.identity, veil: this.veil },
      init.dht,
    );
    this.dht.on((e) => this.sessionEvent(e.type === 'session:open', e.nodeId));
  }

  get identity(): Identity {
    return this.components.identity;
  }

  get nodeId(): string {
    return this.components.identity.nodeId.toString();
  }

  /** The node's overlay IPv6 address (fd00::/8 + the first 15 bytes of its NodeID). */
  get address(): string {
    return nodeIdToAddress(this.components.identity.nodeId);
  }

  get listen(): readonly Address[] {
    return this.listenAddrs;
  }

  get uptimeMs(): number {
    return this.components.runtime.clock.now() - this.startedAtMs;
  }

  /** Listen on the given addresses (port 0 picks one); resolves to the bound addresses. */
  async start(listen: Address[]): Promise<Address[]> {
    await this.veil.start();
    this.listenAddrs = await this.dht.start(listen);
    this.startedAtMs = this.components.runtime.clock.now();
    return this.listenAddrs;
  }

  /** Join through the given addresses. With none, the node waits for others to find it. */
  async bootstrap(addrs: Address[]) {
    return this.dht.bootstrap(addrs);
  }

  async stop(): Promise<void> {
    await this.dht.stop();
    await this.veil.stop();
  }

  /**
   * Take inbound streams of protocol (e.g. "/valhalla/saga/1": 1..255 printable ASCII characters).
   * A second call replaces the handler. Streams for protocols nobody handles are refused, and the
   * opener gets ProtocolRefusedError. A handler that throws resets that stream only.
   */
  handle(protocol: string, handler: StreamHandler): void {
    checkProtocol(protocol);
    this.dht.handleProtocol(protocol, (stream, peer) =>
      handler(stream, { nodeId: NodeId.parse(peer.nodeId), identityKey: peer.identityKey }),
    );
  }

  /** Stop taking new streams of protocol; streams already open carry on. */
  unhandle(protocol: string): void {
    this.dht.unhandleProtocol(protocol);
  }

  /**
   * A stream for protocol to peer: on the session we have with it, else found through the DHT and
   * dialed (the handshake checks its NodeID). Resolves once the peer took the stream. Rejects with
   * PeerUnreachableError (not found, or no address answered), ProtocolRefusedError (the peer does
   * not handle protocol), StreamOpenTimeoutError, LimitError (our session limits), or
   * InvalidProtocolError.
   */
  async openStream(peer: NodeId, protocol: string, opts: OpenStreamOptions = {}): Promise<Connection> {
    checkProtocol(protocol);
    return this.dht.openStream(peer.bytes, protocol, opts);
  }

  /** Peers we have an open session with now, in NodeID order. */
  connectedPeers(): NodeId[] {
    return [...this.sessionsByPeer.keys()].sort().map((hex) => NodeId.parse(hex));
  }

  /** Sessions coming ('up': the first to a peer) and going ('down': the last). Returns unsubscribe. */
  onPeer(listener: PeerListener): () => void {
    this.peerListeners.add(listener);
    return () => this.peerListeners.delete(listener);
  }

  private sessionEvent(open: boolean, idHex: string): void {
    const before = this.sessionsByPeer.get(idHex) ?? 0;
    const after = Math.max(0, before + (open ? 1 : -1));
    if (after === 0) this.sessionsByPeer.delete(idHex);
    else this.sessionsByPeer.set(idHex, after);
    if ((before === 0) === (after === 0) || this.peerListeners.size === 0) return;
    const event = after > 0 ? 'up' : 'down';
    const peer = NodeId.parse(idHex);
    for (const listener of [...this.peerListeners]) {
      try {
        listener(event, peer);
      } catch (err) {
        this.components.runtime.log.error('node: onPeer listener threw', { event, error: String(err) });
      }
    }
  }
}

function checkProtocol(protocol: string): void {
  if (protocol === '') throw new InvalidProtocolError('the empty protocol id is the DHT itself: name yours');
  try {
    encodeProtocolId(protocol);
  } catch (err) {
    throw new InvalidProtocolError((err as Error).message);
  }
}
