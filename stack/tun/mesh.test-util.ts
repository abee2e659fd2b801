/**
 * A test double of the node-side port (port.ts) over real Veil sessions on the in-memory network:
 * links are sessions opened by the test, a stream names its protocol in a one-byte-length prefix,
 * and lookup knows every node of the mesh (a perfect DHT). Together with MemoryTun it runs the
 * TUN service end to end without the OS.
 */

import { type MemoryTun, MemoryTunProvider } from '../../sim/tun.js';
import { nodeIdToAddressBytes } from '../identity/address.js';
import { Identity } from '../identity/identity.js';
import { type NodeId, xorDistance } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';
import {
  ManualClock,
  MemoryNetwork,
  settle,
  type TestRuntime,
  testRuntime,
} from '../veil/memory-runtime.test-util.js';
import type { VeilSession } from '../veil/session.js';
import { Veil } from '../veil/veil.js';
import { HeadReader } from './head-reader.js';
import type { TunNodePort, TunPeer } from './port.js';
import { TunService, type TunServiceInit } from './service.js';

export interface MeshNode {
  name: string;
  rt: TestRuntime;
  identity: Identity;
  veil: Veil;
  sessions: Map<string, VeilSession>;
  handlers: Map<string, (s: Connection, p: TunPeer) => void>;
  port: TunNodePort;
  tun: MemoryTun;
  svc: TunService;
  address: Uint8Array;
}

export class Mesh {
  readonly net = new MemoryNetwork();
  readonly clock = new ManualClock();
  readonly nodes: MeshNode[] = [];

  async add(name: string, init: TunServiceInit = {}): Promise<MeshNode> {
    const rt = testRuntime(this.net, name, this.nodes.length + 1, this.clock);
    const identity = new Identity(rt.rng.bytes(32));
    const veil = new Veil({ runtime: rt, identity });
    await veil.start();
    const node = { name, rt, identity, veil, sessions: new Map(), handlers: new Map() } as MeshNode;
    await veil.listen(`${name}:1`, (s) => this.adopt(node, s));
    node.port = this.port(node);
    const provider = new MemoryTunProvider(this.clock);
    node.address = nodeIdToAddressBytes(identity.nodeId);
    node.tun = (await provider.open({ mtu: 65_508, address: node.address, prefixLength: 8 })) as MemoryTun;
    node.svc = new TunService({ runtime: rt, node: node.port, device: node.tun }, init);
    node.svc.start();
    this.nodes.push(node);
    return node;
  }

  async link(a: MeshNode, b: MeshNode): Promise<void> {
    const s = await a.veil.dial(`${b.name}:1`);
    this.adopt(a, s);
    await settle();
  }

  private adopt(node: MeshNode, s: VeilSession): void {
    node.sessions.set(s.remoteNodeId.toString(), s);
    s.onStream = (stream) => {
      const h = new HeadReader(stream);
      void (async () => {
        const len = (await h.read(1, node.rt.clock, 1000))[0];
        const proto = new TextDecoder().decode(await h.read(len, node.rt.clock, 1000));
        const handler = node.handlers.get(proto);
        if (!handler) return h.close(new Error(`refused ${proto}`));
        handler(h, { nodeId: s.remoteNodeId });
      })();
    };
    s.onClose = () => node.sessions.delete(s.remoteNodeId.toString());
  }

  private port(node: MeshNode): TunNodePort {
    return {
      nodeId: node.identity.nodeId,
      handle: (p, h) => node.handlers.set(p, h),
      unhandle: (p) => node.handlers.delete(p),
      openStream: async (peer: NodeId, protocol: string) => {
        const s = node.sessions.get(peer.toString());
        if (!s) throw new Error(`no session to ${peer.toString().slice(0, 8)} (the double does not dial)`);
        const stream = s.openStream();
        const name = new TextEncoder().encode(protocol);
        stream.write(Uint8Array.of(name.length, ...name));
        return stream;
      },
      connectedPeers: () => [...node.sessions.values()].map((s) => s.remoteNodeId),
      lookup: async (target: Uint8Array) => {
        const dist = (n: MeshNode) => xorDistance(n.identity.nodeId, { bytes: target } as NodeId);
        const sorted = [...this.nodes].sort((x, y) => Buffer.compare(dist(x), dist(y)));
        return { closest: sorted.map((n) => ({ nodeId: n.identity.nodeId.toString() })) };
      },
      secure: (conn, role, opts) => node.veil.secure(conn, role, opts),
    };
  }
}

/** An IPv6 packet (next header 17, hop limit 64) with the given payload. */
export function ipv6Packet(
  src: Uint8Array,
  dst: Uint8Array,
  payload: Uint8Array,
  nextHeader = 17,
): Uint8Array {
  const p = new Uint8Array(40 + payload.length);
  p[0] = 0x60;
  p[4] = payload.length >> 8;
  p[5] = payload.length & 0xff;
  p[6] = nextHeader;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  p.set(payload, 40);
  return p;
}

/** Let the in-memory world run: microtasks, and timers due within ms of virtual time. */
export async function run(mesh: Mesh, ms = 0, steps = 20): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await settle();
    mesh.clock.advance(ms / steps);
  }
  await settle();
}
