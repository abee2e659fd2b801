/**
 * The TUN service: moves IPv6 packets between a TUN device and the overlay. A packet the host
 * sends to fdXX:... goes to the node whose NodeID starts with those 120 bits; a packet from the
 * overlay reaches the host only when its source address is the sending node's own (the NodeID
 * its Veil session authenticated). Routing and the wire format: conformance/spec/tun.md.
 *
 * Per destination there is one route: a TUN stream straight to the owner when a session to it can
 * be had, else a circuit of relay streams through peers with a Veil session run end to end inside
 * it, so relays see only the destination's NodeID and ciphertext.
 */
import { addressPrefixMatches, nodeIdToAddressBytes } from '../identity/address.js';
import { NodeId, xorDistance } from '../identity/node-id.js';
import { type Connection, type Runtime, type Timer, TUN_HEADROOM, type TunDevice } from '../runtime.js';
import { equalBytes, toHex } from '../yggdrasil/rpc/bytes.js';
import {
  CIRCUIT_ID_LEN,
  DEST_PREFIX_LEN,
  encodeFrame,
  encodeRelayRequest,
  FrameReader,
  RELAY_PROTOCOL,
  RELAY_STATUS_LEN,
  RelayStatus,
  relayStatusName,
  TUN_PROTOCOL,
} from './codec.js';
import {
  CIRCUIT_MEMORY_MS,
  DEFAULT_DIRECT_TIMEOUT_MS,
  DEFAULT_HOP_LIMIT,
  DEFAULT_NEGATIVE_CACHE_MS,
  DEFAULT_RESOLVE_TIMEOUT_MS,
  MAX_QUEUED_BYTES,
  PAUSE_MAX_MS,
  PAUSE_QUEUED_BYTES,
  PENDING_MAX_BYTES,
  PENDING_MAX_PACKETS,
  RELAY_FANOUT,
  RELAY_STATUS_TIMEOUT_MS,
} from './constants.js';
import { NoRouteError } from './errors.js';
import { HeadReader } from './head-reader.js';
import {
  checkIpv6,
  destinationUnreachable,
  dstAddress,
  isIcmpv6Error,
  srcAddress,
  UnreachableCode,
} from './ipv6.js';
import type { TunNodePort, TunSecureSession } from './port.js';
import { acceptRelay } from './relay.js';

export interface TunServiceComponents {
  runtime: Runtime;
  node: TunNodePort;
  device: TunDevice;
}

export interface TunServiceInit {
  hopLimit?: number;
  resolveTimeoutMs?: number;
  directTimeoutMs?: number;
  negativeCacheMs?: number;
  /** Carry other nodes' circuits (default true). */
  relay?: boolean;
  /** Bytes a route may queue past its stream's high-water mark before dropping (MAX_QUEUED_BYTES). */
  maxQueuedBytes?: number;
  /** Bytes a route queues past its stream's high-water mark before the device is paused (PAUSE_QUEUED_BYTES). */
  pauseQueuedBytes?: number;
}

/** One way to a destination: a stream that carries packet frames both ways. */
export class Route {
  queuedBytes = 0;
  blocked = false;
  /** Held the device paused for PAUSE_MAX_MS without draining: drops, not pauses, until it drains. */
  stalled = false;
  pauseTimer: Timer | undefined;
  constructor(
    readonly key: string,
    readonly dest: NodeId,
    readonly stream: Connection,
    readonly via: 'direct' | 'relay',
    readonly session?: TunSecureSession,
  ) {}
}

interface Pending {
  packets: Uint8Array[];
  bytes: number;
}

const hex = toHex;
/** A destination's key: the 15 NodeID bytes its address carries, in hex. */
const keyOfAddress = (addr: Uint8Array): string => hex(addr.subarray(1, 16));
const keyOfNode = (id: NodeId): string => hex(id.bytes.subarray(0, 15));

export class TunService {
  readonly selfAddress: Uint8Array;
  readonly opts: Required<TunServiceInit>;
  private readonly routes = new Map<string, Route>();
  private readonly pending = new Map<string, Pending>();
  private readonly unreachableUntil = new Map<string, number>();
  /** Circuit ids seen (hex -> when), for loop protection. */
  readonly circuits = new Map<string, number>();
  relaying = 0;
  /** Counters since start (also reported to the Runtime's metrics as tun.<name>). */
  readonly counts = new Map<string, number>();
  private running = false;
  /** Routes that queued pauseQueuedBytes past their stream's high-water mark; while any has, the device is paused. */
  private readonly blocked = new Set<Route>();

  constructor(
    readonly components: TunServiceComponents,
    init: TunServiceInit = {},
  ) {
    this.selfAddress = nodeIdToAddressBytes(components.node.nodeId);
    this.opts = {
      hopLimit: init.hopLimit ?? DEFAULT_HOP_LIMIT,
      resolveTimeoutMs: init.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
      directTimeoutMs: init.directTimeoutMs ?? DEFAULT_DIRECT_TIMEOUT_MS,
      negativeCacheMs: init.negativeCacheMs ?? DEFAULT_NEGATIVE_CACHE_MS,
      relay: init.relay ?? true,
      maxQueuedBytes: init.maxQueuedBytes ?? MAX_QUEUED_BYTES,
      pauseQueuedBytes: init.pauseQueuedBytes ?? PAUSE_QUEUED_BYTES,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { node, device } = this.components;
    device.setHandler({
      onPacket: (p) => this.fromHost(p),
      released: () => this.released(),
      onClose: (err) => {
        if (err) this.components.runtime.log.warn('tun: device closed', { error: err.message });
      },
    });
    node.handle(TUN_PROTOCOL, (stream, peer) => this.adopt(stream, peer.nodeId, 'direct'));
    node.handle(RELAY_PROTOCOL, (stream, peer) => void acceptRelay(this, stream, peer.nodeId));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    const { node } = this.components;
    node.unhandle(TUN_PROTOCOL);
    node.unhandle(RELAY_PROTOCOL);
    for (const r of [...this.routes.values()]) this.closeRoute(r);
    this.pending.clear();
  }

  count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.components.runtime.metrics.count(`tun.${name}`);
  }

  /** Routes in use, for `ctl` and tests. */
  routeList(): { address: string; nodeId: string; via: 'direct' | 'relay' }[] {
    return [...this.routes.values()].map((r) => ({
      address: r.key,
      nodeId: r.dest.toString(),
      via: r.via,
    }));
  }

  // --- host -> overlay ---------------------------------------------------------------------------

  private fromHost(p: Uint8Array): void {
    if (!this.wellFormed(p)) return;
    const dst = dstAddress(p);
    if (dst[0] !== 0xfd || !equalBytes(srcAddress(p), this.selfAddress)) {
      this.count('drop.not_overlay');
      return;
    }
    const key = keyOfAddress(dst);
    const route = this.routes.get(key);
    if (route) {
      this.send(route, p);
      return;
    }
    const until = this.unreachableUntil.get(key);
    if (until !== undefined) {
      if (this.components.runtime.clock.now() < until) {
        this.unreachable(p, UnreachableCode.ADDRESS_UNREACHABLE);
        return;
      }
      this.unreachableUntil.delete(key);
    }
    let q = this.pending.get(key);
    if (!q) {
      q = { packets: [], bytes: 0 };
      this.pending.set(key, q);
      void this.resolve(key, dst.slice(1, 16));
    }
    if (q.packets.length >= PENDING_MAX_PACKETS || q.bytes + p.length > PENDING_MAX_BYTES) {
      this.count('drop.pending_full');
      return;
    }
    q.packets.push(p);
    q.bytes += p.length;
  }

  private send(route: Route, p: Uint8Array): void {
    if (route.blocked && route.queuedBytes > this.opts.maxQueuedBytes) {
      this.count('drop.congested');
      return;
    }
    const frame = encodeFrame(p, TUN_HEADROOM);
    if (!this.holding.includes(route.stream)) this.holding.push(route.stream);
    if (!route.stream.write(frame)) {
      route.blocked = true;
      route.queuedBytes += frame.length;
      if (route.queuedBytes >= this.opts.pauseQueuedBytes && !route.stalled && !this.blocked.has(route))
        this.pauseFor(route, true);
    }
    this.count('packets_out');
  }

  /**
   * Backpressure: once a route has queued pauseQueuedBytes past its stream's high-water mark the
   * device is not read until the stream drains, so packets wait in the host's TUN queue and the
   * sender's TCP paces itself, instead of being tail-dropped here (a drop halves the sender's
   * window). Pausing only past a margin keeps the stream fed while the device wakes up again.
   * MAX_QUEUED_BYTES stays as the backstop for a device that cannot pause, and for a stream that
   * does not drain within PAUSE_MAX_MS (a stalled or hostile peer must not hold up every other
   * destination).
   */
  private pauseFor(route: Route, blocked: boolean): void {
    if (blocked) {
      this.blocked.add(route);
      route.pauseTimer = this.components.runtime.clock.setTimer(PAUSE_MAX_MS, () => {
        route.stalled = true;
        this.count('pause_stalled');
        this.pauseFor(route, false);
      });
    } else {
      this.blocked.delete(route);
      route.pauseTimer?.cancel();
      route.pauseTimer = undefined;
    }
    const paused = this.blocked.size > 0;
    if (paused !== this.paused) {
      this.paused = paused;
      if (paused) this.count('paused');
      this.components.device.setPaused?.(paused);
    }
  }

  private paused = false;

  /** Streams given packets that may still hold them (until their pendingWriteBytes is 0). */
  private holding: Connection[] = [];

  /**
   * True when no packet read from the device is held here: none waits for a route, and every
   * stream written to has copied what it was given into its messages (a stream that cannot say,
   * pendingWriteBytes undefined, holds them for good). The live device then reuses its read buffer.
   */
  private released(): boolean {
    if (this.pending.size > 0) return false;
    for (const s of this.holding) if (s.pendingWriteBytes !== 0) return false;
    this.holding = [];
    return true;
  }

  private unreachable(p: Uint8Array, code: UnreachableCode): void {
    if (isIcmpv6Error(p)) return; // never answer an error with an error (RFC 4443 §2.4)
    this.count('icmp_unreachable');
    this.components.device.write(destinationUnreachable(p, code));
  }

  private async resolve(key: string, prefix: Uint8Array): Promise<void> {
    const { runtime } = this.components;
    const started = runtime.clock.now();
    let owner: NodeId | undefined;
    try {
      owner = await this.findOwner(prefix);
      const direct = owner ? await this.direct(owner) : undefined;
      if (direct) {
        this.install(direct);
        return;
      }
      // Nobody we asked knows the owner: relays may (the lookup lists only nodes it could reach),
      // but the host hears back within resolveTimeoutMs either way.
      const relayed = this.relayed(prefix, owner);
      const route = owner
        ? await relayed
        : await withTimeout(
            runtime,
            relayed,
            Math.max(1, started + this.opts.resolveTimeoutMs - runtime.clock.now()),
            'finding a relay to the address',
          );
      this.install(route);
    } catch (err) {
      const code = owner ? UnreachableCode.ADDRESS_UNREACHABLE : UnreachableCode.NO_ROUTE;
      this.fail(key, code, (err as Error).message);
    }
  }

  private fail(key: string, code: UnreachableCode, why: string): void {
    const { runtime } = this.components;
    runtime.log.info('tun: destination unreachable', { address: key, why });
    this.unreachableUntil.set(key, runtime.clock.now() + this.opts.negativeCacheMs);
    const q = this.pending.get(key);
    this.pending.delete(key);
    for (const p of q?.packets ?? []) this.unreachable(p, code);
  }

  /**
   * The NodeID whose first 15 bytes are prefix: a peer we have a session with, else the closest
   * result of a DHT lookup for prefix || zeros (every node sharing the prefix sorts first).
   */
  async findOwner(prefix: Uint8Array): Promise<NodeId | undefined> {
    const { node, runtime } = this.components;
    const peer = node.connectedPeers().find((id) => ownsPrefix(id, prefix));
    if (peer) return peer;
    const r = await withTimeout(
      runtime,
      node.lookup(targetOf(prefix)),
      this.opts.resolveTimeoutMs,
      'lookup of the address owner',
    ).catch(() => ({ closest: [] as { nodeId: string }[] }));
    const hit = r.closest.find((p) => p.nodeId.startsWith(hex(prefix)));
    return hit ? NodeId.parse(hit.nodeId) : undefined;
  }

  /** A TUN stream straight to owner (a session we have, or a dial), or undefined. */
  private async direct(owner: NodeId): Promise<Route | undefined> {
    try {
      const s = await this.components.node.openStream(owner, TUN_PROTOCOL, {
        timeoutMs: this.opts.directTimeoutMs,
      });
      return this.adopt(s, owner, 'direct', true);
    } catch (err) {
      this.components.runtime.log.debug('tun: no direct stream; trying relays', {
        dest: owner.toString().slice(0, 16),
        error: (err as Error).message,
      });
      return undefined;
    }
  }

  /** A circuit through relays, with a Veil session end to end to whoever owns prefix. */
  private async relayed(prefix: Uint8Array, skip: NodeId | undefined): Promise<Route> {
    const { node, runtime } = this.components;
    const circuitId = runtime.rng.bytes(CIRCUIT_ID_LEN);
    this.rememberCircuit(circuitId);
    const hops = this.relayCandidates(prefix, skip);
    const conn = await this.circuitVia(hops, prefix, this.opts.hopLimit, circuitId);
    const session = await node.secure(conn, 'initiator');
    // The address names 120 bits of a NodeID: whoever answers must prove a key that hashes to them.
    if (!ownsPrefix(session.remoteNodeId, prefix)) {
      session.close();
      throw new NoRouteError(
        `the circuit ended at ${session.remoteNodeId.toString().slice(0, 16)}, not the address owner`,
      );
    }
    const route = this.adopt(session.openStream(), session.remoteNodeId, 'relay', true, session);
    session.onClose = () => this.closeRoute(route);
    return route;
  }

  /** Peers to try as next hop towards prefix, closest to it by XOR first, never `skip`. */
  relayCandidates(prefix: Uint8Array, skip: NodeId | undefined): NodeId[] {
    const target = { bytes: targetOf(prefix) } as NodeId;
    const peers = this.components.node.connectedPeers().filter((p) => !(skip && p.equals(skip)));
    const d = new Map(peers.map((p) => [p, xorDistance(p, target)]));
    peers.sort((a, b) => compareBytes(d.get(a)!, d.get(b)!));
    return peers.slice(0, RELAY_FANOUT);
  }

  /** Open a relay stream to the first hop in `hops` that accepts; resolves to the spliced stream. */
  async circuitVia(
    hops: NodeId[],
    prefix: Uint8Array,
    hopLimit: number,
    circuitId: Uint8Array,
  ): Promise<HeadReader> {
    let last: Error = new NoRouteError(`no peer to relay through towards ${hex(prefix).slice(0, 16)}`);
    for (const hop of hops) {
      try {
        return await this.openCircuit(hop, prefix, hopLimit, circuitId);
      } catch (err) {
        last = err as Error;
      }
    }
    throw last;
  }

  /** Ask `via` to carry a circuit towards prefix; resolves once it answered OK. */
  async openCircuit(
    via: NodeId,
    prefix: Uint8Array,
    hopLimit: number,
    circuitId: Uint8Array,
  ): Promise<HeadReader> {
    const { node, runtime } = this.components;
    const s = await node.openStream(via, RELAY_PROTOCOL, { timeoutMs: this.opts.directTimeoutMs });
    const h = new HeadReader(s);
    h.write(encodeRelayRequest({ hopLimit, circuitId, destination: prefix }));
    const status = await h.read(RELAY_STATUS_LEN, runtime.clock, RELAY_STATUS_TIMEOUT_MS).catch((e) => {
      h.close(e);
      throw e;
    });
    if (status[0] !== RelayStatus.OK) {
      h.close();
      throw new NoRouteError(`relay ${via.toString().slice(0, 16)} answered ${relayStatusName(status[0])}`);
    }
    return h;
  }

  rememberCircuit(id: Uint8Array): boolean {
    const now = this.components.runtime.clock.now();
    for (const [k, at] of this.circuits) {
      if (now - at < CIRCUIT_MEMORY_MS) break; // insertion order = time order
      this.circuits.delete(k);
    }
    const k = hex(id);
    if (this.circuits.has(k)) return false;
    this.circuits.set(k, now);
    return true;
  }

  // --- overlay -> host ---------------------------------------------------------------------------

  /**
   * Take a stream that carries packet frames from `peer` (authenticated): read it, and use it as
   * the route to peer unless one exists (or `replace`).
   */
  adopt(
    stream: Connection,
    peer: NodeId,
    via: 'direct' | 'relay',
    replace = false,
    session?: TunSecureSession,
  ): Route {
    const route = new Route(keyOfNode(peer), peer, stream, via, session);
    const reader = new FrameReader((p) => this.toHost(p, peer));
    stream.setHandler({
      // The reader copies what it keeps (a split packet) and the device is done with a packet
      // when write() returns, so a chunk may be a view of the session's reused receive buffer.
      borrowsChunks: true,
      onData: (c) => {
        try {
          reader.push(c);
        } catch (err) {
          this.count('drop.bad_frame');
          stream.close(err as Error);
        }
      },
      onDrain: () => {
        route.blocked = false;
        route.stalled = false;
        route.queuedBytes = 0;
        if (this.blocked.has(route)) this.pauseFor(route, false);
      },
      onEnd: () => stream.end(),
      onClose: () => this.closeRoute(route),
    });
    if (replace || !this.routes.has(route.key)) this.install(route);
    return route;
  }

  private install(route: Route): void {
    const old = this.routes.get(route.key);
    this.routes.set(route.key, route);
    if (old && old !== route) this.count('route_replaced');
    this.count(`route_${route.via}`);
    this.unreachableUntil.delete(route.key);
    const q = this.pending.get(route.key);
    this.pending.delete(route.key);
    for (const p of q?.packets ?? []) this.send(route, p);
  }

  private closeRoute(route: Route): void {
    if (this.blocked.has(route)) this.pauseFor(route, false);
    if (this.routes.get(route.key) === route) this.routes.delete(route.key);
    if (!route.stream.closed) route.stream.close();
    if (route.session && !route.session.closed) route.session.close();
  }

  private wellFormed(p: Uint8Array): boolean {
    try {
      checkIpv6(p);
      return true;
    } catch {
      this.count('drop.malformed');
      return false;
    }
  }

  private toHost(p: Uint8Array, peer: NodeId): void {
    if (!this.wellFormed(p)) return;
    // No spoofing: the source must be the address of the node that authenticated this stream.
    if (!addressPrefixMatches(srcAddress(p), peer)) {
      this.count('drop.spoofed');
      return;
    }
    if (!equalBytes(dstAddress(p), this.selfAddress)) {
      this.count('drop.not_ours');
      return;
    }
    this.count('packets_in');
    this.components.device.write(p);
  }
}

/** True when id's first 15 bytes are prefix (id owns the address that carries them). */
export function ownsPrefix(id: NodeId, prefix: Uint8Array): boolean {
  return equalBytes(id.bytes.subarray(0, DEST_PREFIX_LEN), prefix);
}

/** The DHT key to look an address up by: its 15 NodeID bytes, then zeros. */
const targetOf = (prefix: Uint8Array): Uint8Array => {
  const t = new Uint8Array(32);
  t.set(prefix);
  return t;
};

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** p, or a NoRouteError after ms (p keeps running; its result is then ignored). */
export function withTimeout<T>(runtime: Runtime, p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = runtime.clock.setTimer(ms, () => reject(new NoRouteError(`${what} took over ${ms} ms`)));
    p.then(
      (v) => {
        t.cancel();
        resolve(v);
      },
      (e) => {
        t.cancel();
        reject(e);
      },
    );
  });
}
