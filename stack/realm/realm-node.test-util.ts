/**
 * A test double of RealmNode and RealmDirectory for unit tests, over a Runtime's real network
 * (the simulator's, usually): openStream dials the peer's address and sends a one-line header
 * (protocol id and the opener's NodeID); the receiver hands the rest of the connection to the
 * protocol's handler. No Noise, no DHT: peers are found in a shared table and providers in a
 * shared map. The real ValhallaNode fits RealmNode too; this only isolates Realm's own logic.
 */
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import type { Connection, ConnectionHandler, Runtime } from '../runtime.js';
import { toHex } from '../yggdrasil/rpc/bytes.js';
import type { RealmDirectory, RealmNode, RealmPeerInfo } from './node-port.js';

export const TEST_PORT = 7100;

export class TestRealmNetwork {
  readonly addrs = new Map<string, string>();
  readonly identityKeys = new Map<string, Uint8Array>();
  readonly providers = new Map<string, string[]>();
}

class ProtocolRefused extends Error {
  override name = 'ProtocolRefusedError';
}

/** A connection whose first bytes (the header) were consumed: leftover bytes go to the new handler first. */
function afterHeader(conn: Connection, leftover: Uint8Array, runtime: Runtime): Connection {
  return {
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    get closed() {
      return conn.closed;
    },
    setHandler(h: ConnectionHandler) {
      if (leftover.length > 0) {
        const bytes = leftover;
        leftover = new Uint8Array(0);
        runtime.clock.setTimer(0, () => h.onData(bytes));
      }
      conn.setHandler(h);
    },
    write: (c) => conn.write(c),
    end: () => conn.end(),
    close: (e) => conn.close(e),
    pause: () => conn.pause(),
    resume: () => conn.resume(),
  };
}

export class TestRealmNode implements RealmNode, RealmDirectory {
  private readonly handlers = new Map<string, (s: Connection, p: RealmPeerInfo) => void>();
  private readonly peerListeners = new Set<(e: 'up' | 'down', p: NodeId) => void>();
  readonly id: string;

  constructor(
    private readonly runtime: Runtime,
    private readonly identity: Identity,
    private readonly network: TestRealmNetwork,
    private readonly addr: string,
  ) {
    this.id = identity.nodeId.toString();
  }

  async start(): Promise<void> {
    this.network.addrs.set(this.id, this.addr);
    this.network.identityKeys.set(this.id, this.identity.publicKey);
    await this.runtime.net.listen(this.addr, (conn) => this.accept(conn));
  }

  private accept(conn: Connection): void {
    let buf = new Uint8Array(0);
    conn.setHandler({
      onData: (chunk) => {
        const next = new Uint8Array(buf.length + chunk.length);
        next.set(buf);
        next.set(chunk, buf.length);
        buf = next;
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        const [protocol, from] = new TextDecoder().decode(buf.subarray(0, nl)).split(' ');
        const handler = this.handlers.get(protocol!);
        if (!handler) {
          conn.close(new ProtocolRefused(protocol));
          return;
        }
        const key = this.network.identityKeys.get(from!)!;
        handler(afterHeader(conn, buf.slice(nl + 1), this.runtime), {
          nodeId: NodeId.parse(from!),
          identityKey: key,
        });
      },
    });
  }

  handle(protocol: string, handler: (s: Connection, p: RealmPeerInfo) => void): void {
    this.handlers.set(protocol, handler);
  }

  unhandle(protocol: string): void {
    this.handlers.delete(protocol);
  }

  async openStream(peer: NodeId, protocol: string, opts?: { timeoutMs?: number }): Promise<Connection> {
    const addr = this.network.addrs.get(peer.toString());
    if (!addr) throw new Error(`unknown peer ${peer.toString().slice(0, 16)}`);
    const conn = await this.runtime.net.dial(addr, opts?.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
    conn.write(new TextEncoder().encode(`${protocol} ${this.id}\n`));
    return conn;
  }

  connectedPeers(): NodeId[] {
    return [];
  }

  onPeer(listener: (e: 'up' | 'down', p: NodeId) => void): () => void {
    this.peerListeners.add(listener);
    return () => this.peerListeners.delete(listener);
  }

  async addProvider(key: Uint8Array): Promise<unknown> {
    const k = toHex(key);
    const list = this.network.providers.get(k) ?? [];
    if (!list.includes(this.id)) list.push(this.id);
    this.network.providers.set(k, list);
    return { stored: 1 };
  }

  async findProviders(key: Uint8Array, opts?: { max?: number }): Promise<{ nodeId: string }[]> {
    const list = this.network.providers.get(toHex(key)) ?? [];
    // The most recent announcers, like a DHT that keeps the freshest records.
    return list.slice(-(opts?.max ?? 20)).map((nodeId) => ({ nodeId }));
  }
}
