/**
 * Test doubles for Saga's ports on the simulator: streams are plain simulated TCP connections
 * (a one-line preamble names the protocol, as Veil's OPEN body does) and provider records live in
 * a shared in-memory table. Real Saga, real crypto, real simulated network; only the Veil session
 * and the DHT are stood in for. The full-stack tests use the real ValhallaNode.
 */
import { fixed, type NetworkOptions, type SimNode, Simulation } from '../../sim/index.js';
import { generateIdentity, type Identity } from '../identity/index.js';
import type { NodeId } from '../identity/node-id.js';
import { type Connection, type ConnectionHandler, ConnectionRefusedError } from '../runtime.js';
import type { SagaPeerInfo, SagaProvider, SagaRouting, SagaStreams } from './ports.js';
import { Saga, type SagaInit } from './saga.js';
import type { BlockStore } from './store.js';

const PORT = 7100;

export class DoubleNet {
  readonly addrOf = new Map<string, string>();
  readonly keyOf = new Map<string, Uint8Array>();
  readonly providers = new Map<string, string[]>();
}

export class DoubleStreams implements SagaStreams {
  private readonly handlers = new Map<string, (s: Connection, p: SagaPeerInfo) => void>();
  constructor(
    private readonly node: SimNode,
    private readonly identity: Identity,
    private readonly net: DoubleNet,
  ) {}

  async start(): Promise<void> {
    const id = this.identity.nodeId.toString();
    this.net.addrOf.set(id, this.node.addr(PORT));
    this.net.keyOf.set(id, this.identity.publicKey);
    await this.node.runtime.net.listen(this.node.addr(PORT), (conn) => {
      let head = new Uint8Array(0);
      conn.setHandler({
        onData: (chunk) => {
          const all = new Uint8Array(head.length + chunk.length);
          all.set(head);
          all.set(chunk, head.length);
          head = all;
          if (head.length < 33 || head.length < 33 + head[32]!) return;
          const fromId = Buffer.from(head.subarray(0, 32)).toString('hex');
          const proto = new TextDecoder().decode(head.subarray(33, 33 + head[32]!));
          const rest = head.slice(33 + head[32]!);
          const h = this.handlers.get(proto);
          if (!h) return conn.close(new Error('refused'));
          const wrapped = new Forwarding(conn);
          h(wrapped, {
            nodeId: { toString: () => fromId } as NodeId,
            identityKey: this.net.keyOf.get(fromId)!,
          });
          wrapped.attach(rest);
        },
      });
    });
  }

  handle(protocol: string, handler: (s: Connection, p: SagaPeerInfo) => void): void {
    this.handlers.set(protocol, handler);
  }
  unhandle(protocol: string): void {
    this.handlers.delete(protocol);
  }

  async openStream(peer: NodeId, protocol: string, opts?: { timeoutMs?: number }): Promise<Connection> {
    const addr = this.net.addrOf.get(peer.toString());
    if (!addr) throw new ConnectionRefusedError(`unknown peer ${peer}`);
    const conn = await this.node.runtime.net.dial(addr, { timeoutMs: opts?.timeoutMs });
    const p = new TextEncoder().encode(protocol);
    const pre = new Uint8Array(33 + p.length);
    pre.set(this.identity.nodeId.bytes);
    pre[32] = p.length;
    pre.set(p, 33);
    conn.write(pre);
    return conn;
  }
}

export class DoubleRouting implements SagaRouting {
  constructor(
    private readonly selfId: string,
    private readonly net: DoubleNet,
  ) {}
  async addProvider(key: Uint8Array) {
    const k = Buffer.from(key).toString('hex');
    const list = this.net.providers.get(k) ?? [];
    if (!list.includes(this.selfId)) list.push(this.selfId);
    this.net.providers.set(k, list);
    return { stored: 1, attempted: 1 };
  }
  async findProviders(key: Uint8Array): Promise<SagaProvider[]> {
    return (this.net.providers.get(Buffer.from(key).toString('hex')) ?? []).map((nodeId) => ({ nodeId }));
  }
}

/** A connection whose first bytes (the preamble) were consumed: the rest goes to its handler. */
class Forwarding implements Connection {
  private handler: ConnectionHandler | undefined;
  constructor(private readonly inner: Connection) {}
  get localAddr() {
    return this.inner.localAddr;
  }
  get remoteAddr() {
    return this.inner.remoteAddr;
  }
  get closed() {
    return this.inner.closed;
  }
  attach(rest: Uint8Array): void {
    const forward: ConnectionHandler = {
      onData: (c) => this.handler?.onData(c),
      onDrain: () => this.handler?.onDrain?.(),
      onEnd: () => this.handler?.onEnd?.(),
      onClose: (e) => this.handler?.onClose?.(e),
    };
    this.inner.setHandler(forward);
    if (rest.length > 0) void Promise.resolve().then(() => this.handler?.onData(rest));
  }
  setHandler(h: ConnectionHandler): void {
    this.handler = h;
  }
  write(chunk: Uint8Array): boolean {
    return this.inner.write(chunk);
  }
  end(): void {
    this.inner.end();
  }
  close(err?: Error): void {
    this.inner.close(err);
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
}

export interface DoubleSagaNode {
  sim: SimNode;
  identity: Identity;
  id: string;
  saga: Saga;
}

/** n simulated nodes, each with a started Saga over the doubles. */
export async function buildDoubleSagas(
  seed: string,
  n: number,
  init: SagaInit = {},
  stores: (i: number) => BlockStore | undefined = () => undefined,
  network: NetworkOptions = { latency: fixed(20), bandwidthBytesPerSec: 2_000_000 },
): Promise<{ sim: Simulation; nodes: DoubleSagaNode[]; run<T>(p: Promise<T>): Promise<T> }> {
  const sim = new Simulation({ seed, network, log: { level: 'error', keep: 10 } });
  const net = new DoubleNet();
  const nodes: DoubleSagaNode[] = [];
  const run = <T>(p: Promise<T>): Promise<T> => sim.runUntil(p, 600_000);
  for (let i = 0; i < n; i++) {
    const node = sim.addNode();
    const identity = generateIdentity(node.runtime.rng.fork('identity'));
    const id = identity.nodeId.toString();
    const streams = new DoubleStreams(node, identity, net);
    await run(streams.start());
    const store = stores(i);
    const saga = new Saga(
      {
        runtime: node.runtime,
        streams,
        routing: new DoubleRouting(id, net),
        selfId: id,
        ...(store ? { store } : {}),
      },
      init,
    );
    saga.start();
    nodes.push({ sim: node, identity, id, saga });
  }
  return { sim, nodes, run };
}

/** n bytes that do not repeat (every chunk distinct), from a small xorshift generator. */
export function testBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (0x9e3779b9 ^ seed) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
